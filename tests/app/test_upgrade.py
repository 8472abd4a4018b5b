"""Upgrades (issue 18): data made by the first released schema opens in this version after an
automatic verified backup, every record and the audit chain intact; data of a newer version is
refused; a failing migration puts the backup back and says so.

The old installation is made the way the first release made it: the schema built by the
migration scripts up to revision 0001 only (none of the later ones runs), then filled by plain
SQL against that schema, with an audit chain computed as that release computed it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest

from app import paths
from app.crypto.keyfile import KeyFile
from app.db import audit_chain, migrate
from app.db.engine import make_engine
from app.errors import DataError
from app.search import terms_for
from app.services import audit, backup, residents
from app.store import Store
from app.upgrade import UpgradeFailed
from forms.idnumber import make as make_id

FIRST_RELEASED = "0001"
N = 1000
ADMIN, PASSWORD = "admin", "secret1-pw"
AREA = "110105001101"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = ["秀英", "建国", "桂兰", "志强", "淑珍", "䶮", "德华", "玉梅", "海燕", "𠮷祥"]
RESIDENT_COLUMNS = ("uuid", "record_no", "provisional", "name", "sex", "birth_date", "id_number",
                    "phone", "address", "village", "household_uuid", "status", "status_date",
                    "status_reason", "merged_into", "tags", "doc", "edition", "rev", "created_at",
                    "updated_at", "created_by", "updated_by")  # fmt: skip
RECORD_COLUMNS = ("uuid", "resident_uuid", "form", "edition", "visit_date", "doc", "status", "rev",
                  "created_at", "updated_at", "created_by", "updated_by")  # fmt: skip


def _insert(conn, table: str, row: dict) -> None:
    cols = ", ".join(f'"{c}"' for c in row)
    conn.exec_driver_sql(f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' * len(row))})",
                         tuple(row.values()))  # fmt: skip


def make_first_release_installation(data_dir: Path, n: int = N) -> dict:
    """An installation at schema 0001 with `n` residents; returns what was written."""
    keyfile, key = KeyFile.new()
    keyfile.set_slot(ADMIN, PASSWORD, key)
    data_dir.mkdir(parents=True)
    engine = make_engine(paths.db_path(data_dir), key, foreign_keys=False)
    from alembic import command

    cfg = migrate.config()
    written: dict = {"residents": {}, "records": {}, "key": key}
    at = "2026-11-25T09:00:00+08:00"
    chain: list[tuple] = []
    prev = audit.GENESIS

    def log(conn, action: str, entity=None, entity_uuid=None, detail=None) -> None:
        nonlocal prev
        row = SimpleNamespace(seq=len(chain) + 1, at=at, user=ADMIN, action=action, entity=entity,
                              entity_uuid=entity_uuid, prev_hash=prev,
                              detail=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True))  # fmt: skip
        row.hash = audit_chain.entry_hash(prev, row)
        _insert(conn, "audit", dict(vars(row)))
        chain.append((row.seq, row.hash))
        prev = row.hash

    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, FIRST_RELEASED)
            _insert(conn, "institution", {"id": 1, "area": AREA, "name": "旧版测试村卫生室",
                                          "installation_id": keyfile.installation_id, "created_at": at})  # fmt: skip
            _insert(conn, "app_user", {"uuid": str(uuid.uuid4()), "name": ADMIN, "display_name": "王医生",
                                       "role": "admin", "state": "active", "created_at": at})  # fmt: skip
            log(conn, "init", detail={"area": AREA})
            household = None
            for i in range(n):
                u = str(uuid.uuid4())
                if i % 10 == 0:
                    household = str(uuid.uuid4())
                    _insert(conn, "household", {"uuid": household, "label": f"家庭{i // 10}",
                                                "village": "101", "head_uuid": u, "created_at": at})  # fmt: skip
                birth = dt.date(1940, 1, 1) + dt.timedelta(days=37 * i)
                sex = "1" if i % 2 else "2"
                name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i // len(SURNAMES)) % len(GIVEN)]
                row = {
                    "uuid": u, "record_no": f"{AREA}{i + 1:05d}", "provisional": False,
                    "name": name, "sex": sex, "birth_date": birth.isoformat(),
                    "id_number": make_id(AREA[:6], birth, (i % 499) * 2 + int(sex == "1")) if i % 7 else None,
                    "phone": f"139{i:08d}" if i % 3 else None, "address": f"李家村{i % 40}组",
                    "village": "101", "household_uuid": household,
                    "status": "moved" if i % 50 == 49 else "active",
                    "status_date": "2026-10-01" if i % 50 == 49 else None,
                    "status_reason": "外出务工" if i % 50 == 49 else None, "merged_into": None,
                    "tags": "htn" if i % 3 == 0 else ("dm" if i % 5 == 0 else ""),
                    "doc": json.dumps({"name": name, "sex": sex, "blood_type": "1"}, ensure_ascii=False),
                    "edition": "2017", "rev": 1, "created_at": at, "updated_at": at,
                    "created_by": ADMIN, "updated_by": ADMIN,
                }  # fmt: skip
                _insert(conn, "resident", row)
                for kind, term in sorted(terms_for(name, row["id_number"], row["record_no"], row["phone"])):
                    _insert(conn, "resident_term", {"kind": kind, "term": term, "resident_uuid": u})
                _insert(conn, "version", {"entity": "resident", "entity_uuid": u, "rev": 1,
                                          "action": "create", "data": row["doc"], "changes": "{}",
                                          "at": at, "user": ADMIN})  # fmt: skip
                log(conn, "create", "resident", u)
                written["residents"][u] = row
                if i % 3 == 0:
                    rec = {"uuid": str(uuid.uuid4()), "resident_uuid": u, "form": "htn_followup",
                           "edition": "2017", "visit_date": "2026-11-20",
                           "doc": json.dumps({"visit_date": "2026-11-20", "sbp": 120 + i % 40}),
                           "status": "final", "rev": 1, "created_at": at, "updated_at": at,
                           "created_by": ADMIN, "updated_by": ADMIN}  # fmt: skip
                    _insert(conn, "record", rec)
                    log(conn, "create", "record", rec["uuid"])
                    written["records"][rec["uuid"]] = rec
    finally:
        engine.dispose()
    keyfile.save(paths.keys_path(data_dir))
    written["chain"] = chain
    return written


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def first_release(tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("first-release") / "data"
    return folder, make_first_release_installation(folder)


def test_first_release_data_upgrades_with_a_verified_backup(tmp_path, first_release):
    template, written = first_release
    data_dir = tmp_path / "data"
    shutil.copytree(template, data_dir)
    assert migrate.current_at(paths.db_path(data_dir), written["key"]) == FIRST_RELEASED

    store = Store.open(data_dir, ADMIN, PASSWORD)
    try:
        assert migrate.current_at(paths.db_path(data_dir), store.data_key) == migrate.head()
        # Every resident and record exactly as the old program wrote it.
        with store.cursor() as cur:
            cur.execute(f"SELECT {', '.join(RESIDENT_COLUMNS)}, terms FROM resident")
            rows = {r[0]: r for r in cur.fetchall()}
            cur.execute(f"SELECT {', '.join(RECORD_COLUMNS)} FROM record")
            records = {r[0]: dict(zip(RECORD_COLUMNS, r, strict=True)) for r in cur.fetchall()}
            cur.execute("SELECT count(*) FROM version WHERE entity = 'resident' AND rev = 1")
            versions = cur.fetchone()[0]
        assert len(rows) == N and versions == N
        for u, expected in written["residents"].items():
            got = dict(zip(RESIDENT_COLUMNS, rows[u][:-1], strict=True))
            got["provisional"] = bool(got["provisional"])
            assert got == expected
            listed = json.loads(rows[u][-1])  # migration 0007 lists the terms on the row
            want = terms_for(expected["name"], expected["id_number"], expected["record_no"], expected["phone"])
            assert sorted(listed) == sorted(k + t for k, t in want)
        assert records == written["records"]
        # The upgraded search index finds each of them by record number, and by name.
        for u, expected in list(written["residents"].items())[::50]:
            assert [r["uuid"] for r in residents.find(store, expected["record_no"])] == [u]
            assert u in {r["uuid"] for r in residents.find(store, expected["name"], limit=None)}
        # The audit chain: the old entries untouched, the upgrade recorded after them.
        with store.session() as s:
            assert audit.verify_chain(s) == []
        log = audit.entries(store)
        assert [(e["seq"], e["hash"]) for e in log[: len(written["chain"])]] == written["chain"]
        upgrade = [e for e in log if e["action"] == "upgrade"]
        assert len(upgrade) == 1
        assert upgrade[0]["detail"]["from"] == FIRST_RELEASED
        assert upgrade[0]["detail"]["to"] == migrate.head()
        assert store.check_anchors() == []
    finally:
        store.close()

    # The backup made before the migrations holds the first release's database, and checks out.
    [made] = sorted((data_dir / paths.BACKUP_DIR).glob("pre-upgrade-*.cunyibak"))
    assert made.name.startswith(f"pre-upgrade-{FIRST_RELEASED}-to-{migrate.head()}-")
    assert backup.check_backup_file(made, written["key"]) == []
    with backup.opened(made) as zf:
        assert backup.read_manifest(zf)["schema"] == FIRST_RELEASED

    # The second start upgrades nothing and backs nothing up again.
    store = Store.open(data_dir, ADMIN, PASSWORD)
    store.close()
    assert len(list((data_dir / paths.BACKUP_DIR).glob("pre-upgrade-*"))) == 1


def test_data_of_a_newer_version_is_refused_untouched(data_dir):
    from tests.conftest import ADMIN as USER
    from tests.conftest import PASSWORD as PW

    store = Store.open(data_dir, USER, PW)
    key = store.data_key
    with store.session(write=True) as s:
        s.connection().exec_driver_sql("UPDATE alembic_version SET version_num = '0099'")
    store.close()
    before = _sha(paths.db_path(data_dir))
    with pytest.raises(DataError) as err:
        Store.open(data_dir, USER, PW)
    text = str(err.value)
    assert "较新版本" in text and "0099" in text and "升级到新版本" in text
    assert _sha(paths.db_path(data_dir)) == before
    assert not list((data_dir / paths.BACKUP_DIR).glob("pre-upgrade-*"))
    assert migrate.current_at(paths.db_path(data_dir), key) == "0099"


BROKEN = '''"""a migration that fails half-way, after part of its work was committed

