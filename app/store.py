"""An opened installation: the data directory, its key file and the encrypted database.

`Store.create` sets one up; `Store.open` logs a user in by unwrapping the data key with their
password. All database work goes through `store.session()`.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, event, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app import paths
from app.authstate import UNKNOWN, AuthState, subject_for
from app.clock import now_iso
from app.crypto.keyfile import (
    RECOVERY,
    KeyFile,
    NoSuchSlot,
    SlotDisabled,
    SlotStale,
    WrongSecret,
    new_recovery_code,
)
from app.db import audit_chain as audit
from app.db import migrate
from app.db.engine import make_engine, probe, write_transaction
from app.db.models import Institution, Setting, User
from app.errors import AuthError, CunyiError, DataError, InvalidInput, storage_full
from app.hardening import secure_tree
from app.services import anchors
from app.staging import clean_stale_stages
from forms.idnumber import known_region

# The transaction of the Store.unit() running in this thread (or task), joined by session().
_unit: ContextVar[tuple[Store, Session] | None] = ContextVar("cunyi_unit", default=None)
USER_NAME = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{1,32}$")
MIN_PASSWORD = 8


@dataclass(frozen=True)
class CurrentUser:
    uuid: str
    name: str
    display_name: str
    role: str


@dataclass(frozen=True)
class InstitutionInfo:
    area: str
    name: str
    installation_id: str

    @property
    def village(self) -> str:
        return self.area[9:12]

    @property
    def is_township(self) -> bool:
        return self.village == "000"


def valid_user_name(name: str) -> bool:
    return isinstance(name, str) and USER_NAME.fullmatch(name) is not None


def check_user_name(name: str) -> None:
    if not valid_user_name(name):
        raise InvalidInput.field("user", "用户名", "须为1–32个字母、数字、汉字或 _ . -，不能有空格")


def check_password(password: str, key: str = "password", user: str | None = None) -> None:
    """At least MIN_PASSWORD characters and not one an attacker tries first (the commonest
    passwords, one character repeated, a run of the keyboard's digits, the user's own name)."""
    label = "新密码" if key == "new_password" else "密码"
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput.field(key, label, f"至少{MIN_PASSWORD}个字符")
    lowered = password.lower()
    if (lowered in _common_passwords() or len(set(password)) <= 2
            or lowered in "01234567890" or lowered in "09876543210"
            or (user and len(user) >= 3 and user.lower() in lowered)):  # fmt: skip
        raise InvalidInput.field(key, label, "太容易被猜到（如 12345678、88888888、用户名），请换一个")


@cache
def _common_passwords() -> frozenset[str]:
    text = (Path(__file__).parent / "crypto" / "common-passwords.txt").read_text("utf-8")
    return frozenset(w.strip().lower() for w in text.splitlines() if w.strip() and w[0] != "#")


def check_area(area: str) -> None:
    if not re.fullmatch(r"\d{12}", area or ""):
        raise InvalidInput.field("area", "机构区划代码", "须为12位数字（县6位+乡镇3位+村3位）")
    if not known_region(area[:6]):
        raise InvalidInput.field("area", "机构区划代码", f"前6位{area[:6]}不是有效的县级行政区划代码")
    if not 1 <= int(area[6:9]) <= 599:
        raise InvalidInput.field("area", "机构区划代码", "第7–9位（乡镇）须在001–599之间")


class Store:
    def __init__(
        self, data_dir: Path, keyfile: KeyFile, engine: Engine, user: CurrentUser, data_key: bytes
    ) -> None:
        self.data_dir = data_dir
        self.data_key = data_key  # kept while logged in: adding a user wraps it again
        self.keyfile = keyfile
        self.engine = engine
        self.user = user
        self.query_hook: Callable[[], None] | None = None
        self.anchor_problems: list[str] = []  # found at login (Store.open), shown to the user
        self.rotation: dict[str, Any] | None = None  # a key change this login finished, if any
        # Audit entries of reading that a full disk kept from being written (Store.session).
        self.held_audit: list[dict[str, Any]] = []
        self.full_disk = False  # opened read-mostly on a disk too full for the -shm file
        self._watch(engine)
        with self.session() as s:
            inst = s.execute(select(Institution)).scalar_one()
            self.institution = InstitutionInfo(inst.area, inst.name, inst.installation_id)

    def _watch(self, engine: Engine) -> None:
        @event.listens_for(engine, "before_cursor_execute")
        def _before_statement(*_args) -> None:  # type: ignore[no-untyped-def]
            # The desktop client installs a hook here to prove no SQL runs on the GUI thread.
            if self.query_hook is not None:
                self.query_hook()

    def use_key(self, data_key: bytes, keyfile: KeyFile) -> None:
        """Go on under a new data key (app/services/rotation.py has rekeyed the database)."""
        self.engine.dispose()
        self.engine = make_engine(paths.db_path(self.data_dir), data_key)
        self._watch(self.engine)
        self.data_key, self.keyfile = data_key, keyfile

    # --- opening

    @staticmethod
    def exists(data_dir: Path) -> bool:
        return paths.keys_path(data_dir).exists() or paths.db_path(data_dir).exists()

    @classmethod
    def create(
        cls,
        data_dir: Path,
        *,
        area: str,
        institution_name: str,
        user: str,
        password: str,
        display_name: str | None = None,
        public_login: bool = False,
    ) -> tuple[Store, str]:
        """Set up a new installation; returns the store and the recovery code (shown once).
        `public_login`: the demo clinic, whose made-up data opens with a password printed in
        the README, so the password policy does not apply to it."""
        check_area(area)
        if not (institution_name or "").strip():
            raise InvalidInput.field("institution_name", "机构名称", "不能为空")
        check_user_name(user)
        if not public_login:
            check_password(password, user=user)
        data_dir = Path(data_dir)
        if cls.exists(data_dir):
            raise DataError(f"数据目录 {data_dir} 中已有村医数据，不能重复初始化")
        data_dir.mkdir(parents=True, exist_ok=True)
        keyfile, data_key = KeyFile.new()
        keyfile.set_slot(user, password, data_key)
        recovery = new_recovery_code()
        keyfile.set_slot(RECOVERY, recovery, data_key)
        db = paths.db_path(data_dir)
        try:
            migrate.upgrade_file(db, data_key)
            engine = make_engine(db, data_key)
            token = write_transaction.set(True)
            try:
                with Session(engine) as s, s.begin():
                    s.add(
                        Institution(
                            id=1,
                            area=area,
                            name=institution_name.strip(),
                            installation_id=keyfile.installation_id,
                            created_at=now_iso(),
                        )
                    )
                    s.add(
                        User(
                            uuid=str(uuid.uuid4()),
                            name=user,
                            display_name=display_name or user,
                            role="admin",
                            state="active",
                            created_at=now_iso(),
                        )
                    )
                    audit.append(s, user, "init", detail={"area": area})
            finally:
                write_transaction.reset(token)
            # The key file goes last: a crash before this leaves no half-made installation
            # that looks usable.
            keyfile.save(paths.keys_path(data_dir))
        except BaseException:
            for leftover in data_dir.glob(paths.DB_NAME + "*"):
                leftover.unlink(missing_ok=True)
            raise
        return cls.open_with_key(data_dir, keyfile, data_key, user), recovery

    @classmethod
    def open(cls, data_dir: Path, user: str, password: str) -> Store:
        data_dir = Path(data_dir)
        keyfile = load_keyfile(data_dir)
        state = AuthState(data_dir)
        subject = subject_for(user or "", valid_user_name, keyfile.slots)
        if subject == RECOVERY:
            subject = UNKNOWN  # the recovery slot is not a login
        wait = state.wait_seconds(subject)
        if wait:
            # Counted and audited too: attempts from parallel processes must not slip through
            # uncounted while one of them is waiting.
            wait = state.record_failure(subject, "throttled", now_iso())
            raise AuthError(f"登录失败次数过多，请在{wait}秒后再试")
        try:
            if subject == UNKNOWN:
                raise NoSuchSlot(user)
            data_key = keyfile.unwrap(subject, password or "")
        except SlotDisabled:
            state.record_failure(subject, "disabled", now_iso())
            raise AuthError(f"用户“{subject}”已停用，请联系管理员") from None
        except SlotStale:
            state.record_failure(subject, "stale", now_iso())
            raise AuthError(f"数据密钥已更换，用户“{subject}”的密码需由管理员重设后才能登录") from None
        except (WrongSecret, NoSuchSlot):
            reason = "unknown_user" if subject == UNKNOWN else "wrong_password"
            state.record_failure(subject, reason, now_iso())
            raise AuthError("用户名或密码错误") from None
        from app.services import rotation

        keyfile, data_key = rotation.settle(data_dir, keyfile, subject, password or "", data_key)
        store = cls.open_with_key(data_dir, keyfile, data_key, subject)
        store.anchor_problems = store.check_anchors()  # before this login adds to the chain
        with store.unless_full():  # on a full disk: done at a later login
            if keyfile.weaker_than_now(subject):
                # Also gives a slot made before key pairs its pair, so it survives a key change.
                keyfile.set_slot(subject, password, data_key)
                keyfile.save()
        with store.unless_full():
            state.clear(subject)
        store.audit_pending_failures(state, "login")
        store.finish_owed_rotation()
        return store

    @contextmanager
    def unless_full(self) -> Iterator[None]:
        """Login bookkeeping in the key file that a full disk puts off to a later login (the
        login itself, and reading, must still work)."""
        try:
            yield
        except OSError as e:
            if storage_full(e, self.data_dir) is None:
                raise

    def finish_owed_rotation(self) -> None:
        """A key change noted as owed (the process that disabled a user was stopped before it
        was done, or the database was busy) is done by the next login, whoever it is."""
        from app import roles
        from app.services import rotation

        if not load_keyfile(self.data_dir).rotation_owed:
            return
        try:
            self.rotation = rotation.rotate(self, new_recovery=roles.allowed(self.user.role, "manage_users"))
        except (DataError, OSError) as e:
            # The login itself stands (the data opens as before); the change is tried again at
            # the next login, and the user is told.
            full = storage_full(e, self.data_dir) if isinstance(e, OSError) else None
            if isinstance(e, OSError) and not full:
                raise
            self.rotation = {"error": full or str(e)}

    def check_anchors(self) -> list[str]:
        """The audit chain against what was recorded of it outside the database (the head
        file, the backups' manifests): empty when it extends all of them."""
        folders = [self.data_dir / paths.BACKUP_DIR]  # backup.default_folder
        with self.session() as s:
            # The setting read directly (app.services.settings sits above the store).
            other = s.get(Setting, "backup_dir")
            if other is not None and json.loads(other.value):
                folders.append(Path(json.loads(other.value)))
            return anchors.problems(s.connection(), self.data_dir, folders)

    def audit_pending_failures(self, state: AuthState, action: str) -> None:
        """Moves the failed attempts noted in the key file into the audit chain, followed by
        this `action` (login, recover) of the current user."""
        pending: list[Any] = []
        dropped = 0
        with self.unless_full():  # left queued in the key file for a later login
            pending, dropped = state.take_pending()
        try:
            with self.session(write=True) as s:
                for failed in pending:
                    detail: dict[str, Any] = {"reason": failed["reason"]}
                    audit.append(s, failed["user"], "login_failed", detail=detail, at=failed["at"])
                if dropped:
                    audit.append(s, "", "login_failed", detail={"reason": "dropped", "count": dropped})
                if action == "login":
                    found = len(self.anchor_problems)
                    audit.append(s, self.user.name, "login",
                                 detail={"anchor_problems": found} if found else None)  # fmt: skip
        except BaseException:
            state.give_back(pending, dropped)
            raise

    @classmethod
    def open_with_key(cls, data_dir: Path, keyfile: KeyFile, data_key: bytes, user: str) -> Store:
        db = paths.db_path(data_dir)
        if not db.exists():
            raise DataError(f"找不到数据库文件 {db}")
        secure_tree(data_dir)
        clean_stale_stages(data_dir)  # a killed restore's unpacked copy does not stay behind
        full = False
        try:
            probe(db, data_key)
        except sqlcipher3.DatabaseError as e:
            # A full disk fails the open too (the -shm file cannot be made): that must not read as
            # damage, or someone restores a backup over good data. Reading still works with the
            # WAL index in this process's memory (make_engine's exclusive mode).
            full_message = storage_full(e, data_dir)
            try:
                if not full_message:
                    raise
                probe(db, data_key, exclusive=True)
                full = True
            except sqlcipher3.DatabaseError:
                raise DataError(full_message or
                                "数据库文件已损坏，或不属于此安装的密钥文件；可用“恢复备份”还原") from None
        upgraded = None
        if full:  # no room for the upgrade's backup: reading only, and only data of this version
            revision = migrate.current_at(db, data_key, exclusive=True)
            if revision != migrate.head():
                if migrate.is_newer(revision):
                    raise DataError("这些数据由较新版本的村医保存，请先把本机的村医升级到新版本再打开")
                raise DataError(str(storage_full(OSError(28, "No space left"), data_dir)))
        else:
            from app.upgrade import upgrade_if_needed

            # A new version's first start on this data: backed up, then migrated (app/upgrade.py).
            upgraded = upgrade_if_needed(data_dir, keyfile.installation_id, data_key)
        engine = make_engine(db, data_key, exclusive=full)
        with Session(engine) as s:
            row = s.execute(select(User).where(User.name == user)).scalar_one_or_none()
        if row is None:
            raise AuthError("用户名或密码错误")
        if row.state != "active":
            raise AuthError(f"用户“{user}”已停用，请联系管理员")
        current = CurrentUser(row.uuid, row.name, row.display_name, row.role)
        store = cls(data_dir, keyfile, engine, current, data_key)
        store.full_disk = full
        if upgraded and upgraded["from"]:
            from app.version import __version__

            with store.session(write=True) as s:
                audit.append(s, user, "upgrade", detail={
                    "from": upgraded["from"], "to": upgraded["to"], "program": __version__,
                    "backup": Path(upgraded["backup"]).name,
                    "removed_backups": upgraded.get("removed", [])})  # fmt: skip
        return store

    def close(self) -> None:
        if self.held_audit:
            with suppress(CunyiError, DBAPIError, sqlcipher3.DatabaseError, OSError), \
                    self.session(write=True):
                pass  # writes what is held, if there is room now
        if self.held_audit:  # the CLI also prints them (app/cli/common.py); no personal data
            logging.getLogger("cunyi.audit").warning(
                "disk full: %d audit entries not written: %s", len(self.held_audit),
                ", ".join(f"{e['at']} {e['action']}" for e in self.held_audit))  # fmt: skip
        self.engine.dispose()

    # --- sessions

    @contextmanager
    def session(self, write: bool = False) -> Iterator[Session]:
        """A unit of work: commits when the block ends, rolls back on error. `write=True` takes
        the database's write lock at the start (BEGIN IMMEDIATE). Inside `unit()` it is that
        unit's transaction, committed or rolled back with it."""
        joined = _unit.get()
        if joined is not None and joined[0] is self:
            yield joined[1]
            return
        if self.query_hook is not None:
            self.query_hook()
        token = write_transaction.set(write)
        held = list(self.held_audit) if write else []
        info: dict[str, Any] = {}
        block_done = False
        try:
            with Session(self.engine, expire_on_commit=False) as s:
                info = s.info
                with s.begin():
                    for entry in held:  # kept back by a full disk: first in the next write
                        audit.append(s, **{**entry, "detail": {**(entry["detail"] or {}), "held": True}})
                    yield s
                    block_done = True
                head, base = s.info.get("audit_head"), s.info.get("audit_base")
        except (DBAPIError, sqlcipher3.DatabaseError) as e:
            # Only a failed commit: an error inside the caller's block is the caller's to see.
            if block_done and self._hold_reads(e, info.get("audit_rows", [])[len(held):]):
                return  # the reading stands; its audit entries wait in memory (held_audit)
            self.refuse_if_key_replaced()
            raise
        finally:
            write_transaction.reset(token)
        del self.held_audit[: len(held)]
        if head is not None:
            anchors.advance(self.data_dir, head, base, self.engine.connect)

    @contextmanager
    def unit(self) -> Iterator[Session]:
        """One write transaction around several service calls, each of which opens its own
        session(): they all join this one, so either everything is stored or nothing (saving a
        form and discarding its draft: a crash between two transactions would leave both the
        record and the draft, and the draft would be saved a second time)."""
        with self.session(write=True) as s:
            token = _unit.set((self, s))
            try:
                yield s
            finally:
                _unit.reset(token)

    @contextmanager
    def cursor(self) -> Iterator[Any]:
        """A DBAPI cursor on a pooled connection, outside any ORM session, for the hot read path
        of search-as-you-type: a Session, its BEGIN/COMMIT and SQLAlchemy's result objects took
        more than half of a search's time (bench_store: p95 1.9 -> ~1 ms). Read only: each
        statement is its own snapshot; every write goes through session(write=True)."""
        if self.query_hook is not None:
            self.query_hook()
        conn = self.engine.raw_connection()
        try:
            cur = conn.cursor()
            try:
                yield cur
            finally:
                cur.close()
        except sqlcipher3.DatabaseError:
            self.refuse_if_key_replaced()
            raise
        finally:
            conn.close()  # back to the pool

    def _hold_reads(self, exc: BaseException, rows: list[dict[str, Any]]) -> bool:
        """A transaction that only audited reading (a login, a view, a print or an export to
        elsewhere) and could not commit for a full disk: its entries are held in memory,
        written first by the next write transaction that commits (or at close), and counted in
        `held_audit` for the user to be warned. The reading itself stands."""
        if not rows or storage_full(exc, self.data_dir) is None:
            return False
        if any(r["action"] not in audit.READ_ACTIONS for r in rows):
            return False
        self.held_audit.extend(rows)
        return True

    def refuse_if_key_replaced(self) -> None:
        """Another window or command replaced the data key since this login (a user disabled):
        said as such, not as damage."""
        try:
            replaced = load_keyfile(self.data_dir).holds(self.data_key) is False
        except DataError:
            return
        if replaced:
            raise DataError("数据密钥已在另一个窗口中更换（停用了用户或重设了密码），请退出后重新登录") from None



def login_wait_seconds(data_dir: Path, name: str) -> int:
    """How long a login as `name` must wait now (the login screen counts it down)."""
    try:
        slots = load_keyfile(Path(data_dir)).slots
    except DataError:
        return 0
    subject = subject_for(name or "", valid_user_name, slots)
    return AuthState(Path(data_dir)).wait_seconds(UNKNOWN if subject == RECOVERY else subject)


def load_keyfile(data_dir: Path) -> KeyFile:
    path = paths.keys_path(data_dir)
    if not path.exists():
        raise DataError(f"数据目录 {data_dir} 中没有村医数据（请先初始化或恢复备份）")
    try:
        return KeyFile.load(path)
    except (ValueError, KeyError, OSError):
        raise DataError("密钥文件 keys.json 已损坏，无法打开数据（可用恢复代码和备份还原）") from None

