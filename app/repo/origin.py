"""Where a change comes from, and what that decides about what is written with it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# local: typed on this device (add, edit, status); import: a table of residents; pull: sent by the
# county server; resolve: a person's choice in a conflict; merge/unmerge: two residents joined or
# separated again on this device.
Kind = Literal["local", "import", "pull", "resolve", "merge", "unmerge"]
SYNC_USER = "sync"  # the author of what the county server sends


@dataclass(frozen=True)
class Origin:
    kind: Kind
    user: str = SYNC_USER  # the signed-in person (the server's changes: SYNC_USER)
    resolves: str | None = None  # the conflict a resolution settles (sent with its outbox row)

    @classmethod
    def pull(cls) -> Origin:
        return cls("pull")

    @property
    def queued(self) -> bool:
        """An outbox row goes with the change: everything made here, nothing the server sent."""
        return self.kind != "pull"

    @property
    def audited(self) -> bool:
        """An audit entry names the person: the server's changes are audited on the server."""
        return self.kind != "pull"

    @property
    def validated(self) -> bool:
        """Checked against the form definitions before anything is written. A pulled state was
        checked by the county server with the same definitions (sync/server/validate.py) and is
        the county's record: refusing it here would stop this device's sync for good."""
        return self.kind != "pull"

    @property
    def author(self) -> str:
        """The name on the version and on the row's updated_by."""
        return self.user if self.kind != "pull" else SYNC_USER

    @property
    def audit_action(self) -> str | None:
        """The audit action of the change, when the origin names one (else the version's)."""
        return "conflict_resolve" if self.kind == "resolve" else None


@dataclass(frozen=True)
class Applied:
    """What one write changed: the entity, its revision after it, the version's action and the
    top-level fields that changed (empty: nothing was written)."""

    entity: str
    uuid: str
    rev: int
    action: str
    changed: tuple[str, ...] = ()
    created: bool = False
    changes: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __bool__(self) -> bool:
        return bool(self.changed)
