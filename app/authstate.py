"""Failed-login bookkeeping kept beside the key file, before the database can be opened.

A failed login cannot be written to the encrypted audit log (the key is what is missing), so it is
noted here and moved into the audit chain at the next successful login. Holds user names and
times only, no health data.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from app.paths import AUTH_STATE_NAME

FREE_ATTEMPTS = 3
MAX_WAIT_SECONDS = 300


class AuthState:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / AUTH_STATE_NAME
        try:
            self.data: dict[str, Any] = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            self.data = {}
        self.data.setdefault("failures", {})
        self.data.setdefault("pending_audit", [])

    def wait_seconds(self, user: str, now: float | None = None) -> int:
        """How long `user` must wait before the next attempt (doubling after 3 failures)."""
        entry = self.data["failures"].get(user)
        if not entry or entry["count"] < FREE_ATTEMPTS:
            return 0
        wait = min(2 ** (entry["count"] - FREE_ATTEMPTS), MAX_WAIT_SECONDS)
        remaining = entry["last"] + wait - (now if now is not None else time.time())
        return max(0, int(remaining + 0.999))

    def record_failure(self, user: str, reason: str, at_iso: str) -> None:
        entry = self.data["failures"].setdefault(user, {"count": 0, "last": 0.0})
        entry["count"] += 1
        entry["last"] = time.time()
        self.data["pending_audit"].append({"at": at_iso, "user": user, "reason": reason})
        self._save()

    def take_pending(self) -> list[dict[str, str]]:
        pending = self.data["pending_audit"]
        self.data["pending_audit"] = []
        return pending

    def clear(self, user: str) -> None:
        self.data["failures"].pop(user, None)
        self._save()

    def _save(self) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self.data), "utf-8")
        os.replace(tmp, self.path)
