"""Child forms in a real encrypted store (issue 15): they fit children under 7, a check recorded
in the column of another age or a second record for one column is asked about, and a child's
booklet prints the newborn sheet instead of the adult's 个人基本信息表."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest

from app.services import form_fit, printing, records, residents
from app.services import record_warnings as rw
from forms.definitions.child import add_months
from forms.examples import example
from forms.pdf.booklet import resident_parts

TODAY = dt.date.today()
BIRTH = add_months(TODAY, -12) - dt.timedelta(days=10)  # 12 months 10 days: the 12月龄 column


def pdftext(path) -> str:
    return subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout.replace(" ", "")  # fmt: skip


@pytest.fixture
def child(store):
    return residents.add(store, {"name": "赵丽之男", "sex": "1", "birth_date": BIRTH.isoformat(),
                                 "address": "李家村3组12号"})  # fmt: skip


def check(slot: str, day: dt.date, **changes) -> dict:
    doc = example("child_12_30m") | {"slot": slot, "visit_date": day.isoformat(),
                                     "next_visit_date": None, "hemoglobin": None, "gait": None}  # fmt: skip
    doc.update(changes)
    return {k: v for k, v in doc.items() if v is not None}


def test_child_forms_fit_children_only():
    kid = {"tags": "", "birth_date": BIRTH.isoformat(), "sex": "1"}
    adult = {"tags": "", "birth_date": "1990-01-01", "sex": "2"}
    fitting = form_fit.fitting_visit_forms(kid)
    assert {"newborn_visit", "child_1_8m", "child_12_30m", "child_3_6y", "child_tcm"} <= set(fitting)
    assert fitting[0] == "child_12_30m"  # the sheet of a 12-month-old comes first
    for days, first in ((10, "newborn_visit"), (100, "child_1_8m"), (1500, "child_3_6y")):
        born = {"birth_date": (TODAY - dt.timedelta(days=days)).isoformat(), "sex": "2"}
        assert form_fit.fitting_visit_forms(born)[0] == first
    assert form_fit.fitting_visit_forms(adult)[0] == "health_exam"
    assert "0～6岁" in form_fit.why_not(adult, "child_3_6y")
    seven = {"birth_date": (TODAY.replace(year=TODAY.year - 7) - dt.timedelta(days=1)).isoformat()}
    assert "7岁" in form_fit.why_not(seven, "child_tcm")


@pytest.mark.parametrize(("form", "slot", "birth", "day", "asked"), [
    ("child_12_30m", "12", "2024-01-15", "2025-01-15", False),  # 12 months 0 days
    ("child_12_30m", "12", "2024-01-15", "2025-02-14", False),  # 12 months 30 days (Jan has 31)
    ("child_12_30m", "12", "2024-01-15", "2025-02-15", True),   # 13 months
    ("child_12_30m", "18", "2024-01-15", "2025-01-20", True),
    ("child_1_8m", "1", "2024-01-15", "2024-02-12", False),     # day 28
    ("child_1_8m", "1", "2024-01-15", "2024-02-11", True),      # day 27
    ("child_3_6y", "36", "2021-03-01", "2024-03-01", False),
    ("child_3_6y", "36", "2021-03-01", "2025-02-28", False),    # 3岁11个月
    ("child_3_6y", "48", "2021-03-01", "2025-02-28", True),
    ("child_tcm", "6", "2024-01-15", "2024-07-20", False),
])  # fmt: skip
def test_a_check_at_another_age_is_asked(form, slot, birth, day, asked):
    facts = rw.ResidentFacts("1", birth)
    doc = {"slot": slot, "visit_date": day}
    got = rw.warnings_for(form, doc, facts, today=dt.date.fromisoformat(day))
    assert [w.code for w in got] == (["slot_age"] if asked else [])
    if asked:
        assert "请核对" in got[0].reason and got[0].key == "slot"


def test_second_record_for_one_column_is_asked_and_the_later_prints(store, child, tmp_path):
    first = TODAY - dt.timedelta(days=5)
    records.add(store, child["uuid"], "child_12_30m", check("12", first, weight_kg=9.45))
    with pytest.raises(rw.NeedsConfirmation) as e:
        records.add(store, child["uuid"], "child_12_30m", check("12", TODAY, weight_kg=9.85))
    (w,) = e.value.warnings
    assert w.code == "same_slot" and "12月龄" in w.reason and first.isoformat() in w.reason
    assert "较晚" in w.reason
    records.add(store, child["uuid"], "child_12_30m", check("12", TODAY, weight_kg=9.85), confirmed=True)
    out = tmp_path / "c.pdf"
    printing.print_form(store, "child_12_30m", [child["record_no"]], out)
    text = pdftext(out)
    assert "9.85" in text and "9.45" not in text
    # a slot in the wrong age window is asked too
    with pytest.raises(rw.NeedsConfirmation) as e:
        records.add(store, child["uuid"], "child_12_30m", check("24", TODAY))
    assert [w.code for w in e.value.warnings] == ["slot_age"]


def test_a_childs_booklet_prints_the_newborn_sheet_not_the_adult_form(store, child, tmp_path):
    nb = example("newborn_visit") | {"birth_date": BIRTH.isoformat(),
                                     "visit_date": (BIRTH + dt.timedelta(days=8)).isoformat(),
                                     "next_visit_date": None, "father_birth_date": "1990-01-02"}  # fmt: skip
    records.add(store, child["uuid"], "newborn_visit", {k: v for k, v in nb.items() if v is not None})
    adult = residents.add(store, {"name": "王秀兰", "id_number": "110105195103082025"})
    out = tmp_path / "b.pdf"
    printing.print_booklets(store, [child["record_no"], adult["record_no"]], out)
    text = pdftext(out)
    kid, grown = text.split("王秀兰", 1)[0], text.split("王秀兰", 1)[1]
    assert "新生儿家庭访视记录表" in kid and "个人基本信息表" not in kid
    assert "个人基本信息表" in grown and "新生儿家庭访视记录表" not in grown


def test_the_child_rule_at_its_boundaries():
    res = {"name": "小明", "birth_date": "2019-06-30", "sex": "1", "doc": {"name": "小明"}}
    titles = lambda today, recs=(): [t for t, _p in resident_parts(res, list(recs), today=today)]  # noqa: E731
    assert titles(dt.date(2026, 6, 29)) == ["新生儿家庭访视记录表"]  # 6 years, 364 days
    assert titles(dt.date(2026, 6, 30)) == ["个人基本信息表"]  # 7 today
    newborn = {"form": "newborn_visit", "visit_date": "2019-07-08", "doc": {"visit_date": "2019-07-08"}}
    assert titles(dt.date(2030, 1, 1), [newborn]) == ["新生儿家庭访视记录表"]  # has the newborn form
    blank_birth = {"name": "无名", "doc": {"name": "无名"}}
    assert [t for t, _p in resident_parts(blank_birth, [], today=dt.date(2026, 1, 1))] == ["个人基本信息表"]
