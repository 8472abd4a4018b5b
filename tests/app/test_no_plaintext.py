"""No byte of a resident's name, ID number or phone is readable in any file under the data dir."""

import json
from pathlib import Path

from app.services import records, residents
from forms.examples import example

NAME, ID_NUMBER, PHONE = "欧阳春燕", "110105195103082025", "13987654321"


def needles() -> dict[bytes, str]:
    out = {}
    for text in (NAME, ID_NUMBER, PHONE):
        for enc in ("utf-8", "utf-16-le", "utf-16-be", "gb18030"):
            out[text.encode(enc)] = text
    out[json.dumps(NAME).encode()] = NAME  # \\u escapes
    return out


def scan(folder: Path) -> set[tuple[str, str]]:
    found = set()
    for path in folder.rglob("*"):
        if path.is_file():
            raw = path.read_bytes()
            found |= {(path.name, text) for n, text in needles().items() if n in raw}
    return found


def test_scan_finds_plaintext_when_it_is_there(tmp_path):
    (tmp_path / "leak.txt").write_text(f"{NAME} {PHONE}", "utf-8")
    (tmp_path / "leak16.txt").write_text(ID_NUMBER, "utf-16-le")
    assert scan(tmp_path) == {("leak.txt", NAME), ("leak.txt", PHONE), ("leak16.txt", ID_NUMBER)}


def test_no_personal_data_in_clear_anywhere(store, data_dir):
    r = residents.add(store, {"name": NAME, "id_number": ID_NUMBER, "phone": PHONE})
    doc = example("htn_followup")
    records.add(store, r["uuid"], "htn_followup", doc, confirmed=True)  # no diagnosis: confirmed
    residents.update(store, r["uuid"], {"address": "东村3组"})
    residents.find(store, "oycy")
    # Uncheckpointed WAL and the checkpointed database both count: scan before and after closing.
    assert (data_dir / "cunyi.db-wal").exists()
    assert scan(data_dir) == set()
    store.close()
    assert scan(data_dir) == set()
