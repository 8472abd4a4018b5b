"""Records: validated by the form definitions, versioned, and tagging the resident."""

import pytest

from app.errors import InvalidInput, NotFound
from app.services import records, residents
from forms.examples import example


@pytest.fixture
def patient(store):
    return residents.add(store, {"name": "王秀兰", "id_number": "110105195103082025",
                                 "past_diseases": [{"code": "2"}]})  # 高血压


def followup(**changes):
    doc = example("htn_followup")
    doc.update(changes)
    return doc


def test_add_show_list_and_tag(store, patient):
    out = records.add(store, patient["uuid"], "htn_followup", followup())
    rec = records.get(store, out["uuid"])
    assert (rec["form"], rec["edition"], rec["resident"]) == ("htn_followup", "2017", patient["uuid"])
    assert rec["visit_date"] == followup()["visit_date"] and rec["doc"]["sbp"] == followup()["sbp"]
    assert [r["uuid"] for r in records.list_for(store, patient["record_no"])] == [out["uuid"]]
    assert "htn" in residents.get(store, patient["uuid"])["tags"]
    assert residents.find(store, "", tag="htn")[0]["uuid"] == patient["uuid"]


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"sbp": 400}, "sbp"),
        ({"sbp": 80, "dbp": 90}, "dbp"),
        ({"visit_method": "7"}, "visit_method"),
        ({"visit_date": "2999-01-01"}, "visit_date"),
        ({"visit_date": "1950-01-01"}, "visit_date"),  # before her birth in 1951
        ({"not_a_field": 1}, "not_a_field"),
    ],
)
def test_invalid_record_refused_and_nothing_saved(store, patient, changes, key):
    with pytest.raises(InvalidInput) as e:
        records.add(store, patient["uuid"], "htn_followup", followup(**changes))
    assert key in {err.key for err in e.value.errors}, [str(x) for x in e.value.errors]
    assert records.list_for(store, patient["uuid"]) == []


def test_unknown_form_and_personal_info_refused(store, patient):
    with pytest.raises(InvalidInput, match="未知表单"):
        records.add(store, patient["uuid"], "no_such_form", {})
    with pytest.raises(InvalidInput, match="resident update"):
        records.add(store, patient["uuid"], "personal_info", example("personal_info"))


def test_update_is_versioned_and_validated(store, patient):
    out = records.add(store, patient["uuid"], "htn_followup", followup())
    res = records.update(store, out["uuid"], {"sbp": 138, "dbp": 86})
    assert res.rev == 2 and res.changed == ["dbp", "sbp"] and res.residents == [patient["uuid"]]
    with pytest.raises(InvalidInput):
        records.update(store, out["uuid"], {"dbp": 250})
    assert records.get(store, out["uuid"])["doc"]["dbp"] == 86
    with pytest.raises(NotFound):
        records.get(store, "00000000-0000-0000-0000-000000000000")


def test_computed_fields_are_recomputed(store, patient):
    doc = example("health_exam")
    doc.update(height_cm=160, weight_kg=64, bmi=99)
    out = records.add(store, patient["uuid"], "health_exam", doc)
    assert records.get(store, out["uuid"])["doc"]["bmi"] == 25.0


def test_history_shows_every_version_of_a_record(store, patient, cli):
    first = followup()
    out = records.add(store, patient["uuid"], "htn_followup", first)
    records.update(store, out["uuid"], {"sbp": 138, "dbp": 86})
    records.update(store, out["uuid"], {"sbp": 136})
    versions = records.history(store, out["uuid"])
    assert [v["rev"] for v in versions] == [1, 2, 3]
    assert versions[0]["data"]["sbp"] == first["sbp"]  # the first state is kept
    assert sorted(versions[1]["changes"]) == ["dbp", "sbp"] and sorted(versions[2]["changes"]) == ["sbp"]
    res = cli("record", "history", out["uuid"], "--rev", "1")
    assert res.returncode == 0, res.stderr
    import json

    assert json.loads(res.stdout)["data"]["sbp"] == first["sbp"]
    listed = cli("record", "history", out["uuid"])
    assert listed.returncode == 0 and listed.stdout.count("第") == 3
    missing = cli("record", "history", out["uuid"], "--rev", "9")
    assert missing.returncode == 5 and "第9版" in missing.stderr
