"""forms.docs: the JSON documentation behind `cunyi forms list/show --json`."""

from __future__ import annotations

import json

import formslib
import pytest

import forms
from forms.docs import catalogue, describe

ALL = [c["code"] for c in catalogue()]
FIELD_KEYS = {
    "key",
    "label",
    "type",
    "unit",
    "range",
    "codes",
    "required",
    "computed",
    "multi",
    "hint",
    "layout",
}


def test_catalogue_lists_every_form_in_booklet_order() -> None:
    cat = catalogue()
    assert [c["code"] for c in cat] == list(formslib.ALL + formslib.INSTITUTION)  # hand-written
    for c in cat:
        assert {"code", "title", "edition", "editions", "layout", "visits_per_page"} <= set(c)
        assert c["edition"] == "2017" and c["editions"] == ["2017", "2009"]
    json.dumps(cat, ensure_ascii=False)


@pytest.mark.parametrize("code", ALL)
@pytest.mark.parametrize("edition", [None, "2009"])
def test_describe_every_form(code: str, edition: str | None) -> None:
    d = describe(code, edition)
    json.loads(json.dumps(d, ensure_ascii=False))  # JSON-ready all the way down
    form = forms.get_form(code, edition)
    assert d["code"] == code and d["title"] == form.title and d["edition"] == form.edition
    assert d["layout"] == form.layout and d["visits_per_page"] == form.visits_per_page
    assert [s["key"] for s in d["sections"]] == [s.key for s in form.sections]
    described = [f for s in d["sections"] for f in s["fields"]]
    assert [f["key"] for f in described] == [f.key for f in form.fields()]
    for f in described:
        assert set(f) >= FIELD_KEYS, f["key"]
        if f["type"] in ("code", "multicode"):
            assert f["codes"]["options"], f["key"]
        if f["type"] in ("int", "decimal"):
            assert f["range"]["min"] < f["range"]["max"]
        if f["type"] == "list":
            assert all(set(g) >= FIELD_KEYS for g in f["items"])
    assert d["rules"] and all(isinstance(r, str) and r for r in d["rules"])


def test_describe_details() -> None:
    d = describe("htn_followup")
    fields = {f["key"]: f for s in d["sections"] for f in s["fields"]}
    assert fields["sbp"]["unit"] == "mmHg" and fields["sbp"]["range"] == {"min": 50, "max": 300}
    assert fields["visit_date"]["required"] is True
    assert [o["code"] + o["label"] for o in fields["visit_method"]["codes"]["options"]] == [
        "1门诊",
        "2家庭",
        "3电话",
    ]
    assert fields["symptoms"]["multi"] and fields["symptoms"]["codes"]["exclusive"] == ["1"]
    assert fields["next_visit_date"]["allow_future"] is True
    assert any("收缩压高于舒张压" in r for r in d["rules"])
    exam = {f["key"]: f for s in describe("health_exam")["sections"] for f in s["fields"]}
    assert exam["bmi"]["computed"] is True
    pi = {f["key"]: f for s in describe("personal_info")["sections"] for f in s["fields"]}
    assert pi["payment"]["codes"]["other_key"] == "payment_other"
    assert pi["id_number"]["format"] == "id_number"
    assert {g["key"] for g in pi["past_diseases"]["items"]} == {"code", "diagnosed", "detail"}
    assert any("GB 11643" in r for r in describe("personal_info")["rules"])


def test_describe_unknown() -> None:
    with pytest.raises(forms.UnknownForm):
        describe("nope")
    with pytest.raises(forms.UnknownForm):
        describe("htn_followup", "1999")
