"""The children's and the maternal due items on a real encrypted store, against a reference
worked out the plain way: every final record's document read and decoded in Python, the pure
rules (forms/schedule.py slots_of/age_slots, newborn_visit; forms/pregnancy.py episodes and
maternal()) applied to them, resident by resident. The due list reads less than that (the
slots and the pregnancy facts from indexes, only the records of each woman's latest pregnancy):
it must give the same items, on several days. A few items are also worked out by hand below."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest

from app import rules as rules_mod
from app.services import due, records, residents
from forms import pregnancy as P
from forms import schedule
from tests.app.opshelp import make_store

TODAY = dt.date.today()


def ago(days: int) -> str:
    return (TODAY - dt.timedelta(days=days)).isoformat()


def add(st, who: str, form: str, status: str = "final", **doc) -> None:
    records.add(st, who, form, doc, status=status, confirmed=True)


NAMES = "甲乙丙丁戊己庚辛壬癸"


def person(st, name: str, sex: str, birth: dt.date, **kw) -> str:
    name = name.rstrip("0123456789") + "".join(NAMES[int(c)] for c in name if c.isdigit())
    data = {"name": name, "sex": sex, "birth_date": birth.isoformat(), **kw}
    return residents.add(st, data, allow_similar=True)["uuid"]


@pytest.fixture(scope="module")
def clinic(tmp_path_factory):
    st = make_store(tmp_path_factory.mktemp("ref") / "d")
    rng = random.Random(20261203)
    table = rules_mod.for_store(st)
    check, tcm = table.rule("child_check"), table.rule("child_tcm")
    mothers = [person(st, f"母亲{i}", "2", dt.date(1992, 1 + i, 3)) for i in range(3)]
    kids = {}
    # Children from their first days to just past 7, some of them a mother's, with check
    # records of most past slots (some with Hb or hearing, some drafts, some of the wrong form).
    for i in range(40):
        birth = TODAY - dt.timedelta(days=rng.randrange(0, 7 * 365 + 60))
        kw = {"mother": mothers[i % 3]} if i < 6 and (TODAY - birth).days < 40 else {}
        who = person(st, f"儿童{i}", "12"[i % 2], birth, **kw)
        kids[who] = birth
        for rule in (check, tcm):
            for sl in schedule.slots_of(rule, birth):
                if sl.start > TODAY or rng.random() < 0.3:
                    continue
                doc = {"visit_date": min(sl.start + dt.timedelta(days=rng.randrange(0, 12)), TODAY).isoformat(),
                       "slot": sl.slot}  # fmt: skip
                if (
                    sl.form != "child_tcm"
                    and sl.slot in ("6", "8", "18", "30", "48", "60", "72")
                    and rng.random() < 0.6
                ):
                    doc["hemoglobin"] = 110 + rng.randrange(20)
                if (
                    sl.form != "child_tcm"
                    and sl.slot in ("6", "12", "24", "36")
                    and rng.random() < 0.6
                ):
                    doc["hearing"] = "1"
                add(st, who, sl.form, status="draft" if rng.random() < 0.1 else "final", **doc)
        if i % 7 == 3 and (TODAY - birth).days < 28:
            add(st, who, "newborn_visit", visit_date=ago(0))
    young = [(u, b) for u, b in kids.items() if (TODAY - b).days < 40]
    for n, (_u, b) in enumerate(young[:3]):
        add(st, mothers[n], "postpartum_visit", visit_date=ago(0), delivery_date=b.isoformat(),
            discharge_date=(b + dt.timedelta(days=2)).isoformat())  # fmt: skip
    # Women with one to three pregnancies of every shape: current, overdue, delivered, closed,
    # lost, registered elsewhere, a second first exam while one was open, and one long ago.
    for i in range(30):
        who = person(st, f"孕妇{i}", "2", dt.date(1990, 1 + i % 12, 5 + i % 20))
        lmp = TODAY - dt.timedelta(days=rng.randrange(900, 1400))
        for _k in range(rng.randrange(1, 4)):
            if lmp > TODAY - dt.timedelta(days=20):
                break
            shape = rng.randrange(8)
            if shape != 5:  # 5: first seen at a follow-up
                first = lmp + dt.timedelta(weeks=rng.randrange(6, 14))
                if first <= TODAY:
                    add(st, who, P.FIRST, visit_date=first.isoformat(), lmp=lmp.isoformat())
            for n, w in zip(range(2, 6), (18, 22, 30, 38), strict=True):
                day = lmp + dt.timedelta(weeks=w, days=rng.randrange(0, 5))
                if day <= TODAY and rng.random() < 0.8:
                    add(st, who, P.FOLLOWUP, visit_date=day.isoformat(), visit_no=n, gest_weeks=w)
            birth = lmp + dt.timedelta(days=280 + rng.randrange(-10, 10))
            if shape == 2 and birth - dt.timedelta(days=100) <= TODAY:  # lost
                lost = (birth - dt.timedelta(days=100)).isoformat()
                add(st, who, P.OUTCOME, visit_date=lost, outcome_date=lost, outcome="7")
            elif shape != 3 and birth + dt.timedelta(days=5) <= TODAY:  # 3: no outcome recorded
                add(st, who, P.VISIT, visit_date=(birth + dt.timedelta(days=5)).isoformat(),
                    delivery_date=birth.isoformat(), discharge_date=(birth + dt.timedelta(days=2)).isoformat())  # fmt: skip
                if shape != 4 and birth + dt.timedelta(days=43) <= TODAY:
                    add(st, who, P.DAY42, visit_date=(birth + dt.timedelta(days=43)).isoformat(),
                        delivery_date=birth.isoformat(), outcome="1")  # fmt: skip
            if (
                shape == 6 and lmp + dt.timedelta(weeks=20) <= TODAY
            ):  # a second 建册 in the same one
                add(st, who, P.FIRST, visit_date=(lmp + dt.timedelta(weeks=20)).isoformat(),
                    lmp=(lmp + dt.timedelta(days=7)).isoformat())  # fmt: skip
            lmp = birth + dt.timedelta(days=rng.randrange(60, 500))
    who = person(st, "产妇", "2", dt.date(1994, 6, 6))  # delivered 3 days ago, not yet visited
    add(st, who, P.FIRST, visit_date=ago(200), lmp=ago(283))
    add(st, who, P.OUTCOME, visit_date=ago(1), outcome_date=ago(3), outcome="1")
    yield st, table
    st.close()


def plain_read(st):
    """Every active resident and every final record's decoded document: no index, no shortcut."""
    with st.session() as s:
        c = s.connection().connection.cursor()
        people = c.execute(
            "SELECT uuid, birth_date, mother_uuid, tags FROM resident WHERE status = 'active'"
        ).fetchall()
        recs = c.execute(
            "SELECT uuid, resident_uuid, form, visit_date, doc FROM record WHERE status = 'final'"
        ).fetchall()
    by = {}
    for u, owner, form, visit, doc in recs:
        by.setdefault(owner, []).append((u, form, visit, json.loads(doc)))
    return people, by


