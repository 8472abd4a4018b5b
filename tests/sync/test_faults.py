"""Kill the client mid-push and mid-pull, cut the connection mid-response: after re-running sync,
server and clients hold identical data, nothing lost, nothing duplicated."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from typing import Any

import pytest
from faultproxy import FaultProxy
from sqlalchemy import select
from synchelp import (
    ROOT,
    add_residents,
    local_households,
    local_residents,
    server_households,
    server_residents,
)

from app.db.models import Outbox
from app.services import households, residents

SMALL_PAGES = {"CUNYI_SYNC_PULL_LIMIT": "40", "CUNYI_SYNC_SNAPSHOT_LIMIT": "60"}


@pytest.fixture
def proxy(county: Any) -> Any:
    p = FaultProxy(county.port)
    yield p
    p.close()


def start_sync(inst: Any) -> subprocess.Popen[str]:
    import os

    env = {**os.environ, "PYTHONPATH": str(ROOT), **inst.env(), **SMALL_PAGES}
    return subprocess.Popen([sys.executable, "-m", "app", "sync", "--json"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


def kill_at(inst: Any, proxy: FaultProxy, path: str, nth: int, action: str) -> None:
    """Run `cunyi sync` in a subprocess and kill -9 it when the proxy reaches the chosen point."""
    proxy.arm(path, nth, action)
    p = start_sync(inst)
    try:
        assert proxy.triggered.wait(90), f"never reached {path}#{nth}: {p.communicate(timeout=30)}"
    finally:
        p.kill()
        p.wait(30)
        proxy.disarm()


def finish(inst: Any) -> dict[str, Any]:
    out = inst.cli("sync", "--json", timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def assert_converged(county: Any, area: str, *insts: Any) -> None:
    server = server_residents(county, area)
    server_hh = server_households(county, area)
    for inst in insts:
        assert local_households(inst.store) == server_hh
        mine = local_residents(inst.store)
        diff = [
            (u, mine.get(u), server.get(u))
            for u in set(mine) | set(server)
            if mine.get(u) != server.get(u)
        ]
        assert not diff, (len(diff), diff[:2])
        with inst.store.session() as s:
            states = {o.state for o in s.scalars(select(Outbox))}
            ids = [o.mutation_id for o in s.scalars(select(Outbox))]
        assert states <= {"sent"}, states
        applied = county.query("SELECT count(*) FROM applied_mutation WHERE mutation_id IN :ids".replace(
            ":ids", "(" + ",".join(f"'{i}'" for i in ids) + ")"))[0][0] if ids else 0  # fmt: skip
        assert applied == len(ids)  # every change reached the server exactly once


def test_killed_mid_push_then_resync_converges(
    county: Any, make_installation: Any, proxy: FaultProxy
) -> None:
    t = county.township()
    victim = make_installation(t + "001")
    victim.enroll(county, proxy.url)
    uuids = add_residents(victim.store, 450, household_size=3)  # + 150 households
    kill_at(
        victim, proxy, "/sync/push", 2, "hold_response"
    )  # server applied batch 2, client never heard
    kill_at(victim, proxy, "/sync/push", 1, "hold_request")  # batch never reached the server
    residents.update(victim.store, uuids[0], {"address": "被杀之后的修改"})
    proxy.arm(
        "/sync/push", 2, "cut_response"
    )  # the link drops mid-response: retried in the same run
    out = finish(victim)
    assert proxy.triggered.is_set()
    proxy.disarm()
    assert out["quarantined"] == 0 and out["conflicts"] == 0
    server = server_residents(county, t)
    assert set(server) == set(uuids) and server[uuids[0]]["address"] == "被杀之后的修改"
    numbers = [d["record_no"] for d in server.values()]
    assert len(set(numbers)) == len(numbers) == 450
    assert_converged(county, t, victim)


def test_killed_mid_pull_and_snapshot_then_resync_converges(
    county: Any, make_installation: Any, proxy: FaultProxy
) -> None:
    t = county.township()
    source = make_installation(t + "001", county)  # another laptop of the same clinic
    uuids = add_residents(source.store, 300, household_size=4)  # + 75 households
    source.sync()
    victim = make_installation(t + "001")
    victim.enroll(county, proxy.url)
    kill_at(victim, proxy, "/sync/snapshot", 2, "hold_response")
    kill_at(victim, proxy, "/sync/snapshot", 3, "hold_request")
    finish(victim)
    assert set(local_residents(victim.store)) == set(uuids)

    for i, u in enumerate(uuids[:200]):
        residents.update(source.store, u, {"address": f"新地址{i % 7}组"})
    for k in range(0, 75, 2):
        households.update(source.store, uuids[4 * k], label=f"改名户{k}", head=uuids[4 * k + 1])
    source.sync()
    kill_at(victim, proxy, "/sync/pull", 3, "hold_response")
    kill_at(victim, proxy, "/sync/pull", 2, "hold_request")
    proxy.arm("/sync/pull", 2, "cut_response")
    finish(victim)
    proxy.disarm()
    assert_converged(county, t, victim, source)


@pytest.mark.slow
def test_killed_at_random_moments_converges(county: Any, make_installation: Any) -> None:
    t = county.township()
    a = make_installation(t + "001", county)
    b = make_installation(t + "001", county)
    ua = add_residents(a.store, 250, household_size=3)
    ub = add_residents(b.store, 250, start=1000, household_size=3)
    rng = random.Random(5)
    for _ in range(4):
        for inst in (a, b):
            p = start_sync(inst)
            time.sleep(rng.uniform(0.3, 2.5))
            p.kill()
            p.wait(30)
    for u in ua[:50]:
        residents.update(a.store, u, {"address": "甲"})
    for inst in (a, b, a):
        finish(inst)
    assert set(server_residents(county, t)) == set(ua) | set(ub)
    assert_converged(county, t, a, b)


def test_failure_inside_a_grouped_snapshot_transaction_resumes_from_its_start(
    county: Any, make_installation: Any, monkeypatch: Any
) -> None:
    """Pages already fetched share one local transaction (up to GROUP_ENTITIES items). A failure
    while applying the third page of the second group loses that whole group and nothing else:
    the next run resumes after the first group, and ends with every resident once."""
    from sqlalchemy import func

    from app.db.models import Resident, Version
    from sync import bulk, client

    t = county.township()
    source = make_installation(t + "001", county)
    uuids = add_residents(source.store, 200)
    source.sync()
    monkeypatch.setattr(client, "SNAPSHOT_LIMIT", 20)
    monkeypatch.setattr(client, "GROUP_ENTITIES", 100)  # five pages a transaction
    monkeypatch.setattr(client, "GROUP_WAIT", 60.0)  # wait for the next page: groups are exact
    victim = make_installation(t + "001", county)
    real_apply, calls = bulk.apply_page, []

    def failing_apply(s: Any, items: list[Any]) -> None:
        calls.append(len(items))
        if len(calls) == 8:
            raise RuntimeError("power cut")
        real_apply(s, items)

    monkeypatch.setattr(bulk, "apply_page", failing_apply)
    with pytest.raises(RuntimeError, match="power cut"):
        victim.sync()
    with victim.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Resident)) == 100  # the first group
    assert victim.cli("sync", "status", "--json").returncode == 0

    monkeypatch.setattr(bulk, "apply_page", real_apply)
    victim.sync()
    assert set(local_residents(victim.store)) == set(uuids)
    with victim.store.session() as s:
        per_resident = s.execute(
            select(Version.entity_uuid, func.count()).group_by(Version.entity_uuid)
        ).all()
    assert len(per_resident) == 200 and {n for _, n in per_resident} == {1}  # applied once each
    assert_converged(county, t, victim, source)
