"""Three defects of the hand-written save rule (issue 13), each reproduced on a real encrypted
store with what a pull or a resolution writes: a number moved by a pull, a bulk first sync's
history, a typed resolution of a record conflict."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

import pytest
from sqlalchemy import select, text

from app.db.models import Version
from app.errors import InvalidInput
from app.services import integrity, records, residents
from forms.examples import example
from sync import bulk, local, resolve


def pulled_resident(name: str, record_no: str, **extra: Any) -> dict[str, Any]:
    data = {"name": name, "sex": "1", "birth_date": "1960-05-06", "village": record_no[6:9],
            "record_no": record_no, "status": "active", **extra}  # fmt: skip
    return {"kind": "resident", "uuid": str(uuidlib.uuid4()), "rev": 1, "area": record_no[:12],
            "op": "upsert", "data": data}  # fmt: skip


def check(store: Any) -> list[str]:
    with store.session() as s:
        return integrity.check_session(s)


def test_a_number_taken_over_by_a_pull_no_longer_finds_its_old_holder(store: Any) -> None:
    mine = residents.add(store, {"name": "吴二", "sex": "1", "birth_date": "1962-02-03"})
    item = pulled_resident("周一", mine["record_no"])
    with store.session(write=True) as s:
        local.apply_item(s, item)
    assert [r["uuid"] for r in residents.find(store, mine["record_no"])] == [item["uuid"]]
    assert check(store) == []


def test_check_reports_search_terms_that_do_not_match_the_fields(store: Any) -> None:
    r = residents.add(store, {"name": "吴二", "sex": "1", "birth_date": "1962-02-03"})
    assert check(store) == []
    with store.session(write=True) as s:  # a writer that forgot the terms: the row lists old ones
        s.execute(text("UPDATE resident SET record_no = 'P0000000000000001' WHERE uuid = :u"),
                  {"u": r["uuid"]})  # fmt: skip
    problems = check(store)
    assert any("检索词" in p and "不符" in p for p in problems), problems


def test_a_resident_pulled_in_bulk_shows_its_fields_in_history(store: Any) -> None:
    area = store.institution.area
    item = pulled_resident("郑三", area + "00100077", phone="13700000001")
    with store.session(write=True) as s:
        bulk.apply_page(s, [item])
    [v] = residents.history(store, item["uuid"])
    assert v["action"] == "sync"
    assert {"name", "sex", "birth_date", "phone", "record_no"} <= set(v["changes"])
    assert v["changes"]["name"] == {"old": None, "new": "郑三"}


def _record_conflict(store: Any) -> tuple[str, str]:
    r = residents.add(store, {"name": "秦十一", "sex": "2", "birth_date": "1951-03-08"})
    rec = records.add(store, r["uuid"], "htn_followup", example("htn_followup"), confirmed=True)
    cid = str(uuidlib.uuid4())
    with store.session(write=True) as s:
        local.apply_item(s, {"kind": "conflict", "data": {
            "id": cid, "entity": "record", "entity_uuid": rec["uuid"], "field": "sbp",
            "original": 152, "mine": 148, "theirs": 150, "status": "open"}})  # fmt: skip
    return cid, rec["uuid"]


def test_a_record_conflict_resolved_with_a_typed_value_is_validated(store: Any) -> None:
    cid, rec = _record_conflict(store)
    with pytest.raises(InvalidInput) as e:
        records.update(store, rec, {"sbp": 999})
    assert any(f.key == "sbp" for f in e.value.errors)
    with pytest.raises(InvalidInput) as e:
        resolve.resolve(store, cid, value_text="999")
    assert any(f.key == "sbp" for f in e.value.errors)
    assert records.get(store, rec)["doc"]["sbp"] == 152
    assert [c["status"] for c in resolve.listing(store)] == ["open"]


def test_a_resolution_is_credited_to_the_person_who_resolved_it(store: Any) -> None:
    cid, rec = _record_conflict(store)
    resolve.resolve(store, cid, value_text="146")
    with store.session() as s:
        last = s.scalars(select(Version).where(Version.entity_uuid == rec)
                         .order_by(Version.rev.desc())).first()  # fmt: skip
    assert last is not None and (last.action, last.user) == ("resolve", store.user.name)
    assert records.get(store, rec)["doc"]["sbp"] == 146
    assert check(store) == []
