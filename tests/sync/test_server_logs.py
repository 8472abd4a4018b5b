"""No personal data in the county server's log at any level (issue 17, point 5): a run of the
fault tests' kind (the database failing inserts, the client retrying, a connection cut, a
client gone mid-upload) with the server at debug level, then the log is searched for every
resident's name, ID number, phone and birth date."""

from __future__ import annotations

import datetime as dt
import socket
from typing import Any

from faultproxy import FaultProxy
from synchelp import County, chinese_name

from app.services import residents
from forms import idnumber


def _fault_on(county: County, township: str) -> None:
    """The real database refuses this township's new entities (as a full disk or a bad
    migration would), whatever the server does."""
    if county.db.startswith("sqlite"):
        sql = [f"CREATE TRIGGER fault_{township} BEFORE INSERT ON entity "
               f"WHEN NEW.area LIKE '{township}%' BEGIN SELECT RAISE(ABORT, 'disk fault'); END"]  # fmt: skip
    else:
        sql = [
            f"CREATE FUNCTION fault_{township}() RETURNS trigger AS $$ BEGIN "
            f"IF left(NEW.area, 9) = '{township}' THEN RAISE EXCEPTION 'disk fault'; END IF; "
            "RETURN NEW; END $$ LANGUAGE plpgsql",
            f"CREATE TRIGGER fault_{township} BEFORE INSERT ON entity FOR EACH ROW "
            f"EXECUTE FUNCTION fault_{township}()",
        ]
    with county.engine.begin() as c:
        for s in sql:
            c.exec_driver_sql(s)


def _fault_off(county: County, township: str) -> None:
    with county.engine.begin() as c:
        if county.db.startswith("sqlite"):
            c.exec_driver_sql(f"DROP TRIGGER IF EXISTS fault_{township}")
        else:
            c.exec_driver_sql(f"DROP TRIGGER IF EXISTS fault_{township} ON entity")
            c.exec_driver_sql(f"DROP FUNCTION IF EXISTS fault_{township}()")


def _abandoned_upload(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"POST /api/v1/sync/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer x\r\n"
                  b"Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"changes\": [")  # fmt: skip


def test_server_log_holds_no_personal_data(
    county: County, make_installation: Any, tmp_path: Any
) -> None:
    t = county.township()
    debug = County(county.db, tmp_path)  # a second server on the same database, at debug level
    debug.start(args=("--log-level", "debug"))
    proxy = FaultProxy(debug.port)
    try:
        inst = make_installation(t + "001")
        inst.enroll(county, proxy.url)
        people = []
        for i in range(12):
            birth = dt.date(1950 + i, 1 + i % 12, 1 + i)
            person = {"name": chinese_name(300 + i), "sex": "1" if i % 2 else "2",
                      "birth_date": birth.isoformat(), "phone": f"1390000{i:04d}",
                      "id_number": idnumber.make("110105", birth, 11 + 2 * i + (0 if i % 2 else 1))}  # fmt: skip
            residents.add(inst.store, person, allow_similar=True)
            people.append(person)
        _fault_on(county, t)
        try:
            for _ in range(3):  # each run pushes, is told "internal", retries next time
                out = inst.sync()
                assert out["quarantined"] == len(people), out
        finally:
            _fault_off(county, t)
        _abandoned_upload(debug.port)
        proxy.arm("/sync/push", 1, "cut_response")  # applied, answer lost: retried in the run
        out = inst.sync()
        proxy.disarm()
        assert out["quarantined"] == 0, out
        assert len(county.query("SELECT uuid FROM entity WHERE area = :a AND kind = 'resident'",
                                a=t + "001")) == len(people)  # fmt: skip
    finally:
        proxy.close()
        debug.stop()
    log = debug.log.read_text(encoding="utf-8", errors="replace")
    assert "push: unexpected error" in log, log[-2000:]  # the faults were logged
    for p in people:
        for key in ("name", "id_number", "phone", "birth_date"):
            assert p[key] not in log, f"{key} of a resident in the server log"
        assert p["id_number"][6:14] not in log  # not even the birth date inside the ID number
