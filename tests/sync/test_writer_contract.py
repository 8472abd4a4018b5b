"""The writer's contract (issue 13): every origin of a change to a resident leaves the same
invariants behind. Each case drives one origin on real installations synced with a real county
server, then checks: the search terms match the fields (each record number finds exactly its
holder), the entity's history shows the changed fields, outbox and audit rows are those the
origin asks for, invalid input was refused without a trace, and `cunyi check` is clean."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import func, select
from synchelp import USER

from app.db.models import Audit, Outbox, Resident, Version
from app.errors import InvalidInput
from app.repo.residents import renumber
from app.services import integrity, lifecycle, residents
from app.services.resident_batch import register
from sync import resolve


def person(name: str, birth: str = "1961-02-03", **extra: Any) -> dict[str, Any]:
    return {"name": name, "sex": "1", "birth_date": birth, **extra}


@dataclass
class Done:
    """What a case did: on which installation, to whom, what the origin must have written."""

    inst: Any
    uuid: str
    fields: set[str]  # at least these fields show in the entity's last version
    user: str  # the name on that version
    outbox: int  # outbox rows the change added for the entity
    audited: bool  # an audit entry names the entity
    before: dict[str, int] = field(default_factory=dict)


def counts(store: Any, uuid: str) -> dict[str, int]:
    with store.session() as s:
        return {"outbox": s.scalar(select(func.count()).select_from(Outbox)
                                   .where(Outbox.entity_uuid == uuid)) or 0,
                "audit": s.scalar(select(func.count()).select_from(Audit)
                                  .where(Audit.entity_uuid == uuid)) or 0}  # fmt: skip


def refused(store: Any, attempt: Callable[[], Any]) -> None:
    """`attempt` raises InvalidInput naming a field, and nothing of it is saved."""
    with store.session() as s:
        before = (s.scalar(select(func.count()).select_from(Version)),
                  s.scalar(select(func.count()).select_from(Outbox)))  # fmt: skip
    with pytest.raises(InvalidInput) as e:
        attempt()
    assert e.value.errors and all(f.key for f in e.value.errors)
    with store.session() as s:
        assert (s.scalar(select(func.count()).select_from(Version)),
                s.scalar(select(func.count()).select_from(Outbox))) == before  # fmt: skip


# -- the origins ----------------------------------------------------------------------------------


def local_add(a: Any, b: Any) -> Done:
    refused(a.store, lambda: residents.add(a.store, person("王一", sex="7")))
    r = residents.add(a.store, person("王一", phone="13700000001"))
    return Done(a, r["uuid"], {"name", "sex", "birth_date", "phone", "record_no"}, USER, 1, True,
                {"outbox": 0, "audit": 0})  # fmt: skip


def local_edit(a: Any, b: Any) -> Done:
    r = residents.add(a.store, person("王二"))
    refused(a.store, lambda: residents.update(a.store, r["uuid"], {"phone": "12"}))
    before = counts(a.store, r["uuid"])
    residents.update(a.store, r["uuid"], {"phone": "13700000002", "name": "王贰"})
    return Done(a, r["uuid"], {"phone", "name"}, USER, 1, True, before)


def import_rows(a: Any, b: Any) -> Done:
    with a.store.session(write=True) as s:
        bad, good = register(s, a.store, [person("王三", birth_date="1961-13-40"), person("王叁")])
    assert isinstance(bad, InvalidInput) and bad.errors[0].key == "birth_date"
    return Done(a, good.uuid, {"name", "record_no"}, USER, 1, True, {"outbox": 0, "audit": 0})


def pull_page(a: Any, b: Any) -> Done:
    r = residents.add(a.store, person("王四", phone="13700000004"))
    a.sync()
    b.sync()  # b's first sync: the page goes in with bulk inserts
    return Done(b, r["uuid"], {"name", "phone", "record_no"}, "sync", 0, False,
                {"outbox": 0, "audit": 0})  # fmt: skip


def pull_item(a: Any, b: Any) -> Done:
    r = residents.add(a.store, person("王五"))
    a.sync()
    b.sync()
    residents.update(a.store, r["uuid"], {"phone": "13700000005", "address": "王家村5号"})
    a.sync()
    before = counts(b.store, r["uuid"])
    b.sync()  # an update of a resident b holds: the per-item path
    return Done(b, r["uuid"], {"phone", "address"}, "sync", 0, False, before)


def _conflict(a: Any, b: Any, name: str) -> tuple[str, str]:
    r = residents.add(a.store, person(name))
    a.sync()
    b.sync()
    residents.update(a.store, r["uuid"], {"phone": "13700000011"})
    residents.update(b.store, r["uuid"], {"phone": "13700000022"})
    a.sync()
    b.sync()
    (c,) = [c for c in resolve.listing(b.store) if c["entity_uuid"] == r["uuid"]]
    assert (c["field"], c["theirs"], c["mine"]) == ("phone", "13700000011", "13700000022")
    return r["uuid"], c["id"]


def resolution(take: str | None, value: str | None) -> Callable[[Any, Any], Done]:
    def case(a: Any, b: Any) -> Done:
        uuid, cid = _conflict(a, b, "王六")
        refused(b.store, lambda: resolve.resolve(b.store, cid, value_text="12"))
        before = counts(b.store, uuid)
        resolve.resolve(b.store, cid, take=take, value_text=value)
        with b.store.session() as s:
            row = s.scalars(select(Outbox).where(Outbox.entity_uuid == uuid)
                            .order_by(Outbox.device_seq.desc())).first()  # fmt: skip
            assert row is not None and row.resolves == cid
        # b holds theirs already (the pull brought it): keeping it adds no version of its own
        user = "sync" if take == "theirs" else USER
        return Done(b, uuid, {"phone"}, user, 1, True, before)

    return case


def merge(a: Any, b: Any) -> Done:
    keep = residents.add(a.store, person("王七", phone="13700000007"))
    dup = residents.add(a.store, person("王七"), allow_similar=True)
    refused(a.store, lambda: lifecycle.merge(a.store, keep["uuid"], keep["uuid"]))
    before = counts(a.store, dup["uuid"])
    lifecycle.merge(a.store, keep["uuid"], dup["uuid"])
    return Done(a, dup["uuid"], {"status", "merged_into"}, USER, 1, True, before)


def unmerge(a: Any, b: Any) -> Done:
    keep = residents.add(a.store, person("王八", phone="13700000008"))
    dup = residents.add(a.store, person("王八"), allow_similar=True)
    lifecycle.merge(a.store, keep["uuid"], dup["uuid"])
    refused(a.store, lambda: lifecycle.unmerge(a.store, keep["uuid"]))
    before = counts(a.store, dup["uuid"])
    lifecycle.unmerge(a.store, dup["uuid"])
    return Done(a, dup["uuid"], {"status", "merged_into"}, USER, 1, True, before)


def renumbering(a: Any, b: Any) -> Done:
    """Both laptops number a resident offline with the same number: the second to push gets a new
    one from the server; the number then finds only the first."""
    ra = residents.add(a.store, person("王九"))
    rb = residents.add(b.store, person("吴九", birth="1962-02-03"))
    if ra["record_no"] != rb["record_no"]:  # numbers from county blocks never collide: force it
        with b.store.session(write=True) as s:
            renumber(s, s.get(Resident, rb["uuid"]), ra["record_no"])
    a.sync()
    before = counts(b.store, rb["uuid"])
    b.sync()
    b.sync()
    with b.store.session() as s:
        assert s.get(Resident, rb["uuid"]).record_no != ra["record_no"]
    return Done(b, rb["uuid"], {"record_no"}, "sync", 0, False, before)


CASES = {
    "local-add": local_add, "local-edit": local_edit, "import": import_rows,
    "pull-page": pull_page, "pull-item": pull_item,
    "resolve-mine": resolution("mine", None), "resolve-theirs": resolution("theirs", None),
    "resolve-value": resolution(None, "13700000033"),
    "merge": merge, "unmerge": unmerge, "renumber": renumbering,
}  # fmt: skip


@pytest.mark.parametrize("origin", list(CASES))
def test_every_origin_keeps_the_invariants(origin: str, county: Any, make_installation: Any) -> None:
    if county.db.startswith("postgresql"):  # the invariants are the device's: one server suffices
        pytest.skip("the writer's contract runs against the SQLite county server")
    t = county.township()
    a = make_installation(t + "001", county)
    b = make_installation(t + "001", county)
    done = CASES[origin](a, b)
    store = done.inst.store
    with store.session() as s:
        # search terms match the fields: each number finds exactly its holder
        holders = {r.record_no: (r.uuid, r.status) for r in s.scalars(select(Resident))}
        last = s.scalars(select(Version).where(Version.entity_uuid == done.uuid)
                         .order_by(Version.rev.desc(), Version.id.desc())).first()  # fmt: skip
    for number, (uuid, status) in holders.items():  # (merged residents are listed on request)
        found = residents.find(store, number, status="merged" if status == "merged" else None)
        assert [r["uuid"] for r in found] == [uuid], number
    # the entity's history shows what changed, under the right name
    history = residents.history(store, done.uuid)
    assert last is not None and history[-1]["rev"] == last.rev
    assert done.fields <= set(history[-1]["changes"]), (history[-1]["action"], history[-1]["changes"])
    assert history[-1]["user"] == done.user
    # outbox and audit rows as the origin asks
    after = counts(store, done.uuid)
    assert after["outbox"] - done.before["outbox"] == done.outbox
    audits = after["audit"] - done.before["audit"] - 1  # the history read above is a view entry
    assert (audits > 0) == done.audited
    assert json.loads(last.data)["name"]
    assert integrity.check_store(store) == []