def reference(st, table, on: dt.date) -> set[tuple]:
    people, by = plain_read(st)
    out = []
    cutoff = dt.date(on.year - 7, on.month, 28 if (on.month, on.day) == (2, 29) else on.day)
    for u, birth_text, mother, tags in people:
        birth = dt.date.fromisoformat(birth_text)
        mine = by.get(u, [])
        if cutoff < birth <= on:  # the children's rules: under 7 on the day
            for rule in table.rules:
                if rule.kind == "newborn_visit":
                    visits = [v for _u, f, v, _d in mine if f == rule.form and v]
                    discharge = None
                    for _u, f, _v, d in by.get(mother, []) if mother else []:
                        if (
                            f == "postpartum_visit"
                            and str(d.get("delivery_date"))[:10] == birth_text
                        ):
                            discharge = schedule.day_of(d.get("discharge_date")) or discharge
                    d = schedule.newborn_visit(
                        rule, birth, discharge, schedule.day_of(max(visits)) if visits else None, on
                    )
                elif rule.kind == "age_slots":
                    done = {(f, str(d.get("slot"))) for _u, f, v, d in mine
                            if v and v <= on.isoformat() and (not rule.get("field") or d.get(rule["field"]) is not None)}  # fmt: skip
                    slots = schedule.slots_of(rule, birth)
                    d = None if slots[-1].until < on else schedule.age_slots(rule, birth, done, on)
                else:
                    continue
                if d is not None:
                    out.append((u, d))
        if "maternal" in (tags or "").split():
            maternal = [
                (ru, f, {**d, "visit_date": v}) for ru, f, v, d in mine if f in P.FORMS and v
            ]
            since = on - dt.timedelta(days=schedule.MATERNAL_LOOKBACK_DAYS)
            if not any(schedule.day_of(d["visit_date"]) >= since for _u, _f, d in maternal):
                continue
            ep = P.latest(P.of_docs(maternal))
            for rule in table.rules:
                if (
                    rule.kind in ("prenatal", "postpartum")
                    and (d := schedule.maternal(rule, ep, on)) is not None
                ):
                    out.append((u, d))
    return {(u, d.rule, d.item, d.form, d.due.isoformat(), d.reason,
             d.last_visit.isoformat() if d.last_visit else None,
             d.deadline.isoformat() if d.deadline else None) for u, d in out}  # fmt: skip


