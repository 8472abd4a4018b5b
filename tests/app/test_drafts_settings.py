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


KILL_BETWEEN = """
import os, sys
from app.services import drafts, records
from app.store import Store

store = Store.open(sys.argv[1], "admin", "secret1-pw")

def save_then_die(s):
    records.add(s, sys.argv[2], "htn_followup",
                {"visit_date": "2026-11-02", "sbp": 150, "dbp": 95, "classification": "2"},
                confirmed=True)
    if sys.argv[3] == "kill":
        os._exit(9)  # the power goes after the record, before the draft is discarded
    raise RuntimeError("failed between the save and the discard")

drafts.save_then_discard(store, "htn_followup:r:new", save_then_die)
"""


def _after(data_dir, resident: str) -> tuple[int, bool]:
    from app.services import records

    a = Store.open(data_dir, "admin", "secret1-pw")
    try:
        return (len(records.list_for(a, resident, "htn_followup")),
                drafts.load(a, "htn_followup:r:new") is not None)  # fmt: skip
    finally:
        a.close()


@pytest.mark.parametrize("how", ["kill", "fail"])
def test_a_form_is_saved_and_its_draft_discarded_together_or_neither(data_dir, how):
    import subprocess
    import sys
    from pathlib import Path

    from app.services import residents

    a = Store.open(data_dir, "admin", "secret1-pw")
    zhang = residents.add(a, {"name": "张三", "sex": "1", "birth_date": "1958-04-12"})["uuid"]
    drafts.save(a, "htn_followup:r:new", "htn_followup", {"sbp": 150})
    a.close()
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", KILL_BETWEEN, str(data_dir), zhang, how],
                         cwd=root, capture_output=True, text=True, timeout=120)  # fmt: skip
    if how == "kill":
        assert out.returncode == 9, out.stderr
    else:
        assert "RuntimeError: failed between the save and the discard" in out.stderr
    assert _after(data_dir, zhang) == (0, True)  # nothing saved, the draft still there

    a = Store.open(data_dir, "admin", "secret1-pw")
    drafts.save_then_discard(a, "htn_followup:r:new", lambda s: records_add(s, zhang))
    a.close()
    assert _after(data_dir, zhang) == (1, False)  # saved, and the draft gone


def records_add(store, resident):
    from app.services import records

    return records.add(store, resident, "htn_followup",
                       {"visit_date": "2026-11-02", "sbp": 150, "dbp": 95, "classification": "2"},
                       confirmed=True)
