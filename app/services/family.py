"""Mother and child (issue 15): the link kept both ways (the child's resident key `mother`, a
column the mother's view reads back to list her children), its checks, and the name an unnamed
baby is registered under (母亲姓名+之男/之女, renamed later; the former name stays searchable).

The link is checked wherever it is set (registration, correction): the mother must be a
registered resident, female, and at least MIN_AGE_GAP years older than the child. Refusals name
the field 母亲 (mother)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import select

from app.db.models import Resident
from app.errors import CunyiError, InvalidInput
from app.services import refs
from forms.model import FieldError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.store import Store

MIN_AGE_GAP = 12  # years between a mother's birth and her child's
NEWBORN_SUFFIX = {"1": "之男", "2": "之女"}
CHILD_MAX_AGE = 6  # 0-6岁儿童: under 7 on the day (the list filter and tag)
LINK_KEYS = ("uuid", "record_no", "name", "sex", "birth_date", "status")


class Mother(NamedTuple):
    uuid: str
    name: str
    household: str | None


def refuse(message: str) -> InvalidInput:
    return InvalidInput(FieldError("mother", "母亲", message))


def newborn_name(mother_name: str, sex: str | None) -> str:
    """What an unnamed baby is registered as: 母亲姓名+之男/之女 (standard-forms.md: newborn form)."""
    return f"{mother_name.strip()}{NEWBORN_SUFFIX.get(sex or '', '之子')}"


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def years_between(earlier: dt.date, later: dt.date) -> int:
    return later.year - earlier.year - ((later.month, later.day) < (earlier.month, earlier.day))


def check_mother(s: Session, ref: Any, child_sex: str | None, child_birth: str | None,
                 child_uuid: str | None = None) -> Mother:  # fmt: skip
    """The mother `ref` (uuid, record number) names, checked against the child; or the
    InvalidInput naming the field 母亲."""
    if not isinstance(ref, str) or not ref.strip():
        raise refuse("须为母亲的档案编号或 uuid")
    try:
        m = refs.resident(s, ref.strip())
    except CunyiError:
        raise refuse(f"找不到居民“{ref.strip()}”（请填写母亲的17位档案编号或 uuid）") from None
    if child_uuid is not None and m.uuid == child_uuid:
        raise refuse("不能是本人")
    if m.sex != "2":
        raise refuse(f"{m.name}（档案编号 {m.record_no}）登记的性别不是女性，不能作为母亲")
    mb, cb = _date(m.birth_date), _date(child_birth)
    if mb is not None and cb is not None and years_between(mb, cb) < MIN_AGE_GAP:
        raise refuse(f"{m.name}（{m.birth_date}出生）须比孩子（{child_birth}出生）年长至少{MIN_AGE_GAP}岁")
    if child_uuid is not None:  # a child cannot become its own mother's mother
        seen, up = {child_uuid}, m.mother_uuid
        while up and up not in seen:
            if up == child_uuid:
                raise refuse("不能是本人的子女")
            seen.add(up)
            parent = s.get(Resident, up)
            up = parent.mother_uuid if parent else None
    return Mother(m.uuid, m.name, m.household_uuid)


def _link(r: Resident) -> dict[str, Any]:
    return {k: getattr(r, k) for k in LINK_KEYS}


def links_in(s: Session, r: Resident) -> dict[str, Any]:
    """{"mother": her list keys or None, "children": theirs, youngest last (by birth date)}.
    A merged mother is shown as her survivor; a survivor lists the children of the duplicates
    merged into her too."""
    mother = s.get(Resident, r.mother_uuid) if r.mother_uuid else None
    seen: set[str] = set()
    while mother is not None and mother.merged_into and mother.uuid not in seen:
        seen.add(mother.uuid)
        mother = s.get(Resident, mother.merged_into) or mother
    selves = [r.uuid, *s.execute(select(Resident.uuid).where(Resident.merged_into == r.uuid)).scalars()]
    kids = s.execute(select(Resident).where(Resident.mother_uuid.in_(selves), Resident.status != "merged")
                     .order_by(Resident.birth_date, Resident.record_no)).scalars()  # fmt: skip
    return {"mother": _link(mother) if mother else None, "children": [_link(k) for k in kids]}


def links(store: Store, ref: str) -> dict[str, Any]:
    with store.session() as s:
        return links_in(s, refs.resident(s, ref))


def newborn_defaults(store: Store, mother_ref: str, sex: str | None = None) -> dict[str, Any]:
    """What the register form offers for a newborn registered from the mother's record: the
    link, her household and village, her address, and the name 母亲姓名+之男/之女."""
    with store.session() as s:
        m = refs.resident(s, mother_ref)
        out: dict[str, Any] = {"mother": m.uuid, "village": m.village, "name": newborn_name(m.name, sex),
                               "mother_name": m.name}  # fmt: skip
        if m.household_uuid:
            out["household"] = m.household_uuid
        if m.address:
            out["address"] = m.address
        return out


def is_child(birth_date: str | None, on: dt.date) -> bool:
    """0-6岁: not yet 7 on `on`."""
    b = _date(birth_date)
    return b is not None and b <= on and years_between(b, on) <= CHILD_MAX_AGE


def child_cutoff(on: dt.date) -> str:
    """Born after this day (ISO text): under 7 on `on` (the list filter compares text)."""
    year = on.year - CHILD_MAX_AGE - 1
    day = 28 if (on.month, on.day) == (2, 29) else on.day
    return dt.date(year, on.month, day).isoformat()


def with_newborn_name(s: Session, row: Any) -> Any:
    """A row naming a mother but no name: the baby is registered as 母亲姓名+之男/之女."""
    if not isinstance(row, dict) or not row.get("mother") or str(row.get("name") or "").strip():
        return row
    try:
        m = refs.resident(s, str(row["mother"]).strip())
    except CunyiError:
        return row  # the registration refuses the mother, naming the field
    return {**row, "name": newborn_name(m.name, row.get("sex"))}
