"""The cover and the record card printed from the store: what they carry comes from the resident's
data, records and the institution (never from who prints or when), and saved cover/card records
print as saved."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from app.services import printing, records, residents
from forms.examples import example


def layout_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip


def line_of(text: str, label: str) -> str:
    """The value on the line of `label` on the cover (what follows the label's colon)."""
    for line in text.splitlines():
        if re.search(rf"(^|\s){re.escape(label)}：", line):
            return line.split(f"{label}：", 1)[1].strip()
    raise AssertionError(f"{label} not on the page:\n{text}")


@pytest.fixture
def villager(store):
    r = residents.add(store, {
        "name": "刘桂芝", "id_number": "110105195103082025", "phone": "13800138000",
        "address": "北京市朝阳区东风镇柳树村3组12号", "residence_type": "1",
        "visit_date": "2019-05-06",
    })  # fmt: skip
    exam = example("health_exam")
    exam.update(visit_date="2024-03-20", doctor="李卫东")
    records.add(store, r["uuid"], "health_exam", exam)
    follow = example("htn_followup")  # a hypertension follow-up: the resident is on the htn list
    follow.update(visit_date="2025-01-10", next_visit_date=None)
    records.add(store, r["uuid"], "htn_followup", {k: v for k, v in follow.items() if v is not None},
                confirmed=True)  # no diagnosis on file: confirmed, as the doctor would  # fmt: skip
    return r


def test_cover_prints_the_records_facts(store, villager, tmp_path: Path) -> None:
    out = tmp_path / "cover.pdf"
    printing.print_covers(store, [villager["uuid"]], out)
    text = layout_text(out)
    assert "居民健康档案" in text and "封面" not in text  # the standard's title
    assert line_of(text, "姓名") == "刘桂芝"
    assert line_of(text, "现住址") == "北京市朝阳区东风镇柳树村3组12号"
    assert line_of(text, "户籍地址") == "北京市朝阳区东风镇柳树村3组12号"  # 常住类型 户籍
    assert line_of(text, "乡镇（街道）名称") == "东风镇"
    assert line_of(text, "村（居）委会名称") == "柳树村"
    assert line_of(text, "建档单位") == "测试村卫生室"
    assert line_of(text, "建档人") == "王医生"  # who registered the resident (display name)
    assert line_of(text, "责任医生") == "李卫东"  # the 健康体检表's 责任医生, not the printer
    assert line_of(text, "建档日期").replace(" ", "") == "2019年05月06日"  # 填表日期, not entry


def test_a_saved_cover_record_is_what_prints(store, villager, tmp_path: Path) -> None:
    cover = example("cover")
    cover.update(record_no=villager["record_no"], name="刘桂芝", hukou_address="河北省正定县某村",
                 township_name="城关镇", village_name="柳树村村民委员会", creator="赵护士",
                 doctor="孙医生", institution="东风镇卫生院", visit_date="2018-02-03")  # fmt: skip
    records.add(store, villager["uuid"], "cover", cover)
    out = tmp_path / "cover.pdf"
    printing.print_covers(store, [villager["uuid"]], out)
    text = layout_text(out)
    assert line_of(text, "户籍地址") == "河北省正定县某村"
    assert line_of(text, "乡镇（街道）名称") == "城关镇"
    assert line_of(text, "村（居）委会名称") == "柳树村村民委员会"
    assert line_of(text, "建档单位") == "东风镇卫生院"
    assert line_of(text, "建档人") == "赵护士"
    assert line_of(text, "责任医生") == "孙医生"
    assert line_of(text, "建档日期").replace(" ", "") == "2018年02月03日"


def test_a_synced_resident_prints_no_sync_account_as_creator(store, tmp_path: Path) -> None:
    r = residents.add(store, {"name": "周建华", "sex": "1", "birth_date": "1960-01-02"})
    with store.session(write=True) as s:
        from app.db.models import Resident

        s.get(Resident, r["uuid"]).created_by = "sync"  # pulled from the county server
    out = tmp_path / "cover.pdf"
    printing.print_covers(store, [r["uuid"]], out)
    text = layout_text(out)
    assert "sync" not in text
    assert "建档人：" in text and line_of(text, "建档人") == ""


def test_card_ticks_the_key_populations_and_fills_the_address(store, villager, tmp_path) -> None:
    out = tmp_path / "card.pdf"
    printing.print_cards(store, [villager["uuid"]], out, page="card")
    front, back = layout_text(out).split("\f")[:2]
    assert re.search(r"√\s*高血压", front)  # from the htn follow-up (resident tag htn)
    assert not re.search(r"√\s*糖尿病", front) and not re.search(r"√\s*无", front)
    assert "家庭住址：北京市朝阳区东风镇柳树村3组12号" in back.replace(" ", "")
    assert "李卫东" in back  # 责任医生或护士 as on the cover


def test_a_saved_card_record_is_what_prints(store, villager, tmp_path: Path) -> None:
    card = {"name": "刘桂芝", "record_no": villager["record_no"], "allergies": "花粉",
            "emergency_contact": "刘大勇", "emergency_phone": "13912345678",
            "notes": "行动不便，请上门随访"}  # fmt: skip
    records.add(store, villager["uuid"], "info_card", card)
    out = tmp_path / "card.pdf"
    printing.print_cards(store, [villager["uuid"]], out, page="card")
    text = layout_text(out).replace(" ", "")
    assert "过敏史：花粉" in text and "刘大勇" in text and "行动不便，请上门随访" in text


def test_rare_name_prints_and_a_private_use_character_is_refused_by_the_cli(
    store, cli, tmp_path: Path
) -> None:
    r = residents.add(store, {"name": "王䶮𬌗𠮷", "sex": "1", "birth_date": "1960-01-02"})
    ok = cli("print", "card", r["record_no"], "-o", str(tmp_path / "ok.pdf"))
    assert ok.returncode == 0, ok.stderr
    assert "王䶮𬌗𠮷" in layout_text(tmp_path / "ok.pdf")
    with store.session(write=True) as s:  # as an older version or an import may have stored it
        from app.db.models import Resident

        s.get(Resident, r["uuid"]).address = "东风镇\ue000村"
    bad = cli("print", "cover", r["record_no"], "-o", str(tmp_path / "bad.pdf"))
    assert bad.returncode == 3 and "Traceback" not in bad.stderr
    assert "现住址" in bad.stderr and "U+E000" in bad.stderr and "无法打印" in bad.stderr
    assert not (tmp_path / "bad.pdf").exists()
    from app.errors import InvalidInput

    with pytest.raises(InvalidInput, match="现住址"):
        printing.print_booklets(store, [r["uuid"]], tmp_path / "b.pdf")


def test_signature_cells_follow_the_setting(store, villager, tmp_path: Path) -> None:
    from app.errors import InvalidInput
    from app.services import settings

    def followup_text() -> str:
        out = tmp_path / "htn.pdf"
        printing.print_form(store, "htn_followup", [villager["uuid"]], out)
        return layout_text(out).replace(" ", "")

    signer = example("htn_followup")["doctor"]
    assert settings.get_all(store)["print_typed_signatures"] is False
    assert signer not in followup_text()  # left empty for the doctor's hand
    settings.put(store, {"print_typed_signatures": True})
    assert signer in followup_text()
    with pytest.raises(InvalidInput, match="签名栏打印医生姓名"):
        settings.put(store, {"print_typed_signatures": "是"})
    assert settings.get_all(store)["print_typed_signatures"] is True
