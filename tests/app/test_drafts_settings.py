"""Drafts are per user and encrypted with the rest; settings refuse bad values."""

from __future__ import annotations

import pytest

from app.errors import AuthError, InvalidInput
from app.services import drafts, settings, users
from app.store import Store


@pytest.fixture
def data_dir(tmp_path):
    s, _ = Store.create(tmp_path / "d", area="420106001001", institution_name="测试村卫生室",
                        user="admin", password="secret1-pw")  # fmt: skip
    users.add(s, "doc", "doctor", "secret2-pw")
    s.close()
    return tmp_path / "d"


def test_drafts_are_per_user_and_not_in_plain_files(data_dir):
    a = Store.open(data_dir, "admin", "secret1-pw")
    drafts.save(a, "htn_followup:x:new", "htn_followup", {"sbp": 150, "note": "草稿王五"})
    assert drafts.load(a, "htn_followup:x:new") == {"sbp": 150, "note": "草稿王五"}
    a.close()
    b = Store.open(data_dir, "doc", "secret2-pw")
    assert drafts.load(b, "htn_followup:x:new") is None
    b.close()
    for f in data_dir.rglob("*"):
        if f.is_file():
            assert "草稿王五".encode() not in f.read_bytes(), f.name
    a = Store.open(data_dir, "admin", "secret1-pw")
    assert [d["key"] for d in drafts.list_mine(a)] == ["htn_followup:x:new"]
    drafts.discard(a, "htn_followup:x:new")
    assert drafts.load(a, "htn_followup:x:new") is None
    a.close()


def test_settings_validation_and_roles(data_dir):
    a = Store.open(data_dir, "admin", "secret1-pw")
    assert settings.get_all(a)["idle_lock_minutes"] == 10
    settings.put(a, {"idle_lock_minutes": 5})
    assert settings.get_all(a)["idle_lock_minutes"] == 5
    with pytest.raises(InvalidInput) as e:
        settings.put(a, {"idle_lock_minutes": 0})
    assert "自动锁定时间" in str(e.value) and "自动锁定时间（idle_lock_minutes）" in e.value.cli_text()
    assert settings.get_all(a)["idle_lock_minutes"] == 5
    assert settings.get_all(a)["sync_auto"] is True
    with pytest.raises(InvalidInput) as e:
        settings.put(a, {"sync_auto": "no"})
    assert "自动同步" in str(e.value) and "sync_auto" not in str(e.value)
    settings.put(a, {"sync_auto": False})
    assert settings.get_all(a)["sync_auto"] is False
    settings.rename_institution(a, "新名字卫生室")
    a.close()
    b = Store.open(data_dir, "doc", "secret2-pw")
    assert b.institution.name == "新名字卫生室"
    with pytest.raises(AuthError):
        settings.put(b, {"idle_lock_minutes": 30})
    b.close()