Revision ID: {rev}
Revises: {down}
"""
from alembic import op

revision = "{rev}"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    conn.exec_driver_sql("UPDATE resident SET name = 'damaged'")
    conn.exec_driver_sql("DELETE FROM record")
    # Committed on purpose (as a migration that must run outside a transaction would): the
    # rollback that follows the error below cannot undo it; only the backup can.
    conn.exec_driver_sql("COMMIT")
    conn.exec_driver_sql("BEGIN")
    raise RuntimeError("this migration is broken")


def downgrade() -> None:
    pass
'''


def test_a_failing_migration_puts_the_backup_back(tmp_path, monkeypatch, data_dir):
    from tests.conftest import ADMIN as USER
    from tests.conftest import PASSWORD as PW

    store = Store.open(data_dir, USER, PW)
    people = [residents.add(store, {"name": name, "sex": "1", "birth_date": "1960-05-0" + str(i + 1),
                                    "village": "101"})["uuid"] for i, name in enumerate(["张三", "李四", "王五"])]  # fmt: skip
    with store.cursor() as cur:
        cur.execute("SELECT uuid, name FROM resident ORDER BY uuid")
        names = cur.fetchall()
    head_before = store.check_anchors()
    store.close()
    assert head_before == []

    older = _older_pre_upgrade_backups(data_dir)
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    nxt = f"{int(migrate.HEAD) + 1:04d}"
    (scripts / "versions" / f"{nxt}_broken.py").write_text(BROKEN.format(rev=nxt, down=migrate.HEAD))
    old_head, real = migrate.HEAD, migrate.MIGRATIONS
    monkeypatch.setattr(migrate, "MIGRATIONS", scripts)
    monkeypatch.setattr(migrate, "HEAD", nxt)

    with pytest.raises(UpgradeFailed) as err:
        Store.open(data_dir, USER, PW)
    text = str(err.value)
    assert "已自动恢复为升级前的数据" in text and "没有丢失" in text
    assert f"{old_head} → {nxt}" in text and "原来版本" in text

    [made] = list((data_dir / paths.BACKUP_DIR).glob(f"pre-upgrade-{old_head}-to-{nxt}-*"))
    assert str(made) in text
    [aside] = list(data_dir.glob("upgrade-failed-*"))
    assert (aside / paths.DB_NAME).exists() and aside.name in text
    assert all(p.exists() for p in older)  # a failed upgrade rotates nothing out

    # The program of before opens the data as it was: every name, every resident, the chain.
    monkeypatch.setattr(migrate, "MIGRATIONS", real)
    monkeypatch.setattr(migrate, "HEAD", old_head)
    store = Store.open(data_dir, USER, PW)
    try:
        with store.cursor() as cur:
            cur.execute("SELECT uuid, name FROM resident ORDER BY uuid")
            assert cur.fetchall() == names
        assert {r["uuid"] for r in residents.find(store, "")} >= set(people)
        with store.session() as s:
            assert audit.verify_chain(s) == []
        assert store.check_anchors() == []
    finally:
        store.close()


GOOD = '''"""a migration that works

