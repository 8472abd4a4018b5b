"""Opening an installation: logins, back-off, disabled users, damaged files, schema by migrations."""

import json
import re

import pytest
import sqlcipher3
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, text
from sqlalchemy.schema import CreateIndex

from app import paths
from app.authstate import AuthState
from app.db.models import Base
from app.errors import AuthError, DataError, InvalidInput
from app.services import audit, users
from app.store import Store
from tests.conftest import ADMIN, AREA, PASSWORD


# Alembic cannot reflect SQLite's expression indexes (it says so and skips them): they are compared
# below, as the database holds them, with what the models would create.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_schema_made_by_migrations_matches_models(store):
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        stored = dict(conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index'").all())
        expected = {
            ix.name: str(CreateIndex(ix).compile(dialect=conn.dialect))
            for table in Base.metadata.tables.values()
            for ix in table.indexes
            if any(not isinstance(e, Column) for e in ix.expressions)
        }
    assert diffs == []
    assert expected, "the models define expression indexes (ix_record_latest, ix_record_pregnancy)"
    for name, sql in expected.items():
        assert _words(stored.get(name) or "") == _words(sql), name


def _words(sql: str) -> str:
    """SQL without the differences of spelling that do not change an index: case, quotes, spaces."""
    return re.sub(r"\s+", "", sql.replace('"', "").lower())


def test_database_file_is_encrypted(data_dir):
    header = paths.db_path(data_dir).read_bytes()[:16]
    assert header != b"SQLite format 3\x00"
    conn = sqlcipher3.connect(str(paths.db_path(data_dir)))
    with pytest.raises(sqlcipher3.DatabaseError):
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()


def test_pragmas_on_every_connection(store):
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_wrong_password_is_refused_and_audited_at_next_login(data_dir):
    with pytest.raises(AuthError, match="用户名或密码错误"):
        Store.open(data_dir, ADMIN, "wrong-password")
    with pytest.raises(AuthError):
        Store.open(data_dir, "nobody", PASSWORD)
    store = Store.open(data_dir, ADMIN, PASSWORD)
    try:
        actions = [(e["action"], e["user"]) for e in audit.entries(store)]
        # An unknown name is audited without the name: it may have been a password.
        assert ("login_failed", ADMIN) in actions and ("login_failed", "") in actions
        assert "nobody" not in str(audit.entries(store))
        assert actions[-1] == ("login", ADMIN)
    finally:
        store.close()


def test_failed_logins_back_off(data_dir):
    for _ in range(3):
        with pytest.raises(AuthError, match="用户名或密码错误"):
            Store.open(data_dir, ADMIN, "wrong-password")
    with pytest.raises(AuthError, match="秒后再试"):
        Store.open(data_dir, ADMIN, PASSWORD)  # even the right password waits
    state = AuthState(data_dir)
    assert state.wait_seconds(ADMIN) >= 1
    assert state.wait_seconds(ADMIN, now=state.data["failures"][ADMIN]["last"] + 2) == 0


def test_disabled_user_cannot_log_in(store, data_dir):
    users.add(store, "li", "nurse", "nurse-pw-1")
    Store.open(data_dir, "li", "nurse-pw-1").close()
    users.disable(store, "li")
    with pytest.raises(AuthError, match="已停用"):
        Store.open(data_dir, "li", "nurse-pw-1")


def test_last_admin_cannot_be_disabled(store):
    with pytest.raises(InvalidInput, match="最后一位管理员"):
        users.disable(store, ADMIN)


def test_nurse_cannot_add_users(store, data_dir):
    users.add(store, "li", "nurse", "nurse-pw-1")
    nurse = Store.open(data_dir, "li", "nurse-pw-1")
    try:
        with pytest.raises(AuthError, match="管理员"):
            users.add(nurse, "zhao", "doctor", "doctor-pw-1")
    finally:
        nurse.close()


def test_change_password_and_recover(store, data_dir, recovery_code):
    users.change_password(store, PASSWORD, "new-secret-1")
    with pytest.raises(AuthError):
        Store.open(data_dir, ADMIN, PASSWORD)
    Store.open(data_dir, ADMIN, "new-secret-1").close()
    with pytest.raises(AuthError, match="恢复代码不正确"):
        users.recover(data_dir, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF", ADMIN, "x-secret-2")
    users.recover(data_dir, recovery_code.lower(), ADMIN, "x-secret-2").close()
    Store.open(data_dir, ADMIN, "x-secret-2").close()


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"area": "11010500110"}, "area"),
        ({"area": "999999001101"}, "area"),
        ({"area": "110105000101"}, "area"),
        ({"institution_name": "  "}, "institution_name"),
        ({"user": "has space"}, "user"),
        ({"password": "123"}, "password"),
    ],
)
def test_create_refuses_bad_input(tmp_path, kwargs, key):
    args = {"area": AREA, "institution_name": "村卫生室", "user": ADMIN, "password": PASSWORD}
    args.update(kwargs)
    with pytest.raises(InvalidInput) as e:
        Store.create(tmp_path / "d", **args)
    assert e.value.errors[0].key == key
    assert not (tmp_path / "d" / "keys.json").exists()


