"""The per-change rules of the push: jurisdiction, merge, validation; each change in its own
savepoint.

The whole batch runs in one transaction that holds the sequence counter row locked (SeqAllocator),
so concurrent pushers are serialised: merges read a state no one else is changing, and sequence
numbers are handed out in commit order.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import re
import uuid as uuidlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms import former_names
from forms.entity_keys import SERVER_DECIDED
from sync.merge import Conflict as MergeConflict
from sync.merge import get_path, merge_changes, set_path
from sync.protocol import Change, ChangeResult, ProtocolError, parse_change, parse_mutation_id
from sync.server import effects, feed, numbers, sources
from sync.server.db import SeqAllocator
from sync.server.models import (
    AppliedMutation,
    Conflict,
    Device,
    Entity,
    Move,
    utcnow,
)
from sync.server.push.errors import Rejected
from sync.server.scope import Scope
from sync.server.validate import (
    activity_errors,
    household_errors,
    record_errors,
    record_form,
    resident_errors,
)

log = logging.getLogger(__name__)

HOLDER, BEFORE_MOVE, AFTER_MOVE = "holder", "before_move", "after_move"
MOVED_AWAY = "该居民已迁出本机构辖区"


def top_key(path: str) -> str:
    """The top-level key a change's path ("a.b", "a[0]") writes to."""
    return path.split(".", 1)[0].split("[", 1)[0]


def from_client(ch: Change) -> Change:
    """`ch` without what the server decides itself (a resident's former names): a client's value
    for it is dropped, never stored, so a forged former name cannot make a resident findable by
    it on every device."""
    if ch.entity != "resident" or not any(top_key(k) in SERVER_DECIDED for k in ch.changes):
        return ch
    kept = {k: fc for k, fc in ch.changes.items() if top_key(k) not in SERVER_DECIDED}
    return dataclasses.replace(ch, changes=kept)


