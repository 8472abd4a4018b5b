"""The rules table (app/rules): the shipped ones load; a bad one is refused naming the table,
the rule and the field; a province table changes an interval without code."""

from __future__ import annotations

import json

import pytest

from app import rules
from app.rules import RulesError


def raw() -> dict:
    return json.loads((rules.HERE / "ed2017.json").read_text("utf-8"))


def test_shipped_tables_validate():
    for path in rules.HERE.glob("*.json"):
        t = rules.load(path)
        assert t.rules and t.indicators


@pytest.mark.parametrize("change, words", [
    (lambda d: d["rules"][0].update(recheck_days=0), ["htn_followup", "recheck_days", "正整数"]),
    (lambda d: d["rules"][0].update(routine_months="3"), ["htn_followup", "routine_months"]),
    (lambda d: d["rules"][1].pop("referral_days"), ["dm_followup", "referral_days", "缺少"]),
    (lambda d: d["rules"][2].update(kind="weekly"), ["annual_exam", "kind", "weekly"]),
    (lambda d: d["rules"][2].update(form="no_such_form"), ["annual_exam", "form", "no_such_form"]),
    (lambda d: d["rules"][3].update(populations=["children"]), ["elderly_selfcare", "populations", "children"]),
    (lambda d: d["rules"][0].update(recheck_dayz=14), ["htn_followup", "recheck_dayz", "未知"]),
    (lambda d: d["rules"].append(dict(d["rules"][0])), ["htn_followup", "id", "重复"]),
    (lambda d: d["indicators"][4].update(sbp_below=-1), ["htn_bp_control", "sbp_below"]),
    (lambda d: d["indicators"][7].update(requires=["nothing"]), ["elderly_mgmt", "requires", "nothing"]),
    (lambda d: d["populations"]["elderly"].update(min_age="65"), ["elderly", "min_age"]),
])  # fmt: skip
def test_bad_table_refused_naming_rule_and_field(change, words):
    d = raw()
    change(d)
    with pytest.raises(RulesError) as e:
        rules.validate(d)
    assert all(w in str(e.value) for w in words), str(e.value)
    assert "ed2017" in str(e.value)


def test_bad_json_and_bad_local_table_refused(tmp_path):
    (tmp_path / "rules.json").write_text("{", "utf-8")
    path = rules.table_path("420106001001", tmp_path)
    with pytest.raises(RulesError) as e:
        rules.load(path)
    assert "rules.json" in str(e.value) and "JSON" in str(e.value)


def test_province_table_overrides_one_field(tmp_path):
    local = {"table": "本省", "extends": "ed2017",
             "override_rules": {"htn_followup": {"routine_months": 2}},
             "override_indicators": {"htn_bp_control": {"elderly_sbp_below": 140}}}  # fmt: skip
    (tmp_path / "rules.json").write_text(json.dumps(local, ensure_ascii=False), "utf-8")
    t = rules.load(rules.table_path("420106001001", tmp_path))
    assert t.rule("htn_followup")["routine_months"] == 2
    assert t.rule("dm_followup")["routine_months"] == 3
    assert t.indicator("htn_bp_control")["elderly_sbp_below"] == 140
    bad = dict(local, override_rules={"htn_followup": {"routine_months": 0}})
    (tmp_path / "rules.json").write_text(json.dumps(bad, ensure_ascii=False), "utf-8")
    with pytest.raises(RulesError) as e:
        rules.load(rules.table_path("420106001001", tmp_path))
    assert "本省" in str(e.value) and "routine_months" in str(e.value)
    (tmp_path / "rules.json").write_text(json.dumps(dict(local, extends="ed1999")), "utf-8")
    with pytest.raises(RulesError, match="extends"):
        rules.load(rules.table_path("420106001001", tmp_path))


def test_derived_populations():
    from app.services import due

    t = rules.default()
    assert due.derive_tags(t, {"past_diseases": [{"code": "2"}]}, set()) == {"htn"}
    assert due.derive_tags(t, {}, {"dm_followup"}) == {"dm"}
    assert due.derive_tags(t, {"past_diseases": [{"code": "5"}]}, {"health_exam"}) == set()


def test_cli_rules_check(cli, tmp_path):
    bad = tmp_path / "province.json"
    bad.write_text(json.dumps({"table": "某省", "extends": "ed2017",
                               "override_rules": {"htn_followup": {"recheck_days": 0}}}), "utf-8")  # fmt: skip
    r = cli("rules", "check", str(bad))
    assert r.returncode != 0 and "某省" in r.stderr and "htn_followup" in r.stderr and "recheck_days" in r.stderr
    r = cli("rules", "check", "--json")  # the installation's own table
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["table"] == "ed2017"
