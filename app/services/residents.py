"""Registering residents, finding them, correcting them, and their life-cycle status."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import sqlcipher3
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app import roles, search
from app.clock import today
from app.db.models import Household, Resident
from app.errors import InvalidInput
from app.repo import Origin
from app.repo import residents as writer
from app.repo.residents import forms_of, snapshot  # noqa: F401 - used through this module
from app.services import audit, family, households, refs
from app.services.changes import versions_of
from app.services.resident_batch import (  # noqa: F401 - compute_tags is used through this module
    SUMMARY_KEYS,
    Registered,
    compute_tags,
    duplicate_id,
    register,
)
from app.services.resident_input import clean, err
from app.services.results import Created, Saved

if TYPE_CHECKING:
    from app.store import Store

CHILD_TAG = "0-6"  # 0-6岁儿童: by birth date on the day, like "65+" (no stored tag to go stale)
STATUSES = {"active": "在册", "moved": "迁出", "deceased": "死亡", "lost": "失访", "merged": "已合并"}


def summary(r: Resident) -> dict[str, Any]:
    """A list row: the SUMMARY_KEYS and the key-population tags ("htn", "dm")."""
    out = {k: getattr(r, k) for k in SUMMARY_KEYS}
    out["tags"] = r.tags.split()
    return out


def full(session: Session, r: Resident) -> dict[str, Any]:
    out = summary(r)
    out.update(
        address=r.address, household=r.household_uuid, provisional=r.provisional,
        status_date=r.status_date, status_reason=r.status_reason, merged_into=r.merged_into,
        tags=r.tags.split(), edition=r.edition, rev=r.rev, created_at=r.created_at,
        updated_at=r.updated_at, created_by=r.created_by, updated_by=r.updated_by,
        doc=json.loads(r.doc), mother=r.mother_uuid, former_names=writer.former_names(r),
        family=family.links_in(session, r),  # the mother and the children (issue 15)
    )  # fmt: skip
    if r.household_uuid:
        hh = session.get(Household, r.household_uuid)
        out["household_label"] = hh.label if hh else None
        out["household_head"] = hh.head_uuid if hh else None
    return out


def _check_id_unique(session: Session, number: str | None, exclude: str | None = None) -> None:
    if not number:
        return
    q = select(Resident).where(Resident.id_number == number)
    if exclude:
        q = q.where(Resident.uuid != exclude)
    other = session.execute(q).scalars().first()
    if other is not None:
        raise duplicate_id(summary(other))


def _household(session: Session, value: str | None, village: str, user: str) -> str | None:
    """The household named by uuid, or by label within the village, or a new one (queued for
    the county server before the resident that names it)."""
    if not value:
        return None
    hh = session.get(Household, value)
    if hh is None:
        hh = session.execute(
            select(Household).where(Household.label == value, Household.village == village)
        ).scalars().first()
    if hh is None:
        hh = households.create_in(session, user, value, village)
    return hh.uuid


def add(store: Store, data: dict[str, Any], *, allow_similar: bool = False) -> Created:
    with store.session(write=True) as s:
        r = add_in(s, store, data, allow_similar=allow_similar)
        return Created("resident", r.uuid, [r.uuid], r.record_no)


def add_in(s: Session, store: Store, data: dict[str, Any], *, allow_similar: bool = False) -> Registered:
    """Register one resident inside the caller's transaction: a batch of one for
    resident_batch.register, which every registration goes through. Raises what refuses it."""
    [result] = register(s, store, [data], allow_similar=allow_similar)
    if isinstance(result, InvalidInput):
        raise result
    return result


def update(store: Store, ref: str, patch: dict[str, Any]) -> Saved:
    with store.session(write=True) as s:
        r = refs.resident(s, ref)
        if r.status == "merged":
            raise InvalidInput(err("status", "该居民已合并到其他档案，不能修改"))
        refs.ensure_writable(s, r.uuid)
        before = snapshot(r)
        c = clean(patch, merged_into=json.loads(r.doc), edition=r.edition)
        if c.errors:
            raise InvalidInput(c.errors)
        _check_id_unique(s, c.doc.get("id_number"), exclude=r.uuid)
        doc = c.doc
        if "mother" in patch:  # set, changed or (empty) removed
            r.mother_uuid = (family.check_mother(s, c.mother, doc["sex"], doc["birth_date"], r.uuid).uuid
                             if c.mother else None)  # fmt: skip
        elif r.mother_uuid and c.doc.get("birth_date") != r.birth_date:
            family.check_mother(s, r.mother_uuid, doc["sex"], doc["birth_date"], r.uuid)
        r.name, r.sex, r.birth_date = doc["name"], doc["sex"], doc["birth_date"]
        r.id_number, r.phone, r.address = doc.get("id_number"), doc.get("phone"), doc.get("address")
        if c.village and c.village != r.village:
            r.village = c.village
        if c.household is not None:
            r.household_uuid = _household(s, c.household, r.village, store.user.name)
        r.doc = json.dumps(doc, ensure_ascii=False)
        r.tags = compute_tags(doc, forms_of(s, r.uuid))
        done = writer.commit(s, r, before, Origin("local", store.user.name), action="update")
        return Saved("resident", r.uuid, r.rev, list(done.changed), [r.uuid], r.record_no)


def get(store: Store, ref: str) -> dict[str, Any]:
    with store.session(write=True) as s:
        r = refs.resident(s, ref)
        out = full(s, r)
        out["tags"] = roles.shown_tags(store, out["tags"])
        if r.uuid != ref and ref != r.record_no:
            original = refs.resident(s, ref, follow=False)
            if original.uuid != r.uuid:
                out["redirected_from"] = original.uuid
        audit.append(s, store.user.name, "view", "resident", r.uuid)
        return out


def history(store: Store, ref: str) -> list[dict[str, Any]]:
    with store.session(write=True) as s:
        r = refs.resident(s, ref, follow=False)
        out = versions_of(s, r.uuid)
        audit.append(s, store.user.name, "view", "resident", r.uuid, {"what": "history"})
        return out


TAGS = ("htn", "dm", "smi", "tb", "maternal")  # the list filters kept as tags


def _filters(q, village: str | None, status: str | None, tag: str | None,
             household: str | None = None):  # type: ignore[no-untyped-def]
    if village:
        q = q.where(Resident.village == village)
    if household:
        q = q.where(Resident.household_uuid == household)
    q = q.where(Resident.status == status) if status else q.where(Resident.status != "merged")
    if tag in TAGS:
        # several tags now (htn dm smi tb maternal ...): a tag may sit in the middle as well
        q = q.where(or_(Resident.tags == tag, Resident.tags.like(f"{tag} %"), Resident.tags.like(f"% {tag}"),
                        Resident.tags.like(f"% {tag} %")))  # fmt: skip
    elif tag == "65+":
        q = q.where(Resident.birth_date <= _cutoff_65().isoformat())
    elif tag == CHILD_TAG:
        q = q.where(Resident.birth_date > family.child_cutoff(today()), Resident.birth_date <= today().isoformat())
    return q


def _filter_sql(village: str | None, status: str | None, tag: str | None,
                household: str | None) -> tuple[list[str], dict[str, Any]]:  # fmt: skip
    """The list filters as SQL over `resident AS r` (for the search path, see _filters)."""
    where = ["r.status = :status" if status else "r.status != 'merged'"]
    params: dict[str, Any] = {"status": status} if status else {}
    if village:
        where.append("r.village = :village")
        params["village"] = village
    if household:
        where.append("r.household_uuid = :household")
        params["household"] = household
    if tag in TAGS:
        where.append("(r.tags = :tag OR r.tags LIKE :tag_first OR r.tags LIKE :tag_last "
                     "OR r.tags LIKE :tag_mid)")
        params.update(tag=tag, tag_first=f"{tag} %", tag_last=f"% {tag}", tag_mid=f"% {tag} %")
    elif tag == "65+":
        where.append("r.birth_date <= :cutoff")
        params["cutoff"] = _cutoff_65().isoformat()
    elif tag == CHILD_TAG:
        where.append("r.birth_date > :child_cutoff AND r.birth_date <= :today")
        params.update(child_cutoff=family.child_cutoff(today()), today=today().isoformat())
    return where, params


def _cutoff_65() -> dt.date:
    t = today()
    return dt.date(t.year - 65, t.month, 28 if (t.month, t.day) == (2, 29) else t.day)


def _search(cur: Any, query: str, columns: str, limit: int | None, offset: int,
            filters: dict[str, Any]) -> list[Any]:  # fmt: skip
    """Rows of `columns` (over `resident AS r`) for residents matching `query`, best first.

    The hits are ranked on the term index alone (score, then ord); the resident table is joined
    only for the rows returned, unless a filter needs its columns (village, tag, household, one
    status other than active/merged). `cur` is a DBAPI cursor (Store.cursor)."""
    found = search.plan(query)
    if found is None:
        return []
    hits_sql, params = found.hits, found.params
    status = filters.get("status")
    params = {**params, "ord_end": search.ACTIVE_END if status == "active"
              else 2**63 - 1 if status == "merged" else search.MERGED_START}  # fmt: skip
    needs_row = bool(filters.get("village") or filters.get("tag") or filters.get("household")
                     or status not in (None, "", "active"))  # fmt: skip
    if limit is not None and not needs_row:
        wanted = offset + limit
        top = cur.execute(found.top, {**params, "n": wanted}).fetchall()
        if len(top) == wanted:  # the page is all best-score hits: nobody else ranks above them
            shown = [uuid for _, uuid in top[offset:]]
            if columns == "r.uuid":
                return [(u,) for u in shown]
            marks = ", ".join(f":u{i}" for i in range(len(shown)))
            rows = cur.execute(f"SELECT {columns}, r.uuid FROM resident AS r WHERE r.uuid IN ({marks})",
                               {f"u{i}": u for i, u in enumerate(shown)}).fetchall()  # fmt: skip
            by_uuid = {row[-1]: row[:-1] for row in rows}
            return [by_uuid[u] for u in shown if u in by_uuid]
    page = ""
    if limit is not None:
        page = " LIMIT :limit OFFSET :offset"
        params.update(limit=limit, offset=offset)
    elif offset:
        page = " LIMIT -1 OFFSET :offset"
        params["offset"] = offset
    if not needs_row:
        ranked = f"SELECT uuid, ord, score FROM ({hits_sql}) ORDER BY score DESC, ord, uuid{page}"
        if columns == "r.uuid":
            sql = f"SELECT uuid FROM ({ranked})"
        else:
            sql = (f"SELECT {columns} FROM ({ranked}) AS h JOIN resident AS r ON r.uuid = h.uuid "
                   "ORDER BY h.score DESC, h.ord, h.uuid")  # fmt: skip
        return cur.execute(sql, params).fetchall()
    where, more = _filter_sql(filters.get("village"), status, filters.get("tag"),
                              filters.get("household"))  # fmt: skip
    params.update(more)
    sql = (f"SELECT {columns} FROM ({hits_sql}) AS h JOIN resident AS r ON r.uuid = h.uuid "
           f"WHERE {' AND '.join(where)} ORDER BY h.score DESC, h.ord, h.uuid{page}")  # fmt: skip
    return cur.execute(sql, params).fetchall()


_SUMMARY_COLUMNS = ", ".join(f"r.{k}" for k in (*SUMMARY_KEYS, "tags"))


def find(store: Store, query: str = "", *, limit: int | None = None, offset: int = 0,
         village: str | None = None, status: str | None = None, tag: str | None = None,
         household: str | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Residents matching `query` (name, pinyin, initials, ID, record number, phone), most relevant
    first; with an empty query, everyone passing the filters in record-number order."""
    _check_tag(store, tag)
    with store.session() as s:
        if not query.strip():
            q = _filters(select(Resident), village, status, tag, household).order_by(Resident.record_no)
            q = q.offset(offset)
            if limit is not None:
                q = q.limit(limit)
            return hide_tags(store, [summary(r) for r in s.execute(q).scalars()])
    filters = {"village": village, "status": status, "tag": tag, "household": household}
    with store.cursor() as cur:
        rows = _search(cur, query, _SUMMARY_COLUMNS, limit, offset, filters)
    out = []
    for row in rows:
        d = dict(zip((*SUMMARY_KEYS, "tags"), row, strict=True))
        d["tags"] = (d["tags"] or "").split()
        out.append(d)
    return hide_tags(store, out)


