"""A login that finds the audit log cut short (compared with the head file beside the database)
says so in a message over the main window, and the day's work goes on. Issue 12."""

from __future__ import annotations

from tests.chainhelp import raw
from tests.ui.conftest import ADMIN
from tests.ui.helpers import screenshot, start_logged_in


def test_a_truncated_log_is_shown_after_login(qtbot, guard, installation):
    data_dir, _ = installation
    conn = raw(data_dir, *ADMIN)
    last = conn.execute("SELECT max(seq) FROM audit").fetchone()[0]
    conn.execute("DELETE FROM audit WHERE seq > ?", (last - 2,))
    conn.close()
    shell, main = start_logged_in(qtbot, data_dir, *ADMIN)
    qtbot.waitUntil(lambda: shell.anchor_warning is not None, timeout=5000)
    box = shell.anchor_warning
    assert box.isVisible() and not box.isModal()
    assert "审计日志" in box.text() and f"第{last - 1}–{last}条" in box.text()
    assert main.isVisible()  # the work goes on
    screenshot(box, "anchor-warning")
    box.close()
    shell.shutdown()


def test_an_intact_log_shows_nothing(qtbot, guard, installation):
    data_dir, _ = installation
    shell, _main = start_logged_in(qtbot, data_dir, *ADMIN)
    qtbot.wait(200)
    assert shell.anchor_warning is None
    shell.shutdown()
