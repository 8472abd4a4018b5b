"""The children's schedule rules of the rules table (forms/rules/ed2017.json) through the pure
functions of forms/schedule.py, each at its boundaries (issue 15; programme-forms.md §17)."""

from __future__ import annotations

import datetime as dt
from itertools import product

import pytest

from forms import schedule
from forms.rules import default, validate

D = dt.date
BIRTH = D(2024, 1, 31)  # month ends exercise add_months: +1 month is 29 February, +3 is 30 April
T = default()


def nxt(rule_id, done, on, birth=BIRTH):
    return schedule.age_slots(T.rule(rule_id), birth, set(done), on)


def test_month_one_is_days_28_to_30_and_stays_due_until_month_three_opens():
    d = nxt("child_check", (), D(2024, 2, 1))
    assert (d.item, d.form, d.due, d.deadline) == ("儿童健康检查（满月）", "child_1_8m", D(2024, 2, 28), D(2024, 3, 1))
    assert "2024-02-28至2024-03-01" in d.reason
    # Past its window it is still the item (overdue), until the day before 3月龄 opens (30 April).
    late = nxt("child_check", (), D(2024, 4, 29))
    assert late.item.endswith("（满月）") and "已过期限" in late.reason
    assert nxt("child_check", (), D(2024, 4, 30)).item.endswith("（3月龄）")


def test_a_slot_is_done_only_by_its_own_form_and_slot():
    assert nxt("child_check", {("child_1_8m", "1")}, D(2024, 3, 1)).item.endswith("（3月龄）")
    # the TCM form's slot "6" does not do the 6-month check
    d = nxt("child_check", {("child_1_8m", "1"), ("child_1_8m", "3"), ("child_tcm", "6")}, D(2024, 8, 1))
    assert d.item.endswith("（6月龄）")
    # no going back: a later slot done, the missed earlier ones are not listed again
    assert nxt("child_check", {("child_1_8m", "6")}, D(2024, 8, 1)).item.endswith("（8月龄）")


@pytest.mark.parametrize("slot, form, start, end", [
    ("3", "child_1_8m", D(2024, 4, 30), D(2024, 5, 29)),
    ("8", "child_1_8m", D(2024, 9, 30), D(2024, 10, 29)),
    ("12", "child_12_30m", D(2025, 1, 31), D(2025, 3, 1)),
    ("30", "child_12_30m", D(2026, 7, 31), D(2026, 8, 29)),
    ("36", "child_3_6y", D(2027, 1, 31), D(2028, 1, 30)),  # from the birthday to +11 m 29 d
    ("72", "child_3_6y", D(2030, 1, 31), D(2031, 1, 30)),
])  # fmt: skip
def test_each_slot_window(slot, form, start, end):
    got = {s.slot: s for s in schedule.slots_of(T.rule("child_check"), BIRTH)}
    assert (got[slot].form, got[slot].start, got[slot].end) == (form, start, end)
    assert [s.slot for s in got.values()] == ["1", "3", "6", "8", "12", "18", "24", "30", "36", "48", "60", "72"]


def test_the_last_slot_ends_with_its_window():
    done = {("child_3_6y", "60")}
    assert nxt("child_check", done, D(2031, 1, 30)).item.endswith("（6岁）")
    assert nxt("child_check", done, D(2031, 1, 31)) is None
    assert nxt("child_check", done | {("child_3_6y", "72")}, D(2030, 6, 1)) is None


def test_tcm_at_6_to_36_months():
    slots = [s.slot for s in schedule.slots_of(T.rule("child_tcm"), BIRTH)]
    assert slots == ["6", "12", "18", "24", "30", "36"]
    d = nxt("child_tcm", (), D(2024, 3, 1))
    assert (d.item, d.form, d.due) == ("儿童中医药健康管理（6月龄）", "child_tcm", D(2024, 7, 31))
    assert nxt("child_tcm", {("child_tcm", "6")}, D(2024, 8, 1)).due == D(2025, 1, 31)


def test_hb_at_6_to_8_months_is_done_by_either_column_then_18_months():
    d = nxt("child_hb", (), D(2024, 8, 1))
    assert (d.item, d.due, d.deadline) == ("血红蛋白检测（6～8月龄）", D(2024, 7, 31), D(2024, 10, 30))
    assert nxt("child_hb", {("child_1_8m", "8")}, D(2024, 10, 1)).item.endswith("（18月龄）")
    assert [s.slot for s in schedule.slots_of(T.rule("child_hb"), BIRTH)] == ["6", "18", "30", "48", "60", "72"]


