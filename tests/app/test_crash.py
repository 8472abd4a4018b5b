"""`kill -9` in the middle of a batch of writes loses no committed resident and leaves a sound file."""

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import text

from app.services import audit, residents
from app.store import Store
from tests.conftest import ADMIN, PASSWORD, ROOT

WRITER = """
import sys
from app.store import Store
from app.services import residents
store = Store.open(sys.argv[1], "admin", "secret123")
i = 0
while True:
    out = residents.add(store, {"name": "测试", "sex": "1", "birth_date": "1970-01-01",
                                "phone": f"139{i:08d}"}, allow_similar=True)
    print(out["uuid"], flush=True)  # printed only after the commit returned
    i += 1
"""


def test_kill_during_writes_loses_nothing_committed(data_dir):
    committed: list[str] = []
    for _round in range(3):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(data_dir)], cwd=ROOT,
                                stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert proc.stdout is not None
        target = len(committed) + 25
        deadline = time.monotonic() + 120
        while len(committed) < target and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            committed.append(line.strip())
        os.kill(proc.pid, signal.SIGKILL)  # mid-batch: the next add is under way
        proc.wait()
        committed += [line.strip() for line in proc.stdout.read().splitlines() if line.strip()]
    assert len(committed) >= 75
    store = Store.open(data_dir, ADMIN, PASSWORD)
    try:
        present = {r["uuid"] for r in residents.find(store, "", limit=None)}
        assert set(committed) <= present
        with store.session() as s:
            assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert audit.verify_chain(s) == []
            # every resident has its version and its outbox row: the three were one transaction
            counts = s.execute(text(
                "SELECT (SELECT count(*) FROM resident), (SELECT count(*) FROM version),"
                " (SELECT count(*) FROM outbox)")).one()  # fmt: skip
        assert counts[0] == counts[1] == counts[2] == len(present)
        numbers = [r["record_no"] for r in residents.find(store, "")]
        assert len(numbers) == len(set(numbers))
    finally:
        store.close()
