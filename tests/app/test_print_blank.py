"""Blank sheets for home visits: the form under the resident's name and number, every option and
□ printed, no value written; audited like every print; a round pack in the order asked."""

import json
import re
import subprocess

from app.services import audit, printing, records, residents
from forms import get_form
from forms.examples import example


def pdftext(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip


def squeeze(s: str) -> str:
    return re.sub(r"\s+", "", s)


def with_visits(store):
    r = residents.add(
        store, {"name": "王秀兰", "id_number": "110105195103082025", "phone": "13800138000"}
    )
    doc = example("htn_followup")
    doc.update(visit_date="2026-01-10", sbp=163, dbp=97, next_visit_date=None)
    records.add(store, r["uuid"], "htn_followup", {k: v for k, v in doc.items() if v is not None},
                confirmed=True)  # no diagnosis on file: confirmed  # fmt: skip
    return r, doc


def test_cli_prints_a_blank_follow_up_sheet(cli, store, tmp_path):
    r, doc = with_visits(store)
    out = tmp_path / "blank.pdf"
    res = cli("print", "form", "htn_followup", r["record_no"], "--blank", "-o", str(out), "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["pages"] == 1
    text = pdftext(out)
    flat = squeeze(text)
    # the resident's header
    assert "王秀兰" in text and r["record_no"][-8:-5] + "-" + r["record_no"][-5:] in flat
    # no value of the saved visit
    for value in ("163", "97", doc["symptoms_other"], doc["signs_other"], "2026年01月10日"):
        assert squeeze(str(value)) not in flat, value
    # every visit column shows the options that print in it: 4 columns
    form = get_form("htn_followup")
    for table in ("visit_method", "adherence", "classification"):
        for c in form.code_tables[table].codes:
            assert flat.count(f"{c.code}{c.label}") == 4, (table, c)
    assert flat.count("每日次每次mg") == 16  # 4 medication rows x 4 visits, to fill in
    entries = [e for e in audit.entries(store) if e["action"] == "print"]
    assert entries[-1]["entity_uuid"] == r["uuid"]
    assert entries[-1]["detail"]["what"] == "form:htn_followup" and entries[-1]["detail"]["blank"]


def test_blank_sheet_boxes_are_empty_and_record_refused(cli, store, tmp_path):
    r, _doc = with_visits(store)
    out = tmp_path / "exam.pdf"
    res = cli("print", "form", "health_exam", r["record_no"], "--blank", "-o", str(out))
    assert res.returncode == 0, res.stderr
    text = pdftext(out)
    form = get_form("health_exam")
    flat = squeeze(text)
    for table in ("lips", "skin", "rhythm", "evaluation"):
        opts = "".join(f"{c.code}{c.label}" for c in form.code_tables[table].codes)
        assert opts in flat, table
    assert "王秀兰" in text
    # the □ boxes are drawn empty: no code digit stands after an option list
    assert "1红润2苍白3发绀4皲裂5疱疹1" not in flat
    rec = records.list_for(store, r["uuid"], "htn_followup")[0]["uuid"]
    bad = cli("print", "form", "htn_followup", r["record_no"], "--blank", "--record", rec,
              "-o", str(tmp_path / "x.pdf"))  # fmt: skip
    assert bad.returncode != 0 and "空白" in bad.stderr and not (tmp_path / "x.pdf").exists()


def test_round_pack_keeps_the_order_asked(store, tmp_path):
    a = residents.add(store, {"name": "赵大山", "sex": "1", "birth_date": "1950-02-03"})
    b = residents.add(store, {"name": "钱小梅", "sex": "2", "birth_date": "1952-05-06"})
    out = tmp_path / "pack.pdf"
    pages = printing.print_blanks(
        store, [("htn_followup", b["uuid"]), ("dm_followup", a["uuid"])], out
    )
    pages_text = pdftext(out).split("\f")
    assert pages == 2
    assert "钱小梅" in pages_text[0] and "高血压患者随访服务记录表" in pages_text[0]
    assert "赵大山" in pages_text[1] and "2型糖尿病患者随访服务记录表" in pages_text[1]


def test_cover_and_card_have_no_blank_sheet(store, tmp_path):
    import pytest

    from app.errors import InvalidInput

    r, _doc = with_visits(store)
    before = len(audit.entries(store))
    for form in ("cover", "info_card"):
        with pytest.raises(InvalidInput, match="没有空白表") as e:
            printing.print_form(store, form, [r["uuid"]], tmp_path / "x.pdf", blank=True)
        assert "表单代码" in str(e.value)
    assert not (tmp_path / "x.pdf").exists() and len(audit.entries(store)) == before


def test_round_pack_reports_progress_and_stops_when_cancelled(store, tmp_path):
    people = [residents.add(store, {"name": name, "sex": "1", "birth_date": "1950-02-03"})
              for name in ("孙一", "孙二", "孙三")]  # fmt: skip
    seen = []
    pages = printing.print_blanks(store, [("htn_followup", p["uuid"]) for p in people],
                                  tmp_path / "all.pdf", progress=lambda d, t: seen.append((d, t)))  # fmt: skip
    assert pages == 3 and seen == [(1, 3), (2, 3), (3, 3)]
    before = len([e for e in audit.entries(store) if e["action"] == "print"])
    stop = iter([False, True, True])
    pages = printing.print_blanks(store, [("htn_followup", p["uuid"]) for p in people],
                                  tmp_path / "part.pdf", cancelled=lambda: next(stop))  # fmt: skip
    audited = [e for e in audit.entries(store) if e["action"] == "print"][before:]
    assert pages == 1 and [e["entity_uuid"] for e in audited] == [people[0]["uuid"]]


def test_a_blank_referral_is_the_paper_letter_under_the_residents_name(cli, store, tmp_path):
    r, _doc = with_visits(store)
    out = tmp_path / "referral.pdf"
    res = cli("print", "form", "referral", r["record_no"], "--blank", "-o", str(out))
    assert res.returncode == 0, res.stderr
    flat = squeeze(pdftext(out))
    assert "存根" in flat and r["record_no"] in flat  # the stub keeps the 档案编号
    assert "现有患者王秀兰" in flat and "需转入贵单位，请予以接诊" in flat
    assert "双向转诊（回转）单" in flat
