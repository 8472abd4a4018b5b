"""The one declaration of a resident's keys (forms/entity_keys.py) is what the stored state, the
batch rows, the typed input and the server's validation actually use."""

from __future__ import annotations

import json
from typing import Any

from app.db.models import Record, Resident
from app.repo import batch
from app.repo.residents import snapshot
from app.services import resident_input, residents
from forms import entity_keys as keys
from sync.server import validate


def test_a_residents_state_is_its_document_plus_its_declared_keys(store: Any) -> None:
    r = residents.add(store, {"name": "吴二", "sex": "1", "birth_date": "1962-02-03", "phone": "13700000001"})
    with store.session() as s:
        row = s.get(Resident, r["uuid"])
        state, doc = snapshot(row), json.loads(row.doc)
    assert set(state) - set(doc) == set(keys.RESIDENT_STATE)
    assert {k for k in keys.MIRRORED if k in doc} <= {"name", "sex", "birth_date", "phone"} <= set(doc)
    assert keys.split_resident({**state, "provisional": True, "area": "x"}) == (
        doc, {k: state[k] for k in keys.RESIDENT_STATE})


def test_columns_rows_input_and_server_follow_the_declaration() -> None:
    columns = set(Resident.__table__.columns.keys())
    assert {k.column for k in keys.RESIDENT_KEYS if k.column} <= columns
    assert set(batch.ResidentRow._fields) == columns  # the named row is the whole table
    assert set(batch.RecordRow._fields) == set(Record.__table__.columns.keys())
    assert resident_input.RESIDENT_ONLY == ("village", "household", "mother")
    # "area" is no key of the state on the server: a county device's is taken out, anyone else's
    # is an unknown field (issue 17)
    assert set(validate.RESIDENT_ONLY) == set(keys.RESIDENT_STATE) | {"provisional"}
    assert all(keys.LABELS[k] for k in keys.RESIDENT_STATE)
