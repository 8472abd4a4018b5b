"""`cunyi growth REF --json` (issue 15): every measurement of a child with its date, age in days,
values, WHO z-scores and evaluation, on a real encrypted installation through the command."""

from __future__ import annotations

import datetime as dt
import json

from forms import growth


def _add(cli, data: dict) -> dict:
    out = cli("resident", "add", "--json", "-", input=json.dumps(data, ensure_ascii=False))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _record(cli, ref: str, form: str, doc: dict) -> None:
    out = cli("record", "add", ref, "--form", form, "--json", "-", input=json.dumps(doc))
    assert out.returncode == 0, out.stderr


def test_growth_cli_lists_each_measurement_with_its_z_scores(cli):
    birth = dt.date.today() - dt.timedelta(days=800)
    child = _add(cli, {"name": "王小丫", "sex": "2", "birth_date": birth.isoformat()})
    day = lambda n: (birth + dt.timedelta(days=n)).isoformat()  # noqa: E731
    _record(cli, child["uuid"], "child_1_8m",
            {"slot": "3", "visit_date": day(92), "weight_kg": 5.9, "height_cm": 60.0, "head_cm": 39.5})
    # A 12-month girl at the WHO median (8.9481 kg; the form keeps 2 decimals): z = 0.00.
    _record(cli, child["uuid"], "child_12_30m",
            {"slot": "12", "visit_date": day(365), "weight_kg": 8.95, "height_cm": 74.0})
    # Light for her length at 24 months: 消瘦, and 下 for weight.
    _record(cli, child["uuid"], "child_12_30m",
            {"slot": "24", "visit_date": day(731), "weight_kg": 9.0, "height_cm": 86.0,
             "weight_level": "2"})  # the doctor's own judgement is kept on the form
    out = cli("growth", child["record_no"], "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["reference"] == "who2006" and "WHO" in data["reference_label"]
    assert data["cutoffs_verified"] is False  # [verify] until confirmed
    rows = data["measurements"]
    assert [(r["date"], r["age_days"], r["form"]) for r in rows] == [
        (day(92), 92, "child_1_8m"), (day(365), 365, "child_12_30m"), (day(731), 731, "child_12_30m")]
    first, median, thin = rows
    assert set(first["z"]) == {"wfa", "lhfa", "wflh", "bmifa", "hcfa"}
    assert first["z"] == growth.zscores("2", 92, 5.9, 60.0, 39.5)
    assert median["z"]["wfa"] == 0.0 and median["weight"] == 8.95
    assert median["evaluation"] == {"code": "1", "label": "正常"}
    assert thin["z"]["wflh"] < -2 and thin["evaluation"]["label"] == "消瘦"
    assert thin["levels"]["weight_level"] == "3"  # what the WHO cut-offs say …
    assert thin["stored"]["weight_level"] == "2"  # … and what the doctor wrote
    assert median["stored"]["weight_level"] == "2"  # filled on save from the z-score (中)
    text = cli("growth", child["uuid"])
    assert text.returncode == 0 and "消瘦" in text.stdout and "共 3 次测量" in text.stdout
    # Looking at a child's growth is audited as a view of the resident (one per command).
    log = cli("audit", "--json")
    assert log.returncode == 0, log.stderr
    views = [e for e in json.loads(log.stdout)
             if e["action"] == "view" and (e["detail"] or {}).get("what") == "growth"]  # fmt: skip
    assert [e["entity_uuid"] for e in views] == [child["uuid"]] * 2


def test_growth_cli_refusals(cli):
    nobody = _add(cli, {"name": "某婴", "sex": "9", "birth_date": "2025-01-01"})
    out = cli("growth", nobody["uuid"], "--json")
    assert out.returncode == 3 and "性别" in out.stderr and "Traceback" not in out.stderr
    missing = cli("growth", "11010500110199999")
    assert missing.returncode == 5
    adult = _add(cli, {"name": "李秀英", "id_number": "11010519491231002X"})
    out = cli("growth", adult["uuid"], "--json")
    assert out.returncode == 0 and json.loads(out.stdout)["measurements"] == []


def test_growth_levels_follow_a_corrected_measurement(store):
    """records.update: a level the WHO standards gave the old weight is worked out again from
    the corrected one; a level the doctor set otherwise is kept."""
    from app.services import records, residents

    birth = dt.date.today() - dt.timedelta(days=300)
    child = residents.add(store, {"name": "王小丫", "sex": "2", "birth_date": birth.isoformat()})
    visit = (birth + dt.timedelta(days=92)).isoformat()
    uuid = records.add(store, child["uuid"], "child_1_8m",
                       {"slot": "3", "visit_date": visit, "weight_kg": 3.6, "height_cm": 60.0,
                        "height_level": "1"})["uuid"]  # fmt: skip
    saved = records.get(store, uuid)["doc"]
    assert saved["weight_level"] == "3" and saved["height_level"] == "1"
    records.update(store, uuid, {"weight_kg": 6.0}, confirmed=True)  # a typing error corrected
    doc = records.get(store, uuid)["doc"]
    assert doc["weight_level"] == "2"  # 6.0 kg at 3 months is 中
    assert doc["height_level"] == "1"  # the doctor's, not the standard's (中)
    records.update(store, uuid, {"weight_level": "1"}, confirmed=True)
    assert records.get(store, uuid)["doc"]["weight_level"] == "1"  # chosen now: kept
