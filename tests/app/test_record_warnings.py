"""Issue 11 with a real encrypted store: a final follow-up holds its core items (a draft may
be partial), unusual records are refused until confirmed, and no refusal changes anything saved."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from app.db.models import Audit, Outbox, Record, Version
from app.errors import InvalidInput
from app.services import record_warnings as rw
from app.services import records, residents
from forms.examples import example
from forms.idnumber import make

TODAY = dt.date.today()
DAY = (TODAY - dt.timedelta(days=10)).isoformat()


def person(store, name: str, birth: str, seq: int, *diseases: str) -> str:
    data = {"name": name, "sex": "1" if seq % 2 else "2", "birth_date": birth,
            "id_number": make("110105", dt.date.fromisoformat(birth), seq)}  # fmt: skip
    if diseases:
        data["past_diseases"] = [{"code": c} for c in diseases]
    return residents.add(store, data, allow_similar=True)["uuid"]


def visit(form: str = "htn_followup", *drop: str, **changes) -> dict:
    doc = example(form)
    # the example is 控制不满意: its next visit within the rule's 2 weeks (issue 14)
    doc.update(visit_date=DAY, next_visit_date=(TODAY + dt.timedelta(days=4)).isoformat())
    if form == "dm_followup":
        doc.pop("hba1c_date", None)
    for k in drop:
        doc.pop(k, None)
    doc.update(changes)
    return doc


def footprint(store) -> dict:
    """Everything a save writes: rows, versions, outbox, audit (apart from views)."""
    with store.session() as s:
        rows = [(r.uuid, r.doc, r.status, r.rev) for r in s.execute(select(Record)).scalars()]
        return {
            "records": sorted(rows),
            "versions": s.scalar(select(func.count()).select_from(Version)),
            "outbox": s.scalar(select(func.count()).select_from(Outbox)),
            "audit": s.scalar(select(func.count()).select_from(Audit).where(Audit.action != "view")),
        }


@pytest.fixture
def htn(store):
    return person(store, "高血压甲", "1970-03-01", 11, "2")  # 56 years old: target 140/90


@pytest.fixture
def elderly(store):
    return person(store, "高血压乙", "1950-03-01", 13, "2", "3")  # over 65: target 150/90


# --- 1. core items of a final follow-up ------------------------------------------------------


@pytest.mark.parametrize(("form", "missing"), [("htn_followup", "sbp"), ("htn_followup", "classification"),
                                               ("dm_followup", "fasting_glucose"),
                                               ("dm_followup", "classification")])  # fmt: skip
def test_final_followup_without_core_item_refused_and_nothing_saved(store, elderly, form, missing):
    before = footprint(store)
    with pytest.raises(InvalidInput) as e:
        records.add(store, elderly, form, visit(form, missing))
    assert missing in {x.key for x in e.value.errors}
    assert "必须填写" in str(e.value)
    assert footprint(store) == before


def test_draft_may_be_partial_and_is_finalised_only_when_complete(store, htn):
    partial = {"visit_date": DAY, "symptoms": ["2"]}
    rec = records.add(store, htn, "htn_followup", partial, status="draft")
    saved = records.get(store, rec["uuid"])
    assert saved["status"] == "draft" and saved["doc"] == partial  # no doctor filled into a draft
    before = footprint(store)
    with pytest.raises(InvalidInput) as e:
        records.update(store, rec["uuid"], {}, status="final")
    assert {x.key for x in e.value.errors} == {"sbp", "dbp", "classification"}
    assert footprint(store) == before
    records.update(store, rec["uuid"], {"sbp": 150, "dbp": 95, "classification": "2"}, status="final")
    saved = records.get(store, rec["uuid"])
    assert saved["status"] == "final" and saved["doc"]["doctor"] == "王医生"
    with pytest.raises(InvalidInput, match="不能改回草稿"):
        records.update(store, rec["uuid"], {}, status="draft")


def test_followup_doctor_defaults_to_the_logged_in_users_display_name(store, htn):
    out = records.add(store, htn, "htn_followup", visit("htn_followup", "doctor"))
    assert records.get(store, out["uuid"])["doc"]["doctor"] == "王医生"
    named = records.add(store, htn, "dm_followup", visit("dm_followup", doctor="李医生"),
                        confirmed=True)  # no diabetes diagnosis: confirmed  # fmt: skip
    assert records.get(store, named["uuid"])["doc"]["doctor"] == "李医生"


def test_bad_status_refused(store, htn):
    with pytest.raises(InvalidInput, match="记录状态"):
        records.add(store, htn, "htn_followup", visit(), status="done")


# --- 2. confirmation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "bp", "asked"),
    [
        ("htn", (139, 89), False),
        ("htn", (140, 80), True),
        ("htn", (130, 90), True),
        ("elderly", (149, 89), False),  # ≥65: 150/90 (reference §4.1)
        ("elderly", (150, 80), True),
        ("elderly", (140, 90), True),
    ],
)
def test_controlled_with_a_high_blood_pressure_is_asked(store, request, who, bp, asked):
    uuid = request.getfixturevalue(who)
    doc = visit(sbp=bp[0], dbp=bp[1], classification="1")
    if not asked:
        records.add(store, uuid, "htn_followup", doc)
        return
    before = footprint(store)
    with pytest.raises(rw.NeedsConfirmation) as e:
        records.add(store, uuid, "htn_followup", doc)
    (w,) = e.value.warnings
    assert (w.code, w.key) == ("controlled_but_high", "classification")
    assert "此次随访分类" in str(e.value) and f"{bp[0]}/{bp[1]}" in w.reason
    assert e.value.exit_code == 3
    assert footprint(store) == before
    out = records.add(store, uuid, "htn_followup", doc, confirmed=True)
    assert records.get(store, out["uuid"])["doc"]["classification"] == "1"


def test_controlled_diabetes_with_high_glucose_is_asked(store, elderly):
    with pytest.raises(rw.NeedsConfirmation, match="空腹血糖7.8"):
        records.add(store, elderly, "dm_followup", visit("dm_followup", classification="1"))


def test_second_followup_same_day_is_asked(store, htn):
    first = records.add(store, htn, "htn_followup", visit())
    before = footprint(store)
    with pytest.raises(rw.NeedsConfirmation) as e:
        records.add(store, htn, "htn_followup", visit(sbp=148))
    assert [(w.code, w.key) for w in e.value.warnings] == [("same_day", "visit_date")]
    assert DAY in str(e.value) and "随访日期" in str(e.value)
    assert footprint(store) == before
    # another day, or a correction of the same record, is not a duplicate
    other = (TODAY - dt.timedelta(days=3)).isoformat()
    records.add(store, htn, "htn_followup", visit(visit_date=other))
    assert records.update(store, first["uuid"], {"sbp": 151}).rev == 2
    # a draft of the same day is never asked about
    records.add(store, htn, "htn_followup", {"visit_date": DAY}, status="draft")


@pytest.mark.parametrize(("form", "disease"), [("htn_followup", "高血压"), ("dm_followup", "2型糖尿病")])
def test_followup_without_the_diagnosis_is_asked(store, form, disease):
    plain = person(store, "健康丙", "1980-06-06", 15)
    before = footprint(store)
    with pytest.raises(rw.NeedsConfirmation) as e:
        records.add(store, plain, form, visit(form, classification="2"))
    (w,) = e.value.warnings
    assert w.code == "form_not_fit" and disease in w.reason
    assert footprint(store) == before
    records.add(store, plain, form, visit(form, classification="2"), confirmed=True)
    assert residents.get(store, plain)["tags"]  # confirmed: now on the list of the programme


def test_gynaecology_for_a_man_and_self_care_under_65_are_asked(store):
    man = person(store, "男丁", "1980-01-01", 17)  # odd sequence: male, under 65
    doc = example("health_exam")
    doc.update(visit_date=DAY, elderly_selfcare_score=0)
    doc.pop("breast", None)
    with pytest.raises(rw.NeedsConfirmation) as e:
        records.add(store, man, "health_exam", doc)
    found = {(w.code, w.key): w.reason for w in e.value.warnings}
    assert "性别为男" in found[("form_not_fit", "gyn_vulva")]
    age = rw.age_on("1980-01-01", dt.date.fromisoformat(DAY))
    assert f"体检时{age}岁" in found[("form_not_fit", "elderly_selfcare")]  # 自理能力自我评估
    selfcare = example("elderly_selfcare")
    selfcare["visit_date"] = DAY
    with pytest.raises(rw.NeedsConfirmation, match="65岁及以上"):
        records.add(store, man, "elderly_selfcare", selfcare)
    assert records.list_for(store, man) == []


def test_a_correction_asks_only_about_what_is_new(store, htn):
    out = records.add(store, htn, "htn_followup", visit(sbp=145, dbp=85, classification="1"),
                      confirmed=True)  # fmt: skip
    # the confirmed warning is not asked again for an unrelated correction
    assert records.update(store, out["uuid"], {"heart_rate": 80}).rev == 2
    other = records.add(store, htn, "htn_followup", visit(visit_date=(TODAY - dt.timedelta(days=1)).isoformat()))
    before = footprint(store)
    with pytest.raises(rw.NeedsConfirmation, match="随访日期"):
        records.update(store, other["uuid"], {"visit_date": DAY})  # moved onto the other visit's day
    assert footprint(store) == before
    records.update(store, other["uuid"], {"visit_date": DAY}, confirmed=True)


# --- 3. the cover carries the resident's own number ---------------------------------------------


def test_cover_with_another_number_refused_and_own_number_saved(store, htn):
    number = residents.get(store, htn)["record_no"]
    doc = example("cover")
    doc["record_no"] = "11010500110199999"
    before = footprint(store)
    with pytest.raises(InvalidInput) as e:
        records.add(store, htn, "cover", doc)
    (err,) = e.value.errors
    assert err.key == "record_no" and number in err.message and "健康档案编号" in str(err)
    assert footprint(store) == before
    doc["record_no"] = number
    records.add(store, htn, "cover", doc)


# --- the pure function (for the form chooser and the editor) -----------------------------------


def test_warnings_for_is_pure_and_names_fields():
    facts = rw.ResidentFacts(sex="2", birth_date="1950-01-01", tags=frozenset({"htn"}))
    doc = {"visit_date": "2024-05-01", "sbp": 152, "dbp": 80, "classification": "1"}
    (w,) = rw.warnings_for("htn_followup", doc, facts)
    assert w.label == "此次随访分类" and "150/90" in w.reason and "65岁及以上" in w.reason
    assert rw.warnings_for("htn_followup", {**doc, "sbp": 149}, facts) == []
    assert rw.form_fit("dm_followup", facts, dt.date(2024, 5, 1)).code == "form_not_fit"
    assert rw.form_fit("htn_followup", facts, dt.date(2024, 5, 1)) is None
    young = rw.ResidentFacts.of({"sex": "2", "birth_date": "1990-01-01", "tags": ""})
    assert "34岁" in rw.form_fit("elderly_selfcare", young, dt.date(2024, 5, 1)).reason
    json.dumps([w.__dict__ for w in rw.warnings_for("htn_followup", doc, facts)], ensure_ascii=False)


# --- 3. scale and "—" refusals through the service: named, and nothing saved ------------------


@pytest.mark.parametrize(
    ("form", "changes", "key", "says"),
    [
        ("health_exam", {"vision_left": 0.8}, "vision_left", "4.9"),
        ("elderly_selfcare", {"eating": "2"}, "eating", "“—”"),
        ("elderly_selfcare", {"dressing": "2"}, "dressing", "不适用"),
    ],
)
def test_scale_and_not_applicable_refused_through_the_service(store, elderly, form, changes, key, says):
    doc = example(form)
    doc.update(visit_date=DAY, **changes)
    before = footprint(store)
    with pytest.raises(InvalidInput) as e:
        records.add(store, elderly, form, doc)
    (err,) = [x for x in e.value.errors if x.key == key]
    assert says in err.message and err.label in str(e.value)
    assert footprint(store) == before
