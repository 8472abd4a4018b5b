"""Every cell of the roles matrix (app/roles.py), done as that role through the real services
and commands: what the matrix allows goes through, what it does not is refused naming the right
needed, and a refused action changes nothing. Issue 12."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app import roles
from app.errors import AuthError
from app.services import (
    backup,
    export,
    importer,
    lifecycle,
    printing,
    records,
    residents,
    settings,
    users,
)
from app.store import Store
from forms.examples import example
from tests.conftest import ADMIN, AREA, PASSWORD, Cli

PEOPLE = {"admin": (ADMIN, PASSWORD), "doctor": ("zhangys", "doctor-pw-88"),
          "nurse": ("wanghs", "nurse-pw-88")}  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A clinic with one user of each role, two residents (a duplicate pair) and a backup."""
    root = tmp_path_factory.mktemp("roles")
    data = root / "data"
    store, _ = Store.create(data, area=AREA, institution_name="测试村卫生室", user=ADMIN,
                            password=PASSWORD)  # fmt: skip
    for role in ("doctor", "nurse"):
        users.add(store, PEOPLE[role][0], role, PEOPLE[role][1])
    one = residents.add(store, {"name": "李秀英", "sex": "2", "birth_date": "1949-12-31"})
    two = residents.add(store, {"name": "李秀英", "sex": "2", "birth_date": "1949-12-31"},
                        allow_similar=True)  # fmt: skip
    smi = records.add(store, one["uuid"], "smi_supplement", example("smi_supplement"), confirmed=True)
    backup.write_backup(store, root / "b.cunyibak")
    store.close()
    (root / "in.csv").write_text("姓名,性别,出生日期\n单田芳,男,1950-01-02\n", "utf-8")
    return {"root": root, "data": data, "one": one["uuid"], "two": two["uuid"], "smi": smi["uuid"]}


def _enroll(store: Store, ctx: dict[str, Any]) -> None:
    from sync.client import enroll

    enroll(store, "http://127.0.0.1:9", "ABCD-EFGH-JKLM-NPQR")  # nothing listens: not a refusal


def _cli(*args: str) -> Callable[[Store, dict[str, Any]], None]:
    def run(store: Store, ctx: dict[str, Any]) -> None:
        user, password = next(p for p in PEOPLE.values() if p[0] == store.user.name)
        store.close()  # the command logs in itself
        r = Cli(ctx["data"])(*[a.format(**ctx) for a in args],
                             env={"CUNYI_USER": user, "CUNYI_PASSWORD": password})  # fmt: skip
        if r.returncode == 4:
            raise AuthError(r.stderr)
        assert r.returncode == 0, r.stderr

    return run


ACTIONS: dict[str, Callable[[Store, dict[str, Any]], Any]] = {
    "manage_users": lambda st, c: users.add(st, "zhaohs", "nurse", "zhao-pw-8842"),
    "settings": lambda st, c: settings.put(st, {"idle_lock_minutes": 5}),
    "enroll": _enroll,
    "restore": lambda st, c: backup.restore(c["data"], c["root"] / "b.cunyibak",
                                            st.user.name, c["password"]),
    "audit_log": _cli("audit"),
    "merge": lambda st, c: lifecycle.merge(st, c["one"], c["two"]),
    "export": lambda st, c: export.export(st, c["tmp"] / "out.csv", "csv"),
    "import": lambda st, c: importer.import_file(st, c["root"] / "in.csv"),
    "print_full_id": lambda st, c: printing.print_form(st, "health_exam", [c["one"]], io.BytesIO(),
                                                       mask_id=False),
    "print_village": lambda st, c: printing.print_cards(st, None, io.BytesIO(), village=AREA[-3:]),
    "change_status": lambda st, c: lifecycle.set_status(st, c["one"], "lost", reason="多次联系不上"),
    "backup": _cli("backup", "-o", "{tmp}/by-hand.cunyibak"),
    "sensitive_programmes": lambda st, c: records.get(st, c["smi"]),
}


def test_the_matrix_names_every_action_and_only_known_roles() -> None:
    assert set(ACTIONS) == set(roles.MATRIX)
    assert all(r <= {"admin", "doctor", "nurse"} and "admin" in r for r in roles.MATRIX.values())


@pytest.mark.parametrize("role", ["admin", "doctor", "nurse"])
@pytest.mark.parametrize("action", sorted(roles.MATRIX))
def test_each_cell(template: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                   action: str, role: str) -> None:  # fmt: skip
    monkeypatch.setenv("CUNYI_SYNC_BACKOFF", "0")
    data = tmp_path / "data"
    shutil.copytree(template["data"], data)
    ctx = {**template, "data": data, "tmp": tmp_path, "password": PEOPLE[role][1]}
    store = Store.open(data, *PEOPLE[role])
    try:
        if roles.allowed(role, action):
            try:
                ACTIONS[action](store, ctx)
            except AuthError as e:  # pragma: no cover - the failure message
                pytest.fail(f"{role} refused {action}: {e}")
            except Exception as e:  # noqa: BLE001 - allowed, then failed for another reason
                assert action == "enroll", e  # the enrolment reached the (absent) server
        else:
            with pytest.raises(AuthError, match="权限"):
                ACTIONS[action](store, ctx)
    finally:
        store.close()
    if not roles.allowed(role, action):
        _unchanged(data, template)


def _unchanged(data: Path, template: dict[str, Any]) -> None:
    store = Store.open(data, ADMIN, PASSWORD)
    try:
        people = residents.find(store, "", status=None)
        assert len(people) == 2 and all(p["status"] == "active" for p in people)
        assert len(users.list_users(store)) == 3
        assert settings.get_all(store)["idle_lock_minutes"] != 5
    finally:
        store.close()
    assert not list(data.glob("replaced-*"))


def test_a_nurse_prints_masked_ids_and_blank_sheets(template: dict[str, Any], tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(template["data"], data)
    store = Store.open(data, *PEOPLE["nurse"])
    try:
        assert printing.print_form(store, "health_exam", [template["one"]], io.BytesIO(), mask_id=True)
        assert printing.print_cards(store, [template["one"]], io.BytesIO())
        assert printing.print_blanks(store, [("htn_followup", template["one"])], io.BytesIO())
    finally:
        store.close()
