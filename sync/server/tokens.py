"""Device tokens: bound to their device, expiring, rotated at every sync.

A token is "<device id>.<secret>"; the server stores only the SHA-256 of the whole string. The
device part must name the device the hash belongs to, so a token is only ever its own
device's (and a leaked hash table cannot be replayed as another device). Each sync starts with
`POST /token`, which issues a new token and keeps the old one valid only until the new one is
first used: a client that dies before storing the new token still gets in with the old one
(and rotates again), a copied token stops working at the real device's next sync.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sync.server.models import Device, Institution, utcnow

TOKEN_TTL = dt.timedelta(days=90)  # a clinic offline for a season still syncs
PREV_GRACE = dt.timedelta(days=7)


def digest(secret: str) -> str:
    # Codes and tokens are long random strings, so a plain SHA-256 is enough to store them safely.
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token(device: Device, ttl: dt.timedelta = TOKEN_TTL) -> str:
    token = f"{device.id}.{secrets.token_urlsafe(32)}"
    device.token_hash = digest(token)
    device.token_expires_at = utcnow() + ttl
    return token


def rotate(
    device: Device, presented: str, ttl: dt.timedelta = TOKEN_TTL
) -> tuple[str, dt.datetime]:
    """A new token for `device`; the one presented stays valid for a short while, until the new
    one is used."""
    if digest(presented) == device.token_hash:
        device.prev_token_hash = device.token_hash
        device.prev_expires_at = min(utcnow() + PREV_GRACE, device.token_expires_at or utcnow())
    token = new_token(device, ttl)
    assert device.token_expires_at is not None
    return token, device.token_expires_at


class TokenRefused(Exception):
    """str() is the Chinese reason given with the 401."""


def device_for_token(session: Session, token: str) -> tuple[Device, Institution]:
    h = digest(token)
    device = session.scalar(
        select(Device).where(or_(Device.token_hash == h, Device.prev_token_hash == h))
    )
    bound_to = token.partition(".")[0] if "." in token else None
    if device is None or device.revoked_at is not None or bound_to not in (None, device.id):
        raise TokenRefused("令牌无效或设备已被吊销：请重新注册本机")
    now = utcnow()
    if device.token_hash == h:
        if device.token_expires_at is not None and device.token_expires_at < now:
            raise TokenRefused(
                "令牌已过期（本机太久没有同步）：请向县卫健局申请注册码，重新注册本机"
            )
        if device.prev_token_hash is not None:
            device.prev_token_hash = device.prev_expires_at = None  # the new one has arrived
    elif device.prev_expires_at is None or device.prev_expires_at < now:
        raise TokenRefused("令牌已被更换：请重新注册本机")
    inst = session.get(Institution, device.institution_id)
    assert inst is not None
    return device, inst
