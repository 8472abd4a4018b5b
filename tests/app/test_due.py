"""Due list rules (app/services/due.py) on a real encrypted database."""

from __future__ import annotations

import datetime as dt

import pytest

from app.services import due, lifecycle, records, residents
from app.store import Store
from forms.idnumber import make

AREA = "420106001001"


@pytest.fixture
def store(tmp_path):
    s, _ = Store.create(tmp_path / "d", area=AREA, institution_name="测试村卫生室", user="admin",
                        password="secret1-pw")  # fmt: skip
    yield s
    s.close()


def add(store, name, birth, seq, **extra):
    data = {"name": name, "sex": "1" if seq % 2 else "2", "birth_date": birth,
            "id_number": make("420106", dt.date.fromisoformat(birth), seq)}  # fmt: skip
    data.update(extra)
    return residents.add(store, data, allow_similar=True)["uuid"]


def kinds(items, uuid):
    return sorted(i["kind"] for i in items if i["resident"]["uuid"] == uuid)


def test_quarterly_followup_and_next_visit_date(store, monkeypatch):
    today = dt.date.today()
    htn = add(store, "高血压甲", "1970-03-01", 11, past_diseases=[{"code": "2"}])
    plain = add(store, "健康乙", "1990-05-05", 13)
    # never followed up: due now
    assert kinds(due.list_due(store), htn) == ["htn_followup"]
    assert kinds(due.list_due(store), plain) == []
    # seen today: next due in three months, not listed this month
    records.add(store, htn, "htn_followup", {"visit_date": today.isoformat(), "sbp": 130, "dbp": 80,
                                             "classification": "1"})  # fmt: skip
    in_a_month = (today + dt.timedelta(days=31)).isoformat()
    assert kinds(due.list_due(store, until=in_a_month), htn) == []
    quarter = due.add_months(today, 3)
    item = [i for i in due.list_due(store, until=quarter.isoformat()) if i["resident"]["uuid"] == htn]
    assert item and item[0]["due_date"] == quarter.isoformat() and not item[0]["overdue"]
    # a next_visit_date written at the visit wins over the quarterly rule
    soon = today + dt.timedelta(days=14)
    records.add(store, htn, "htn_followup", {"visit_date": today.isoformat(), "sbp": 130,
                                             "dbp": 80, "classification": "1",
                                             "next_visit_date": soon.isoformat()},
                confirmed=True)  # a second visit the same day: asked, and confirmed here  # fmt: skip
    assert due.for_resident(store, htn)[0]["due_date"] == soon.isoformat()


def test_elderly_annual_exam_and_status(store):
    old = add(store, "老人丙", "1950-01-01", 15)
    young = add(store, "青年丁", "2000-01-01", 17)
    items = due.list_due(store)
    assert kinds(items, old) == ["health_exam"]
    assert kinds(items, young) == []
    lifecycle.set_status(store, old, "moved", reason="迁往县城")
    assert kinds(due.list_due(store), old) == []


def test_village_filter(store):
    a = add(store, "甲村人", "1950-02-02", 21, village="001")
    b = add(store, "乙村人", "1950-02-02", 23, village="002")
    assert kinds(due.list_due(store, village="002"), a) == []
    assert kinds(due.list_due(store, village="002"), b) == ["health_exam"]


def test_add_months_clamps_to_month_end():
    assert due.add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
    assert due.add_months(dt.date(2026, 5, 31), 3) == dt.date(2026, 8, 31)
    assert due.add_months(dt.date(2026, 12, 15), 12) == dt.date(2027, 12, 15)


def test_empty_next_visit_date_leaves_it_to_the_quarterly_rule(store):
    """下次随访日期 is optional on a final follow-up: left empty ("" from a cleared field, or
    absent) the schedule decides; a draft never moves the due date."""
    today = dt.date.today()
    htn = add(store, "高血压戊", "1972-03-01", 31, past_diseases=[{"code": "2"}])
    records.add(store, htn, "htn_followup", {"visit_date": today.isoformat(), "sbp": 150, "dbp": 92,
                                             "classification": "2", "next_visit_date": ""})  # fmt: skip
    assert due.for_resident(store, htn)[0]["due_date"] == due.add_months(today, 3).isoformat()
    soon = (today + dt.timedelta(days=3)).isoformat()
    records.add(store, htn, "htn_followup", {"visit_date": today.isoformat(), "next_visit_date": soon},
                status="draft")
    assert due.for_resident(store, htn)[0]["due_date"] == due.add_months(today, 3).isoformat()
