"""The issue-16 indicators (严重精神障碍, 肺结核, 老年人中医药) on a crafted village whose right
answers are worked out by hand below: numerator, denominator and the residents of each.

By hand (this year, village 109):
- smi_standard_mgmt = ≥4 smi_followup in the year and the annual exam / the SMI patients:
  S1 (4 visits + exam) of S1 S2 S3 S4 -> 1/4 = 25.0
- smi_stable = the year's last visit 3稳定 / the SMI patients: S1, S4 of S1..S4 -> 2/4 = 50.0
  (S2 last 基本稳定; S3 not seen in the year counts as not stable)
- tb_mgmt = a TB visit in the year / notified (既往史 9 确诊 in the year) or visited:
  T1 T2 T3 T6 of T1 T2 T3 T4 T6 -> 4/5 = 80.0 (T4 notified, never visited; T5 notified last
  year, not of this year)
- tb_regular_medication = 服药率 ≥ 90% / the year's 完成疗程 stops: T1 (95%) of T1, T2 (80%)
  -> 1/2 = 50.0 (T3 still treated; T6 stopped by death, not a completed course)
- elderly_tcm_mgmt = an elderly_tcm record in the year / the 65+ residents: E1 of E1 E2 -> 50.0
"""

from __future__ import annotations

import datetime as dt

import pytest

from app.services import indicators, records, residents
from forms.examples import example
from forms.idnumber import make

TODAY = dt.date.today()
YEAR = TODAY.year
V = "109"

pytestmark = pytest.mark.skipif(dt.date(YEAR, 1, 12) > TODAY, reason="needs ten past days of the year")

SEQ = iter(range(301, 999, 2))


def day(n: int) -> str:
    return (dt.date(YEAR, 1, 1) + dt.timedelta(days=n - 1)).isoformat()


def person(store, name, age=40, **extra):
    seq = next(SEQ)
    birth = dt.date(YEAR - age, 5, 5)
    data = {"name": name, "sex": "1", "birth_date": birth.isoformat(), "village": V,
            "id_number": make("110105", birth, seq)} | extra  # fmt: skip
    return residents.add(store, data, allow_similar=True)["uuid"]


def add(store, who, form, n, **changes):
    d = example(form) | {"visit_date": day(n)}
    for k in ("next_visit_date", "pickup_date", "stop_date", "stop_reason"):
        d.pop(k, None)
    d.update(changes)
    records.add(store, who, form, d, confirmed=True)


def smi(store, name, classes, exam=False):
    who = person(store, name, past_diseases=[{"code": "8"}])
    for n, cls in enumerate(classes, start=1):
        add(store, who, "smi_followup", n, classification=cls, risk_level="0" if cls == "3" else "1")
    if exam:
        records.add(store, who, "health_exam", {"visit_date": day(9)}, confirmed=True)
    return who


def tb(store, name, stop=None, rate=None):
    who = person(store, name)
    add(store, who, "tb_first_visit", 1)
    extra = {"stop_date": day(6), "stop_reason": stop, "doses_due": 100, "doses_taken": rate} if stop else {}
    add(store, who, "tb_followup", 6, **extra)
    return who


@pytest.fixture
def village(store):
    p = {"S1": smi(store, "精一", ["1", "2", "3", "3"], exam=True), "S2": smi(store, "精二", ["3"] * 3 + ["2"]),
         "S3": smi(store, "精三", []), "S4": smi(store, "精四", ["3"])}
    p |= {"T1": tb(store, "结一", "1", 95), "T2": tb(store, "结二", "1", 80), "T3": tb(store, "结三"),
          "T6": tb(store, "结六", "2", 100)}
    p["T4"] = person(store, "结四", past_diseases=[{"code": "9", "diagnosed": day(3)}])
    p["T5"] = person(store, "结五", past_diseases=[{"code": "9", "diagnosed": f"{YEAR - 1}-06"}])
    p["E1"] = person(store, "老一", 70)
    add(store, p["E1"], "elderly_tcm", 4)
    p["E2"] = person(store, "老二", 68)
    return p


def test_programme_indicators_on_the_crafted_village(store, village):
    got = {i["code"]: i for i in indicators.stats(store, YEAR, V, detail=True)}
    back = {u: n for n, u in village.items()}
    expected = {
        "smi_standard_mgmt": (["S1"], ["S1", "S2", "S3", "S4"], 25.0),
        "smi_stable": (["S1", "S4"], ["S1", "S2", "S3", "S4"], 50.0),
        "tb_mgmt": (["T1", "T2", "T3", "T6"], ["T1", "T2", "T3", "T4", "T6"], 80.0),
        "tb_regular_medication": (["T1"], ["T1", "T2"], 50.0),
        "elderly_tcm_mgmt": (["E1"], ["E1", "E2"], 50.0),
    }
    for code, (num, den, rate) in expected.items():
        item = got[code]
        assert sorted(back[r["uuid"]] for r in item["numerator_residents"]) == num, code
        assert sorted(back[r["uuid"]] for r in item["denominator_residents"]) == den, code
        assert (item["numerator"], item["denominator"], item["rate"]) == (len(num), len(den), rate), code
        assert item["name"] and item["note"]
    assert got["smi_stable"]["name"] == "严重精神障碍患者稳定率"
    assert got["tb_regular_medication"]["name"] == "肺结核患者规则服药率"


def test_the_pure_code_gives_the_county_the_same_figures(store, village):
    """The county server counts with forms/indicators alone: the same facts, the same figures."""
    from app import rules
    from forms import indicators as shared

    table = rules.for_store(store)
    facts = indicators.facts_local(store, table, YEAR, V)
    a = {i["code"]: (i["numerator"], i["denominator"]) for i in shared.compute(table, facts, None)}
    assert a["tb_mgmt"] == (4, 5) and a["tb_regular_medication"] == (1, 2)
    t4 = next(f for f in facts if f.uuid == village["T4"])
    t5 = next(f for f in facts if f.uuid == village["T5"])
    assert t4.notified == {"9"} and t5.notified == set()
    assert shared.notified_in({"past_diseases": [{"code": "9", "diagnosed": f"{YEAR}-02"}]}, ["9"],
                              f"{YEAR}-01-01", f"{YEAR}-12-31") == {"9"}  # fmt: skip
