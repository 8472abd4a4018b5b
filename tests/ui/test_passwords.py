"""Passwords in the window: an administrator resets a colleague's, a user sets a new one with the
recovery code from the login screen, a user changes their own; every new password is typed
twice and every refusal names the box in Chinese. Real encrypted installations; afterwards the
new password opens the client and the old one does not."""

from __future__ import annotations

import pytest

from tests.ui.conftest import ADMIN, AREA, DOCTOR
from tests.ui.helpers import click, log_in, screenshot, start_logged_in
from tests.ui.words import assert_plain
from ui.qt import QDialogButtonBox, QPushButton
from ui.shell import Shell

NEW = "new-pass-7"


def ok_button(dialog):
    return dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)


def refused(qtbot, dialog, *words: str) -> str:
    """Press OK and wait for a refusal that names the box; it must be all Chinese."""
    before = dialog.message.text()
    click(qtbot, ok_button(dialog))
    qtbot.waitUntil(lambda: dialog.message.text() not in (before, "正在设置……"), timeout=10000)
    text = dialog.message.text()
    assert all(w in text for w in words), text
    assert_plain(text)
    return text


def type_into(qtbot, edit, text: str) -> None:
    edit.clear()
    qtbot.keyClicks(edit, text)


def logs_in(qtbot, shell, panel, user: str, password: str) -> bool:
    """Try a password on a login or lock panel like a person; True when it opened."""
    log_in(qtbot, panel, user, password)
    qtbot.waitUntil(lambda: not panel._busy, timeout=15000)
    qtbot.wait(50)
    return panel.message.text() == "" and panel.password.text() == ""


def test_admin_resets_a_forgotten_password(qtbot, guard, installation):
    data_dir, _ = installation
    shell, main = start_logged_in(qtbot, data_dir, *ADMIN)
    try:
        main.actions_by_name["users"].trigger()
        users = main.dialogs["users"]
        qtbot.waitUntil(lambda: users.table.rowCount() == 2, timeout=5000)
        click(qtbot, users.findChild(QPushButton, "resetPassword"))
        assert "请先在表中选中" in users.message.text()  # nobody chosen yet
        row = next(r for r in range(users.table.rowCount()) if users.table.item(r, 0).text() == "doc")
        users.table.selectRow(row)
        click(qtbot, users.findChild(QPushButton, "resetPassword"))
        dialog = users.reset_dialog
        assert dialog is not None and dialog.isVisible()
        assert "张医生" in dialog.findChild(type(users.message)).text()
        refused(qtbot, dialog, "新密码", "请填写")
        type_into(qtbot, dialog.fields.first, "abc")
        refused(qtbot, dialog, "新密码", "至少8个字符")
        type_into(qtbot, dialog.fields.first, NEW)
        type_into(qtbot, dialog.fields.repeat, NEW + "x")
        refused(qtbot, dialog, "再输一次", "不一样")
        screenshot(dialog, "12-reset-password-refused")
        type_into(qtbot, dialog.fields.repeat, NEW)
        click(qtbot, ok_button(dialog))
        qtbot.waitUntil(lambda: "已为 张医生 重设密码" in users.message.text(), timeout=10000)
        assert not dialog.isVisible()
        screenshot(users, "13-users-after-reset")
        users.close()
        # the doctor comes to the machine: the old password no longer opens it, the new one does
        main.lock()
        panel = main.lock_panel
        assert not logs_in(qtbot, shell, panel, DOCTOR[0], DOCTOR[1])
        assert "密码错误" in panel.message.text()
        assert logs_in(qtbot, shell, panel, DOCTOR[0], NEW)
        qtbot.waitUntil(lambda: not main.is_locked() and main.user.name == "doc", timeout=10000)
    finally:
        shell.shutdown()


def test_a_doctor_cannot_reset_anyone(qtbot, guard, installation):
    from app.errors import AuthError, CunyiError
    from app.services import users
    from ui import tasks

    data_dir, _ = installation
    shell, _main = start_logged_in(qtbot, data_dir, *DOCTOR)
    try:
        with pytest.raises(CunyiError) as e:
            tasks.worker().run_sync(lambda s: users.reset_password(s, "admin", NEW))
        assert "管理员" in str(e.value)
        with pytest.raises(AuthError):  # nothing changed: the admin's password is the same
            from app.store import Store

            Store.open(data_dir, "admin", NEW)
    finally:
        shell.shutdown()


