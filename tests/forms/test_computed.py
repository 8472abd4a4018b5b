"""Computed fields: BMI, the self-care score and level; prepare() recomputes what was sent."""

from __future__ import annotations

import pytest
from formslib import ctx, only

import forms
from forms.compute import bmi, selfcare_level
from forms.definitions.elderly_selfcare import MAX_TOTAL, SCORES
from forms.examples import example


def test_bmi_kg_per_square_metre_one_decimal() -> None:
    assert bmi(63.5, 158) == 25.4
    assert bmi(70, 175) == 22.9
    assert bmi(50, 100) == 50.0
    assert bmi(60.75, 150) == 27.0  # 26.999.. rounds half up, not down


def test_prepare_recomputes_bmi_and_discards_a_sent_value() -> None:
    doc = example("health_exam") | {"bmi": 99.9}
    assert forms.prepare("health_exam", doc)["bmi"] == 25.4
    assert doc["bmi"] == 99.9  # the input is left alone


def test_bmi_dropped_without_height_and_never_validated_as_input() -> None:
    doc = example("health_exam")
    del doc["height_cm"]
    doc["bmi"] = "garbage"
    assert "bmi" not in forms.prepare("health_exam", doc)
    assert forms.validate("health_exam", doc, ctx()) == []


def test_bmi_not_computed_from_out_of_range_height() -> None:
    doc = example("health_exam") | {"height_cm": 3.0}
    assert "bmi" not in forms.prepare("health_exam", doc)
    assert "30～250cm" in only(forms.validate("health_exam", doc, ctx()), "height_cm").message


@pytest.mark.parametrize(
    ("total", "level"),
    [(0, "1"), (3, "1"), (4, "2"), (8, "2"), (9, "3"), (18, "3"), (19, "4"), (37, "4")],
)
def test_selfcare_bands(total: int, level: str) -> None:
    assert selfcare_level(total) == level


def test_selfcare_item_scores_and_total() -> None:
    out = forms.prepare("elderly_selfcare", example("elderly_selfcare"))
    assert [out[f"{k}_score"] for k in SCORES] == [0, 1, 0, 1, 5]
    assert out["total_score"] == 7 and out["level"] == "2"


def test_selfcare_worst_case_is_the_maximum() -> None:
    doc = example("elderly_selfcare") | {k: "4" for k in SCORES}
    out = forms.prepare("elderly_selfcare", doc)
    assert out["total_score"] == MAX_TOTAL == 37 and out["level"] == "4"


def test_selfcare_total_not_computed_from_a_partial_form() -> None:
    doc = example("elderly_selfcare")
    del doc["activity"]
    out = forms.prepare("elderly_selfcare", doc)
    assert "total_score" not in out and "activity_score" not in out
    assert only(forms.validate("elderly_selfcare", doc, ctx()), "activity").message.startswith(
        "必须填写；可选：1可自理"
    )


def test_selfcare_sent_total_is_recomputed() -> None:
    doc = example("elderly_selfcare") | {"total_score": 30, "level": "4"}
    out = forms.prepare("elderly_selfcare", doc)
    assert (out["total_score"], out["level"]) == (7, "2")


def test_health_exam_selfcare_level_follows_the_score() -> None:
    doc = example("health_exam")
    doc["elderly_selfcare_score"] = 12
    assert forms.prepare("health_exam", doc)["elderly_selfcare"] == "3"


def test_health_exam_selfcare_level_contradicting_the_score_is_refused() -> None:
    doc = example("health_exam") | {"elderly_selfcare_score": 20, "elderly_selfcare": "1"}
    e = only(forms.validate("health_exam", doc, ctx()), "elderly_selfcare")
    assert "20分" in e.message and "“4”" in e.message


def test_prepare_list_ids_on_nested_lists_of_every_form() -> None:
    doc = example("health_exam")
    doc["vaccinations"].append({"name": "带状疱疹疫苗"})
    del doc["medications"][0]["id"]
    out = forms.prepare("health_exam", doc)
    assert all(len(m["id"]) == 32 for m in (out["vaccinations"][1], out["medications"][0]))
    assert forms.validate("health_exam", out, ctx()) == []
