"""The first day on a fresh machine: the README's run flow finds its demo clinic in the one default
data directory, and the client keeps running from the wizard (or the demo) into the main window."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ui.event_loop import run_in_event_loop
from tests.ui.helpers import click, log_in, screenshot, type_text
from tests.ui.test_wizard import choose
from ui.qt import QApplication, QWizard

ROOT = Path(__file__).resolve().parents[2]
RUN_APP = ROOT / "packaging" / "run-app.sh"


def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """An empty HOME and no CUNYI_DATA_DIR / XDG_* pointers, as on a machine never used before;
    applied to this process and returned for child processes."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in list(os.environ):
        if name.startswith("XDG_") or name == "CUNYI_DATA_DIR":
            monkeypatch.delenv(name)
    return dict(os.environ)


def installations(home: Path) -> list[Path]:
    """Every folder under `home` that holds a clinic's files."""
    return sorted({p.parent for p in home.rglob("*") if p.name in ("keys.json", "cunyi.db")})


def run_app_commands() -> list[list[str]]:
    """The `python -m app ...` steps of packaging/run-app.sh, in order, so this test follows the
    script instead of a copy of it."""
    steps = re.findall(r"\.venv/bin/python -m (app [^;\n]*)", RUN_APP.read_text("utf-8"))
    return [step.split() for step in steps]


