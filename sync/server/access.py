"""The append-only access log: who pulled, read, enrolled, pushed, or failed to authenticate.

An entry names the device, its institution's area (its scope), the action, counts and entity ids;
never a resident's values. Entries of a request that succeeds are written in its transaction;
refusals (a bad token, a refused enrolment) in their own, since the request's is rolled back."""

from __future__ import annotations

import contextvars

from sqlalchemy.orm import Session

from sync.server.models import AccessLog

# The address the current request came from, set by the API's outermost layer.
CLIENT: contextvars.ContextVar[str | None] = contextvars.ContextVar("cunyi_client", default=None)


def add(
    session: Session,
    action: str,
    *,
    device_id: str | None = None,
    area: str | None = None,
    ok: bool = True,
    subject: str | None = None,
    count: int | None = None,
    detail: str | None = None,
) -> None:
    session.add(
        AccessLog(action=action, device_id=device_id, area=area, ok=ok, subject=subject,
                  count=count, detail=(detail or None) and detail[:200], client=CLIENT.get())
    )  # fmt: skip
