"""The clinic's health education log (issue 16) in a real encrypted installation: the writer
(versions, outbox, audit; corrections keep history; a voided entry stays with its reason; bad
input leaves no trace), kept apart from residents' records, the yearly indicator on a crafted
year counted by hand (and configurable in the rules table), and `cunyi activity`."""

from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.db.models import Activity, Audit, Outbox, Version
from app.errors import InvalidInput, NotFound
from app.services import activities, indicators, printing, records, residents
from forms.examples import example
from forms.indicators import Activity as Counted
from forms.indicators import activity_figures
from forms.rules import default


def lecture(**changes: Any) -> dict[str, Any]:
    doc = {**example("health_education"), **changes}
    return {k: v for k, v in doc.items() if v is not None}


def rows_of(store: Any, uuid: str) -> dict[str, list[Any]]:
    with store.session() as s:
        return {
            "versions": list(s.execute(select(Version.rev, Version.action, Version.user)
                                       .where(Version.entity_uuid == uuid).order_by(Version.rev))),
            "outbox": list(s.execute(select(Outbox.entity, Outbox.op)
                                     .where(Outbox.entity_uuid == uuid).order_by(Outbox.device_seq))),
            "audit": list(s.execute(select(Audit.action, Audit.entity).where(Audit.entity_uuid == uuid)
                                    .order_by(Audit.seq))),
        }  # fmt: skip


def totals(store: Any) -> tuple[int, int, int, int]:
    with store.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) or 0 for t in (Activity, Version, Outbox, Audit))  # type: ignore[return-value]


def test_add_correct_void_each_leaves_history_outbox_and_audit(store: Any) -> None:
    a = activities.add(store, lecture())
    assert rows_of(store, a["uuid"]) == {"versions": [(1, "create", "admin")],
                                         "outbox": [("activity", "create")],
                                         "audit": [("create", "activity")]}  # fmt: skip
    saved = activities.update(store, a["uuid"], {"participants": 40, "time_of_day": None})
    assert (saved.rev, sorted(saved.changed)) == (2, ["participants", "time_of_day"])
    done = activities.void(store, a["uuid"], "  与5月21日的记录重复 ")
    assert (done.rev, sorted(done.changed)) == (3, ["status", "void_reason"])
    got = rows_of(store, a["uuid"])
    assert got["versions"] == [(1, "create", "admin"), (2, "update", "admin"), (3, "status", "admin")]
    assert got["outbox"] == [("activity", "create"), ("activity", "update"), ("activity", "status")]
    assert [x[0] for x in got["audit"]] == ["create", "update", "status"]
    history = activities.history(store, a["uuid"])
    assert history[0]["data"]["participants"] == 36 and history[0]["data"]["time_of_day"] == "09:00-11:00"
    assert history[1]["changes"]["participants"] == {"old": 36, "new": 40}
    assert history[2]["changes"]["void_reason"] == {"old": None, "new": "与5月21日的记录重复"}
    shown = activities.get(store, a["uuid"][:8])  # the short id `activity list` prints
    assert (shown["status"], shown["void_reason"], shown["doc"]["participants"]) == ("voided", "与5月21日的记录重复", 40)
    listed = activities.list_year(store, 2024)
    assert [(r["uuid"], r["status"]) for r in listed] == [(a["uuid"], "voided")]  # never hidden
    assert activities.list_year(store, 2024, voided=False) == []
    with store.session() as s:  # a view is audited like a record's
        assert s.scalar(select(func.count()).select_from(Audit).where(
            Audit.entity_uuid == a["uuid"], Audit.action == "view")) == 2  # fmt: skip


@pytest.mark.parametrize(
    ("attempt", "key"),
    [
        (lambda st, u: activities.add(st, lecture(place="")), "place"),
        (lambda st, u: activities.add(st, lecture(activity_kind="3", material_kinds=2)), "material_kinds"),
        (lambda st, u: activities.add(st, ["not", "a", "form"]), "$"),
        (lambda st, u: activities.add(st, lecture(), form="htn_followup"), "form"),
        (lambda st, u: activities.update(st, u, {"visit_date": "2099-01-01"}), "visit_date"),
        (lambda st, u: activities.update(st, u, {"content": None}), "content"),
        (lambda st, u: activities.void(st, u, "  "), "void_reason"),
        (lambda st, u: activities.void(st, u, "因" * 201), "void_reason"),
    ],
)
def test_bad_input_names_the_field_and_nothing_is_saved(store: Any, attempt: Any, key: str) -> None:
    u = activities.add(store, lecture())["uuid"]
    before = totals(store)
    with pytest.raises(InvalidInput) as e:
        attempt(store, u)
    assert key in [f.key for f in e.value.errors], e.value.errors
    assert all(f.label and not f.label.isascii() for f in e.value.errors)
    assert totals(store) == before
    assert activities.get(store, u)["rev"] == 1


def test_a_voided_entry_is_kept_as_voided(store: Any) -> None:
    u = activities.add(store, lecture())["uuid"]
    activities.void(store, u, "误录")
    with pytest.raises(InvalidInput, match="已作废"):
        activities.void(store, u, "再次")
    with pytest.raises(InvalidInput, match="已作废"):
        activities.update(store, u, {"topic": "改"})
    with pytest.raises(NotFound):
        activities.get(store, "00000000-0000-0000-0000-000000000000")