Revision ID: {rev}
Revises: {down}
"""
from alembic import op

revision = "{rev}"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.get_bind().exec_driver_sql("CREATE TABLE upgrade_probe (x INTEGER)")


def downgrade() -> None:
    op.get_bind().exec_driver_sql("DROP TABLE upgrade_probe")
'''


def _older_pre_upgrade_backups(data_dir: Path) -> list[Path]:
    """Three pre-upgrade backups of earlier upgrades (oldest first; only their names matter to
    the rotation), beside a daily automatic backup and one the user made."""
    folder = data_dir / paths.BACKUP_DIR
    folder.mkdir(exist_ok=True)
    names = ["pre-upgrade-0003-to-0005-20250110-090000.cunyibak",
             "pre-upgrade-0005-to-0008-20250701-090000.cunyibak",
             "pre-upgrade-0008-to-0009-20260102-090000.cunyibak",
             "auto-20240101-120000.cunyibak", "before-moving-laptops.cunyibak"]  # fmt: skip
    for name in names:
        (folder / name).write_bytes(b"a backup")
    return [folder / n for n in names]


def test_only_the_newest_pre_upgrade_backups_are_kept(tmp_path, monkeypatch, data_dir):
    from app import upgrade
    from tests.conftest import ADMIN as USER
    from tests.conftest import PASSWORD as PW

    oldest, second, third, auto, mine = _older_pre_upgrade_backups(data_dir)
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    nxt = f"{int(migrate.HEAD) + 1:04d}"
    (scripts / "versions" / f"{nxt}_probe.py").write_text(GOOD.format(rev=nxt, down=migrate.HEAD))
    monkeypatch.setattr(migrate, "MIGRATIONS", scripts)
    monkeypatch.setattr(migrate, "HEAD", nxt)

    store = Store.open(data_dir, USER, PW)
    try:
        [entry] = [e for e in audit.entries(store) if e["action"] == "upgrade"]
    finally:
        store.close()
    folder = data_dir / paths.BACKUP_DIR
    kept = upgrade.pre_upgrade_backups(folder)
    assert upgrade.KEEP_PRE_UPGRADE == 3 and len(kept) == 3
    assert kept[0].name.startswith(f"pre-upgrade-{entry['detail']['from']}-to-{nxt}-")
    assert kept[1:] == [third, second]
    assert not oldest.exists()
    assert auto.exists() and mine.exists()  # not pre-upgrade backups: never rotated here
    assert entry["detail"]["removed_backups"] == [oldest.name]
    assert entry["detail"]["backup"] == kept[0].name


def test_pre_upgrade_backups_are_ordered_by_their_time_not_their_revisions(tmp_path):
    from app import upgrade

    names = ["pre-upgrade-0010-to-0011-20240105-080000.cunyibak",  # an older program reinstalled
             "pre-upgrade-0009-to-0010-20250105-080000.cunyibak",
             "pre-upgrade-0009-to-0011-20260105-080000.cunyibak",
             "pre-upgrade-0008-to-0009-20260105-080001.cunyibak",
             "pre-upgrade-0009-to-0010-20250105-080000.cunyibak.part", "notes.txt"]  # fmt: skip
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    removed = upgrade.rotate_pre_upgrade_backups(tmp_path, keep=2)
    assert [p.name for p in removed] == [names[1], names[0]]
    assert [p.name for p in upgrade.pre_upgrade_backups(tmp_path)] == [names[3], names[2]]
    assert (tmp_path / names[4]).exists() and (tmp_path / names[5]).exists()
