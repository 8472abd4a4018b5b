"""Pregnancy episodes from a woman's maternal records (forms/pregnancy.py): opened by the first
exam, joined by the follow-ups of its weeks, ended by a delivery or another outcome, several
per woman; the week of pregnancy at its boundaries; the first exam's 孕周 against its LMP."""

from __future__ import annotations

import datetime as dt

import pytest

import forms
from forms import pregnancy as P
from forms.examples import example
from forms.model import ValidationContext
from tests.forms.formslib import ctx
from tests.forms.preglib import first, follow, rec

D = dt.date.fromisoformat
def test_one_pregnancy_from_first_exam_to_the_42_day_exam() -> None:
    rs = [first("2026-02-20", "2025-12-01"), follow("2026-04-10", 2), follow("2026-05-20", 3),
          rec(P.VISIT, "2026-09-12", delivery_date="2026-09-03", discharge_date="2026-09-06"),
          rec(P.DAY42, "2026-10-16", delivery_date="2026-09-03")]  # fmt: skip
    (ep,) = P.episodes(reversed(rs))  # any order in
    assert ep.lmp == D("2025-12-01") and ep.edd == D("2026-09-08") and ep.dating == ep.lmp
    assert ep.registered == D("2026-02-20") and ep.first_weeks == 11  # 81 days
    assert [r.uuid for r in ep.records] == [r.uuid for r in rs]
    assert ep.delivered and ep.end == D("2026-09-03") and ep.discharge == D("2026-09-06")
    assert ep.closed and ep.state(D("2026-10-20")) == "closed"
    assert ep.state(D("2026-09-20")) == "closed"  # closed by the 42-day exam whatever the day asked


def test_the_state_through_a_pregnancy() -> None:
    (ep,) = P.episodes([first("2026-02-20", "2025-12-01")])
    assert ep.state(D("2026-06-01")) == "pregnant"
    assert ep.state(D("2025-12-01") + dt.timedelta(days=P.OPEN_UNTIL_DAYS)) == "pregnant"  # 42+6
    assert ep.state(D("2025-12-01") + dt.timedelta(days=P.OPEN_UNTIL_DAYS + 1)) == "overdue"  # 43+0
    (ep,) = P.episodes([first("2026-02-20", "2025-12-01"), rec(P.VISIT, "2026-09-12", delivery_date="2026-09-03")])
    assert ep.state(D("2026-09-20")) == "postpartum" and not ep.closed


@pytest.mark.parametrize(("day", "weeks"), [
    ("2025-12-01", (0, 0)), ("2025-12-07", (0, 6)), ("2025-12-08", (1, 0)),
    ("2026-03-01", (12, 6)), ("2026-03-02", (13, 0)),  # the 早孕 boundary: 12+6 is still before 13 weeks
    ("2026-09-06", (39, 6)), ("2026-09-07", (40, 0)),  # 280 days (Naegele's 预产期 is 09-08 here)
])  # fmt: skip
def test_week_of_pregnancy_at_its_boundaries(day: str, weeks: tuple[int, int]) -> None:
    (ep,) = P.episodes([first("2026-01-10", "2025-12-01")])
    assert ep.weeks_on(D(day)) == weeks
    assert ep.weeks_on(D("2025-11-30")) is None


def test_a_corrected_due_date_dates_the_pregnancy() -> None:
    (ep,) = P.episodes([first("2026-02-20", "2025-12-01", edd="2026-09-15")])  # ultrasound: a week later
    assert ep.dating == D("2025-12-09") and ep.weeks_on(D("2026-02-20")) == (10, 3)
    (ep,) = P.episodes([first("2026-02-20", gest_weeks=12, gest_days=2)])  # 末次月经不详
    assert ep.dating == D("2026-02-20") - dt.timedelta(days=86) and ep.edd == ep.dating + dt.timedelta(days=280)


def test_several_pregnancies_and_visits_joining_the_right_one() -> None:
    rs = [
        first("2024-02-20", "2023-12-01"), follow("2024-04-10", 2),
        rec(P.VISIT, "2024-09-12", delivery_date="2024-09-03"),
        rec(P.DAY42, "2024-10-16"),
        first("2026-01-15", "2025-11-20"), follow("2026-03-20", 2),
        rec(P.OUTCOME, "2026-04-02", outcome="3", outcome_date="2026-03-30"),
        first("2026-08-01", "2026-06-10"), follow("2026-10-10", 2),
    ]  # fmt: skip
    eps = P.episodes(rs)
    assert len(eps) == 3
    assert [len(e.records) for e in eps] == [4, 3, 2]
    assert eps[0].delivered and eps[0].closed
    assert eps[1].outcome == "3" and eps[1].end == D("2026-03-30") and not eps[1].delivered
    assert eps[1].state(D("2026-05-01")) == "closed"
    assert eps[2].state(D("2026-10-11")) == "pregnant"
    assert P.containing(eps, rs[5].uuid) is eps[1] and P.latest(eps) is eps[2]


def test_a_follow_up_after_the_outcome_opens_an_unregistered_pregnancy() -> None:
    rs = [first("2026-01-15", "2025-11-20"), rec(P.OUTCOME, "2026-03-01", outcome="4", outcome_date="2026-02-27"),
          follow("2026-09-01", 2, gest_weeks=18)]  # fmt: skip
    eps = P.episodes(rs)
    assert len(eps) == 2 and eps[1].registered is None
    assert eps[1].dating == D("2026-09-01") - dt.timedelta(weeks=18)
    assert eps[1].weeks_on(D("2026-09-01")) == (18, 0)


