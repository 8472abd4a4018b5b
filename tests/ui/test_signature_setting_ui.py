"""The settings dialog's choice to print the typed doctor's name in signature cells."""

from __future__ import annotations

import pytest

from tests.ui.conftest import ADMIN
from tests.ui.helpers import click, screenshot, start_logged_in
from ui.qt import QDialogButtonBox


@pytest.fixture
def admin(qtbot, guard, installation):
    data_dir, uuids = installation
    shell, main = start_logged_in(qtbot, data_dir, *ADMIN)
    main.show()
    yield shell, main, uuids
    shell.shutdown()


def test_typed_signatures_are_off_until_chosen(qtbot, admin) -> None:
    shell, main, _ = admin
    main.actions_by_name["settings"].trigger()
    dialog = main.dialogs["settings"]
    assert not dialog.typed_signatures.isChecked()  # signature cells stay empty for the pen
    click(qtbot, dialog.typed_signatures)
    screenshot(dialog, "72-settings-signatures")
    click(qtbot, dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save))
    qtbot.waitUntil(lambda: shell.settings.get("print_typed_signatures") is True, timeout=5000)
    main.actions_by_name["settings"].trigger()
    assert main.dialogs["settings"].typed_signatures.isChecked()