def _check_tag(store: Store, tag: str | None) -> None:
    """The 严重精神障碍 / 肺结核 list filters only for the roles that may see them (issue 16)."""
    if tag in roles.SENSITIVE_TAGS:
        roles.require(store, "sensitive_programmes")


def hide_tags(store: Store, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """List rows with the sensitive tags left out for the roles that may not see them."""
    if not roles.sees_sensitive(store):
        for row in rows:
            row["tags"] = roles.shown_tags(store, row["tags"])
    return rows


def ids(store: Store, query: str = "", *, cancelled: Callable[[], bool] | None = None,
        **filters: Any) -> list[str]:  # fmt: skip
    """Uuids of all matches in display order, for a lazy list that loads rows as they scroll in.
    `cancelled` is polled while SQLite works: when it turns true (the doctor typed on), the query
    stops early and raises Cancelled instead of finishing a list nobody will look at."""
    _check_tag(store, filters.get("tag"))
    if not query.strip():
        with store.session() as s, _interruptible(s.connection().connection.dbapi_connection, cancelled):
            q = _filters(select(Resident.uuid), filters.get("village"), filters.get("status"),
                         filters.get("tag"), filters.get("household")).order_by(Resident.record_no)  # fmt: skip
            return list(s.execute(q).scalars())
    with store.cursor() as cur, _interruptible(cur.connection, cancelled):
        return [row[0] for row in _search(cur, query, "r.uuid", None, 0, filters)]


class Cancelled(Exception):
    """A query stopped because its caller no longer wanted the answer."""


@contextmanager
def _interruptible(raw: Any, cancelled: Callable[[], bool] | None) -> Iterator[None]:
    """`raw`: the DBAPI connection the query runs on."""
    if cancelled is None:
        yield
        return
    if cancelled():
        raise Cancelled
    raw.set_progress_handler(lambda: 1 if cancelled() else 0, 2000)  # every 2,000 VM steps
    try:
        yield
    except (OperationalError, sqlcipher3.OperationalError) as e:  # the ORM's wrapper, or raw
        if cancelled() and "interrupt" in str(e).lower():
            raise Cancelled from None
        raise
    finally:
        raw.set_progress_handler(None, 0)


def summaries(store: Store, uuids: list[str]) -> list[dict[str, Any]]:
    with store.session() as s:
        rows = {r.uuid: r for r in s.execute(select(Resident).where(Resident.uuid.in_(uuids))).scalars()}
        return hide_tags(store, [summary(rows[u]) for u in uuids if u in rows])


def count(store: Store, **filters: Any) -> int:
    _check_tag(store, filters.get("tag"))
    with store.session() as s:
        q = _filters(select(func.count()).select_from(Resident), filters.get("village"),
                     filters.get("status"), filters.get("tag"), filters.get("household"))  # fmt: skip
        return int(s.execute(q).scalar_one())


def household_members(store: Store, household_uuid: str) -> list[dict[str, Any]]:
    with store.session() as s:
        return hide_tags(store, members_in(s, household_uuid))


def members_in(s: Session, household_uuid: str) -> list[dict[str, Any]]:
    """household_members in the caller's transaction."""
    q = select(Resident).where(and_(Resident.household_uuid == household_uuid,
                                    Resident.status != "merged")).order_by(Resident.birth_date)  # fmt: skip
    return [summary(r) for r in s.execute(q).scalars()]