def test_a_follow_up_past_42_weeks_does_not_join() -> None:
    lmp = D("2025-12-01")
    last_day = (lmp + dt.timedelta(days=P.OPEN_UNTIL_DAYS)).isoformat()
    late = (lmp + dt.timedelta(days=P.OPEN_UNTIL_DAYS + 1)).isoformat()
    assert len(P.episodes([first("2026-02-20", lmp.isoformat()), follow(last_day, 5)])) == 1
    assert len(P.episodes([first("2026-02-20", lmp.isoformat()), follow(late, 5)])) == 2


def test_lost_and_moved_close_without_a_delivery_and_a_second_first_exam_supersedes() -> None:
    eps = P.episodes([first("2026-01-15", "2025-11-20"), rec(P.OUTCOME, "2026-05-02", outcome="7",
                                                              outcome_date="2026-05-01")])  # fmt: skip
    assert eps[0].state(D("2026-05-03")) == "closed" and not eps[0].delivered
    eps = P.episodes([first("2026-01-15", "2025-11-20"), first("2026-06-01", "2026-04-20")])
    assert eps[0].outcome == "superseded" and eps[0].end == D("2026-06-01") and eps[1].state(D("2026-06-02")) == "pregnant"


def test_a_delivery_recorded_only_by_the_outcome_record_then_the_postpartum_visit_joins() -> None:
    eps = P.episodes([first("2026-01-15", "2025-11-20"),
                      rec(P.OUTCOME, "2026-08-30", outcome="1", outcome_date="2026-08-28"),
                      rec(P.VISIT, "2026-09-03", delivery_date="2026-08-28", discharge_date="2026-08-31")])  # fmt: skip
    assert len(eps) == 1 and eps[0].delivered and eps[0].discharge == D("2026-08-31") and not eps[0].closed
    # a postpartum visit of another delivery (a different date) does not join
    eps = P.episodes([rec(P.OUTCOME, "2026-08-30", outcome="1", outcome_date="2026-08-28"),
                      rec(P.VISIT, "2026-09-03", delivery_date="2026-06-01")])  # fmt: skip
    assert len(eps) == 2


def test_a_postpartum_visit_without_any_antenatal_record() -> None:
    (ep,) = P.episodes([rec(P.VISIT, "2026-09-12", delivery_date="2026-09-03")])
    assert ep.delivered and ep.end == D("2026-09-03") and ep.registered is None and ep.dating is None


def test_of_docs_leaves_out_rows_without_a_day() -> None:
    eps = P.of_docs([("a", P.FIRST, {"visit_date": "2026-01-15", "lmp": "2025-11-20"}),
                     ("b", P.FOLLOWUP, {"visit_no": 2}), ("c", "htn_followup", {"visit_date": "2026-02-01"})])  # fmt: skip
    assert len(eps) == 1 and [r.uuid for r in eps[0].records] == ["a"]


# --- the first exam's 孕周 against its 末次月经 (a validation rule of the form)


def errors(doc: dict) -> dict[str, str]:
    c = ValidationContext(today=ctx().today)
    return {e.key: e.message for e in forms.validate("prenatal_first", doc, c)}


@pytest.mark.parametrize(("weeks", "days", "bad"), [
    (11, 4, False), (10, 4, False), (12, 4, False),  # exact, and a week either way
    (10, 3, True), (12, 5, True), (20, 0, True),
])  # fmt: skip
def test_first_exam_weeks_against_the_last_period(weeks: int, days: int, bad: bool) -> None:
    got = errors(example("prenatal_first") | {"gest_weeks": weeks, "gest_days": days})  # LMP gives 11+4
    assert ("gest_weeks" in got) is bad
    if bad:
        assert "2023-12-01" in got["gest_weeks"] and "11周4天" in got["gest_weeks"] and "核对" in got["gest_weeks"]


def test_weeks_by_a_corrected_due_date_are_accepted() -> None:
    doc = example("prenatal_first") | {"edd": "2024-09-22", "gest_weeks": 9, "gest_days": 2}  # dated 2 weeks later
    assert errors(doc) == {}
    assert "gest_weeks" in errors(doc | {"gest_weeks": 15})


def test_the_outcome_form() -> None:
    assert errors  # the module's helper is for prenatal_first; the outcome form is validated here
    c = ValidationContext(today=ctx().today)
    ok = example("pregnancy_outcome")
    assert forms.validate("pregnancy_outcome", ok, c) == []
    got = {e.key: e.message for e in forms.validate("pregnancy_outcome", ok | {"outcome_date": "2024-03-20"}, c)}
    assert set(got) == {"visit_date"}
    got = {e.key for e in forms.validate("pregnancy_outcome", {"visit_date": "2024-03-18"}, c)}
    assert {"outcome", "outcome_date"} <= got
    assert forms.get_form("pregnancy_outcome", "2009").table(forms.get_form("pregnancy_outcome").field("outcome")).label("3") == "自然流产"


def test_the_outcome_record_prints_as_a_sheet(tmp_path) -> None:
    import forms.pdf as PDF
    from tests.forms.pdflib import pdf_text, resident_from_examples, save_pngs, squeeze

    doc = forms.prepare("pregnancy_outcome", example("pregnancy_outcome"))
    out = tmp_path / "pregnancy_outcome.pdf"
    rec = {"uuid": "r1", "form": "pregnancy_outcome", "edition": "2017", "visit_date": doc["visit_date"], "doc": doc}
    PDF.render_form("pregnancy_outcome", resident_from_examples(), [rec], out)
    text = squeeze(pdf_text(out))
    for w in ("妊娠结局记录", "结局日期", "2024年03月15日", "3自然流产", "县妇幼保健院", "孕15周自然流产，已清宫"):
        assert squeeze(w) in text, w
    save_pngs(out, "pregnancy_outcome")
