"""Registering: the warning that an ID number is already on file goes away once the number is
changed to one that is not."""

from __future__ import annotations

import datetime as dt

from forms.idnumber import make
from tests.ui.conftest import DOCTOR
from tests.ui.helpers import screenshot, start_logged_in
from ui import tasks


def test_duplicate_id_warning_goes_when_the_number_changes(qtbot, guard, installation):
    data_dir, uuids = installation
    shell, main = start_logged_in(qtbot, data_dir, *DOCTOR)
    try:
        from app.services import residents

        on_file = tasks.worker().run_sync(lambda s: residents.get(s, uuids["张三"]))["id_number"]
        editor = main.open_register()
        id_edit = editor.editor.widgets["id_number"].edit
        qtbot.keyClicks(id_edit, on_file)
        qtbot.waitUntil(lambda: editor.duplicates.isVisible(), timeout=5000)
        # a typo found: the doctor retypes the number of someone not on file
        id_edit.clear()
        assert not editor.duplicates.isVisible()  # (the old number is gone at once)
        qtbot.keyClicks(id_edit, on_file)
        qtbot.waitUntil(lambda: editor.duplicates.isVisible(), timeout=5000)
        other = make("420106", dt.date(1958, 4, 12), 71)
        id_edit.selectAll()
        qtbot.keyClicks(id_edit, other)
        qtbot.waitUntil(lambda: not editor.duplicates.isVisible(), timeout=5000)
        qtbot.wait(300)  # the look-up of the new number has come back, and found nobody
        assert not editor.duplicates.isVisible()
        screenshot(main, "36-register-id-changed")
        # and back to the registered number: the warning returns
        id_edit.selectAll()
        qtbot.keyClicks(id_edit, on_file)
        qtbot.waitUntil(lambda: editor.duplicates.isVisible(), timeout=5000)
    finally:
        shell.shutdown()
