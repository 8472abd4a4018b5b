"""Failed-login bookkeeping, kept in the key file before the database can be opened.

A failed login cannot be written to the encrypted audit log (the key is what is missing), so it is
noted in the key file's "auth" section and moved into the audit chain at the next successful
login. The section holds the names of existing users (never a name as typed: a password typed
into the name field must not be kept), counts and times; no health data.

Why the key file: deleting it makes the installation unusable, so deleting the failure counts
with it buys an attacker nothing (a separate state file could be deleted to reset the back-off).
Every update is read-modify-write under the key file's lock, so failed logins of parallel
processes all count.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.crypto.keyfile import AUTH_SECTION, RECOVERY, locked, read_raw, write_raw
from app.paths import AUTH_STATE_NAME, keys_path

FREE_ATTEMPTS = 3
MAX_WAIT_SECONDS = 300
MAX_PENDING = 1000  # a flood of failures must not grow the key file without bound
UNKNOWN = "?"  # every name that is no user's, counted as one: "?" is not a valid user name
REASONS = frozenset({"wrong_password", "disabled", "unknown_user", "wrong_recovery_code",
                     "throttled", "stale"})  # fmt: skip


def subject_for(name: str, valid: Callable[[str], bool], slots: dict[str, Any]) -> str:
    """Whose counter an attempt with `name` goes to: the user when `name` is a well-formed name
    with a key slot (or the recovery slot), else UNKNOWN."""
    if name == RECOVERY or (valid(name) and name in slots):
        return name
    return UNKNOWN


class AuthState:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.path = keys_path(self.data_dir)
        self.data = self._read()

    # --- reading

    def _read(self) -> dict[str, Any]:
        raw = read_raw(self.path).get(AUTH_SECTION)
        cleaned = _clean(raw)
        # Something to tidy on disk: a malformed section, or the old state file to take over.
        self.untidy = (raw is not None and raw != cleaned) or (self.data_dir / AUTH_STATE_NAME).exists()
        return cleaned

    def wait_seconds(self, subject: str, now: float | None = None) -> int:
        """How long `subject` must wait before the next attempt (doubling after 3 failures)."""
        entry = self.data["failures"].get(subject)
        if not entry or entry["count"] < FREE_ATTEMPTS:
            return 0
        wait = min(2 ** min(entry["count"] - FREE_ATTEMPTS, 16), MAX_WAIT_SECONDS)
        remaining = entry["last"] + wait - (now if now is not None else time.time())
        return max(0, int(remaining + 0.999))

    # --- writing, each under the key file's lock

    def _update(self, change: Callable[[dict[str, Any]], Any]) -> Any:
        with locked(self.path):
            raw = read_raw(self.path)
            if not raw:  # no key file (or a damaged one): nothing to protect, nothing to write
                self.data = _clean(None)
                return change(self.data)
            data = _clean(raw.get(AUTH_SECTION))
            _absorb_legacy(self.data_dir, data)
            result = change(data)
            raw[AUTH_SECTION] = data
            write_raw(self.path, raw)
            self.data, self.untidy = data, False
            return result

    def record_failure(self, subject: str, reason: str, at_iso: str) -> int:
        """Count a failed attempt of `subject` (a user name, RECOVERY or UNKNOWN) and queue its
        audit entry. Returns the wait before the next attempt."""
        assert reason in REASONS, reason

        def change(data: dict[str, Any]) -> None:
            entry = data["failures"].setdefault(subject, {"count": 0, "last": 0.0})
            entry["count"] += 1
            entry["last"] = time.time()
            if len(data["pending_audit"]) < MAX_PENDING:
                user = "" if subject == UNKNOWN else subject
                data["pending_audit"].append({"at": at_iso, "user": user, "reason": reason})
            else:
                data["dropped"] += 1

        self._update(change)
        return self.wait_seconds(subject)

    def take_pending(self) -> tuple[list[dict[str, str]], int]:
        """Removes and returns the queued audit entries (and how many were dropped when the
        queue was full). The caller writes them to the audit log; if that fails it gives them
        back with `give_back`."""

        def change(data: dict[str, Any]) -> tuple[list[dict[str, str]], int]:
            taken, dropped = data["pending_audit"], data["dropped"]
            data["pending_audit"], data["dropped"] = [], 0
            return taken, dropped

        if not self.data["pending_audit"] and not self.data["dropped"] and not self.untidy:
            return [], 0  # nothing queued: no write (a login must work on a full disk)
        return self._update(change)

    def give_back(self, pending: list[dict[str, str]], dropped: int) -> None:
        def change(data: dict[str, Any]) -> None:
            data["pending_audit"][:0] = pending
            del data["pending_audit"][MAX_PENDING:]
            data["dropped"] += dropped

        self._update(change)

    def clear(self, subject: str) -> None:
        if subject in self.data["failures"] or self.untidy:
            self._update(lambda data: data["failures"].pop(subject, None))


def _clean(section: Any) -> dict[str, Any]:
    """The auth section with every malformed part left out: nothing in it may keep a later login
    from working (a name that cannot be encoded, a count that is not a number, ...)."""
    out: dict[str, Any] = {"failures": {}, "pending_audit": [], "dropped": 0}
    if not isinstance(section, dict):
        return out
    failures = section.get("failures")
    if isinstance(failures, dict):
        for name, entry in failures.items():
            if _encodable(name) and isinstance(entry, dict):
                count, last = entry.get("count"), entry.get("last")
                if isinstance(count, int) and isinstance(last, int | float):
                    out["failures"][name] = {"count": max(0, count), "last": float(last)}
    pending = section.get("pending_audit")
    if isinstance(pending, list):
        for item in pending[:MAX_PENDING]:
            if (isinstance(item, dict) and item.get("reason") in REASONS
                    and all(isinstance(item.get(k), str) and _encodable(item[k])
                            for k in ("at", "user"))):  # fmt: skip
                out["pending_audit"].append(
                    {"at": item["at"], "user": item["user"], "reason": item["reason"]}
                )
    dropped = section.get("dropped")
    if isinstance(dropped, int) and dropped > 0:
        out["dropped"] = dropped
    return out


def _encodable(text: Any) -> bool:
    if not isinstance(text, str) or len(text) > 64:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _absorb_legacy(data_dir: Path, data: dict[str, Any]) -> None:
    """Earlier versions kept this in auth-state.json (which could be deleted to reset the
    back-off, and kept names as typed). Its well-formed counts and entries are taken over once;
    names no longer known are dropped by the caller's next login, not kept here as typed."""
    legacy = data_dir / AUTH_STATE_NAME
    if not legacy.exists():
        return
    try:
        old = _clean(json.loads(legacy.read_text("utf-8")))
    except (OSError, ValueError):
        old = _clean(None)
    keys = read_raw(keys_path(data_dir)).get("slots") or {}
    for name, entry in old["failures"].items():
        if name in keys:
            mine = data["failures"].setdefault(name, {"count": 0, "last": 0.0})
            mine["count"] += entry["count"]
            mine["last"] = max(mine["last"], entry["last"])
    for item in old["pending_audit"]:
        if item["user"] not in keys:
            item = {**item, "user": "", "reason": "unknown_user"}
        if len(data["pending_audit"]) < MAX_PENDING:
            data["pending_audit"].append(item)
    legacy.unlink(missing_ok=True)