@pytest.fixture
def clinic_with_code(tmp_path):
    """A fresh installation and the recovery code it showed once at set-up."""
    from app.services import users
    from app.store import Store

    data_dir = tmp_path / "clinic"
    store, code = Store.create(data_dir, area=AREA, institution_name="李家村卫生室", user=ADMIN[0],
                               password=ADMIN[1], display_name="李管理")  # fmt: skip
    users.add(store, DOCTOR[0], "doctor", DOCTOR[1], display_name="张医生")
    store.close()
    return data_dir, code


def test_forgotten_password_set_again_with_the_recovery_code(qtbot, guard, clinic_with_code):
    data_dir, code = clinic_with_code
    shell = Shell(data_dir)
    window = shell.start()
    qtbot.addWidget(window)
    try:
        window.user.setCurrentText("doc")
        click(qtbot, window.forgot)
        dialog = window.recovery
        assert dialog is not None and dialog.isVisible()
        assert dialog.user.currentText() == "doc"
        refused(qtbot, dialog, "恢复代码", "请填写")
        type_into(qtbot, dialog.code, "ABCD-EFGH-JKLM-NPQR")
        refused(qtbot, dialog, "新密码", "请填写")
        type_into(qtbot, dialog.fields.first, NEW)
        type_into(qtbot, dialog.fields.repeat, NEW[:-1])
        refused(qtbot, dialog, "再输一次", "不一样")
        type_into(qtbot, dialog.fields.repeat, NEW)
        refused(qtbot, dialog, "恢复代码", "不正确")  # a wrong code: nothing changes
        dialog.resize(520, 300)
        screenshot(dialog, "06-recovery-wrong-code")
        type_into(qtbot, dialog.code, code)
        click(qtbot, ok_button(dialog))
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=15000)
        assert "新密码已生效" in window.message.text()
        screenshot(window, "07-login-after-recovery")
        assert not logs_in(qtbot, shell, window, *DOCTOR)  # the old password is gone
        assert "密码错误" in window.message.text()
        log_in(qtbot, window, DOCTOR[0], NEW)  # (the login window closes once it opens)
        qtbot.waitUntil(lambda: shell.main is not None, timeout=15000)
        qtbot.addWidget(shell.main)
        assert shell.main.user.name == "doc"
        # the audit log says it in words: the wrong code, then the reset, by whom
        from app.services import readable
        from ui import tasks

        rows = tasks.worker().run_sync(lambda s: readable.audit_rows(s))
        for row in rows:
            assert_plain(list(row.values()))
        said = {(r["user"], r["action"], r["detail"]) for r in rows}
        assert ("（恢复代码）", "登录失败", "原因：恢复代码不正确") in said
        assert ("张医生", "用恢复代码重设密码", "用户：张医生") in said
    finally:
        shell.shutdown()


def test_recovery_is_not_offered_on_the_lock_screen(qtbot, guard, installation):
    data_dir, _ = installation
    shell, main = start_logged_in(qtbot, data_dir, *DOCTOR)
    try:
        main.show()
        main.lock()
        assert not main.lock_panel.forgot.isVisible()
    finally:
        shell.shutdown()


def test_own_password_typed_twice(qtbot, guard, installation):
    data_dir, _ = installation
    shell, main = start_logged_in(qtbot, data_dir, *DOCTOR)
    try:
        main.actions_by_name["password"].trigger()
        dialog = main.dialogs["password"]
        refused(qtbot, dialog, "原密码", "请填写")
        type_into(qtbot, dialog.old, "not-mine-1")
        type_into(qtbot, dialog.new, NEW)
        type_into(qtbot, dialog.repeat, NEW + "!")
        refused(qtbot, dialog, "再输一次", "不一样")
        type_into(qtbot, dialog.repeat, NEW)
        refused(qtbot, dialog, "原密码错误")
        screenshot(dialog, "14-own-password-refused")
        type_into(qtbot, dialog.old, DOCTOR[1])
        click(qtbot, ok_button(dialog))
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10000)
        main.lock()
        assert not logs_in(qtbot, shell, main.lock_panel, *DOCTOR)
        assert logs_in(qtbot, shell, main.lock_panel, DOCTOR[0], NEW)
    finally:
        shell.shutdown()