class Pusher:
    def __init__(self, session: Session, device: Device, scope: Scope) -> None:
        self.session = session
        self.device = device
        self.scope = scope
        self.seq = SeqAllocator(session)
        # Where the sequence stood when the device's previous push began, then this one's: a
        # device that has pushed since a move has sent what it had queued before it (_access).
        self.pushed_before = device.push_seq
        device.push_seq = self.seq.row.value
        self.seen: set[str] = set()
        self.prior: dict[str, AppliedMutation] = {}
        self.known: set[str] | None = None  # entity uuids known to exist (after _prefetch)
        self.pending: dict[str, Entity] = {}  # residents created by this batch's fast path
        self.batched = False  # fast.fast_batch: one flush for the batch, not one per change
        self.loaded: list[Entity] = []

    def prefetch(self, raw_changes: list[Any]) -> None:
        """Load the batch's prior results and entities in two queries; the per-change lookups
        then come from the session's identity map."""
        mids = [m for m in (parse_mutation_id(r) for r in raw_changes) if m]
        uuids = [
            r["entity_uuid"]
            for r in raw_changes
            if isinstance(r, dict) and isinstance(r.get("entity_uuid"), str)
        ]
        self.prior = {a.mutation_id: a for a in self.session.scalars(
            select(AppliedMutation).where(AppliedMutation.device_id == self.device.id,
                                          AppliedMutation.mutation_id.in_(mids)))} if mids else {}  # fmt: skip
        if uuids:
            # Held here: the session's identity map keeps only weak references, and an entity
            # dropped from it is loaded again (and the session autoflushed) at every lookup.
            self.loaded = list(self.session.scalars(select(Entity).where(Entity.uuid.in_(uuids))))
            self.known = {e.uuid for e in self.loaded}
            # The residents of the records edited, which the rules look at (one query more).
            owners = {e.resident_uuid for e in self.loaded if e.resident_uuid} - self.known
            if owners:
                self.loaded += self.session.scalars(select(Entity).where(Entity.uuid.in_(owners)))
        else:
            self.known = set()

    def one(self, raw: Any) -> dict[str, Any]:
        mid = parse_mutation_id(raw) or "?"
        try:
            change = from_client(parse_change(raw))
        except ProtocolError as e:
            return {"mutation_id": mid, "result": "rejected", "reason": str(e), "code": "invalid"}
        prior = self.prior.get(change.mutation_id)
        if prior is None and (self.known is None or change.mutation_id in self.seen):
            prior = self.session.get(AppliedMutation, (self.device.id, change.mutation_id))
        self.seen.add(change.mutation_id)
        if prior is not None:
            return {**prior.result, "result": "duplicate", "first_result": prior.result["result"]}
        feed.set_origin(self.session, self.origin(change))
        try:
            with self.session.begin_nested():
                result = self._apply(change)
                self.session.add(
                    AppliedMutation(
                        mutation_id=change.mutation_id,
                        device_id=self.device.id,
                        result=result.to_json(),
                    )
                )
        except Rejected as e:
            return {
                **ChangeResult(
                    change.mutation_id, "rejected", change.entity_uuid, e.reason
                ).to_json(),
                "code": e.code,
            }
        except Exception:  # a bug must not sink the whole batch; the change waits in quarantine
            log.exception("push: unexpected error applying %s", change.mutation_id)
            return {
                "mutation_id": change.mutation_id,
                "result": "rejected",
                "code": "internal",
                "reason": "服务器内部错误，稍后重试",
            }
        return result.to_json()

    def origin(self, ch: Change) -> feed.Origin:
        return feed.Origin(self.device.id, ch.user, ch.mutation_id, ch.made_at)

    # -- permissions -------------------------------------------------------------------------

    def _access(self, e: Entity) -> str | None:
        """How this device may write `e`, decided from the server's own state (never from what
        the client sends): HOLDER while `e` is in its jurisdiction; for a resident (or its
        record) that moved out of it, BEFORE_MOVE while the device cannot have learnt of the move
        (it did not make it, and no pull or snapshot has handed it the move's exit), so its queued
        edits were made before the move, else AFTER_MOVE; None when it was never the device's."""
        if self.scope.contains(e.area):
            return HOLDER
        if e.kind in ("household", "activity"):
            return None  # a household never changes village; an activity stays with its clinic
        resident = e.uuid if e.kind == "resident" else e.resident_uuid
        moves = [
            m
            for m in self.session.scalars(select(Move).where(Move.uuid == resident))
            if self.scope.contains(m.old_area)
        ]
        if not moves:
            return None
        last = max(moves, key=lambda m: m.seq or 0)
        seen = self.device.seen_seq if self.device.seen_seq is not None else -1
        if last.seq is None or last.device_id == self.device.id or seen >= last.seq:
            return AFTER_MOVE
        if self.pushed_before is not None and self.pushed_before >= last.seq:
            # Its queue went up in its first push after the move: a device that never pulls
            # cannot keep writing as if it did not know.
            return AFTER_MOVE
        return BEFORE_MOVE

    def _may_write(self, e: Entity) -> bool:
        return self._access(e) in (HOLDER, BEFORE_MOVE)

    def _survivor(self, e: Entity) -> Entity:
        seen = {e.uuid}
        while e.merged_into:
            nxt = self.session.get(Entity, e.merged_into)
            if nxt is None or nxt.uuid in seen:
                break
            seen.add(nxt.uuid)
            e = nxt
        return e

    # -- apply -------------------------------------------------------------------------------

    def _apply(self, ch: Change) -> ChangeResult:
        known = getattr(self, "known", None)
        e = (
            None
            if known is not None and ch.entity_uuid not in known
            else self.session.get(Entity, ch.entity_uuid)
        )
        if e is None:
            if ch.op != "create":
                raise Rejected("对象在服务器上不存在（其新建变更可能尚未上传）", "not_found")
            return self._create(ch)
        if e.kind != ch.entity:
            raise Rejected(f"对象类型不符：服务器上是 {e.kind}")
        access = self._access(e)
        if access is None:
            who = {"household": "该家庭", "activity": "该活动记录"}.get(e.kind, "该居民")
            raise Rejected(f"{who}不在本机构辖区，无权修改", "forbidden")
        if access == AFTER_MOVE:
            return self._hold(e, ch)
        redirect_to = None
        if e.kind == "resident" and e.merged_into and ch.op not in ("unmerge", "merge"):
            target = self._survivor(e)
            if target.uuid != e.uuid:
                redirect_to, e = target.uuid, target
        changes = self._redirect_resident_refs(ch.changes)
        return self._update(e, ch, changes, redirect_to)

    def update_held(self, ch: Change) -> ChangeResult:
        """A plain update of an entity this device holds (fast.batchable checked that: no move,
        merge, owner change or resolution), by the same rules as `_apply`."""
        e = self.session.get(Entity, ch.entity_uuid)
        assert e is not None and self._access(e) == HOLDER
        return self._update(e, ch, ch.changes, None)

    def _redirect_resident_refs(
        self, changes: dict[str, dict[str, Any]]
    ) -> dict[str, dict[str, Any]]:
        fc = changes.get("resident")
        if not fc or not isinstance(fc.get("new"), str):
            return changes
        target = self.session.get(Entity, fc["new"])
        if target is not None and target.merged_into:
            survivor = self._survivor(target)
            return {**changes, "resident": {**fc, "new": survivor.uuid}}
        return changes

    def build_create(self, ch: Change) -> tuple[Entity, bool, str | None]:
        """The new entity, validated and placed in its area; nothing is written yet."""
        state: dict[str, Any] = {}
        for key, fc in self._redirect_resident_refs(ch.changes).items():
            set_path(state, key, fc["new"])
        provisional = bool(state.pop("provisional", False))  # a flag for the server, not data
        e = Entity(
            uuid=ch.entity_uuid, kind=ch.entity, rev=1, data=state, created_by=self.device.id
        )
        redirect_to = None
        if ch.entity == "activity":
            # The clinic's own log: filed under the area of the device's institution (the
            # server's own record of it), whatever the change says.
            state.pop("area", None)
            e.area = self.scope.area
            self._check_activity(state)
        elif ch.entity in ("resident", "household"):
            village = state.get("village")
            if not isinstance(village, str) or not re.fullmatch(r"\d{3}", village):
                raise Rejected("村（village）：必须是 3 位数字")
            e.area = self._area(state)
            if not self.scope.contains(e.area):
                what = "建户" if ch.entity == "household" else "建档"
                raise Rejected(f"区划 {e.area} 不在本机构辖区，不能{what}", "forbidden")
            if ch.entity == "household":
                self._check_household(state)
            else:
                self._check_resident(state)
        else:
            resident = self._record_resident(state, None)
            if resident.uuid != ch.changes.get("resident", {}).get("new"):
                redirect_to = resident.uuid
            e.area, e.resident_uuid = resident.area, resident.uuid
            self._check_record(state, resident)
        return e, provisional, redirect_to

    def _create(self, ch: Change) -> ChangeResult:
        e, provisional, redirect_to = self.build_create(ch)
        try:
            replaced = (
                numbers.keep_or_draw(self.session, self.device.id, [(e, provisional)]).get(e.uuid)
                if ch.entity == "resident"
                else None
            )
        except numbers.Exhausted as x:
            raise Rejected(str(x), "exhausted") from x
        e.seq = feed.publish(self.session, self.seq, e, new=True)
        self.session.add(e)
        if self.known is not None:
            self.known.add(e.uuid)
        self.session.flush()
        feed.state_add(self.session, e.area, e.uuid, e.rev)
        return ChangeResult(
            ch.mutation_id,
            "redirected" if redirect_to else "applied",
            e.uuid,
            redirect_to=redirect_to,
            rev=e.rev,
            record_no=replaced,
        )

    def _area(self, state: dict[str, Any]) -> str:
        if self.scope.level == "county":
            area = state.pop("area", None)  # placement, not data: never stored
            if not isinstance(area, str) or not re.fullmatch(r"\d{12}", area):
                raise Rejected("区划（area）：县级建档须给出 12 位区划代码")
            return area
        return self.scope.area_for_village(state["village"])

    def _record_resident(self, state: dict[str, Any], current: Entity | None) -> Entity:
        ref = state.get("resident")
        resident = (
            (self.pending.get(ref) or self.session.get(Entity, ref))
            if isinstance(ref, str)
            else None
        )
        if resident is None or resident.kind != "resident":
            raise Rejected("所属居民（resident）在服务器上不存在", "not_found")
        resident = self._survivor(resident)
        if not self._may_write(resident):
            raise Rejected("所属居民不在本机构辖区", "forbidden")
        return resident

    def _check_resident(self, state: dict[str, Any]) -> None:
        errors = resident_errors(state)
        if errors:
            raise Rejected("；".join(errors))

    def _check_household(self, state: dict[str, Any]) -> None:
        errors = household_errors(state)
        if errors:
            raise Rejected("；".join(errors))

    def _check_activity(self, state: dict[str, Any]) -> None:
        errors = activity_errors(state)
        if errors:
            raise Rejected("；".join(errors))

    def _check_record(self, state: dict[str, Any], resident: Entity) -> None:
        errors = record_errors(state, resident.data)
        if errors:
            raise Rejected("；".join(errors))

    def _update(
        self, e: Entity, ch: Change, changes: dict[str, dict[str, Any]], redirect_to: str | None
    ) -> ChangeResult:
        form = record_form(e.data)[0] if e.kind == "record" else None
        if form is not None and form.insert_only:
            # A visit is created once; corrections merge per field but never turn it into
            # another form.
            for key in ("form", "edition"):
                if key in changes and changes[key].get("new") != e.data.get(key):
                    raise Rejected(f"就诊记录创建后不能修改表单（{key}）")
        new_no = changes.get("record_no", {}).get("new", e.data.get("record_no"))
        if e.kind == "resident" and new_no != e.data.get("record_no"):
            raise Rejected("档案编号（record_no）由服务器分配，不能修改")
        outcome = merge_changes(e.data, changes)
        old_area, old_rev = e.area, e.rev
        was_merged_into = e.merged_into
        if outcome.applied:
            state = outcome.state
            if e.kind == "resident":
                new_area = (
                    self._area(state)
                    if self.scope.level == "county"
                    else old_area[:9] + str(state.get("village"))
                )
                self._check_resident(state)
                if new_area[:6] != old_area[:6]:
                    raise Rejected("不能把居民迁到本县以外")
                if new_area != old_area and not self.scope.contains(old_area):
                    # Out and back again: only the institution holding the resident moves it.
                    raise Rejected(MOVED_AWAY + "，不能再迁移", "forbidden")
                if ch.op == "merge" or state.get("merged_into"):
                    self._check_merge_target(e, state.get("merged_into"))
                e.merged_into = state.get("merged_into") or None
                if state.get("name") != e.data.get("name"):
                    e.former_names = former_names.replaced(e.former_names, e.data.get("name"),
                                                           state.get("name")) or None  # fmt: skip
            elif e.kind == "activity":
                self._check_activity(state)
                new_area = old_area
            elif e.kind == "household":
                self._check_household(state)
                if state.get("village") != e.data.get("village"):
                    raise Rejected("村（village）：家庭所属的村不能修改（迁往他村请在新村建户）")
                new_area = old_area
            else:
                resident = self._record_resident(state, e)
                self._check_record(state, resident)
                new_area, e.resident_uuid = resident.area, resident.uuid
            e.data = state
            e.rev += 1
            e.updated_at = utcnow()
            e.area = new_area
            feed.state_remove(self.session, old_area, e.uuid, old_rev)
            feed.state_add(self.session, new_area, e.uuid, e.rev)
            e.seq = feed.publish(self.session, self.seq, e)
            if new_area != old_area:
                effects.moved(
                    self.session, self.seq, e, old_area, new_area, old_rev, self.device.id
                )
            if e.kind == "resident" and e.merged_into != was_merged_into:
                effects.records_follow_merge(
                    self.session, self.seq, e, was_merged_into, self._survivor(e)
                )
        conflict_ids = [self._open_conflict(e, c, ch) for c in outcome.conflicts]
        if ch.resolves:
            self._resolve(ch.resolves, e)
        if not self.batched:
            self.session.flush()
        if redirect_to:
            result = "redirected"
        elif outcome.conflicts:
            result = "conflict"
        elif not outcome.applied:
            result = "duplicate"
        elif ch.base_rev is not None and ch.base_rev != old_rev:
            result = "merged"
        else:
            result = "applied"
        return ChangeResult(
            ch.mutation_id,
            result,
            e.uuid,
            redirect_to=redirect_to,
            rev=e.rev,
            conflicts=conflict_ids,
        )

    def _hold(self, e: Entity, ch: Change) -> ChangeResult:
        """An edit from a device that knew the resident had left it: nothing is applied; each
        value that differs from the server's waits as a conflict for the institution that holds
        the resident now (the conflict lives in its area, so only it sees and decides it)."""
        if ch.resolves or ch.op in ("merge", "unmerge"):
            raise Rejected(MOVED_AWAY + "，无权修改", "forbidden")
        for key in ("village", "area"):
            if key in ch.changes and ch.changes[key].get("new") != e.data.get(key):
                raise Rejected(MOVED_AWAY + "，不能再迁移", "forbidden")
        ids = []
        for key, fc in ch.changes.items():
            theirs = get_path(e.data, key)
            if fc.get("new") != theirs:
                held = MergeConflict(key, fc.get("old"), fc.get("new"), theirs)
                ids.append(self._open_conflict(e, held, ch))
        self.session.flush()
        return ChangeResult(
            ch.mutation_id,
            "conflict" if ids else "duplicate",
            e.uuid,
            reason=MOVED_AWAY + "：修改已转交现辖区机构决定" if ids else None,
            rev=e.rev,
            conflicts=ids,
        )

    def _check_merge_target(self, e: Entity, target_uuid: Any) -> None:
        if target_uuid is None:
            return
        target = self.session.get(Entity, target_uuid) if isinstance(target_uuid, str) else None
        if target is None or target.kind != "resident" or target.uuid == e.uuid:
            raise Rejected("合并目标（merged_into）不存在或无效", "not_found")
        if not self._may_write(target):
            raise Rejected("合并目标不在本机构辖区", "forbidden")

    def _open_conflict(self, e: Entity, c: Any, ch: Change) -> str:
        row = Conflict(
            id=str(uuidlib.uuid4()),
            entity_uuid=e.uuid,
            kind=e.kind,
            resident_uuid=e.resident_uuid or e.uuid,  # a resident's or household's own uuid
            area=e.area,
            path=c.path,
            original=c.original,
            mine=c.mine,
            theirs=c.theirs,
            status="open",
            mutation_id=ch.mutation_id,
            device_id=self.device.id,
            mine_from=sources.of_device(self.session, self.device.id),
            theirs_from=sources.of_value(self.session, e.uuid, c.path, c.theirs),
        )
        self.session.add(row)
        feed.touch(self.session, self.seq, "conflict", row.id, e.area)
        return row.id

    def _resolve(self, conflict_id: str, e: Entity) -> None:
        target = self.session.get(Conflict, conflict_id)
        if target is None or target.entity_uuid != e.uuid:
            raise Rejected(f"冲突 {conflict_id} 不存在或不属于该对象", "not_found")
        same = self.session.scalars(
            select(Conflict).where(
                Conflict.entity_uuid == e.uuid,
                Conflict.path == target.path,
                Conflict.status == "open",
            )
        )
        for c in same:
            c.status, c.resolution, c.resolved_at = "resolved", get_path(e.data, c.path), utcnow()
            feed.touch(self.session, self.seq, "conflict", c.id, e.area)


def resolve_on_server(
    session: Session, device: Device, scope: Scope, conflict_id: str, value: Any
) -> dict:
    """A person resolving a conflict through the API: the chosen value becomes an ordinary change."""
    c = session.get(Conflict, conflict_id)
    if c is None or not scope.contains(c.area):
        raise Rejected("冲突不存在", "not_found")
    e = session.get(Entity, c.entity_uuid)
    if e is None:  # a conflict's entity is never deleted
        raise Rejected("冲突不存在", "not_found")
    base = c.path.split(".")[0].split("[")[0]
    current = e.data.get(base)
    proposed = copy.deepcopy(e.data)
    set_path(proposed, c.path, value)
    change = Change(
        mutation_id=f"resolve-{uuidlib.uuid4()}",
        entity=e.kind,
        entity_uuid=e.uuid,
        op="update",
        base_rev=e.rev,
        changes={base: {"old": current, "new": proposed.get(base)}},
        resolves=c.id,
    )
    return Pusher(session, device, scope).one(change.to_json())
