"""What a service call changed, as typed results: the entity written, its revision, the fields
that changed (empty: nothing was saved) and the residents whose views show the change, so a
caller refreshes those and nothing else. `as_dict` is the JSON the command line prints."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Result:
    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


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
class StatusSet(Result):
    uuid: str
    status: str
    rev: int
    changed: list[str]
    residents: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Merged(Result):
    survivor: str
    duplicate: str
    records_moved: int
    changed: dict[str, list[str]]  # per resident, the fields its row changed
    residents: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Unmerged(Result):
    resident: str
    survivor: str
    records_returned: int
    changed: dict[str, list[str]]
    residents: list[str] = field(default_factory=list)
