"""The key file: the database's random data key wrapped once per user and once by the recovery code.

Each slot: KEK = scrypt(secret, salt) -> AES-GCM(KEK).encrypt(nonce, data_key, aad). The AAD binds a
slot to its installation and user so a slot copied into another key file does not open. The file
holds no secret in the clear; it must be backed up with the database.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from app.filelock import lock

FORMAT = 1
RECOVERY = "__recovery__"
# Argon2id, 64 MiB, 3 passes, 1 lane: 0.2-0.3 s on the 2-core build machine (bench/bench_store.py
# prints the login time); a login needs one unwrap and must stay under 0.5 s on an old laptop.
PRODUCTION_COST = {"kdf": "argon2id", "m": 64 * 1024, "t": 3, "p": 1}
# The test suite makes hundreds of installations. Honoured only while pytest runs (it sets
# PYTEST_VERSION, and its subprocesses inherit it): no setting can weaken a clinic's key file.
TEST_COST = {"kdf": "argon2id", "m": 1024, "t": 1, "p": 1}
# A tampered key file must not make a login allocate gigabytes or run for minutes.
LIMITS = {"m": 1024 * 1024, "t": 16, "p": 8, "n": 2**20, "r": 16}


def current_cost() -> dict[str, Any]:
    if os.environ.get("CUNYI_KDF_COST") == "test" and os.environ.get("PYTEST_VERSION"):
        return dict(TEST_COST)
    return dict(PRODUCTION_COST)


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def _unb64(s: str) -> bytes:
    return base64.b64decode(s)


def _kek(secret: str, salt: bytes, slot: dict[str, Any]) -> bytes:
    """The key-encryption key of a slot, by the slot's own KDF and cost: slots made by earlier
    versions (scrypt) still open and are rewrapped at the next login (KeyFile.weaker_than_now)."""
    for key, limit in LIMITS.items():
        value = slot.get(key)
        if value is not None and not (isinstance(value, int) and 0 < value <= limit):
            raise ValueError(f"key slot parameter {key} out of range")
    if slot.get("kdf") == "argon2id":
        return Argon2id(salt=salt, length=32, iterations=slot["t"], lanes=slot["p"],
                        memory_cost=slot["m"]).derive(secret.encode())  # fmt: skip
    if slot.get("kdf") == "scrypt":
        return hashlib.scrypt(secret.encode(), salt=salt, n=slot["n"], r=slot["r"], p=slot["p"],
                              maxmem=1024 * 1024 * 1024, dklen=32)  # fmt: skip
    raise ValueError("unknown key derivation")


class WrongSecret(Exception):
    pass


class SlotDisabled(Exception):
    pass


class NoSuchSlot(Exception):
    pass


@dataclass
class KeyFile:
    installation_id: str
    slots: dict[str, dict[str, Any]]
    path: Path | None = None

    # --- creating and saving

    @classmethod
    def new(cls) -> tuple[KeyFile, bytes]:
        return cls(installation_id=str(uuid.uuid4()), slots={}), secrets.token_bytes(32)

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        raw = json.loads(path.read_text("utf-8"))
        if raw.get("format") != FORMAT or "installation_id" not in raw:
            raise ValueError("unknown key file format")
        return cls(installation_id=raw["installation_id"], slots=raw["slots"], path=path)

    def dumps(self) -> str:
        return json.dumps(
            {"format": FORMAT, "installation_id": self.installation_id, "slots": self.slots},
            indent=1,
            sort_keys=True,
        )

    def save(self, path: Path | None = None) -> None:
        """Write atomically: a power cut leaves the old or the new file, never half of one. The
        login bookkeeping kept in the same file (app/authstate.py) is carried over as it is on
        disk, not as it was when this object was loaded: another process may have added to it."""
        target = path or self.path
        assert target is not None
        with locked(target):
            raw = json.loads(self.dumps())
            kept = read_raw(target).get(AUTH_SECTION)
            if kept is not None:
                raw[AUTH_SECTION] = kept
            write_raw(target, raw)
        self.path = target

    # --- slots

    def _aad(self, name: str) -> bytes:
        return f"cunyi-slot:{self.installation_id}:{name}".encode()

    def set_slot(self, name: str, secret: str, data_key: bytes) -> None:
        salt = secrets.token_bytes(16)
        nonce = secrets.token_bytes(12)
        cost = current_cost()
        kek = _kek(secret, salt, cost)
        wrapped = AESGCM(kek).encrypt(nonce, data_key, self._aad(name))
        self.slots[name] = {**cost, "salt": _b64(salt), "nonce": _b64(nonce),
                            "wrapped": _b64(wrapped)}  # fmt: skip

    def weaker_than_now(self, name: str) -> bool:
        """Whether `name`'s slot was wrapped at a lower cost than new slots get (an older
        version's scrypt): the login that opens it rewraps it."""
        slot, cost = self.slots.get(name) or {}, current_cost()
        if slot.get("disabled") or not slot:
            return False
        return slot.get("kdf") != cost["kdf"] or slot.get("m", 0) < cost["m"] or slot.get("t", 0) < cost["t"]

    def disable_slot(self, name: str) -> None:
        # The wrapped key is removed: a disabled user's password no longer opens anything.
        self.slots[name] = {"disabled": True}

    def is_disabled(self, name: str) -> bool:
        return bool(self.slots.get(name, {}).get("disabled"))

    def unwrap(self, name: str, secret: str) -> bytes:
        slot = self.slots.get(name)
        if slot is None:
            raise NoSuchSlot(name)
        if slot.get("disabled"):
            raise SlotDisabled(name)
        kek = _kek(secret, _unb64(slot["salt"]), slot)
        try:
            return AESGCM(kek).decrypt(_unb64(slot["nonce"]), _unb64(slot["wrapped"]), self._aad(name))
        except InvalidTag:
            raise WrongSecret(name) from None


AUTH_SECTION = "auth"


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Holds an exclusive lock on `path`'s lock file, across processes: every writer of the key
    file (password changes, failed-login counts) takes it, so no update is lost to a race."""
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        lock(fd)
        yield
    finally:
        os.close(fd)  # releases the lock on both systems


def read_raw(path: Path) -> dict[str, Any]:
    """The key file as JSON, or {} when it is missing or unreadable."""
    try:
        raw = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return raw if isinstance(raw, dict) else {}


def write_raw(path: Path, raw: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # private whatever the umask
    with open(fd, "w", encoding="utf-8") as f:
        f.write(json.dumps(raw, indent=1, sort_keys=True))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def new_recovery_code() -> str:
    """24 characters from an unambiguous alphabet in groups of four (~120 bits)."""
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(24))
    return "-".join(raw[i : i + 4] for i in range(0, 24, 4))


def normalise_recovery_code(code: str) -> str:
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))
