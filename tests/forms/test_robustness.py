"""validate() never raises on a bad document and every error names a field of the form."""

from __future__ import annotations

import pytest
from formslib import ctx

import forms
from forms.examples import example

WEIRD = [
    None,
    "",
    [],
    {},
    "x" * 5000,
    -1,
    10**30,
    1e308,
    float("nan"),
    True,
    ["1", 2],
    [{}],
    [[]],
    {"a": 1},
    "２０２４-０１-０１",
    "1",
    ["1"],
    [{"code": "1"}],
    3.14159,
]
ALL = forms.form_codes()


@pytest.mark.parametrize("code", ALL)
def test_any_value_in_any_field_is_reported_not_raised(code: str) -> None:
    form = forms.get_form(code)
    for f in form.fields():
        allowed = {f.key, f"{f.key}_other"}
        for value in WEIRD:
            doc = example(code)
            doc[f.key] = value
            doc[f"{f.key}_other"] = value
            errors = forms.validate(code, doc, ctx())
            for e in errors:
                assert e.label and e.message, e
                base = e.key.split("[")[0].split(".")[0]
                assert base in allowed or base in {g.key for g in form.fields()}, (f.key, value, e)
            forms.prepare(code, doc, ctx())


@pytest.mark.parametrize(
    "code", [c for c in ALL if any(f.type == "list" for f in forms.get_form(c).fields())]
)
def test_weird_list_items_are_reported_not_raised(code: str) -> None:
    form = forms.get_form(code)
    for f in (f for f in form.fields() if f.type == "list"):
        for g in f.item_fields:
            for value in WEIRD:
                doc = example(code)
                doc[f.key] = [{g.key: value, "id": value}, "not an item", None]
                errors = forms.validate(code, doc, ctx())
                assert errors and all(
                    e.key.startswith(f.key) or e.key in {x.key for x in form.fields()}
                    for e in errors
                ), errors
                forms.prepare(code, doc, ctx())


def test_bad_context_today_is_reported() -> None:
    errors = forms.validate(
        "htn_followup", example("htn_followup"), forms.ValidationContext(today="soon")
    )
    assert [e.key for e in errors] == ["$today"]


def test_messages_are_chinese_and_name_the_field() -> None:
    doc = example("health_exam") | {"height_cm": 500, "symptoms": ["1", "2"], "lips": "9", "zzz": 1}
    for e in forms.validate("health_exam", doc, ctx()):
        text = str(e)
        assert text.startswith(f"{e.label}：") and e.keyed().startswith(f"{e.label}（{e.key}）：")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in e.message), text
