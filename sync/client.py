"""A sync run: push the outbox in batches, then pull (snapshot first, then the cursor), then
check for drift. Every page is applied in one local transaction together with its cursor, so a
run killed at any point resumes exactly where it stopped."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests
from sqlalchemy import func, select, update

from app import recordno, roles
from app.clock import now_iso
from app.db import planner
from app.db.models import Conflict, Household, Outbox, Record, Resident, SerialBlock, SyncEntity
from app.filelock import lock
from app.repo import Origin
from app.repo import residents as repo_residents
from app.services import anchors, audit
from sync import bulk, local
from sync.protocol import API_PREFIX, MAX_PUSH_CHANGES, is_made_at, state_item_hash
from sync.transport import SyncError, Transport, check_server_url, peer_fingerprint

if TYPE_CHECKING:
    from app.store import Store

PULL_LIMIT = int(os.environ.get("CUNYI_SYNC_PULL_LIMIT", "500"))
# Snapshot pages adapt to the link: from SNAPSHOT_FIRST items, doubled after a page that came
# quickly, halved after a slow one, within [SNAPSHOT_MIN, SNAPSHOT_MAX]. A township's first sync
# (250,000 entities) then takes some 40 requests on a good link instead of 250, while a page on a
# poor one stays well inside the read time-out. A fixed SNAPSHOT_LIMIT (tests) turns this off.
SNAPSHOT_LIMIT = int(os.environ.get("CUNYI_SYNC_SNAPSHOT_LIMIT", "0"))
SNAPSHOT_FIRST, SNAPSHOT_MIN, SNAPSHOT_MAX = 2000, 250, 8000
PAGE_FAST, PAGE_SLOW = 4.0, 15.0  # seconds a page took to arrive
# Pages already fetched go into one local transaction up to this many items / seconds.
GROUP_ENTITIES = int(os.environ.get("CUNYI_SYNC_GROUP_ENTITIES", "5000"))
GROUP_SECONDS = 2.0
GROUP_WAIT = 0.0  # how long a transaction waits for the next page (0: only one already there)
SERIAL_LOW_WATER, SERIAL_BLOCK = 20, 100
RETRYABLE = ("not_found", "internal")  # rejections that may pass later without anyone's help
Progress = Callable[[str, int], None]


def _lock_file(path: Path):  # type: ignore[no-untyped-def]
    handle = open(path, "a+b")  # noqa: SIM115 - held for the whole run
    if not lock(handle.fileno(), wait=False):
        handle.close()
        raise SyncError("另一个同步正在进行")
    return handle


@contextlib.contextmanager
def single_flight(data_dir: Path) -> Iterator[None]:
    handle = _lock_file(Path(data_dir) / "sync.lock")
    try:
        yield
    finally:
        handle.close()


def enroll(store: Store, server: str, code: str, ca_cert: str | None = None) -> dict[str, Any]:
    """Register this installation with the county server (administrators only: from then on
    every record goes there). The server's certificate is pinned for every later sync."""
    roles.require(store, "enroll")
    server = check_server_url(server)
    fingerprint = peer_fingerprint(server) if server.startswith("https://") else None
    t = Transport(server, ca_cert=ca_cert, attempts=3, fingerprint=fingerprint)
    inst = store.institution
    body: dict[str, Any] = {"code": code.strip(), "name": inst.name, "area": inst.area}
    with store.session() as s:
        # The serials this clinic gave its own village's residents before it knew the county:
        # the county reserves them for this device if it can, so they are kept at the first push.
        own = s.scalar(
            select(func.max(SerialBlock.next) - 1).where(
                SerialBlock.source == "village-range", SerialBlock.prefix == inst.area
            )
        )
    if own:
        body["numbered"] = int(own)
    reply = t.call("POST", "/enroll", body)
    with store.session(write=True) as s:
        previous = local.get_state(s, "server")
        local.set_state(s, "server", server.rstrip("/"))
        local.set_state(s, "token", reply["token"])
        local.set_state(s, "device_id", reply["device_id"])
        local.set_state(s, "ca_cert", str(Path(ca_cert).resolve()) if ca_cert else None)
        local.set_state(s, "tls_fingerprint", fingerprint)
        local.set_state(s, "institution", reply["institution"])
        if previous != server.rstrip("/"):
            for key in ("cursor", "snapshot"):
                local.set_state(s, key, None)
        # From now on the county hands out serials: stop using the whole-village range.
        s.execute(
            update(SerialBlock)
            .where(SerialBlock.source == "village-range")
            .values(next=SerialBlock.last + 1)
        )
        audit.append(s, store.user.name, "sync", detail={"enrolled": reply["device_id"]})
    client = SyncClient(store)
    client.ensure_serials()
    return {"device_id": reply["device_id"], "institution": reply["institution"], "server": server}


