"""Key slots: each password (and the recovery code) unwraps the same data key, nothing else does."""

import json

import pytest

from app.crypto.keyfile import (
    KeyFile,
    NoSuchSlot,
    SlotDisabled,
    WrongSecret,
    new_recovery_code,
    normalise_recovery_code,
)


def test_each_slot_unwraps_the_same_key(tmp_path):
    kf, key = KeyFile.new()
    kf.set_slot("wang", "password-1", key)
    kf.set_slot("li", "password-2", key)
    kf.save(tmp_path / "keys.json")
    again = KeyFile.load(tmp_path / "keys.json")
    assert again.unwrap("wang", "password-1") == key
    assert again.unwrap("li", "password-2") == key
    with pytest.raises(WrongSecret):
        again.unwrap("wang", "password-2")
    with pytest.raises(NoSuchSlot):
        again.unwrap("zhao", "password-1")


def test_key_file_holds_no_key_in_clear(tmp_path):
    kf, key = KeyFile.new()
    kf.set_slot("wang", "password-1", key)
    kf.save(tmp_path / "keys.json")
    raw = (tmp_path / "keys.json").read_bytes()
    assert key.hex().encode() not in raw and key not in raw
    assert b"password-1" not in raw


def test_slot_copied_into_another_installation_does_not_open():
    a, key_a = KeyFile.new()
    a.set_slot("wang", "pw-123456", key_a)
    b, _ = KeyFile.new()
    b.slots["wang"] = json.loads(json.dumps(a.slots["wang"]))
    with pytest.raises(WrongSecret):
        b.unwrap("wang", "pw-123456")


def test_disabled_slot_no_longer_opens():
    kf, key = KeyFile.new()
    kf.set_slot("wang", "pw-123456", key)
    kf.disable_slot("wang")
    with pytest.raises(SlotDisabled):
        kf.unwrap("wang", "pw-123456")
    assert "wrapped" not in kf.slots["wang"]


def test_recovery_code_format_and_normalisation():
    code = new_recovery_code()
    assert len(code) == 29 and code.count("-") == 5
    assert normalise_recovery_code(code.lower().replace("-", " ")) == code


def test_the_cheap_cost_is_refused_outside_the_test_suite(tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = ("from app.crypto.keyfile import KeyFile; import json, sys;"
            "k, key = KeyFile.new(); k.set_slot('a', 'pw-12345678', key); print(json.dumps(k.slots['a']))")
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env={**env, "CUNYI_KDF_COST": "test", "PYTHONPATH": str(ROOT)}, timeout=60)
    import json

    slot = json.loads(out.stdout)
    assert (slot["kdf"], slot["m"], slot["t"]) == ("argon2id", 64 * 1024, 3), out.stderr


def test_an_older_scrypt_slot_opens_and_is_rewrapped_at_login(data_dir):
    import base64
    import hashlib
    import secrets

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from app.crypto.keyfile import KeyFile
    from app.store import Store
    from tests.conftest import ADMIN, PASSWORD

    path = data_dir / "keys.json"
    kf = KeyFile.load(path)
    key = kf.unwrap(ADMIN, PASSWORD)
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    kek = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    wrapped = AESGCM(kek).encrypt(nonce, key, f"cunyi-slot:{kf.installation_id}:{ADMIN}".encode())
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    kf.slots[ADMIN] = {"kdf": "scrypt", "n": 2**14, "r": 8, "p": 1, "salt": b64(salt),
                       "nonce": b64(nonce), "wrapped": b64(wrapped)}  # fmt: skip
    kf.save()
    Store.open(data_dir, ADMIN, PASSWORD).close()  # the version-1 slot still opens
    assert KeyFile.load(path).slots[ADMIN]["kdf"] == "argon2id"
    Store.open(data_dir, ADMIN, PASSWORD).close()


def test_a_tampered_slot_cost_is_refused_not_run(data_dir):
    import pytest

    from app.crypto.keyfile import KeyFile
    from tests.conftest import ADMIN, PASSWORD

    kf = KeyFile.load(data_dir / "keys.json")
    kf.slots[ADMIN]["m"] = 64 * 1024 * 1024  # 64 GiB
    with pytest.raises(ValueError):
        kf.unwrap(ADMIN, PASSWORD)


@pytest.mark.parametrize("weak", ["1234567", "12345678", "88888888", "password1", "Woaini1314",
                                  "aaaabbbb", "9876543210", "xx-liwei-1"])  # fmt: skip
def test_weak_passwords_are_refused_naming_the_field(store, weak):
    from app.errors import InvalidInput
    from app.services import users

    with pytest.raises(InvalidInput, match="密码") as e:
        users.add(store, "liwei", "nurse", weak)
    assert e.value.errors[0].key == "password"
    assert "liwei" not in [u["name"] for u in users.list_users(store)]


def test_a_good_password_is_accepted(store):
    from app.services import users

    users.add(store, "li", "nurse", "hebian-liushu-3")
    assert "li" in [u["name"] for u in users.list_users(store)]