def computed(st, on: dt.date, **kw) -> set[tuple]:
    items = [i for p in ("child", "maternal") for i in due.compute(st, on=on, programme=p, **kw)]
    got = {(i["resident"]["uuid"], i["rule"], i["item"], i["form"], i["due_date"], i["reason"],
            i["last_visit"], i["deadline"]) for i in items}  # fmt: skip
    assert len(got) == len(items)  # no item twice
    return got


@pytest.mark.parametrize("shift", [0, -45, 20, 160, -400])
def test_due_items_are_the_reference_items(clinic, shift):
    st, table = clinic
    on = TODAY + dt.timedelta(days=shift)
    want = reference(st, table, on)
    assert {r for r in want if r[1] == "child_check"} and {r for r in want if r[1] == "child_hb"}
    if shift == 0:
        assert {r[1] for r in want} >= {"prenatal_visits", "postpartum_visit", "postpartum_42d", "newborn_visit",
                                  "child_tcm", "child_hearing"}  # fmt: skip
    assert computed(st, on) == want


def test_one_resident_and_a_window_give_the_same_items(clinic):
    st, table = clinic
    want = reference(st, table, TODAY)
    some = sorted({r[0] for r in want})[::5]
    got = set()
    for u in some:
        got |= computed(st, TODAY, uuids=[u])
    assert got == {r for r in want if r[0] in some}
    lo, hi = TODAY - dt.timedelta(days=30), TODAY + dt.timedelta(days=30)
    assert computed(st, TODAY, start=lo, until=hi) == {
        r for r in want if lo.isoformat() <= r[4] <= hi.isoformat()
    }


