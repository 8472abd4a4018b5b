"""The standard's schedule and indicator rules as forms holds them (forms/rules, forms/schedule,
forms/indicators): no store, no app error, so the county server counts with the same code. A bad
table is a TableError naming the table, the rule and the field; the clinic's RulesError says the
same words."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from forms import indicators, rules, schedule

ROOT = Path(__file__).resolve().parent.parent.parent


def raw() -> dict:
    return json.loads((rules.HERE / "ed2017.json").read_text("utf-8"))


def test_table_error_names_table_rule_and_field():
    d = raw()
    d["rules"][0]["recheck_days"] = 0
    with pytest.raises(rules.TableError) as e:
        rules.validate(d)
    assert (e.value.table, e.value.rule, e.value.field) == ("ed2017", "htn_followup", "recheck_days")
    assert str(e.value) == "规则表 ed2017：规则 htn_followup 的字段 recheck_days：须为正整数，现为 0"
    d = raw()
    d["populations"]["elderly"]["min_age"] = "65"
    with pytest.raises(rules.TableError) as e:
        rules.validate(d)
    assert (e.value.rule, e.value.field) == ("elderly", "min_age")
    assert str(e.value) == "规则表 ed2017：人群 elderly 的字段 min_age：须为正整数"


def test_clinic_reports_the_same_words_as_its_data_error():
    from app import rules as app_rules
    from app.errors import DataError

    d = raw()
    d["indicators"][7]["requires"] = ["nothing"]
    with pytest.raises(rules.TableError) as shared:
        rules.validate(d)
    with pytest.raises(app_rules.RulesError) as clinic:
        app_rules.validate(d)
    assert isinstance(clinic.value, DataError) and not isinstance(shared.value, DataError)
    assert str(clinic.value) == str(shared.value)
    assert "指标 elderly_mgmt 的字段 requires：未定义的规则 nothing" in str(clinic.value)
    assert (clinic.value.table, clinic.value.rule, clinic.value.field) == ("ed2017", "elderly_mgmt", "requires")


def test_bad_year_names_the_field():
    assert indicators.year_bounds(2026) == ("2026-01-01", "2026-12-31")
    with pytest.raises(indicators.BadYear) as e:
        indicators.year_bounds(1800)
    assert e.value.error.keyed() == "年度（year）：须为1990–2200之间的年份，现为 1800"


def test_pure_rules_on_a_table():
    t = rules.default()
    rule = t.rule("htn_followup")
    last = schedule.Visit(dt.date(2026, 3, 1), "2")
    due = schedule.classified_followup(rule, [last], dt.date(2026, 1, 1))
    assert (due.due, due.reason) == (dt.date(2026, 3, 15), "上次随访控制不满意，2周内复查")
    assert schedule.day_of("2026-03-01T08:00:00") == dt.date(2026, 3, 1) and schedule.day_of("x") is None
    people = [indicators.Facts("u1", "1", "甲", "v", {"htn"}, 70, followups={"htn_followup": 4},
                               last={"htn_followup": {"sbp": 145, "dbp": 85}}, done={"annual_exam"}),
              indicators.Facts("u2", "2", "乙", "v", {"htn"}, 50,
                               last={"htn_followup": {"sbp": 145, "dbp": 85}})]  # fmt: skip
    got = {i["code"]: i for i in indicators.compute(t, people, 10)}
    assert (got["htn_bp_control"]["numerator"], got["htn_bp_control"]["denominator"]) == (1, 2)
    assert got["htn_standard_mgmt"]["numerator"] == 1 and got["filing_rate"]["rate"] == 20.0


def test_forms_rules_import_nothing_of_app():
    # What the county server runs: the three modules alone, without the client application.
    code = ("import sys, forms.rules, forms.schedule, forms.indicators\n"
            "forms.rules.for_area('420106001001')\n"
            "bad = sorted(m for m in sys.modules if m == 'app' or m.startswith(('app.', 'sqlalchemy')))\n"
            "assert not bad, bad\n")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