def test_create_refuses_existing_data(data_dir):
    with pytest.raises(DataError, match="已有村医数据"):
        Store.create(data_dir, area=AREA, institution_name="x", user=ADMIN, password=PASSWORD)


def test_damaged_database_gives_clear_error(data_dir):
    db = paths.db_path(data_dir)
    raw = bytearray(db.read_bytes())
    raw[0:4096] = bytes(4096)  # the first page (salt + header) destroyed
    db.write_bytes(bytes(raw))
    with pytest.raises(DataError, match="已损坏"):
        Store.open(data_dir, ADMIN, PASSWORD)


def test_damaged_key_file_gives_clear_error(data_dir):
    paths.keys_path(data_dir).write_text("{not json", "utf-8")
    with pytest.raises(DataError, match="密钥文件"):
        Store.open(data_dir, ADMIN, PASSWORD)


def test_key_file_of_another_installation_does_not_open(data_dir, tmp_path):
    other, _ = Store.create(tmp_path / "other", area=AREA, institution_name="x", user=ADMIN,
                            password=PASSWORD)  # fmt: skip
    other.close()
    paths.keys_path(data_dir).write_bytes(paths.keys_path(tmp_path / "other").read_bytes())
    with pytest.raises(DataError, match="不属于此安装"):
        Store.open(data_dir, ADMIN, PASSWORD)


def test_history_and_audit_are_append_only(store):
    from app.services import residents

    residents.add(store, {"name": "赵一", "sex": "1", "birth_date": "1970-01-01"})
    for sql in ("UPDATE audit SET user = 'x'", "DELETE FROM audit", "UPDATE version SET user = 'x'",
                "DELETE FROM version", "DELETE FROM resident"):  # fmt: skip
        with pytest.raises(Exception, match="append-only|never deleted"), store.session(write=True) as s:
            s.execute(text(sql))
    with store.session() as s:
        assert audit.verify_chain(s) == []


def test_tampered_audit_entry_is_detected(store):
    from app.services import residents

    residents.add(store, {"name": "赵一", "sex": "1", "birth_date": "1970-01-01"})
    with store.session(write=True) as s:
        s.execute(text("DROP TRIGGER audit_no_update"))
        s.execute(text("UPDATE audit SET detail = :d WHERE seq = 2"), {"d": json.dumps({"x": 1})})
    with store.session() as s:
        problems = audit.verify_chain(s)
    assert any("第2条" in p for p in problems)


def test_head_constant_matches_migration_scripts():
    from app.db import migrate

    assert migrate.script_head() == migrate.HEAD


def test_database_from_a_newer_version_is_refused_clearly(store, data_dir):
    with store.session(write=True) as s:
        s.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    store.close()
    with pytest.raises(DataError, match="较新版本"):
        Store.open(data_dir, ADMIN, PASSWORD)


def test_upgrade_to_0004_fills_every_terms_list_position(store, data_dir):
    """A database made before migration 0004 (terms without ord) is upgraded at login: every term
    gets its resident's list position, and search finds and orders as before."""

    from app import paths
    from app.db import migrate
    from app.search import order_key
    from app.services import lifecycle, residents

    a = residents.add(store, {"name": "张伟", "sex": "1", "birth_date": "1960-05-01"})
    b = residents.add(store, {"name": "张伟", "sex": "1", "birth_date": "1970-05-01"})
    lifecycle.set_status(store, a["uuid"], "lost")
    key = store.data_key
    store.close()
    migrate.downgrade_file(paths.db_path(data_dir), key, "0003")  # 0004's downgrade drops ord
    assert migrate.current_at(paths.db_path(data_dir), key) == "0003"
    again = Store.open(data_dir, ADMIN, PASSWORD)
    try:
        with again.session() as s:
            rows = set(s.connection().exec_driver_sql("SELECT resident_uuid, ord FROM resident_term"))
        assert rows == {(a["uuid"], order_key("lost", a["record_no"])),
                        (b["uuid"], order_key("active", b["record_no"]))}  # fmt: skip
        assert [r["uuid"] for r in residents.find(again, "张伟")] == [b["uuid"], a["uuid"]]
    finally:
        again.close()
