"""The issue-16 schedules on a real encrypted database (app/services/due.py over the rules
table): 严重精神障碍 follow-ups and annual exam, the TB first visit after the 既往史 确诊
notification, supervision and the end of treatment, the yearly TCM assessment; each listed
from its due day and not the day before, with its Chinese reason; `cunyi due` prints them."""

from __future__ import annotations

import datetime as dt

import pytest

from app.services import due, records, residents
from app.store import Store
from forms.examples import example
from forms.idnumber import make

AREA = "420106001001"
TODAY = dt.date.today()


@pytest.fixture
def store(tmp_path):
    s, _ = Store.create(tmp_path / "d", area=AREA, institution_name="测试村卫生室", user="admin",
                        password="secret1-pw")  # fmt: skip
    yield s
    s.close()


SEQ = iter(range(201, 999, 2))


def add(store, name, birth="1980-04-04", **extra):
    seq = next(SEQ)
    data = {"name": name, "sex": "1", "birth_date": birth,
            "id_number": make("420106", dt.date.fromisoformat(birth), seq)} | extra  # fmt: skip
    return residents.add(store, data, allow_similar=True)["uuid"]


def record(store, who, form, days_ago, **changes):
    d = example(form) | {"visit_date": (TODAY - dt.timedelta(days=days_ago)).isoformat()}
    for k in ("next_visit_date", "pickup_date", "stop_date", "stop_reason"):
        d.pop(k, None)
    d.update(changes)
    records.add(store, who, form, d, confirmed=True)


def item(store, who, rule):
    got = [i for i in due.for_resident(store, who) if i["rule"] == rule]
    assert len(got) == 1, got
    return got[0]


def boundary(store, who, rule, expected: dt.date) -> None:
    """Listed up to the expected date, not up to the day before."""
    assert item(store, who, rule)["due_date"] == expected.isoformat()

    def listed(day: dt.date) -> bool:
        return any(i["resident"]["uuid"] == who and i["rule"] == rule
                   for i in due.list_due(store, until=day.isoformat()))  # fmt: skip

    assert not listed(expected - dt.timedelta(days=1))
    assert listed(expected)


def test_smi_classification_sets_the_next_visit_and_the_annual_exam(store):
    stable, unstable, basic = (add(store, n, past_diseases=[{"code": "8"}]) for n in ("稳甲", "不稳乙", "基丙"))
    record(store, stable, "smi_followup", 10, classification="3", risk_level="0")
    record(store, unstable, "smi_followup", 10, classification="1", risk_level="4")
    record(store, basic, "smi_followup", 3, classification="2", risk_level="1")
    boundary(store, stable, "smi_followup", due.add_months(TODAY - dt.timedelta(days=10), 3))
    boundary(store, unstable, "smi_followup", TODAY + dt.timedelta(days=4))
    boundary(store, basic, "smi_followup", TODAY + dt.timedelta(days=11))
    assert item(store, unstable, "smi_followup")["reason"] == "上次随访分类为不稳定，应立即转诊；未住院者2周内随访"
    assert item(store, basic, "smi_followup")["item"] == "严重精神障碍随访（基本稳定）"
    # the annual exam is due to every SMI patient, whatever the age
    assert item(store, stable, "annual_exam")["form"] == "health_exam"


def test_tb_first_visit_within_72_hours_of_the_notification(store):
    notified = TODAY - dt.timedelta(days=1)
    p = add(store, "结核甲", past_diseases=[{"code": "9", "diagnosed": notified.isoformat()}])
    old = add(store, "结核旧", past_diseases=[{"code": "9", "diagnosed": "2001-05"}])
    boundary(store, p, "tb_first_visit", notified + dt.timedelta(days=3))
    assert item(store, p, "tb_first_visit")["reason"] == f"{notified.isoformat()}确诊通知，72小时内首次入户随访"
    assert [i for i in due.for_resident(store, old) if i["programme"] == "tb"] == []
    record(store, p, "tb_first_visit", 0, supervisor="2")
    rules = {i["rule"] for i in due.for_resident(store, p)}
    assert "tb_first_visit" not in rules and {"tb_supervision", "tb_end"} <= rules


def test_tb_supervision_by_supervisor_and_phase_and_the_end_of_treatment(store):
    family, staff = add(store, "家督"), add(store, "医督")
    record(store, family, "tb_first_visit", 5, supervisor="2", patient_type="1")
    record(store, staff, "tb_first_visit", 5, supervisor="1", patient_type="1")
    start = TODAY - dt.timedelta(days=5)
    boundary(store, family, "tb_supervision", start + dt.timedelta(days=10))
    assert "每10天随访1次" in item(store, family, "tb_supervision")["reason"]
    boundary(store, staff, "tb_supervision", due.add_months(start, 1))
    boundary(store, family, "tb_end", due.add_months(start, 6))
    # the stop recorded on the last column ends both
    record(store, family, "tb_followup", 1, supervisor="2", stop_date=(TODAY - dt.timedelta(days=1)).isoformat(),
           stop_reason="1")
    assert {i["rule"] for i in due.for_resident(store, family)} & {"tb_supervision", "tb_end"} == set()


def test_elderly_tcm_yearly_with_the_exam(store):
    old = add(store, "老中医", "1950-02-02")
    young = add(store, "年轻人", "1990-02-02")
    assert "与年度健康体检一并提供" in item(store, old, "elderly_tcm")["reason"]
    assert due.for_resident(store, young) == []
    record(store, old, "elderly_tcm", 30)
    boundary(store, old, "elderly_tcm", due.add_months(TODAY - dt.timedelta(days=30), 12))


def test_cunyi_due_prints_the_new_items(store):
    import json

    from tests.app.opshelp import cli

    p = add(store, "命令行", past_diseases=[{"code": "8"}])
    record(store, p, "smi_followup", 20, classification="1", risk_level="3")
    store.close()
    r = cli(store.data_dir, "due", "--programme", "smi", "--json", password="secret1-pw")
    assert r.returncode == 0, r.stderr
    [got] = json.loads(r.stdout)
    assert (got["item"], got["overdue_days"], got["form"]) == ("严重精神障碍随访（不稳定）", 6, "smi_followup")
    assert got["reason"] == "上次随访分类为不稳定，应立即转诊；未住院者2周内随访"
    r = cli(store.data_dir, "due", "--programme", "smi", password="secret1-pw")
    assert r.returncode == 0 and "应立即转诊" in r.stdout, r.stderr
