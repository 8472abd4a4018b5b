"""Code tables per edition: 2009/2011 records validate and describe with their own codes."""

from __future__ import annotations

import pytest
from formslib import ctx, only

import forms
from forms.codes import convert
from forms.docs import describe
from forms.examples import example


def options(code: str, key: str, edition: str) -> list[str]:
    form = forms.get_form(code, edition)
    return [f"{c.code}{c.label}" for c in form.table(form.field(key)).codes]


def test_2011_is_the_2009_paper() -> None:
    assert forms.get_form("personal_info", "2011") is forms.get_form("personal_info", "2009")


@pytest.mark.parametrize(
    ("key", "old", "new"),
    [
        ("ethnicity", ["1汉族", "2少数民族"], ["01汉族", "99少数民族"]),
        ("blood_rh", ["1否", "2是", "3不详"], ["1阴性", "2阳性", "3不详"]),
        ("livestock", ["1单设", "2室内", "3室外", "4无"], ["1无", "2单设", "3室内", "4室外"]),
    ],
)
def test_personal_info_tables_differ(key: str, old: list[str], new: list[str]) -> None:
    assert options("personal_info", key, "2009") == old
    assert options("personal_info", key, "2017") == new


def test_education_order_reversed_and_fuel_other_code() -> None:
    assert options("personal_info", "education", "2009")[0].startswith("1文盲")
    assert options("personal_info", "education", "2017")[0] == "1研究生"
    assert "9其他" in options("personal_info", "fuel", "2009")
    assert "6其他" in options("personal_info", "fuel", "2017")


def test_rh_label_follows_the_edition() -> None:
    assert forms.get_form("personal_info", "2009").field("blood_rh").label == "RH阴性"
    assert forms.get_form("info_card", "2009").field("blood_rh").label == "RH阴性"


def test_health_guidance_differs() -> None:
    assert options("health_exam", "health_guidance", "2009") == [
        "1定期随访",
        "2纳入慢性病患者健康管理",
        "3建议复查",
        "4建议转诊",
    ]
    assert options("health_exam", "health_guidance", "2017") == [
        "1纳入慢性病患者健康管理",
        "2建议复查",
        "3建议转诊",
    ]


def old_personal_info() -> dict:
    doc = example("personal_info")
    doc.update(
        ethnicity="2", ethnicity_other="回族", blood_rh="1", education="6", livestock="4", fuel="9"
    )
    return doc


def test_old_record_validates_with_its_edition_only() -> None:
    doc = old_personal_info()
    assert forms.validate("personal_info", doc, ctx(), edition="2009") == []
    errors = forms.validate("personal_info", doc, ctx(), edition="2017")
    assert {"ethnicity", "fuel"} <= {e.key for e in errors}
    assert "01汉族 99少数民族" in only(errors, "ethnicity").message


def test_new_record_refused_with_old_tables() -> None:
    errors = forms.validate("personal_info", example("personal_info"), ctx(), edition="2009")
    assert "1汉族 2少数民族" in only(errors, "ethnicity").message


def test_old_health_exam_with_tcm_block() -> None:
    doc = example("health_exam")
    doc.update(health_guidance=["1", "4"], tcm_pinghe="2", tcm_qixu="1")
    assert forms.validate("health_exam", doc, ctx(), edition="2009") == []
    errors = forms.validate("health_exam", doc, ctx(), edition="2017")
    assert {e.key for e in errors} == {"health_guidance", "tcm_pinghe", "tcm_qixu"}


def test_describe_old_edition_shows_old_codes() -> None:
    d = describe("personal_info", "2009")
    assert d["edition"] == "2009" and d["editions"] == ["2017", "2009"]
    rh = next(f for s in d["sections"] for f in s["fields"] if f["key"] == "blood_rh")
    assert [o["label"] for o in rh["codes"]["options"]] == ["否", "是", "不详"]


def test_unknown_edition() -> None:
    with pytest.raises(forms.UnknownForm) as e:
        forms.get_form("personal_info", "2030")
    assert "2030" in str(e.value)


def test_convert_old_codes_to_2017_meaning() -> None:
    assert convert.to_2017("blood_rh", "1", "2009") == "2"  # 否 (not negative) -> 阳性
    assert convert.to_2017("blood_rh", "2", "2011") == "1"
    assert convert.to_2017("ethnicity", "2", "2009") == "99"
    assert convert.to_2017("livestock", "4", "2009") == "1"
    assert convert.to_2017("health_guidance", "1", "2009") is None
    assert convert.to_2017("blood_rh", "1", "2017") == "1"
    assert convert.to_2017("sex", "1", "2009") == "1"
    # every mapped old code exists in the old table, every result in the new one
    for table in convert.changed_tables():
        from forms.codes import tables

        old, new = tables("2009")[table], tables("2017")[table]
        assert {c.code for c in old.codes} == set(convert._TO_2017[table])
        assert all(v is None or new.has(v) for v in convert._TO_2017[table].values())
