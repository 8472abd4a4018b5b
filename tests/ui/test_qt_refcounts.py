"""The Qt binding must not corrupt reference counts: PySide6 6.12.0 dropped a reference to None on
every call of a void method, which on Python 3.11 aborts the process after some thousand calls
(a whole day in the client is millions of calls). pyproject.toml pins a version without it."""

import sys

import pytest

from ui.qt import QApplication, QWidget


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None and bools are immortal from 3.12 on")
def test_void_calls_keep_none_and_bool_refcounts(qtbot):
    w = QWidget()
    qtbot.addWidget(w)
    w.show()
    app = QApplication.instance()
    for _ in range(20):
        app.processEvents()
    before = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(500):
        w.update()  # void
        w.setVisible(True)  # void, takes a bool
        app.processEvents()  # void
    after = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    # a leak would show as about -1,500 on None; allow for unrelated small changes
    assert all(a - b > -50 for a, b in zip(after, before, strict=True)), (before, after)
