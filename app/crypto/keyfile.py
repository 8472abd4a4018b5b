"""The key file: the database's random data key, opened by each user's password and by the recovery code.

Each slot holds an X25519 key pair: the private half wrapped by the password (KEK = Argon2id(secret,
salt) -> AES-GCM), the public half in the clear, and the data key sealed to the public half. So the
data key can be replaced (app/services/rotation.py) and sealed again to every remaining slot without
anyone's password. Slots made before key pairs ("wrapped": the data key wrapped by the KEK itself)
still open and get a key pair at the next login. The AAD binds a slot to its installation and user
so a slot copied into another key file does not open. The file holds no secret in the clear; it
must be backed up with the database.
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
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

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


class SlotStale(Exception):
    """The data key was replaced while this slot could not receive it (a slot made before key
    pairs, whose user had not logged in since): an administrator must set a new password."""


def key_check(data_key: bytes) -> str:
    """A value that tells which data key a key file holds, without revealing it (an HMAC under
    the key): a backup checks its key file matches its database, a login after an interrupted
    key change knows which key file is current."""
    mac = hmac.HMAC(data_key, hashes.SHA256())
    mac.update(b"cunyi-key-check")
    return _b64(mac.finalize()[:16])


def _seal_key(shared: bytes, ephemeral: bytes, public: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=b"cunyi-seal" + ephemeral + public).derive(shared)


def _raw_public(key: X25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _raw_private(key: X25519PrivateKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def seal(public: bytes, data_key: bytes, aad: bytes) -> dict[str, str]:
    """The data key encrypted to a public key (ephemeral X25519, HKDF-SHA256, AES-GCM)."""
    ephemeral = X25519PrivateKey.generate()
    epk = _raw_public(ephemeral.public_key())
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public))
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_seal_key(shared, epk, public)).encrypt(nonce, data_key, aad)
    return {"epk": _b64(epk), "nonce": _b64(nonce), "ct": _b64(sealed)}


def unseal(private: X25519PrivateKey, box: dict[str, str], aad: bytes) -> bytes:
    epk = _unb64(box["epk"])
    shared = private.exchange(X25519PublicKey.from_public_bytes(epk))
    key = _seal_key(shared, epk, _raw_public(private.public_key()))
    return AESGCM(key).decrypt(_unb64(box["nonce"]), _unb64(box["ct"]), aad)


@dataclass
class KeyFile:
    installation_id: str
    slots: dict[str, dict[str, Any]]
    path: Path | None = None
    check: str | None = None  # key_check(data key); absent in files made before key rotation
    # Set when a user was disabled (or a password reset as compromised) and the data key has not
    # been replaced yet: the next login of anyone replaces it (app/services/rotation.py).
    rotation_owed: dict[str, Any] | None = None

    # --- creating and saving

    @classmethod
    def new(cls) -> tuple[KeyFile, bytes]:
        key = secrets.token_bytes(32)
        return cls(installation_id=str(uuid.uuid4()), slots={}, check=key_check(key)), key

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        return cls.from_raw(json.loads(path.read_text("utf-8")), path)

    @classmethod
    def from_raw(cls, raw: dict[str, Any], path: Path | None = None) -> KeyFile:
        if raw.get("format") != FORMAT or "installation_id" not in raw:
            raise ValueError("unknown key file format")
        owed = raw.get("rotation_owed")
        return cls(installation_id=raw["installation_id"], slots=raw["slots"], path=path,
                   check=raw.get("key_check"), rotation_owed=owed if isinstance(owed, dict) else None)  # fmt: skip

    def dumps(self) -> str:
        raw: dict[str, Any] = {"format": FORMAT, "installation_id": self.installation_id,
                               "slots": self.slots}  # fmt: skip
        if self.check:
            raw["key_check"] = self.check
        if self.rotation_owed:
            raw["rotation_owed"] = self.rotation_owed
        return json.dumps(raw, indent=1, sort_keys=True)

    def holds(self, data_key: bytes) -> bool | None:
        """Whether this file's slots open to `data_key` (None: a file too old to say)."""
        return None if not self.check else secrets.compare_digest(self.check, key_check(data_key))

    def save(self, path: Path | None = None) -> None:
        """Write atomically: a power cut leaves the old or the new file, never half of one. The
        login bookkeeping kept in the same file (app/authstate.py) is carried over as it is on
        disk, not as it was when this object was loaded: another process may have added to it."""
        target = path or self.path
        assert target is not None
        with locked(target):
            raw = json.loads(self.dumps())
            on_disk = read_raw(target)
            if on_disk.get("key_check") and self.check and on_disk["key_check"] != self.check:
                # Another process replaced the data key since this copy was loaded: writing it
                # would put back slots of the old key and lose the new one.
                from app.errors import DataError

                raise DataError("数据密钥已在另一个窗口中更换（停用了用户或重设了密码），请退出后重新登录")
            kept = on_disk.get(AUTH_SECTION)
            if kept is not None:
                raw[AUTH_SECTION] = kept
            write_raw(target, raw)
        self.path = target

    # --- slots

    def _aad(self, name: str) -> bytes:
        return f"cunyi-slot:{self.installation_id}:{name}".encode()

    def set_slot(self, name: str, secret: str, data_key: bytes) -> None:
        """A new key pair for `name`, its private half wrapped by `secret`, `data_key` sealed to it."""
        salt = secrets.token_bytes(16)
        nonce = secrets.token_bytes(12)
        cost = current_cost()
        kek = _kek(secret, salt, cost)
        private = X25519PrivateKey.generate()
        public = _raw_public(private.public_key())
        wrapped = AESGCM(kek).encrypt(nonce, _raw_private(private), self._aad(name))
        self.slots[name] = {**cost, "salt": _b64(salt), "nonce": _b64(nonce),
                            "private": _b64(wrapped), "public": _b64(public),
                            "sealed": seal(public, data_key, self._aad(name))}  # fmt: skip
        self.check = key_check(data_key)

    def weaker_than_now(self, name: str) -> bool:
        """Whether `name`'s slot was wrapped at a lower cost than new slots get (an older
        version's scrypt) or holds no key pair yet: the login that opens it rewraps it."""
        slot, cost = self.slots.get(name) or {}, current_cost()
        if not self.opens(name):
            return False
        return (slot.get("kdf") != cost["kdf"] or slot.get("m", 0) < cost["m"]
                or slot.get("t", 0) < cost["t"] or "public" not in slot)  # fmt: skip

    def opens(self, name: str) -> bool:
        """Whether `name` has a slot that can still open the data key (given the password)."""
        slot = self.slots.get(name) or {}
        return "private" in slot or "wrapped" in slot

    def has_pair(self, name: str) -> bool:
        return "public" in (self.slots.get(name) or {})

    def reseal(self, name: str, data_key: bytes) -> None:
        """Seal a new data key to `name`'s public key: no password needed."""
        slot = self.slots[name]
        slot["sealed"] = seal(_unb64(slot["public"]), data_key, self._aad(name))

    def mark_stale(self, name: str) -> None:
        # The old wrapped key goes: it opens only what the replaced data key opened (old backups).
        self.slots[name] = {"stale": True}

    def disable_slot(self, name: str) -> None:
        # The wrapped key is removed: a disabled user's password no longer opens anything.
        self.slots[name] = {"disabled": True}

    def is_stale(self, name: str) -> bool:
        return bool(self.slots.get(name, {}).get("stale"))

    def is_disabled(self, name: str) -> bool:
        return bool(self.slots.get(name, {}).get("disabled"))

    def unwrap(self, name: str, secret: str) -> bytes:
        slot = self.slots.get(name)
        if slot is None:
            raise NoSuchSlot(name)
        if slot.get("disabled"):
            raise SlotDisabled(name)
        if slot.get("stale"):
            raise SlotStale(name)
        kek = _kek(secret, _unb64(slot["salt"]), slot)
        aead, aad = AESGCM(kek), self._aad(name)
        try:
            if "private" not in slot:  # made before key pairs
                return aead.decrypt(_unb64(slot["nonce"]), _unb64(slot["wrapped"]), aad)
            private = aead.decrypt(_unb64(slot["nonce"]), _unb64(slot["private"]), aad)
        except InvalidTag:
            raise WrongSecret(name) from None
        try:
            return unseal(X25519PrivateKey.from_private_bytes(private), slot["sealed"], aad)
        except (InvalidTag, KeyError, ValueError):
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