_ASK = object()  # the audit-chain entry to prove is not known yet: ask the server
# Items pulled in one run after which the planner's statistics are refreshed (ANALYZE ~0.3 s).
LARGE_PULL = 1000


class SyncClient:
    def __init__(self, store: Store, progress: Progress | None = None) -> None:
        self.store = store
        self.progress = progress or (lambda phase, n: None)
        with store.session() as s:
            server = local.get_state(s, "server")
            token = local.get_state(s, "token")
            ca_cert = local.get_state(s, "ca_cert")
            fingerprint = local.get_state(s, "tls_fingerprint")
        if not server or not token:
            raise SyncError(
                "本机尚未注册到县级服务器：请先运行 cunyi enroll --server URL --code 注册码"
            )
        self.t = Transport(server, token, ca_cert, fingerprint=fingerprint)
        self.pushed = 0
        self.pulled = 0
        self.serials_refused: str | None = None
        self.audit_seq: Any = _ASK

    # -- whole run ----------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        with single_flight(self.store.data_dir):
            self.refresh_token()
            with self.store.session() as s:
                owed = local.get_state(s, "audit_head_owed")
            if owed:  # the last sync could not deliver it; the county expects it before a push
                self.send_audit_head()
            self.requeue(RETRYABLE)
            self.ensure_serials()
            self.push_all()
            repaired = self.pull_all()
            if self.pulled >= LARGE_PULL or repaired:
                # A first sync or a large pull changes the data's shape: without fresh statistics
                # the planner may pick a scan for the due list (app/db/planner.py, issue 14).
                planner.refresh_store(self.store)
            with self.store.session(write=True) as s:
                local.set_state(s, "last_success", now_iso())
                local.set_state(s, "audit_head_owed", True)
                local.set_state(s, "last_run", {"requests": self.t.requests, "bytes_up": self.t.bytes_up,
                                                "bytes_down": self.t.bytes_down, "repaired": repaired})  # fmt: skip
            counts = self.counts()
            out: dict[str, Any] = {"pushed": self.pushed, "pulled": self.pulled, "conflicts": counts["conflicts"],
                   "quarantined": counts["quarantined"]}  # fmt: skip
            with self.store.session(write=True) as s:
                audit.append(s, self.store.user.name, "sync", detail={**out, "repaired": repaired})
            flag = self.send_audit_head()
            if flag:
                out["audit_flag"] = flag
            if self.serials_refused:
                out["serials"] = self.serials_refused
            return out

    def refresh_token(self) -> None:
        """Tokens rotate at every sync (sync/server/tokens.py): take the new one and keep it
        before anything else; the old one works until the new one is used."""
        reply = self.t.call("POST", "/token")
        with self.store.session(write=True) as s:
            local.set_state(s, "token", reply["token"])
        self.t.token = reply["token"]
        if "audit_seq" in reply:  # what GET /audit-head would say (saves that request)
            self.audit_seq = reply["audit_seq"]

    def send_audit_head(self) -> str | None:
        """Give the county this installation's audit-chain head, with the entry it kept last
        time as it stands here now (sync/server/anchor.py). Returns the county's flag, if any.
        The sync itself has succeeded by now: a failure here only leaves the anchor as it was."""
        try:
            asked = (
                self.audit_seq
                if self.audit_seq is not _ASK
                else self.t.call("GET", "/audit-head").get("seq")
            )
            with self.store.session() as s:
                conn = s.connection()
                head = anchors.chain_head(conn)
                proof = None
                if isinstance(asked, int):
                    row = conn.exec_driver_sql(
                        "SELECT hash FROM audit WHERE seq = ?", (asked,)
                    ).first()
                    proof = {"seq": asked, "hash": row[0]} if row else None
            if head is None:
                return None
            reply = self.t.call("POST", "/audit-head", {"head": head, "proof": proof})
        except SyncError:
            return None
        # The seq the token reply named is proved now; the next report asks again.
        self.audit_seq = _ASK
        with self.store.session(write=True) as s:
            local.set_state(s, "audit_head_owed", False)
        return reply.get("flag")

    def counts(self) -> dict[str, int]:
        with self.store.session() as s:
            return status_counts(s)

    def requeue(self, codes: tuple[str, ...] | None = None) -> int:
        """Quarantined changes back into the queue: all of them, or those with a retryable code."""
        with self.store.session(write=True) as s:
            rows = list(s.scalars(select(Outbox).where(Outbox.state == "quarantined")))
            chosen = [
                r
                for r in rows
                if codes is None or r.error_code in codes
            ]
            for r in chosen:
                r.state = "pending"
            return len(chosen)

    # -- record-number blocks -----------------------------------------------------------------

    def ensure_serials(self) -> None:
        area = self.store.institution.area
        if area.endswith("000"):
            return  # a township hospital's residents get provisional numbers until sync
        with self.store.session() as s:
            left = s.scalar(
                select(func.coalesce(func.sum(SerialBlock.last - SerialBlock.next + 1), 0)).where(
                    SerialBlock.prefix == area,
                    SerialBlock.source == "server",
                    SerialBlock.next <= SerialBlock.last,
                )
            )
        if (left or 0) >= SERIAL_LOW_WATER:
            return
        try:
            block = self.t.call("POST", "/serials", {"village": area[9:], "count": SERIAL_BLOCK})
        except SyncError as e:
            if e.status != 409:
                raise
            # The village's numbers are used up, or this device holds enough unused ones: new
            # residents get provisional numbers (the server numbers them, or names the problem
            # on each one), and the sync goes on.
            self.serials_refused = str(e)
            return
        with self.store.session(write=True) as s:
            recordno.add_block(s, block["area"], block["first"], block["last"], "server")

    # -- push ---------------------------------------------------------------------------------

    def push_all(self) -> None:
        sent: set[str] = set()
        while True:
            with self.store.session() as s:
                rows = list(
                    s.scalars(
                        select(Outbox).where(Outbox.state == "pending").order_by(Outbox.device_seq)
                        .limit(MAX_PUSH_CHANGES)
                    )
                )  # fmt: skip
                # One query for the revisions the county gave, not one per change.
                known = {e.uuid: e for e in s.scalars(select(SyncEntity).where(
                    SyncEntity.uuid.in_([r.entity_uuid for r in rows])))}  # fmt: skip
                batch = [self._wire(s, r, known.get(r.entity_uuid)) for r in rows
                         if r.mutation_id not in sent]  # fmt: skip
                held = local.held_back(s, rows)
            if held:
                with self.store.session(write=True) as s:
                    for r in held:
                        row = s.get(Outbox, r.device_seq)
                        assert row is not None  # read just above, under single_flight
                        row.state, row.error_code = "quarantined", "forbidden"
                        row.last_error = "该居民已迁出本机构辖区，本机只读：此修改未上传"
                continue
            if not batch:
                return
            reply = self.t.call("POST", "/sync/push", {"changes": batch})
            with self.store.session(write=True) as s, s.no_autoflush:
                # Two queries for the batch instead of a lookup (and a flush) per change.
                results = reply["results"]
                mids = [r["mutation_id"] for r in results if isinstance(r.get("mutation_id"), str)]
                sent_rows = {
                    r.mutation_id: r
                    for r in s.scalars(select(Outbox).where(Outbox.mutation_id.in_(mids)))
                }
                uuids = [c["entity_uuid"] for c in batch]
                synced = {
                    e.uuid: e
                    for e in s.scalars(select(SyncEntity).where(SyncEntity.uuid.in_(uuids)))
                }
                for res in results:
                    self._settle(s, res, sent_rows, synced)
            sent.update(c["mutation_id"] for c in batch)
            self.pushed += len(batch)
            self.progress("push", self.pushed)

    def _wire(self, s: Any, row: Outbox, known: SyncEntity | None) -> dict[str, Any]:
        changes = json.loads(row.changes)
        if row.entity == "resident" and row.op == "create":
            r = s.get(Resident, row.entity_uuid)
            if r is not None and r.provisional:
                changes["provisional"] = {"old": None, "new": True}
        change = {"mutation_id": row.mutation_id, "entity": row.entity, "entity_uuid": row.entity_uuid,
                  "op": row.op if row.op in ("create", "update", "status", "merge", "unmerge") else "update",
                  "changes": changes, "device_seq": row.device_seq,
                  "base_rev": known.rev if known else None}  # fmt: skip
        if row.user:  # for the county's history of who changed what
            change["user"] = row.user[:64]
            if is_made_at(row.created_at):
                change["made_at"] = row.created_at
        if row.resolves:
            change["resolves"] = row.resolves
        return change

    def _settle(
        self, s: Any, res: dict[str, Any], rows: dict[str, Outbox], synced: dict[str, SyncEntity]
    ) -> None:
        row = rows.get(res.get("mutation_id"))  # type: ignore[arg-type]
        if row is None:
            return
        row.attempts += 1
        if res["result"] == "rejected":
            row.state, row.error_code = "quarantined", res.get("code", "invalid")
            row.last_error = res.get("reason", "")
            return
        row.state, row.error_code, row.last_error = "sent", None, None
        if res.get("record_no") and row.entity == "resident":
            self._renumber(s, row.entity_uuid, res["record_no"])
        self._hold_as_sent(s, row, res, synced)

    def _hold_as_sent(
        self, s: Any, row: Outbox, res: dict[str, Any], synced: dict[str, SyncEntity]
    ) -> None:
        """A change the server applied exactly as sent (a create, or an update on the revision
        this device had) leaves the server holding what this device holds: record its revision
        now, as a pull would, and the pull skips it (skip_own; the server marks the same cases,
        api.mark_own). Anything else comes back with the pull."""
        first = res.get("first_result", res["result"])
        rev = res.get("rev")
        if (
            first != "applied"
            or not isinstance(rev, int)
            or row.entity not in ("resident", "record", "household", "activity")
        ):
            return
        known = synced.get(row.entity_uuid)
        if known is not None and not known.stub and known.rev + 1 == rev:
            known.rev, known.h = rev, state_item_hash(row.entity_uuid, rev)
        elif known is None and row.op == "create":
            known = SyncEntity(uuid=row.entity_uuid, kind=row.entity, rev=rev, stub=False,
                               area=self._area_of(s, row), h=state_item_hash(row.entity_uuid, rev))  # fmt: skip
            s.add(known)
            synced[row.entity_uuid] = known  # a later change of the batch finds it

    def _area_of(self, s: Any, row: Outbox) -> str:
        """The area the server files a new entity under (informational on this side)."""
        area = self.store.institution.area
        if row.entity == "activity":  # the clinic's own: filed under the clinic's area
            return area
        if row.entity == "record":
            rec = s.get(Record, row.entity_uuid)
            owner = s.get(SyncEntity, rec.resident_uuid) if rec is not None else None
            return owner.area if owner is not None else area
        model = Resident if row.entity == "resident" else Household
        obj = s.get(model, row.entity_uuid)
        village = getattr(obj, "village", None)
        return area[:9] + village if isinstance(village, str) and len(village) == 3 else area

    def _renumber(self, s: Any, uuid: str, number: str) -> None:
        """The server replaced a provisional or colliding number: take it, and list the card for
        reprinting."""
        r = s.get(Resident, uuid)
        if r is None or r.record_no == number:
            return
        old = repo_residents.renumber(s, r, number, origin=Origin.pull())  # the server's number
        reprint = local.get_state(s, "reprint", [])
        reprint.append({"uuid": uuid, "old": old, "new": number})
        local.set_state(s, "reprint", reprint)

    # -- pull ---------------------------------------------------------------------------------

    def pull_all(self) -> bool:
        with self.store.session() as s:
            cursor = local.get_state(s, "cursor")
        if cursor is None:
            self.snapshot()
        state = self._pull_pages()
        with self.store.session() as s:
            mine = local.local_digest(s)
        if state is None or mine == state:
            return False
        # Drift: the local copy disagrees with the server's count/hash. Download the whole
        # jurisdiction again (unsent edits stay on top) and mark what the server no longer sends.
        self.snapshot(repair=True)
        self._pull_pages()
        return True

    def _apply_pages(
        self,
        path: str,
        params: dict[str, Any],
        follow: Callable[[dict[str, Any]], dict[str, Any] | None],
        apply: Callable[[Any, dict[str, Any]], None],
        phase: str,
    ) -> None:
        """Fetch the pages of `path` in order and `apply` each, with its resume point, in a local
        write transaction. The next page is already being fetched while this one is applied (the
        server's page build and the client's writes overlap). A page that is already there when
        the previous one is applied goes into the same transaction, up to GROUP_ENTITIES items
        and GROUP_SECONDS: fewer commits rewrite the same index pages fewer times, while a slow
        link (the next page not there yet) commits page by page and the write lock is never held
        while waiting for the network. `follow` gives the next page's parameters, or None after
        the last. A run killed at any point loses at most the uncommitted pages, which the next
        run fetches again from the last committed resume point."""
        ahead: _Fetch | None = _Fetch(self.t, path, params)
        while ahead is not None:
            page = ahead.result()
            with self.store.session(write=True) as s:
                started, applied = time.monotonic(), 0
                while True:
                    nxt = follow(page)
                    ahead = _Fetch(self.t, path, nxt) if nxt is not None else None
                    apply(s, page)
                    applied += len(page["items"])
                    if (ahead is None or not ahead.done.wait(GROUP_WAIT) or applied >= GROUP_ENTITIES
                            or time.monotonic() - started >= GROUP_SECONDS):  # fmt: skip
                        break
                    page = ahead.result()
            self.pulled += applied
            self.progress(phase, self.pulled)

    def snapshot(self, repair: bool = False) -> None:
        seen: set[str] = set()
        with self.store.session() as s:
            progress = local.get_state(s, "snapshot") or {"after": "", "as_of": None}
        if repair:
            # A repair marks what it did not see as gone: it must see everything, so it never
            # resumes an earlier run's pages (their uuids are not in `seen`).
            progress = {"after": "", "as_of": None}

        size = [SNAPSHOT_LIMIT or SNAPSHOT_FIRST]

        def params(after: str, as_of: int | None) -> dict[str, Any]:
            out: dict[str, Any] = {"after": after, "limit": size[0]}
            if as_of is not None:
                out["as_of"] = as_of
            return out

        def follow(page: dict[str, Any]) -> dict[str, Any] | None:
            took = page.get("_secs")
            if not SNAPSHOT_LIMIT and isinstance(took, float):
                if took < PAGE_FAST:
                    size[0] = min(SNAPSHOT_MAX, size[0] * 2)
                elif took > PAGE_SLOW:
                    size[0] = max(SNAPSHOT_MIN, size[0] // 2)
            return None if page["done"] else params(page["after"], page["as_of"])

        def apply(s: Any, page: dict[str, Any]) -> None:
            bulk.apply_page(s, page["items"] + page.get("conflicts", []))
            seen.update(item["uuid"] for item in page["items"])
            if not page["done"]:
                local.set_state(s, "snapshot", {"after": page["after"], "as_of": page["as_of"]})
                return
            local.set_state(s, "snapshot", None)
            local.set_state(s, "cursor", page["as_of"])
            if repair:
                gone = [u for (u,) in s.execute(select(SyncEntity.uuid).where(SyncEntity.stub.is_(False)))
                        if u not in seen]  # fmt: skip
                for i in range(0, len(gone), 500):
                    s.execute(update(SyncEntity).where(SyncEntity.uuid.in_(gone[i : i + 500]))
                              .values(stub=True))  # fmt: skip

        first = params(progress["after"], progress["as_of"])
        self._apply_pages("/sync/snapshot", first, follow, apply, "snapshot")

    def _pull_pages(self) -> dict[str, Any] | None:
        with self.store.session() as s:
            cursor = local.get_state(s, "cursor") or 0
        state: dict[str, Any] = {}

        def follow(page: dict[str, Any]) -> dict[str, Any] | None:
            return (
                {"cursor": page["cursor"], "limit": PULL_LIMIT, "skip_own": "true"}
                if page["has_more"]
                else None
            )

        def apply(s: Any, page: dict[str, Any]) -> None:
            bulk.apply_page(s, page["items"])
            local.set_state(s, "cursor", page["cursor"])
            state["last"] = page.get("state")

        self._apply_pages(
            "/sync/pull",
            {"cursor": cursor, "limit": PULL_LIMIT, "skip_own": "true"},
            follow,
            apply,
            "pull",
        )
        return state.get("last")


class _Fetch:
    """One GET running on a daemon thread (a run that fails does not wait for it to exit)."""

    def __init__(self, t: Transport, path: str, params: dict[str, Any]) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None

        def work() -> None:
            started = time.monotonic()
            try:
                self.value = t.call("GET", path, params=params)
                if isinstance(self.value, dict):
                    self.value["_secs"] = time.monotonic() - started  # for adaptive page sizes
            except BaseException as e:  # noqa: BLE001 - handed to the waiting thread
                self.error = e
            finally:
                self.done.set()

        threading.Thread(target=work, name="sync-fetch", daemon=True).start()

    def result(self) -> Any:
        self.done.wait()
        if self.error is not None:
            raise self.error
        return self.value


def reachable(store: Store, timeout: float = 5.0) -> bool:
    """One cheap request: is the county server answering? (for syncing when the link returns)"""
    with store.session() as s:
        server, ca_cert = local.get_state(s, "server"), local.get_state(s, "ca_cert")
    if not server:
        return False
    try:
        r = requests.get(
            server.rstrip("/") + API_PREFIX + "/health", timeout=timeout, verify=ca_cert or True
        )
        return r.status_code == 200
    except requests.RequestException:
        return False


def status_counts(s: Any) -> dict[str, int]:
    def n(q: Any) -> int:
        return int(s.scalar(q) or 0)

    return {
        "queue": n(select(func.count()).select_from(Outbox).where(Outbox.state == "pending")),
        "quarantined": n(
            select(func.count()).select_from(Outbox).where(Outbox.state == "quarantined")
        ),
        "conflicts": n(select(func.count()).select_from(Conflict).where(Conflict.status == "open")),
    }


def status(store: Store) -> dict[str, Any]:
    with store.session() as s:
        out: dict[str, Any] = status_counts(s)
        out.update(
            enrolled=local.get_state(s, "token") is not None,
            server=local.get_state(s, "server"),
            last_success=local.get_state(s, "last_success"),
            cursor=local.get_state(s, "cursor"),
            snapshot_in_progress=local.get_state(s, "snapshot") is not None,
            last_run=local.get_state(s, "last_run"),
            reprint=local.get_state(s, "reprint", []),
        )
        return out