def test_hearing_at_6_12_24_36_months():
    slots = schedule.slots_of(T.rule("child_hearing"), BIRTH)
    assert [(s.slot, s.form) for s in slots] == [("6", "child_1_8m"), ("12", "child_12_30m"),
                                                ("24", "child_12_30m"), ("36", "child_3_6y")]  # fmt: skip


def test_newborn_visit_within_7_days_of_discharge_or_birth():
    rule = T.rule("newborn_visit")
    d = schedule.newborn_visit(rule, D(2024, 3, 1), D(2024, 3, 4), None, D(2024, 3, 5))
    assert (d.due, d.deadline, d.form) == (D(2024, 3, 4), D(2024, 3, 11), "newborn_visit")
    assert "出院日期2024-03-04" in d.reason
    d = schedule.newborn_visit(rule, D(2024, 3, 1), None, None, D(2024, 3, 5))
    assert (d.due, d.deadline) == (D(2024, 3, 1), D(2024, 3, 8)) and "出院日期不详" in d.reason
    assert schedule.newborn_visit(rule, D(2024, 3, 1), None, D(2024, 3, 3), D(2024, 3, 5)) is None
    # listed through day 28 of life, then the neonatal period is over
    assert schedule.newborn_visit(rule, D(2024, 3, 1), None, None, D(2024, 3, 29)) is not None
    assert schedule.newborn_visit(rule, D(2024, 3, 1), None, None, D(2024, 3, 30)) is None


def test_a_bad_slot_list_is_refused_naming_the_rule_and_field():
    raw = {"table": "t", "populations": {"child": {"label": "儿童", "max_age": 6}},
           "rules": [{"id": "c", "kind": "age_slots", "programme": "child", "population": "child",
                      "form": "child_1_8m", "item": "检查",
                      "slots": [{"slot": "1", "label": "满月", "days": 28, "months": 1, "window_days": 2}]}]}  # fmt: skip
    with pytest.raises(ValueError) as e:
        validate(raw)
    assert e.value.rule == "c" and e.value.field == "slots"
    raw["rules"][0]["slots"] = [{"slot": "1", "label": "满月", "days": 28, "window_days": 2, "form": "nope"}]
    with pytest.raises(ValueError, match="nope"):
        validate(raw)


def test_the_lazy_calendar_gives_what_age_slots_gives():
    # The due list's Calendar (slots placed from the last one done on, shared per birth date)
    # and slot_numbers (the last slot a record does) against slots_of and age_slots, for birth
    # dates around month ends and 29 February, every progress and days before, in and after
    # each window.
    S = schedule
    table = default()
    births = [dt.date(2020, 2, 29), dt.date(2021, 1, 31), dt.date(2021, 8, 31), dt.date(2022, 12, 30),
              dt.date(2023, 5, 1), dt.date(2024, 2, 28), dt.date(2024, 3, 31)]  # fmt: skip
    checked = 0
    for rule in (r for r in table.rules if r.kind == "age_slots"):
        numbers = S.slot_numbers(rule)
        for birth in births:
            slots = S.slots_of(rule, birth)
            cal = S.Calendar(rule, birth)
            assert cal.last_until() == slots[-1].until
            days = sorted({d + k for s in slots for d in (s.start, s.end, s.until) for k in (-_1, 0 * _1, _1)})
            for k, on in product(range(len(slots) + 1), days):
                done = {(s.form, s.slot) for s in slots[:k]}  # the first k done
                last = max((numbers.get(f, {}).get(x, -1) for f, x in done), default=-1)
                assert last == k - 1
                assert cal.next_due(last, on) == S.age_slots(rule, birth, done, on)
                checked += 1
            # a slot done by another's record (Hb at 8 months does the 6-8 month one)
            for s in slots:
                for d in s.done_by:
                    want = max(i for i, t in enumerate(slots) if t.form == s.form and d in t.done_by)
                    assert numbers[s.form][d] == want
    assert checked > 1000


_1 = dt.timedelta(days=1)