def test_slots_worked_out_by_hand(tmp_path):
    st = make_store(tmp_path / "d")
    try:
        birth = TODAY - dt.timedelta(days=200)  # 6 months and a bit: the 6-month window
        kid = person(st, "手算", "1", birth)
        add(st, kid, "child_1_8m", visit_date=(birth + dt.timedelta(days=29)).isoformat(), slot="1")
        add(st, kid, "child_1_8m", visit_date=schedule.add_months(birth, 3).isoformat(), slot="3")
        # a 6-month check recorded without its Hb: done for the check, not for the Hb
        add(st, kid, "child_1_8m", visit_date=ago(5), slot="6", hearing="1")
        six = schedule.add_months(birth, 6)
        got = {i["rule"]: i for i in due.compute(st, on=TODAY, programme="child", uuids=[kid])}
        assert got["child_check"]["item"] == "儿童健康检查（8月龄）"
        assert got["child_check"]["due_date"] == schedule.add_months(birth, 8).isoformat()
        assert (
            got["child_hb"]["item"] == "血红蛋白检测（6～8月龄）"
            and got["child_hb"]["due_date"] == six.isoformat()
        )
        assert got["child_hearing"]["item"] == "听力筛查（12月龄）"
        assert got["child_tcm"]["item"] == "儿童中医药健康管理（6月龄）"
        # Hb at 8 months does the 6-8 month Hb slot (done_by)
        add(st, kid, "child_1_8m", visit_date=ago(0), slot="8", hemoglobin=118)
        got = {i["rule"]: i for i in due.compute(st, on=TODAY, programme="child", uuids=[kid])}
        assert got["child_hb"]["item"] == "血红蛋白检测（18月龄）"
        assert got["child_hb"]["due_date"] == schedule.add_months(birth, 18).isoformat()
    finally:
        st.close()


def test_migration_0013_indexes_the_slots_and_the_pregnancy_facts_of_stored_records(tmp_path):
    # Records stored before 0013 are in its indexes after the upgrade, and both due lists read
    # the indexes alone.
    import sqlcipher3

    from app import paths
    from app.db import migrate
    from app.db.models import MATERNAL_FORMS, PREGNANCY_FACTS
    from app.services import pregnancies
    from app.store import Store
    from tests.app.opshelp import PASSWORD, USER

    assert MATERNAL_FORMS == P.FORMS and PREGNANCY_FACTS == pregnancies._KEYS
    d = tmp_path / "d"
    st = make_store(d)
    kid = person(st, "升级", "1", TODAY - dt.timedelta(days=100))
    add(st, kid, "child_1_8m", visit_date=ago(70), slot="1")
    mum = person(st, "升级母亲", "2", dt.date(1993, 3, 3))
    add(st, mum, P.FIRST, visit_date=ago(60), lmp=ago(140))
    before = computed(st, TODAY)
    assert {r[1] for r in before} >= {"child_check", "prenatal_visits"}
    key = st.data_key
    st.close()
    db = paths.db_path(d)
    migrate.downgrade_file(db, key, "0012")

    def schema() -> dict[str, str]:
        conn = sqlcipher3.connect(str(db))
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        try:
            return dict(
                conn.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                )
            )
        finally:
            conn.close()

    old = schema()
    assert "ix_record_pregnancy" not in old and "'$.slot'" not in old["ix_record_latest"]
    st = Store.open(d, USER, PASSWORD)  # upgrades to 0013
    try:
        new = schema()
        assert "ix_record_pregnancy" in new and "'$.slot'" in new["ix_record_latest"]
        assert computed(st, TODAY) == before
        table = rules_mod.for_store(st)
        with st.session() as s:
            conn = s.connection().connection.driver_connection
            sqls: list[str] = []
            conn.set_trace_callback(sqls.append)  # every statement, its values bound
            try:
                due.compute_in(
                    s,
                    table,
                    [r for r in table.rules if r.programme in ("child", "maternal")],
                    on=TODAY,
                )
            finally:
                conn.set_trace_callback(None)
            plans = {sql: " ".join(r[-1] for r in conn.execute("EXPLAIN QUERY PLAN " + sql))
                     for sql in sqls if "'$.slot'" in sql or "ix_record_pregnancy" in sql}  # fmt: skip
        slots = [p for sql, p in plans.items() if "'$.slot'" in sql]
        assert len(slots) == 4 and all("COVERING INDEX ix_record_latest" in p for p in slots)
        [maternal] = [p for sql, p in plans.items() if "ix_record_pregnancy" in sql]
        assert (
            "USING INDEX" not in maternal.replace("COVERING INDEX", "")
            and "COVERING INDEX ix_record_pregnancy" in maternal
        )
    finally:
        st.close()
