"""The main window on a 1366x768 laptop with a taskbar (free area 1366x728): it fits, the status
bar and the editors' save buttons stay in view, and its placement is kept across restarts."""

from __future__ import annotations

from tests.ui.conftest import ADMIN
from tests.ui.helpers import screenshot, start_logged_in
from ui import tasks
from ui.qt import QApplication, QPushButton, QRect, QWidget
from ui.window_geometry import initial_geometry

TASKBAR_LAPTOP = QRect(0, 0, 1366, 728)


def in_view(widget: QWidget, window: QWidget) -> bool:
    """Shown and entirely inside the window's client area."""
    if not widget.isVisible():
        return False
    top_left = widget.mapTo(window, widget.rect().topLeft())
    return window.rect().contains(QRect(top_left, widget.size()))


def test_first_start_fits_the_free_area():
    assert initial_geometry(TASKBAR_LAPTOP) == (TASKBAR_LAPTOP, True)
    assert initial_geometry(QRect(0, 0, 1024, 728)) == (QRect(0, 0, 1024, 728), True)
    big, maximized = initial_geometry(QRect(0, 0, 1920, 1040))
    assert not maximized and big.size().width() == 1366 and QRect(0, 0, 1920, 1040).contains(big)


def test_main_window_at_1366x728(qtbot, guard, installation):
    from app.services import residents

    data_dir, uuids = installation
    shell, main = start_logged_in(qtbot, data_dir, *ADMIN)
    assert main.isMaximized()  # a first start on a laptop screen
    rect, _ = initial_geometry(TASKBAR_LAPTOP)
    main.showNormal()
    main.setGeometry(rect)  # what maximizing gives when a taskbar takes 40 pixels
    QApplication.processEvents()
    assert main.size() == rect.size()
    assert main.minimumSizeHint().height() <= rect.height()
    assert in_view(main.statusBar(), main)
    assert in_view(main.user_label, main) and in_view(main.sync_status, main)
    screenshot(main, "geometry-1366x728-list")
    resident = tasks.worker().run_sync(lambda s: residents.get(s, uuids["张三"]))
    for form in ("htn_followup", "health_exam"):
        editor = main.open_editor(resident, form)
        QApplication.processEvents()
        assert main.size() == rect.size(), form  # an editor does not push the window taller
        save = editor.findChild(QPushButton, "saveButton")
        assert in_view(save, main), form
        screenshot(main, f"geometry-1366x728-{form}")
    register = main.open_register()
    QApplication.processEvents()
    screenshot(main, "geometry-1366x728-register")
    assert in_view(register.findChild(QPushButton, "saveButton"), main)
    shell.shutdown()


def test_placement_is_kept_across_restarts(qtbot, guard, installation):
    data_dir, _ = installation
    shell, main = start_logged_in(qtbot, data_dir, *ADMIN)
    main.showNormal()
    main.setGeometry(QRect(120, 60, 1100, 640))
    QApplication.processEvents()
    main.close()
    shell.shutdown()
    shell, main = start_logged_in(qtbot, data_dir, *ADMIN)
    assert not main.isMaximized()
    assert main.geometry() == QRect(120, 60, 1100, 640)
    main.showMaximized()
    QApplication.processEvents()
    main.close()
    shell.shutdown()
    shell, main = start_logged_in(qtbot, data_dir, *ADMIN)
    assert main.isMaximized()
    shell.shutdown()
