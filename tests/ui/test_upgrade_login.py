"""The first login of a new version on older data says that it is backing up and upgrading
(it can take minutes at 50,000 residents), then opens the main window on the upgraded data."""

from __future__ import annotations

from app import paths
from app.db import migrate
from tests.ui.conftest import ADMIN
from tests.ui.helpers import log_in
from ui.shell import Shell


def test_login_says_it_is_upgrading(qtbot, guard, installation):
    from app.crypto.keyfile import KeyFile

    data_dir, _ = installation
    key = KeyFile.load(paths.keys_path(data_dir)).unwrap(*ADMIN)
    migrate.downgrade_file(paths.db_path(data_dir), key, "0005")

    shell = Shell(data_dir)
    window = shell.start()
    said: list[str] = []
    original = window._say
    window._say = lambda text, *a: (said.append(text), original(text, *a))[1]
    log_in(qtbot, window, *ADMIN)
    qtbot.waitUntil(lambda: shell.main is not None, timeout=30000)
    qtbot.addWidget(shell.main)
    assert any("正在备份并升级数据" in text for text in said), said
    assert migrate.current_at(paths.db_path(data_dir), key) == migrate.head()
    assert len(list((data_dir / paths.BACKUP_DIR).glob("pre-upgrade-0005-*"))) == 1
    shell.shutdown()
