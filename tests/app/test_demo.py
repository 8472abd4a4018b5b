"""The demo clinic: realistic made-up villagers, valid everywhere, created only in an empty folder."""

from __future__ import annotations

import collections
import datetime as dt
from pathlib import Path

from opshelp import REPO, cli, cli_json, fingerprint

from app.services import demo
from app.services.demo_people import REGIONS, check_regions, households
from forms.idnumber import known_region, parse

TODAY = dt.date(2026, 6, 30)


def test_demo_command_creates_a_clinic_with_the_documented_login(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    r = cli(data, "demo", "--residents", "40", user="demo", password="demo1234")
    assert r.returncode == 0, r.stderr
    assert "demo" in r.stdout and "demo1234" in r.stdout and "示例村卫生室" in r.stdout
    everyone = cli_json(data, "resident", "find", "", "--json", user="demo", password="demo1234")
    assert len(everyone) == 40
    assert cli(data, "check", user="demo", password="demo1234").returncode == 0
    htn = cli_json(data, "resident", "find", "", "--tag", "htn", "--json", user="demo",
                   password="demo1234")  # fmt: skip
    assert htn, "some hypertension patients"
    recs = cli_json(data, "record", "list", htn[0]["uuid"], "--json", user="demo", password="demo1234")
    assert {"htn_followup"} <= {r["form"] for r in recs}
    # A second run leaves the clinic alone.
    before = fingerprint(data)
    again = cli(data, "demo", user="demo", password="demo1234")
    assert again.returncode == 0 and "已有数据" in again.stderr
    assert fingerprint(data) == before


def test_readme_documents_the_demo_login() -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    assert f"**{demo.USER}**" in readme and f"**{demo.PASSWORD}**" in readme


def test_demo_records_pass_the_forms_and_follow_ups_are_quarterly(tmp_path: Path) -> None:
    out = demo.create(tmp_path / "d", residents=120, seed=3, today=TODAY)
    assert out["residents"] == 120 and out["records"] > 40
    from app.services import records, residents
    from app.store import Store

    store = Store.open(tmp_path / "d", demo.USER, demo.PASSWORD)
    patients = residents.find(store, "", tag="htn")
    assert patients
    visits = [r for r in records.list_for(store, patients[0]["uuid"]) if r["form"] == "htn_followup"]
    dates = sorted(dt.date.fromisoformat(v["visit_date"]) for v in visits)
    assert len(dates) == 4 and TODAY - dt.timedelta(days=380) <= dates[0] and dates[-1] <= TODAY
    assert all(70 <= (b - a).days <= 110 for a, b in zip(dates, dates[1:], strict=False))
    doc = visits[0]["doc"]
    assert {"visit_date", "visit_method", "sbp", "dbp", "weight_kg", "heart_rate",
            "medication_adherence", "classification", "next_visit_date"} <= set(doc)  # fmt: skip
    dm = residents.find(store, "", tag="dm")
    dm_visits = [r for p in dm for r in records.list_for(store, p["uuid"]) if r["form"] == "dm_followup"]
    assert dm_visits and all("fasting_glucose" in v["doc"] for v in dm_visits)
    store.close()


def test_generated_people_are_realistic_valid_and_deterministic() -> None:
    assert check_regions() == [] and all(known_region(c) for c, _ in REGIONS)
    people = households(3000, seed=11, today=TODAY)
    assert len(people) == 3000
    assert [p.data for p in people[:50]] == [p.data for p in households(3000, 11, TODAY)[:50]]
    assert [p.data for p in people[:50]] != [p.data for p in households(3000, 12, TODAY)[:50]]
    ids = [p.data["id_number"] for p in people if "id_number" in p.data]
    assert len(ids) == len(set(ids)) and len(ids) > 2900
    for p in people:
        if "id_number" in p.data:
            info = parse(p.data["id_number"], today=TODAY)
            assert (info.sex, info.birth_date) == (p.data["sex"], p.data["birth_date"])
    sizes = collections.Counter(p.data["household"] for p in people)
    assert set(sizes.values()) <= {2, 3, 4, 5}
    addresses = collections.defaultdict(set)
    for p in people:
        addresses[p.data["household"]].add(p.data["address"])
    assert all(len(a) == 1 for a in addresses.values())
    share = lambda pred: sum(map(pred, people)) / len(people)  # noqa: E731
    assert 0.20 <= share(lambda p: p.htn) <= 0.32
    assert 0.06 <= share(lambda p: p.dm) <= 0.14
    assert 0.20 <= share(lambda p: p.age >= 65) <= 0.40
    assert share(lambda p: p.age < 18) >= 0.08
    surnames = {p.data["name"][0] for p in people}
    assert {"单", "曾", "解"} <= surnames
    phones = [p.data["phone"] for p in people if "phone" in p.data]
    assert len(phones) == len(set(phones))
    htn_docs = [p.data for p in people if p.htn]
    assert all(any(d["code"] == "2" for d in doc["past_diseases"]) for doc in htn_docs)


def test_every_synthetic_resident_passes_the_forms_checks() -> None:
    # A young patient's diagnosis month once fell after today: 4 in 20,000 demo residents were
    # refused by their own clinic's import.
    import datetime as dt

    from app.services.demo_people import households
    from app.services.resident_prep import prepare_rows

    people = households(20000, seed=1, today=dt.date.today())  # checked against today, too
    refused = [p.errors for p in prepare_rows([x.data for x in people]) if p.errors]
    assert refused == []
