"""The child forms fill their empty 上/中/下 and 体格发育评价 from the WHO z-scores when they are
prepared for a child whose sex and birth date are known (issue 15)."""

from __future__ import annotations

import datetime as dt

import forms
from forms import growth
from forms.examples import example
from forms.model import ValidationContext


def _ctx(birth: str, sex: str = "2") -> ValidationContext:
    return ValidationContext(today="2024-06-30", birth_date=birth, sex=sex, final=True)


def _born_days_before(visit: str, days: int) -> str:
    return (dt.date.fromisoformat(visit) - dt.timedelta(days=days)).isoformat()


def test_growth_forms_1_8m_levels_filled_from_the_measurements() -> None:
    doc = {k: v for k, v in example("child_1_8m").items() if k not in growth.TARGETS}
    ctx = _ctx(_born_days_before(doc["visit_date"], 92))  # a girl at 3 months
    out = forms.prepare("child_1_8m", doc, ctx)
    z = growth.zscores("2", 92, doc["weight_kg"], doc["height_cm"], doc["head_cm"])
    rules = growth.default_rules()
    assert out["weight_level"] == rules.level(z["wfa"])
    assert out["height_level"] == rules.level(z["lhfa"])
    assert "growth_eval" not in out  # the 1～8月龄 sheet has no such row
    assert forms.validate("child_1_8m", out, ctx) == []


def test_growth_forms_3_6y_low_weight_and_the_doctors_choice() -> None:
    doc = {k: v for k, v in example("child_3_6y").items() if k not in growth.TARGETS}
    ctx = _ctx(_born_days_before(doc["visit_date"], 4 * 365 + 10), sex="1")
    light = dict(doc, weight_kg=12.0, height_cm=103.5)  # a 4-year-old boy of 12 kg
    out = forms.prepare("child_3_6y", light, ctx)
    z = growth.zscores("1", 4 * 365 + 10, 12.0, 103.5)
    assert z["wfa"] < -2 and z["wflh"] < -2
    assert out["weight_level"] == "3"  # 下
    assert out["height_level"] == "2"  # 中
    assert out["weight_height_level"] == "3"
    assert out["growth_eval"] == "3"  # 消瘦 before 低体重, as the rules table orders them
    assert forms.validate("child_3_6y", out, ctx) == []
    chosen = forms.prepare("child_3_6y", dict(light, weight_level="2", growth_eval="2"), ctx)
    assert chosen["weight_level"] == "2" and chosen["growth_eval"] == "2"  # kept as entered
    assert chosen["height_level"] == "2"  # the empty one still filled


def test_growth_forms_nothing_guessed_without_the_child() -> None:
    doc = {k: v for k, v in example("child_12_30m").items() if k not in growth.TARGETS}
    for ctx in (ValidationContext(), _ctx("2022-01-01", sex="9"), _ctx("1951-03-08")):
        out = forms.prepare("child_12_30m", doc, ctx)
        assert not set(growth.TARGETS) & set(out), ctx
