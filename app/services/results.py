"""What a service call changed, as typed results: the entity written, its revision, the fields
that changed (empty: nothing was saved) and the residents whose views show the change, so a
caller refreshes those and nothing else (the desktop client publishes every result of a
database call to the views that show its residents: ui/changes.py). `as_dict` is the JSON the
command line prints."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Result(Mapping[str, Any]):
    """Also a read-only mapping of its fields, so the scripts and tests that read a result as
    the JSON object the command line prints (`result["uuid"]`) keep working."""

    @property
    def reaches_list(self) -> bool:
        """Whether the change may alter which rows the resident list shows or how (a new
        person, a name, a status, a merge): the list then searches again. Record changes leave
        the list alone."""
        return getattr(self, "entity", None) == "resident"

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def __getitem__(self, key: str) -> Any:
        if key not in self._names():
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    @classmethod
    def _names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))


@dataclass(frozen=True)
class Saved(Result):
    """A resident or record corrected field by field."""

    entity: str
    uuid: str
    rev: int
    changed: list[str]
    residents: list[str]  # whose views show it
    record_no: str | None = None


@dataclass(frozen=True)
class Created(Result):
    """A new resident or record (the resident's own uuid when a resident was registered)."""

    entity: str
    uuid: str
    residents: list[str]
    record_no: str | None = None


@dataclass(frozen=True)
class HouseholdSaved(Result):
    """A household renamed or given a head: every member's view names it."""

    uuid: str
    label: str
    village: str
    head: str | None
    head_name: str | None
    members: list[dict[str, Any]]
    changed: list[str]
    residents: list[str]


@dataclass(frozen=True)
class Resolved(Result):
    """A sync conflict settled: the entity it was on now holds `value` at `field`."""

    id: str
    field: str
    value: Any
    entity: str
    residents: list[str]


@dataclass(frozen=True)
class StatusSet(Result):
    uuid: str
    status: str
    rev: int
    changed: list[str]
    residents: list[str] = field(default_factory=list)

    @property
    def reaches_list(self) -> bool:
        return True


@dataclass(frozen=True)
class Merged(Result):
    survivor: str
    duplicate: str
    records_moved: int
    changed: dict[str, list[str]]  # per resident, the fields its row changed
    residents: list[str] = field(default_factory=list)

    @property
    def reaches_list(self) -> bool:
        return True


@dataclass(frozen=True)
class Unmerged(Result):
    resident: str
    survivor: str
    records_returned: int
    changed: dict[str, list[str]]
    residents: list[str] = field(default_factory=list)

    @property
    def reaches_list(self) -> bool:
        return True
