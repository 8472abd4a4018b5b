"""`cunyi county stats`: the clinics' indicators computed by the county server from what they
synced, with the same code; the county's figures are the sum of the clinics'."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from synchelp import cli

from app.services import indicators, records, residents

TODAY = dt.date.today()
YEAR = TODAY.year

pytestmark = pytest.mark.skipif(dt.date(YEAR, 1, 12) > TODAY, reason="needs ten past days of the year")


def day(n: int) -> str:
    return (dt.date(YEAR, 1, 1) + dt.timedelta(days=n - 1)).isoformat()


def crafted(store, seed: int, htn_visits: list[tuple[int, int]], exam: bool) -> None:
    """A few residents: HTN with the given visits (and maybe the exam), a DM patient with one
    visit, an elderly resident with exam and self-care, and a young one without records."""
    def add(name, birth, **extra):
        return residents.add(store, {"name": name, "sex": "2", "birth_date": birth, **extra},
                             allow_similar=True)["uuid"]  # fmt: skip

    h = add(f"高{'一二三'[seed]}", "1960-02-02", past_diseases=[{"code": "2"}])
    for n, (sbp, dbp) in enumerate(htn_visits, start=1):
        records.add(store, h, "htn_followup", {"visit_date": day(n), "sbp": sbp, "dbp": dbp,
                                               "classification": "1"}, confirmed=True)  # fmt: skip
    if exam:
        records.add(store, h, "health_exam", {"visit_date": day(8)}, confirmed=True)
    d = add(f"糖{'一二三'[seed]}", "1970-03-03", past_diseases=[{"code": "3"}])
    records.add(store, d, "dm_followup", {"visit_date": day(2), "fasting_glucose": 6.0 + seed,
                                          "classification": "1"}, confirmed=True)  # fmt: skip
    old = add(f"老{'一二三'[seed]}", f"{YEAR - 70}-04-04")
    records.add(store, old, "health_exam", {"visit_date": day(3), "elderly_selfcare": "1"}, confirmed=True)
    add(f"青{'一二三'[seed]}", "2000-05-05")
    # issue 16: an SMI patient (stable), a TB patient who completed the course, one notified
    # and not yet visited, and the elderly resident's TCM assessment (clinic one only)
    from forms.examples import example

    def doc(form: str, n: int, **changes):
        d = example(form) | {"visit_date": day(n)}
        for k in ("next_visit_date", "pickup_date", "stop_date", "stop_reason"):
            d.pop(k, None)
        return d | changes

    m = add(f"精{'一二三'[seed]}", "1980-06-06", past_diseases=[{"code": "8"}])
    records.add(store, m, "smi_followup", doc("smi_followup", 2, classification="3", risk_level="0"), confirmed=True)
    t = add(f"结{'一二三'[seed]}", "1985-07-07")
    records.add(store, t, "tb_first_visit", doc("tb_first_visit", 1), confirmed=True)
    records.add(store, t, "tb_followup", doc("tb_followup", 5, stop_date=day(5), stop_reason="1", doses_due=100,
                                             doses_taken=95 - 10 * seed), confirmed=True)  # fmt: skip
    add(f"通{'一二三'[seed]}", "1990-08-08", past_diseases=[{"code": "9", "diagnosed": day(4)}])
    if seed == 0:
        records.add(store, old, "elderly_tcm", doc("elderly_tcm", 4), confirmed=True)


def test_county_figures_are_the_sum_of_the_clinics(three, county):
    one, two, _hospital, township = three
    crafted(one.store, 0, [(130, 80)] * 4, exam=True)
    crafted(two.store, 1, [(150, 95), (145, 92)], exam=False)
    for inst in (one, two):
        inst.sync()
    clinics = {inst.area: {i["code"]: i for i in indicators.stats(inst.store, YEAR)} for inst in (one, two)}
    out = cli("county", "stats", "--db", county.db, "--year", str(YEAR), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    [mine] = [t for t in data["townships"] if t["township"] == township]
    villages = {v["village"]: {i["code"]: i for i in v["indicators"]} for v in mine["villages"]}
    town = {i["code"]: i for i in mine["indicators"]}
    for code in clinics[one.area]:
        for area, figures in clinics.items():
            assert villages[area][code]["numerator"] == figures[code]["numerator"], (code, area)
            if code not in ("filing_rate", "e_filing_rate"):
                assert villages[area][code]["denominator"] == figures[code]["denominator"], (code, area)
        assert town[code]["numerator"] == sum(c[code]["numerator"] for c in clinics.values()), code
        if code not in ("filing_rate", "e_filing_rate"):
            assert town[code]["denominator"] == sum(c[code]["denominator"] for c in clinics.values()), code
    # worked by hand: clinic one's HTN patient is managed to standard and controlled, two's not
    assert (town["htn_standard_mgmt"]["numerator"], town["htn_standard_mgmt"]["denominator"]) == (1, 2)
    assert (town["htn_bp_control"]["numerator"], town["htn_bp_control"]["denominator"]) == (1, 2)
    # 6.0 is below 7.0, 7.0 is not
    assert (town["dm_glucose_control"]["numerator"], town["dm_glucose_control"]["denominator"]) == (1, 2)
    # the HTN patients are 66 too; 高一's exam has no self-care assessment: only the two 老
    assert (town["elderly_mgmt"]["numerator"], town["elderly_mgmt"]["denominator"]) == (2, 4)
    # issue 16, by hand: both SMI patients stable, neither managed to standard (1 visit, no exam);
    # two TB patients visited of four notified or visited; 95% is regular, 85% not; one TCM of
    # the four 65+
    assert (town["smi_stable"]["numerator"], town["smi_stable"]["denominator"]) == (2, 2)
    assert (town["smi_standard_mgmt"]["numerator"], town["smi_standard_mgmt"]["denominator"]) == (0, 2)
    assert (town["tb_mgmt"]["numerator"], town["tb_mgmt"]["denominator"]) == (2, 4)
    assert (town["tb_regular_medication"]["numerator"], town["tb_regular_medication"]["denominator"]) == (1, 2)
    assert (town["elderly_tcm_mgmt"]["numerator"], town["elderly_tcm_mgmt"]["denominator"]) == (1, 4)
    assert town["filing_rate"]["numerator"] == 14 and town["filing_rate"]["denominator"] is None
    assert "常住人口" in town["filing_rate"]["note"]
    assert data["indicators"][0]["numerator"] >= 14  # the county: this township and earlier tests'
    # A year out of range: refused naming the field, exit 3, as the clinic's `cunyi stats` says it.
    bad = cli("county", "stats", "--db", county.db, "--year", "1800")
    assert bad.returncode == 3 and "年度（year）：须为1990–2200之间的年份，现为 1800" in bad.stderr, bad.stderr
