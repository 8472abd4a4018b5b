"""Help > About shows the program's version (app/version.py) and where the data is."""

from __future__ import annotations

from app.version import __version__
from tests.ui.conftest import ADMIN
from tests.ui.helpers import screenshot, start_logged_in
from ui import errors
from ui.qt import QApplication, QMessageBox


def test_about_box_shows_the_version(qtbot, guard, installation):
    data_dir, _ = installation
    shell, main = start_logged_in(qtbot, data_dir, *ADMIN)
    before = len(errors.shown)
    main.actions_by_name["about"].trigger()
    assert len(errors.shown) == before + 1
    text = errors.shown[-1]
    assert f"版本 {__version__}" in text and str(data_dir) in text
    box = next(w for w in QApplication.topLevelWidgets()
               if isinstance(w, QMessageBox) and w.isVisible() and "版本" in w.text())  # fmt: skip
    screenshot(box, "about")
    box.close()
    shell.shutdown()