def test_readme_run_flow_opens_the_demo_login(qtbot, guard, tmp_path, monkeypatch):
    env = fresh_home(tmp_path, monkeypatch)
    home = Path(env["HOME"])
    steps = run_app_commands()
    assert [s[:2] for s in steps] == [["app", "status"], ["app", "demo"]]
    status = subprocess.run([sys.executable, "-m", *steps[0]], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert status.returncode == 1  # nothing yet: run-app.sh goes on to make the demo
    demo = subprocess.run([sys.executable, "-m", *steps[1]], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert demo.returncode == 0, demo.stderr
    made = installations(home)
    assert len(made) == 1

    from ui.app import default_data_dir, open_client

    assert default_data_dir() == made[0]
    shell = open_client([])
    window = shell.login_window
    assert window is not None and shell.wizard is None  # the demo's login, not the wizard
    qtbot.addWidget(window)
    assert window.user.findText("demo") >= 0
    log_in(qtbot, window, "demo", "demo1234")
    qtbot.waitUntil(lambda: shell.main is not None, timeout=20000)
    qtbot.addWidget(shell.main)
    assert "示例村卫生室" in shell.main.windowTitle()
    shell.shutdown()
    assert installations(home) == made  # no second data folder
    data_folders = [p for p in (home / ".local" / "share").iterdir()]
    assert data_folders == [made[0]]


def visible_top_levels() -> list[str]:
    return [w.objectName() or type(w).__name__ for w in QApplication.topLevelWidgets()
            if w.isVisible()]  # fmt: skip


def fill_wizard(qtbot, wizard) -> None:
    """Through the real pages: area, name, administrator, recovery code; then 完成."""
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    click(qtbot, next_button)
    page = wizard.institution
    choose(page.province, "湖北省")
    choose(page.city, "武汉市")
    choose(page.county, "武昌区")
    qtbot.keyClicks(page.township, "001")
    qtbot.keyClicks(page.village, "001")
    type_text(qtbot, page.name, "李家村卫生室")
    click(qtbot, next_button)
    admin = wizard.admin
    qtbot.keyClicks(admin.user, "admin")
    type_text(qtbot, admin.display, "李医生")
    qtbot.keyClicks(admin.password, "secret1-pw")
    qtbot.keyClicks(admin.repeat, "secret1-pw")
    click(qtbot, next_button)
    qtbot.waitUntil(lambda: wizard.currentId() == wizard.pageIds()[-1], timeout=20000)
    click(qtbot, wizard.recovery.confirm)
    click(qtbot, wizard.button(QWizard.WizardButton.FinishButton))


def test_finishing_the_wizard_keeps_the_program_running(qtbot, qapp, guard, tmp_path):
    from ui.shell import Shell

    shell = Shell(tmp_path / "new")
    seen: dict[str, object] = {}

    def drive() -> None:
        wizard = shell.start()
        qtbot.addWidget(wizard)
        fill_wizard(qtbot, wizard)
        qtbot.waitUntil(lambda: shell.main is not None and shell.main.isVisible(), timeout=20000)
        qtbot.addWidget(shell.main)
        qtbot.wait(300)  # a quit posted when the wizard closed would have run by now
        seen["windows"] = visible_top_levels()
        seen["title"] = shell.main.windowTitle()

    assert run_in_event_loop(qapp, drive) == [], "the program ended after the wizard"
    assert seen["windows"] == ["mainWindow"]
    assert "李家村卫生室" in str(seen["title"])
    shell.shutdown()


def test_demo_from_the_wizard_keeps_the_program_running(qtbot, qapp, guard, tmp_path):
    from ui.shell import Shell

    shell = Shell(tmp_path / "new")
    seen: dict[str, object] = {}

    def drive() -> None:
        wizard = shell.start()
        qtbot.addWidget(wizard)
        click(qtbot, wizard.welcome.demo)
        qtbot.waitUntil(lambda: shell.main is not None and shell.main.isVisible(), timeout=60000)
        qtbot.addWidget(shell.main)
        qtbot.wait(300)
        seen["windows"] = visible_top_levels()

    assert run_in_event_loop(qapp, drive) == [], "the program ended before the demo opened"
    assert seen["windows"] == ["mainWindow"]
    shell.shutdown()


def test_next_start_after_the_demo_offers_it_again(qtbot, guard, tmp_path):
    """The demo chosen in the wizard lives in data_dir/demo; the next start (no clinic set up yet)
    shows the welcome page again, where 继续使用演示卫生室 opens the same demo with what was
    entered in it, and setting up the real clinic stays possible."""
    from app.services import residents
    from ui import tasks
    from ui.shell import Shell

    data_dir = tmp_path / "new"
    shell = Shell(data_dir)
    wizard = shell.start()
    qtbot.addWidget(wizard)
    assert wizard.welcome.demo.text() == "打开演示卫生室"
    click(qtbot, wizard.welcome.demo)
    qtbot.waitUntil(lambda: shell.main is not None, timeout=60000)
    qtbot.addWidget(shell.main)
    tasks.worker().run_sync(lambda s: residents.add(s, {"name": "练习者", "sex": "2",
                                                        "birth_date": "1980-05-06"}))  # fmt: skip
    shell.shutdown()

    shell = Shell(data_dir)
    wizard = shell.start()
    qtbot.addWidget(wizard)
    assert isinstance(wizard, QWizard)  # the real clinic can still be set up
    assert wizard.welcome.demo.text() == "继续使用演示卫生室"
    screenshot(wizard, "first-day-welcome-again")
    click(qtbot, wizard.welcome.demo)
    qtbot.waitUntil(lambda: shell.main is not None, timeout=60000)
    qtbot.addWidget(shell.main)
    found = tasks.worker().run_sync(lambda s: residents.count(s))
    assert found == 121  # the same demo, not a new one
    shell.shutdown()


def shown_title(widget) -> str:
    """The title bar text: Qt's platform window appends the application display name (村医)
    unless the title already ends with it (QPlatformWindow::formatWindowTitle)."""
    name = QApplication.applicationDisplayName()
    title = widget.windowTitle()
    return title if title.endswith(name) else f"{title} — {name}"


def test_window_titles_name_the_app_once(qtbot, guard, installation, tmp_path):
    from tests.ui.conftest import ADMIN
    from tests.ui.helpers import start_logged_in
    from ui.shell import Shell

    wizard = Shell(tmp_path / "new").start()
    qtbot.addWidget(wizard)
    data_dir, _ = installation
    shell = Shell(data_dir)
    login = shell.start()
    qtbot.addWidget(login)
    titles = [shown_title(wizard), shown_title(login)]
    shell.shutdown()
    shell, main = start_logged_in(qtbot, data_dir, *ADMIN)
    titles.append(shown_title(main))
    main.actions_by_name["backup"].trigger()
    titles.append(shown_title(main.dialogs["backup"]))
    assert [t.count("村医") for t in titles] == [1] * len(titles), titles
    assert titles[2] == "李家村卫生室 — 村医"
    shell.shutdown()
