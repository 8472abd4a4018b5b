"""The county server counts the maternal indicators from the synced records with the same
episodes (forms/pregnancy.py) as the clinics: the figures per village equal the clinics'."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from synchelp import cli

from app.services import indicators, records, residents

TODAY = dt.date.today()
YEAR = TODAY.year
MATERNAL = ("early_pregnancy_reg", "prenatal_5plus", "postpartum_visit", "maternal_sys_mgmt")

pytestmark = pytest.mark.skipif(dt.date(YEAR, 1, 12) > TODAY, reason="needs ten past days of the year")


def day(n: int) -> dt.date:
    return dt.date(YEAR, 1, 1) + dt.timedelta(days=n - 1)


def mother(store, name: str) -> str:
    return residents.add(store, {"name": name, "sex": "2", "birth_date": "1998-02-02"}, allow_similar=True)["uuid"]


def test_county_maternal_figures_equal_the_clinics(three, county):
    one, two, _hospital, township = three
    # clinic one: registered at 10 weeks, 5 antenatal visits, visited 4 days after discharge
    a = mother(one.store, "孕甲")
    lmp = day(3) - dt.timedelta(days=280)
    add = lambda who, form, st, **doc: records.add(st, who, form, doc, confirmed=True)  # noqa: E731
    add(a, "prenatal_first", one.store, visit_date=(lmp + dt.timedelta(weeks=10)).isoformat(), lmp=lmp.isoformat())
    for n, w in zip(range(2, 6), (18, 22, 30, 38), strict=True):
        add(a, "prenatal_followup", one.store, visit_date=(lmp + dt.timedelta(weeks=w)).isoformat(), visit_no=n)
    add(a, "postpartum_visit", one.store, visit_date=day(8).isoformat(), delivery_date=day(3).isoformat(),
        discharge_date=day(4).isoformat())  # fmt: skip
    # clinic two: delivered elsewhere, visited 5 days after the delivery
    b = mother(two.store, "孕乙")
    add(b, "postpartum_visit", two.store, visit_date=day(7).isoformat(), delivery_date=day(2).isoformat())
    for inst in (one, two):
        inst.sync()
    clinics = {inst.area: {i["code"]: i for i in indicators.stats(inst.store, YEAR)} for inst in (one, two)}
    assert [clinics[one.area][c]["numerator"] for c in MATERNAL] == [1, 1, 1, 1]
    assert [clinics[two.area][c]["numerator"] for c in MATERNAL] == [0, 0, 1, 0]
    out = cli("county", "stats", "--db", county.db, "--year", str(YEAR), "--json")
    assert out.returncode == 0, out.stderr
    [mine] = [t for t in json.loads(out.stdout)["townships"] if t["township"] == township]
    villages = {v["village"]: {i["code"]: i for i in v["indicators"]} for v in mine["villages"]}
    for area, figures in clinics.items():
        for code in MATERNAL:
            got, want = villages[area][code], figures[code]
            assert (got["numerator"], got["denominator"]) == (want["numerator"], want["denominator"]), (area, code)
            assert "记录的分娩数" in got["note"]
    town = {i["code"]: i for i in mine["indicators"]}
    assert [(town[c]["numerator"], town[c]["denominator"]) for c in MATERNAL] == [(1, 2), (1, 2), (2, 2), (1, 2)]
