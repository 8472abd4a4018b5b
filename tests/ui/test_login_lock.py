"""Login, wrong password and back-off, lock (manual and idle), switch user, admin-only screens."""

from __future__ import annotations

from tests.ui.conftest import ADMIN, DOCTOR
from tests.ui.helpers import click, log_in, screenshot, start_logged_in, type_text
from ui import errors
from ui.qt import QPushButton
from ui.shell import Shell


def test_wrong_password_then_login(qtbot, guard, installation):
    data_dir, _ = installation
    shell = Shell(data_dir)
    window = shell.start()
    qtbot.addWidget(window)
    window.resize(1366, 768)
    assert sorted(window.user.itemText(i) for i in range(window.user.count())) == ["admin", "doc"]
    screenshot(window, "01-login")
    log_in(qtbot, window, "doc", "wrong-password")
    qtbot.waitUntil(lambda: "密码错误" in window.message.text(), timeout=10000)
    assert shell.main is None
    screenshot(window, "02-login-wrong-password")
    log_in(qtbot, window, *DOCTOR)
    qtbot.waitUntil(lambda: shell.main is not None, timeout=10000)
    qtbot.addWidget(shell.main)
    assert "张医生" in shell.main.user_label.text()
    assert guard.on_worker > 0
    shell.shutdown()


def test_back_off_after_repeated_failures(qtbot, guard, installation):
    data_dir, _ = installation
    shell = Shell(data_dir)
    window = shell.start()
    qtbot.addWidget(window)
    for _ in range(4):
        qtbot.waitUntil(lambda: window.button.isEnabled() and not window._busy, timeout=10000)
        log_in(qtbot, window, "doc", "nope-nope")
        qtbot.waitUntil(lambda: not window._busy, timeout=10000)
    assert "请等待" in window.button.text()
    assert not window.button.isEnabled()
    # Enter does nothing while waiting: no attempt reaches the key file
    log_in(qtbot, window, *DOCTOR)
    qtbot.wait(100)
    assert shell.main is None
    shell.shutdown()


def test_lock_keeps_typed_work_and_switch_user(qtbot, guard, installation):
    data_dir, uuids = installation
    shell, main = start_logged_in(qtbot, data_dir, *DOCTOR)
    editor = main.open_register()
    type_text(qtbot, editor.editor.widgets["name"].edit, "李四")
    main.lock()
    assert main.is_locked()
    assert not main.actions_by_name["register"].isEnabled()
    screenshot(main, "03-locked")
    log_in(qtbot, main.lock_panel, "doc", "wrong-one")
    qtbot.waitUntil(lambda: "密码错误" in main.lock_panel.message.text(), timeout=10000)
    assert main.is_locked()
    log_in(qtbot, main.lock_panel, *DOCTOR)
    qtbot.waitUntil(lambda: not main.is_locked(), timeout=10000)
    assert editor.editor.widgets["name"].value() == "李四"  # same person: the tab is still there
    # another person takes over: the doctor's typing becomes a draft, the tab closes
    main.lock()
    log_in(qtbot, main.lock_panel, *ADMIN)
    qtbot.waitUntil(lambda: not main.is_locked() and main.user.name == "admin", timeout=10000)
    assert main.tabs.count() == 2
    assert main.actions_by_name["users"].isEnabled()
    main.lock()
    log_in(qtbot, main.lock_panel, *DOCTOR)
    qtbot.waitUntil(lambda: not main.is_locked() and main.user.name == "doc", timeout=10000)
    qtbot.waitUntil(lambda: "草稿" in main.statusBar().currentMessage(), timeout=5000)
    main.actions_by_name["drafts"].trigger()
    drafts = main.dialogs["drafts"]
    qtbot.waitUntil(lambda: drafts.table.rowCount() == 1, timeout=5000)
    assert drafts.table.item(0, 1).text() == "个人基本信息表"
    screenshot(drafts, "11-drafts")
    drafts.table.cellDoubleClicked.emit(0, 0)
    qtbot.waitUntil(lambda: main.tabs.currentWidget().objectName() == "register", timeout=5000)
    again = main.tabs.currentWidget()
    qtbot.waitUntil(lambda: again.editor.widgets["name"].value() == "李四", timeout=5000)
    assert "草稿" in again.banner.text()
    shell.shutdown()


