"""A renamed resident is found by its former names on every device (a newborn first entered as
王芳之女, renamed 王小红 later), also on one that gets it only in its current state: a new
laptop's first sync, a pull that skips versions. The county server keeps the names and sends
them with the resident; what a client sends for them is dropped (the server decides them)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from synchelp import County, postgres_up

from app.services import residents

BABY = {"name": "王芳之女", "sex": "2", "birth_date": "2026-10-01"}


def found(store: Any, query: str) -> list[str]:
    return [r["uuid"] for r in residents.find(store, query)]


def server_names(county: County, uid: str) -> Any:
    [(names,)] = county.query("SELECT former_names FROM entity WHERE uuid = :u", u=uid)
    return json.loads(names) if isinstance(names, str) else names


def test_a_new_laptops_first_sync_finds_the_resident_by_its_former_name(
    county: County, make_installation: Any
) -> None:
    t = county.township()
    a = make_installation(t + "001", county)
    uid = residents.add(a.store, BABY)["uuid"]
    a.sync()
    residents.update(a.store, uid, {"name": "王小红"})
    a.sync()
    assert server_names(county, uid) == ["王芳之女"]
    b = make_installation(t + "001", county)  # a new laptop of the same clinic
    b.sync()  # its first sync: the snapshot, the resident inserted in bulk
    assert found(b.store, "王芳之女") == [uid] and found(b.store, "王小红") == [uid]
    got = residents.get(b.store, uid)
    assert got["name"] == "王小红" and got["former_names"] == ["王芳之女"]
    # The names are no part of the resident's state: nothing to send back, no document key.
    assert "former_names" not in got["doc"]
    assert b.sync()["pushed"] == 0
    assert county.query("SELECT count(*) FROM entity_version WHERE uuid = :u", u=uid)[0][0] == 2


def test_a_pull_that_skips_a_version_gets_the_name_of_that_version(
    county: County, make_installation: Any
) -> None:
    t = county.township()
    a, b = make_installation(t + "001", county), make_installation(t + "001", county)
    uid = residents.add(a.store, BABY)["uuid"]
    a.sync()
    b.sync()  # b holds the first version
    residents.update(a.store, uid, {"name": "王小红"})
    a.sync()
    residents.update(a.store, uid, {"name": "张丽"})  # adopted
    a.sync()
    assert server_names(county, uid) == ["王芳之女", "王小红"]
    b.sync()  # only the third version reaches b, item by item (it holds the resident)
    assert residents.get(b.store, uid)["former_names"] == ["王芳之女", "王小红"]
    assert found(b.store, "王小红") == [uid] and found(b.store, "王芳之女") == [uid]
    # Renamed back: the current name is never a former one, on the server nor on the devices.
    residents.update(a.store, uid, {"name": "王小红"})
    a.sync()
    b.sync()
    assert server_names(county, uid) == ["王芳之女", "张丽"]
    assert residents.get(b.store, uid)["former_names"] == ["王芳之女", "张丽"]


def test_an_item_of_the_current_state_brings_the_names_the_device_lacks(
    make_installation: Any,
) -> None:
    """A device that holds the resident as the server has it (stored before the server kept
    former names, or sent again by a drift repair) still takes the names; no version is made."""
    from sqlalchemy import select

    from app.db.models import Version
    from sync import local

    inst = make_installation("110105100001")
    uid = residents.add(inst.store, BABY)["uuid"]
    with inst.store.session() as s:
        data = local.local_state(s, "resident", uid)
    assert data is not None
    item = {"kind": "resident", "op": "upsert", "uuid": uid, "rev": 1, "area": "110105100001"}
    with inst.store.session(write=True) as s:
        local.apply_item(s, {**item, "data": data, "former_names": ["王芳女儿"]})
    assert found(inst.store, "王芳女儿") == [uid]
    # A state that differs only in what the writer fills in (no status: active) changes no
    # field either; its names are taken all the same.
    del data["status"]
    with inst.store.session(write=True) as s:
        # has_unsent False: its registration (not sent, no server here) is not laid over it
        local.apply_item(s, {**item, "data": data, "former_names": ["小红红", "王芳之女"]},
                         has_unsent=False)
    assert found(inst.store, "小红红") == [uid]
    assert residents.get(inst.store, uid)["former_names"] == ["王芳女儿", "小红红"]
    with inst.store.session() as s:
        assert len(s.scalars(select(Version).where(Version.entity_uuid == uid)).all()) == 1


def _token(county: County, area: str) -> str:
    r = requests.post(county.api("/enroll"), json={"code": county.enroll_code(area), "area": area, "name": "t"})
    assert r.status_code == 200, r.text
    return r.json()["token"]


def _push(county: County, token: str, *changes: dict[str, Any]) -> list[dict[str, Any]]:
    r = requests.post(county.api("/sync/push"), json={"changes": list(changes)},
                      headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert r.status_code == 200, r.text
    return r.json()["results"]


def _change(uid: str, op: str, base_rev: int | None = None, **fields: Any) -> dict[str, Any]:
    """A change of `fields`: a value, or (old, new) as a tuple."""
    changes = {k: {"old": v[0], "new": v[1]} if isinstance(v, tuple) else {"old": None, "new": v}
               for k, v in fields.items()}  # fmt: skip
    ch = {"mutation_id": str(uuid.uuid4()), "entity": "resident", "entity_uuid": uid, "op": op,
          "changes": changes}  # fmt: skip
    return ch if base_rev is None else {**ch, "base_rev": base_rev}


def test_former_names_a_client_sends_are_never_stored(county: County, make_installation: Any) -> None:
    t = county.township()
    token = _token(county, t + "001")
    uid = str(uuid.uuid4())
    born = {"name": "王五", "sex": "1", "birth_date": "1950-01-01", "village": "001"}
    # A create (the batched path) with forged names, then a rename and a bare forged list in
    # one batch (the change-by-change path: one entity twice).
    [made] = _push(county, token, _change(uid, "create", former_names=["假名甲"], **born))
    assert made["result"] == "applied", made
    renamed = _push(county, token, _change(uid, "update", 1, name=("王五", "王六"), former_names=["假名乙"]),
                    _change(uid, "update", 2, former_names=["假名丙"]))  # fmt: skip
    assert [r["result"] for r in renamed] == ["applied", "duplicate"], renamed
    # A plain edit of a held resident in a batch of its own (the batched path again).
    [edited] = _push(county, token, _change(uid, "update", 2, phone="13800000000", former_names=["假名丁"]))
    assert edited["result"] == "applied", edited
    assert server_names(county, uid) == ["王五"]  # the server's own: the name it replaced
    for (data,) in county.query("SELECT data FROM entity_version WHERE uuid = :u", u=uid):
        assert "former_names" not in (json.loads(data) if isinstance(data, str) else data)
    # The names travel beside the data, not in it: a device from before them ignores the key
    # (in the data it would become a field of its form, which it then refuses to save).
    auth = {"Authorization": f"Bearer {token}"}
    pulled = requests.get(county.api("/sync/pull"), params={"cursor": 0}, headers=auth).json()
    snap = requests.get(county.api("/sync/snapshot"), headers=auth).json()
    for page in (pulled, snap):
        [item] = [i for i in page["items"] if i["uuid"] == uid]
        assert item["former_names"] == ["王五"] and "former_names" not in item["data"]
    other = make_installation(t + "001", county)
    other.sync()
    assert found(other.store, "王五") == [uid]
    for fake in ("假名甲", "假名乙", "假名丙", "假名丁"):
        assert found(other.store, fake) == []
    assert residents.get(other.store, uid)["former_names"] == ["王五"]


@pytest.mark.parametrize("dialect", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_migration_fills_former_names_from_the_history(tmp_path: Path, dialect: str) -> None:
    """Migration 0011 on a server with residents renamed before it: each gets the names of its
    history but the current one, in the order the push keeps them (by their last version)."""
    import secrets

    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import text

    from sync.server.db import alembic_config, make_engine, upgrade
    from sync.server.models import Base

    admin, name = "host=127.0.0.1 port=5432 user=postgres dbname=postgres", f"cunyi_mig_{secrets.token_hex(4)}"
    if dialect == "postgres":
        if not postgres_up():
            pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
        import psycopg

        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        engine = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
    else:
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0010")
            history = {"r1": ["王芳之女", "王小红", "王芳之女", "张丽"], "r2": ["李四"], "r3": ["赵六", "赵六"]}
            for uid, names in history.items():
                conn.execute(text(
                    "INSERT INTO entity (uuid, kind, area, rev, seq, data, created_at, updated_at) "
                    "VALUES (:u, 'resident', '110105100001', :rev, 1, :d, '2026-01-01', '2026-01-02')"
                ), {"u": uid, "rev": len(names), "d": json.dumps({"name": names[-1]}, ensure_ascii=False)})  # fmt: skip
                for rev, n in enumerate(names, 1):
                    conn.execute(text(
                        "INSERT INTO entity_version (uuid, kind, rev, seq, area, data, at) "
                        "VALUES (:u, 'resident', :rev, :rev, '110105100001', :d, '2026-01-01')"
                    ), {"u": uid, "rev": rev, "d": json.dumps({"name": n}, ensure_ascii=False)})  # fmt: skip
            conn.execute(text(
                "INSERT INTO entity_version (uuid, kind, rev, seq, area, data, at) "
                "VALUES ('c1', 'record', 1, 1, '110105100001', '{\"name\": \"x\"}', '2026-01-01')"
            ))  # fmt: skip
        upgrade(engine)
        with engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT uuid, former_names FROM entity ORDER BY uuid")).all())
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        got = {u: json.loads(v) if isinstance(v, str) else v for u, v in rows.items()}
        assert got == {"r1": ["王小红", "王芳之女"], "r2": None, "r3": None}
        assert diff == []
    finally:
        engine.dispose()
        if dialect == "postgres":
            import psycopg

            with psycopg.connect(admin, autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
