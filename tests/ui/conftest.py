"""Fixtures for the desktop client tests: the Chinese-ready QApplication, a fresh DB worker with a
GUI-thread guard, and a real encrypted installation in tmp_path."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

# The screen of the laptops the client is made for (1366x768) instead of the offscreen plugin's
# 800x600, so windows open (maximized) and screenshots show what a village doctor sees.
if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={Path(__file__).with_name('screen-1366x768.json')}"

from ui.qt import QApplication

ADMIN = ("admin", "secret1-pw")
DOCTOR = ("doc", "secret2-pw")
AREA = "420106001001"


@pytest.fixture(scope="session")
def qapp_cls():
    return QApplication


@pytest.fixture(scope="session", autouse=True)
def _chinese_app(qapp):
    from ui.app import make_application

    make_application()


class ThreadGuard:
    """Installed as the store's query hook: notes every database session opened on the GUI
    thread (there must be none) and counts the others (so the check can fail)."""

    def __init__(self) -> None:
        self.on_gui_thread = 0
        self.on_worker = 0

    def __call__(self) -> None:
        if threading.current_thread() is threading.main_thread():
            self.on_gui_thread += 1
        else:
            self.on_worker += 1


@pytest.fixture
def guard():
    from ui import tasks

    tasks.reset_worker()
    g = ThreadGuard()
    tasks.worker().query_hook = g
    yield g
    tasks.reset_worker()
    assert g.on_gui_thread == 0, "a database query ran on the GUI thread"


@pytest.fixture
def installation(tmp_path):
    """A clinic with an admin, a doctor and three residents, made through app/ (not the UI)."""
    import datetime as dt

    from app.services import records, residents, users
    from app.store import Store
    from forms.idnumber import make

    data_dir = tmp_path / "clinic"
    store, _ = Store.create(data_dir, area=AREA, institution_name="李家村卫生室", user=ADMIN[0],
                            password=ADMIN[1], display_name="李管理")  # fmt: skip
    users.add(store, DOCTOR[0], "doctor", DOCTOR[1], display_name="张医生")
    people = [
        ("张三", "1", "1958-04-12", 11, [{"code": "2"}]),
        ("赵秀兰", "2", "1962-09-30", 22, [{"code": "3"}]),
        ("王小明", "1", "1995-01-20", 33, None),
    ]
    uuids = {}
    for name, sex, birth, seq, diseases in people:
        data = {"name": name, "sex": sex, "birth_date": birth,
                "id_number": make("420106", dt.date.fromisoformat(birth), seq),
                "phone": f"1380000{seq:04d}", "household": "李家村1组"}  # fmt: skip
        if diseases:
            data["past_diseases"] = diseases
        uuids[name] = residents.add(store, data)["uuid"]
    records.add(store, uuids["张三"], "htn_followup",
                {"visit_date": (dt.date.today() - dt.timedelta(days=200)).isoformat(),
                 "sbp": 150, "dbp": 95, "classification": "2"})  # fmt: skip
    store.close()
    return data_dir, uuids


@pytest.fixture
def doctor(qtbot, guard, installation):
    """The client logged in as the doctor on `installation`: (main window, resident uuids)."""
    from tests.ui.helpers import start_logged_in

    data_dir, uuids = installation
    shell, main = start_logged_in(qtbot, data_dir, *DOCTOR)
    main.show()
    yield main, uuids
    shell.shutdown()
