"""Printing from the store: real PDFs, audited, ID masked on cards, whole villages in one file."""

import json
import subprocess

import pytest

from app.services import audit, printing, records, residents
from forms.examples import example


def pdftext(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip


@pytest.fixture
def patient(store):
    r = residents.add(store, {"name": "王秀兰", "id_number": "110105195103082025", "phone": "13800138000"})
    for date, sbp in (("2026-01-10", 150), ("2026-04-12", 142)):
        doc = example("htn_followup")
        doc.update(visit_date=date, sbp=sbp, next_visit_date=None)
        records.add(store, r["uuid"], "htn_followup", {k: v for k, v in doc.items() if v is not None},
                    confirmed=True)  # no diagnosis on file: confirmed
    return r


def prints(store):
    return [e for e in audit.entries(store) if e["action"] == "print"]


def test_card_is_printed_and_audited(store, patient, tmp_path):
    out = tmp_path / "card.pdf"
    pages = printing.print_cards(store, [patient["record_no"]], out)
    text = pdftext(out)
    assert pages == 2 and "王秀兰" in text and patient["record_no"] in text
    entry = prints(store)[-1]
    assert (entry["entity_uuid"], entry["detail"]["what"], entry["user"]) == (patient["uuid"], "card", "admin")


def test_masked_print_shows_only_last_four_id_digits(store, patient, tmp_path):
    printing.print_form(store, "personal_info", [patient["uuid"]], tmp_path / "full.pdf")
    printing.print_form(store, "personal_info", [patient["uuid"]], tmp_path / "masked.pdf", mask_id=True)
    full, masked = pdftext(tmp_path / "full.pdf"), pdftext(tmp_path / "masked.pdf")
    digits = "".join(ch for ch in full if ch.isdigit() or ch == " ")
    assert "110105195103082025" in full.replace(" ", "") or "1 1 0 1 0 5" in digits
    assert "110105195103082025" not in masked.replace(" ", "") and "2025" in masked


def test_followup_form_prints_the_visits(store, patient, tmp_path):
    out = tmp_path / "htn.pdf"
    printing.print_form(store, "htn_followup", [patient["uuid"]], out)
    text = pdftext(out)
    assert "高血压患者随访服务记录表" in text and "150" in text and "142" in text
    assert "101-00001" in text.replace(" ", "")  # 编号 □□□-□□□□□: the last 8 digits


def test_village_booklet_streams_everyone(store, patient, tmp_path):
    other = residents.add(store, {"name": "李建国", "sex": "1", "birth_date": "1950-02-03"})
    out = tmp_path / "village.pdf"
    seen = []
    pages = printing.print_booklets(store, None, out, village="101", progress=lambda d, t: seen.append((d, t)))
    text = pdftext(out)
    assert "王秀兰" in text and "李建国" in text and "第2页" in text.replace(" ", "")
    assert seen[-1] == (2, 2) and pages >= 4
    assert {e["entity_uuid"] for e in prints(store)} == {patient["uuid"], other["uuid"]}


def test_empty_village_is_refused(store, tmp_path):
    from app.errors import InvalidInput

    with pytest.raises(InvalidInput, match="没有在册居民"):
        printing.print_booklets(store, None, tmp_path / "x.pdf", village="199")
    assert not (tmp_path / "x.pdf").exists()


def test_print_commands(cli, patient, tmp_path):
    out = tmp_path / "b.pdf"
    res = cli("print", "booklet", patient["record_no"], "-o", str(out), "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["pages"] >= 3 and "王秀兰" in pdftext(out)
    assert cli("print", "card", "-o", str(tmp_path / "c.pdf")).returncode == 2  # no target
    bad = cli("print", "form", "no_such_form", patient["uuid"], "-o", str(tmp_path / "f.pdf"))
    assert bad.returncode in (3, 5) and "Traceback" not in bad.stderr
    assert not (tmp_path / "f.pdf").exists() and not (tmp_path / "f.pdf.part").exists()


def test_forms_commands(cli):
    listed = json.loads(cli("forms", "list", "--json").stdout)
    assert {"cover", "personal_info", "health_exam", "htn_followup", "dm_followup", "elderly_selfcare",
            "encounter", "consultation", "referral", "info_card"} <= {f["code"] for f in listed}
    shown = json.loads(cli("forms", "show", "dm_followup", "--json").stdout)
    keys = {f["key"] for s in shown["sections"] for f in s["fields"]}
    assert {"visit_date", "fasting_glucose", "sbp", "dbp", "classification"} <= keys
    assert cli("forms", "show", "nope").returncode == 5
