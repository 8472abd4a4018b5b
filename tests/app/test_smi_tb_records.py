"""严重精神障碍 and 肺结核 records in a real store: the programme tags they give a resident (list
filter), the follow-ups asked about without a diagnosis, and 本次随访分类 checked against
危险性评估."""

from __future__ import annotations

import datetime as dt

import pytest

from app.services import record_warnings as rw
from app.services import records, residents
from forms.examples import example
from forms.idnumber import make

DAY = (dt.date.today() - dt.timedelta(days=3)).isoformat()


def person(store, seq: int, *diseases: str) -> str:
    birth = "1975-05-05"
    data = {"name": "钱" + "甲乙丙丁戊己庚辛"[seq % 8], "sex": "1" if seq % 2 else "2",
            "birth_date": birth, "id_number": make("110105", dt.date.fromisoformat(birth), seq)}  # fmt: skip
    if diseases:
        data["past_diseases"] = [{"code": c, "diagnosed": "2015-06"} for c in diseases]
    return residents.add(store, data, allow_similar=True)["uuid"]


def doc(form: str, **changes) -> dict:
    d = example(form) | {"visit_date": DAY}
    d.pop("next_visit_date", None)
    d.pop("stop_date", None)
    d.pop("stop_reason", None)
    if form == "tb_first_visit":
        d.pop("pickup_date", None)
    d.update(changes)
    return d


def tags(store, uuid: str) -> set[str]:
    return set(residents.get(store, uuid)["tags"])


def test_programme_forms_tag_the_resident_and_the_list_filters_by_them(store):
    smi, tb, other = person(store, 31, "8"), person(store, 33), person(store, 35)
    assert "smi" in tags(store, smi) and "tb" not in tags(store, tb)
    records.add(store, tb, "tb_first_visit", doc("tb_first_visit"))
    assert "tb" in tags(store, tb)
    assert {r["uuid"] for r in residents.find(store, "", tag="tb")} == {tb}
    assert {r["uuid"] for r in residents.find(store, "", tag="smi")} == {smi}
    assert other not in {r["uuid"] for r in residents.find(store, "", tag="smi")}


@pytest.mark.parametrize("form", ["smi_followup", "tb_followup"])
def test_followup_without_the_diagnosis_is_asked(store, form):
    who = person(store, 37)
    with pytest.raises(rw.NeedsConfirmation) as e:
        records.add(store, who, form, doc(form))
    assert [w.code for w in e.value.warnings] == ["form_not_fit"]
    assert ("严重精神障碍" if form.startswith("smi") else "肺结核") in str(e.value)


@pytest.mark.parametrize(("risk", "cls", "asked"), [("3", "2", True), ("5", "3", True), ("3", "1", False),
                                                    ("1", "3", True), ("0", "3", False), ("2", "2", False)])  # fmt: skip
def test_classification_against_risk_level(store, risk, cls, asked):
    who = person(store, 39, "8")
    d = doc("smi_followup", risk_level=risk, classification=cls)
    if asked:
        with pytest.raises(rw.NeedsConfirmation) as e:
            records.add(store, who, "smi_followup", d)
        assert [w.code for w in e.value.warnings] == ["smi_unstable"]
        assert f"{risk}级" in str(e.value)
    else:
        assert records.add(store, who, "smi_followup", d)["uuid"]
