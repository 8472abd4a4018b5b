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