def test_idle_timer_locks(qtbot, guard, installation):
    data_dir, _ = installation
    shell, main = start_logged_in(qtbot, data_dir, *DOCTOR)
    shell.idle.minutes = 1
    assert not shell.idle.check(now=shell.idle.last_input + 30)
    assert not main.is_locked()
    assert shell.idle.check(now=shell.idle.last_input + 61)
    assert main.is_locked()
    shell.shutdown()


def test_non_admin_cannot_open_user_management(qtbot, guard, installation):
    data_dir, _ = installation
    shell, main = start_logged_in(qtbot, data_dir, *DOCTOR)
    action = main.actions_by_name["users"]
    assert not action.isEnabled()
    before = len(errors.shown)
    assert main.open_users() is None  # even when reached another way (shortcut, script)
    assert errors.shown[-1] == "管理用户需要管理员权限" and len(errors.shown) == before + 1
    assert "users" not in main.dialogs
    shell.shutdown()


def test_admin_adds_a_user(qtbot, guard, installation):
    data_dir, _ = installation
    shell, main = start_logged_in(qtbot, data_dir, *ADMIN)
    main.actions_by_name["users"].trigger()
    dialog = main.dialogs["users"]
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=5000)
    qtbot.keyClicks(dialog.name, "nurse1")
    type_text(qtbot, dialog.display, "周护士")
    dialog.role.setCurrentIndex(dialog.role.findData("nurse"))
    qtbot.keyClicks(dialog.password, "123")
    click(qtbot, dialog.findChild(QPushButton, "addUser"))
    qtbot.waitUntil(lambda: "密码" in dialog.message.text(), timeout=10000)
    assert dialog.table.rowCount() == 2  # refused: nothing added
    assert "初始密码" in dialog.message.text()  # the refusal names the box
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, "12345678")
    click(qtbot, dialog.findChild(QPushButton, "addUser"))
    qtbot.waitUntil(lambda: "太容易被猜到" in dialog.message.text(), timeout=10000)
    assert dialog.table.rowCount() == 2  # the commonest password: refused
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, "zhou-hs-2026")
    qtbot.keyClicks(dialog.password_repeat, "zhou-hs-2027")
    click(qtbot, dialog.findChild(QPushButton, "addUser"))
    qtbot.waitUntil(lambda: "再输一次" in dialog.message.text(), timeout=10000)
    assert dialog.table.rowCount() == 2  # typed differently twice: nothing added
    dialog.password_repeat.clear()
    qtbot.keyClicks(dialog.password_repeat, "zhou-hs-2026")
    click(qtbot, dialog.findChild(QPushButton, "addUser"))
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 3, timeout=10000)
    assert all(dialog.table.item(r, 2).text() in ("管理员", "医生", "护士") for r in range(3))
    dialog.resize(700, 480)
    screenshot(dialog, "10-users")
    shell.shutdown()


def test_closing_the_client_makes_the_daily_backup(qtbot, guard, installation):
    from app.services.backup import auto_backups

    data_dir, _ = installation
    shell, _main = start_logged_in(qtbot, data_dir, *DOCTOR)
    first = shell.backup_on_exit()
    assert first and [str(p) for p in auto_backups(data_dir / "backups")] == [first]
    assert shell.backup_on_exit() == first  # at most one a day
    shell.shutdown()


def test_lock_screen_fields_have_their_full_height(qtbot, guard, installation):
    """The lock screen sits in the main window under its toolbar and status bar: its user and
    password boxes keep the height they need for the text (they were squashed)."""
    data_dir, _ = installation
    shell, main = start_logged_in(qtbot, data_dir, *DOCTOR)
    main.resize(1366, 768)
    main.show()
    qtbot.waitExposed(main)
    main.lock()
    qtbot.wait(50)
    panel = main.lock_panel
    screenshot(main, "04-lock-1366x768")
    for w in (panel.user, panel.password, panel.button):
        assert w.height() >= w.sizeHint().height(), (w.objectName(), w.height(), w.sizeHint())
        assert w.height() >= w.fontMetrics().height() + 6
    assert panel.password.width() >= 200
    assert panel.password.geometry().top() - panel.user.geometry().bottom() >= 6  # not touching
    log_in(qtbot, panel, "doc", "wrong-one")  # a message appears: the boxes keep their height
    qtbot.waitUntil(lambda: "密码错误" in panel.message.text(), timeout=10000)
    qtbot.wait(50)
    screenshot(main, "05-lock-wrong-password")
    for w in (panel.user, panel.password, panel.button, panel.message):
        assert w.height() >= w.sizeHint().height(), (w.objectName(), w.height(), w.sizeHint())
    shell.shutdown()