def test_it_is_not_a_residents_record(store: Any) -> None:
    r = residents.add(store, {"name": "张三", "sex": "1", "birth_date": "1958-04-05"})
    with pytest.raises(InvalidInput) as e:
        records.add(store, r["uuid"], "health_education", lecture())
    assert "不属于居民档案" in str(e.value.errors[0])
    assert records.list_for(store, r["uuid"]) == []
    for attempt in (lambda: printing.print_form(store, "health_education", [r["uuid"]], io.BytesIO()),
                    lambda: printing.print_blanks(store, [("health_education", r["uuid"])], io.BytesIO())):  # fmt: skip
        with pytest.raises(InvalidInput) as e:
            attempt()
        assert "不属于居民档案" in str(e.value.errors[0])


def crafted_year(store: Any) -> None:
    """A village clinic's 2024, with what must not count (another year, a voided entry)."""
    def add(kind: str, day: str, **extra: Any) -> str:
        return activities.add(store, lecture(activity_kind=kind, visit_date=day, filled_date=day, **extra))["uuid"]

    no_people = {"participants": None}
    add("1", "2024-01-10", material_kinds=5, **no_people)
    add("1", "2024-04-10", material_kinds=4, **no_people)
    add("1", "2024-07-10", **no_people)  # no number of kinds: one kind
    activities.void(store, add("1", "2024-08-10", material_kinds=10, **no_people), "重复")
    add("2", "2024-02-02", material_kinds=6, **no_people)
    for month in range(1, 12, 2):
        add("3", f"2024-{month:02d}-15", **no_people)
    add("3", "2023-12-31", **no_people)  # last year
    for month in (2, 4, 6, 8, 10):
        add("4", f"2024-{month:02d}-20")
    add("5", "2024-03-05")
    add("5", "2024-09-05")
    add("6", "2024-06-06", **no_people)


def test_the_indicator_on_a_crafted_year_counted_by_hand(store: Any) -> None:
    crafted_year(store)
    items = {i["code"]: i for i in indicators.stats(store, 2024)}
    he = items["health_education_activities"]
    # by hand: printed 5+4+1 = 10 kinds < 12; audio-visual 6 >= 6; bulletin 6 (2023 not counted)
    # >= 6; lectures 5 < 6; consultations 2 (village clinic: no figure); individual: not asked
    by_kind = {k["kind"]: (k["count"], k["required"], k["met"]) for k in he["by_kind"]}
    assert by_kind == {"1": (10, 12, False), "2": (6, 6, True), "3": (6, 6, True), "4": (5, 6, False),
                       "5": (2, 0, None)}  # fmt: skip
    assert (he["numerator"], he["denominator"], he["rate"]) == (2, 4, 50.0)
    assert "村卫生室" in he["note"] and "健康知识讲座 5/6次（未达标）" in he["note"]
    assert "health_education_activities" not in {i["code"] for i in indicators.stats(store, 2024, "101")}
    assert {i["code"]: i for i in indicators.stats(store, 2023)}["health_education_activities"]["by_kind"][2]["count"] == 1
    # a township hospital's figures for the same activities: 12 lectures and 9 consultations asked
    ind = default().indicator("health_education_activities")
    counted = [Counted(r["doc"]["activity_kind"], r["doc"].get("material_kinds"))
               for r in activities.list_year(store, 2024, voided=False)]  # fmt: skip
    township = activity_figures(ind, counted, "township")
    assert (township["numerator"], township["denominator"], township["rate"]) == (2, 5, 40.0)


def test_the_requirement_is_configurable_in_the_rules_table(store: Any, data_dir: Path) -> None:
    crafted_year(store)
    base = default().indicator("health_education_activities")["requirements"]
    fewer = [dict(r, per_year={"village": 5, "township": 12}) if r["kind"] == "4" else r for r in base]
    local = {"table": "本县", "extends": "ed2017",
             "override_indicators": {"health_education_activities": {"requirements": fewer}}}  # fmt: skip
    (data_dir / "rules.json").write_text(json.dumps(local, ensure_ascii=False), "utf-8")
    he = {i["code"]: i for i in indicators.stats(store, 2024)}["health_education_activities"]
    assert (he["numerator"], he["denominator"]) == (3, 4)  # lectures 5 >= 5 now


def test_cli_add_list_void_print(cli: Any, tmp_path: Path) -> None:
    doc = tmp_path / "a.json"
    doc.write_text(json.dumps(lecture(), ensure_ascii=False), "utf-8")
    out = cli("activity", "add", "--json", str(doc))
    assert out.returncode == 0, out.stderr
    uuid = json.loads(out.stdout)["uuid"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(lecture(topic=""), ensure_ascii=False), "utf-8")
    refused = cli("activity", "add", "--json", str(bad))
    assert refused.returncode != 0 and "活动主题" in refused.stderr
    listed = cli("activity", "list", "--year", "2024")
    assert listed.returncode == 0 and uuid[:8] in listed.stdout and "健康知识讲座" in listed.stdout
    assert "有效" in listed.stdout
    assert cli("activity", "void", uuid[:8], "--reason", "测试作废").returncode == 0
    assert "作废：测试作废" in cli("activity", "list", "--year", "2024").stdout
    assert "没有活动记录" in cli("activity", "list", "--year", "2023").stdout
    pdf = tmp_path / "y.pdf"
    printed = cli("activity", "print", "--year", "2024", "-o", str(pdf), "--json")
    assert printed.returncode == 0, printed.stderr
    assert json.loads(printed.stdout)["pages"] == 2
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "作废：测试作废" in re.sub(r"\s+", "", text)
    both = cli("activity", "print", "-o", str(pdf))
    assert both.returncode == 2 and "--year" in both.stderr
    checked = cli("check")  # the history, audit chain and outbox of the log are sound
    assert checked.returncode == 0, checked.stdout + checked.stderr
    stats = cli("stats", "--year", "2024", "--json")
    assert stats.returncode == 0, stats.stderr
    assert {i["code"] for i in json.loads(stats.stdout)} >= {"health_education_activities"}
