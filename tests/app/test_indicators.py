"""The indicators (app/services/indicators.py) on a crafted village whose right answers are worked
out by hand below from the crafted records: numerator, denominator and the residents of each."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from app.errors import AuthError, InvalidInput
from app.services import indicators, lifecycle, population, records, residents, users
from forms.idnumber import make

TODAY = dt.date.today()
YEAR = TODAY.year
V, OTHER = "107", "108"

pytestmark = pytest.mark.skipif(dt.date(YEAR, 1, 12) > TODAY, reason="needs ten past days of the year")

SEQ = iter(range(101, 999, 2))


def day(n: int) -> str:
    """The n-th day of this year (all in the past: n <= 11)."""
    return (dt.date(YEAR, 1, 1) + dt.timedelta(days=n - 1)).isoformat()


def person(store, name, birth, village=V, **extra):
    seq = next(SEQ)
    data = {"name": name, "sex": "1", "birth_date": birth, "village": village,
            "id_number": make("110105", dt.date.fromisoformat(birth), seq)}  # fmt: skip
    data.update(extra)
    return residents.add(store, data, allow_similar=True)["uuid"]


def htn_visits(store, who, bps, cls="1"):
    for n, (sbp, dbp) in enumerate(bps, start=1):
        records.add(store, who, "htn_followup", {"visit_date": day(n), "sbp": sbp, "dbp": dbp,
                                                 "classification": cls}, confirmed=True)  # fmt: skip


def dm_visits(store, who, glucoses):
    for n, g in enumerate(glucoses, start=1):
        records.add(store, who, "dm_followup", {"visit_date": day(n), "fasting_glucose": g,
                                                "classification": "1"}, confirmed=True)  # fmt: skip


def exam(store, who, **extra):
    records.add(store, who, "health_exam", {"visit_date": day(9), **extra}, confirmed=True)


@pytest.fixture
def village(store):
    """The crafted village; returns name -> uuid."""
    htn = {"past_diseases": [{"code": "2"}]}
    dm = {"past_diseases": [{"code": "3"}]}
    p = {}
    p["A"] = person(store, "甲", f"{YEAR - 50}-05-05", **htn)  # 4 visits, last 130/80, exam
    htn_visits(store, p["A"], [(150, 95), (138, 88), (135, 85), (130, 80)])
    exam(store, p["A"])
    p["B"] = person(store, "乙", f"{YEAR - 70}-05-05", **htn)  # 70: 145/85 is controlled; no exam
    htn_visits(store, p["B"], [(150, 95)] * 3 + [(145, 85)])
    p["C"] = person(store, "丙", f"{YEAR - 60}-05-05", **htn)  # 60: 145/85 is not; 2 visits
    htn_visits(store, p["C"], [(150, 95), (145, 85)], cls="2")
    p["D"] = person(store, "丁", f"{YEAR - 55}-05-05", **htn)  # lost to follow-up: not controlled
    p["E"] = person(store, "戊", f"{YEAR - 55}-06-06", **dm)  # 4 visits, last 6.5, exam
    dm_visits(store, p["E"], [8.1, 7.5, 7.1, 6.5])
    exam(store, p["E"])
    p["F"] = person(store, "己", f"{YEAR - 45}-06-06", **dm)  # 7.0 is not below 7.0
    dm_visits(store, p["F"], [7.0])
    p["G"] = person(store, "庚", f"{YEAR - 68}-07-07")  # exam with the self-care assessment
    exam(store, p["G"], elderly_selfcare="1")
    p["H"] = person(store, "辛", f"{YEAR - 66}-07-07")  # exam without it
    exam(store, p["H"])
    p["I"] = person(store, "壬", f"{YEAR - 30}-08-08")  # no record at all
    p["L"] = person(store, "癸", f"{YEAR - 65}-12-31")  # 65 on 31 December: counts
    p["M"] = person(store, "子", f"{YEAR - 64}-01-01")  # 64 all year: does not
    p["K"] = person(store, "丑", f"{YEAR - 70}-09-09", **htn)  # moved away: not a resident
    htn_visits(store, p["K"], [(130, 80)])
    lifecycle.set_status(store, p["K"], "moved", reason="迁往县城")
    p["X"] = person(store, "寅", f"{YEAR - 50}-09-09", village=OTHER, **htn)  # another village
    htn_visits(store, p["X"], [(130, 80)] * 4)
    population.put(store, V, YEAR, 20)
    return p


def by_code(items):
    return {i["code"]: i for i in items}


def names(people, refs):
    back = {u: n for n, u in people.items()}
    return sorted(back[r["uuid"]] for r in refs)


def test_each_indicator_on_the_crafted_village(store, village):
    got = by_code(indicators.stats(store, YEAR, V, detail=True))
    residents_of_year = sorted("ABCDEFGHILM")
    expected = {
        # code: (numerator names, denominator names or a population count)
        "filing_rate": (residents_of_year, 20),
        "e_filing_rate": (residents_of_year, 20),
        "usage_rate": (sorted("ABCEFGH"), residents_of_year),
        "htn_standard_mgmt": (["A"], sorted("ABCD")),
        "htn_bp_control": (["A", "B"], sorted("ABCD")),
        "dm_standard_mgmt": (["E"], ["E", "F"]),
        "dm_glucose_control": (["E"], ["E", "F"]),
        "elderly_mgmt": (["G"], sorted("BGHL")),
        # no child in this village (issue 15: tests/app/test_child_indicators.py counts them)
        "newborn_visit": ([], []), "child_mgmt": ([], []), "child_sys_mgmt": ([], []),
    }
    # no pregnancy in this village (the maternal indicators: tests/app/test_preg_indicators.py;
    # the programmes of issue 16: test_programme_indicators.py)
    maternal = {"early_pregnancy_reg", "prenatal_5plus", "postpartum_visit", "maternal_sys_mgmt"}
    assert set(expected) | maternal <= set(got)
    assert all(got[c]["numerator"] == 0 and got[c]["rate"] is None for c in maternal)
    for code, (num, den) in expected.items():
        item = got[code]
        assert names(village, item["numerator_residents"]) == num, code
        assert item["numerator"] == len(num), code
        if isinstance(den, int):
            assert item["denominator"] == den and item["denominator_residents"] is None, code
        else:
            assert names(village, item["denominator_residents"]) == den, code
            assert item["denominator"] == len(den), code
        d = item["denominator"]
        assert item["rate"] == (round(100 * len(num) / d, 1) if d else None), code
        assert item["name"] and item["note"]
    assert got["htn_bp_control"]["rate"] == 50.0 and got["elderly_mgmt"]["rate"] == 25.0


def test_whole_institution_and_missing_population(store, village):
    whole = by_code(indicators.stats(store, YEAR))
    assert whole["htn_standard_mgmt"]["denominator"] == 5  # A B C D and X of the other village
    assert whole["htn_standard_mgmt"]["numerator"] == 1  # X has no exam
    assert whole["filing_rate"]["denominator"] == 20 and "108" in whole["filing_rate"]["note"]
    other = by_code(indicators.stats(store, YEAR, OTHER))
    assert other["filing_rate"]["denominator"] is None and other["filing_rate"]["rate"] is None
    assert "未录入" in other["filing_rate"]["note"]
    assert "numerator_residents" not in other["usage_rate"]
    with pytest.raises(InvalidInput) as e:  # the shared code's BadYear, as the clinic's bad input
        indicators.stats(store, 1800)
    assert e.value.cli_text() == "年度（year）：须为1990–2200之间的年份，现为 1800"


def test_population_input_checked_and_admin_only(store):
    for args, key in (((V, YEAR, 0), "population"), (("1", YEAR, 5), "village"),
                      ((V, 1800, 5), "year")):  # fmt: skip
        with pytest.raises(InvalidInput) as e:
            population.put(store, *args)
        assert key in e.value.cli_text()
    assert population.all_entries(store) == []
    users.add(store, "nurse1", "nurse", "secret1-pw", "护士")
    from app.store import Store

    nurse = Store.open(store.data_dir, "nurse1", "secret1-pw")
    try:
        with pytest.raises(AuthError):
            population.put(nurse, V, YEAR, 5)
    finally:
        nurse.close()


def test_cli_due_stats_population(store, cli):
    who = person(store, "卯", f"{YEAR - 50}-03-03", **{"past_diseases": [{"code": "2"}]})
    records.add(store, who, "htn_followup", {"visit_date": TODAY.isoformat(), "sbp": 165, "dbp": 95,
                                             "classification": "2"})  # fmt: skip
    store.close()
    soon = (TODAY + dt.timedelta(days=14)).isoformat()
    r = cli("due", "--to", soon, "--programme", "htn", "--json")
    assert r.returncode == 0, r.stderr
    [item] = json.loads(r.stdout)
    assert item["resident"]["uuid"] == who and set(item["resident"]) == {"uuid", "record_no", "name", "village"}
    assert item["due_date"] == soon and item["overdue_days"] == 0
    assert item["reason"] == "上次随访控制不满意，2周内复查" and item["form"] == "htn_followup"
    r = cli("due", "--from", "2026-02-30", "--json")
    assert r.returncode == 3 and "from" in r.stderr
    r = cli("population", "set", "--village", V, "--year", str(YEAR), "8")
    assert r.returncode == 0, r.stderr
    r = cli("stats", "--year", str(YEAR), "--village", V, "--detail", "--json")
    got = by_code(json.loads(r.stdout))
    assert got["e_filing_rate"]["numerator"] == 1 and got["e_filing_rate"]["denominator"] == 8
    assert set(got["htn_standard_mgmt"]) == {"code", "name", "numerator", "denominator", "rate", "note",
                                             "numerator_residents", "denominator_residents"}
    r = cli("population", "set", "--village", V, "--year", str(YEAR), "-3")
    assert r.returncode == 3 and "population" in r.stderr
