"""The demo clinic (made-up residents for practice) and bulk data for benchmarks. Qt-free."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from forms.idnumber import make

DEMO_AREA = "420106001001"
DEMO_USER, DEMO_PASSWORD = "demo", "demo123"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = "秀兰英华建国明强伟芳军平红丽敏静海涛玉梅春文福德桂荣志勇金凤云霞保成"


def person(rng: random.Random, serial: int, village: str, today: dt.date) -> dict[str, Any]:
    birth = today - dt.timedelta(days=rng.randint(2 * 365, 90 * 365))
    sex = rng.choice("12")
    seq = rng.randint(0, 498) * 2 + (1 if sex == "1" else 2)
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    age = (today - birth).days // 365
    diseases = []
    if age >= 40 and rng.random() < 0.25:
        diseases.append({"code": "2", "diagnosed": f"{today.year - rng.randint(1, 10)}-03"})
    if age >= 40 and rng.random() < 0.1:
        diseases.append({"code": "3", "diagnosed": f"{today.year - rng.randint(1, 10)}-06"})
    data: dict[str, Any] = {
        "name": name, "sex": sex, "birth_date": birth.isoformat(),
        "id_number": make("420106", birth, seq % 1000) if rng.random() < 0.95 else None,
        "phone": f"13{rng.randint(0, 9)}{serial:08d}"[:11], "village": village,
        "household": f"{village}村{serial // 3 + 1}号", "address": f"示范村{serial // 3 + 1}号",
    }  # fmt: skip
    if diseases:
        data["past_diseases"] = diseases
    return {k: v for k, v in data.items() if v is not None}


def seed(store: Any, count: int, *, followups: int = 4, seed_value: int = 7, villages: int = 3,
         progress: Callable[[int], None] | None = None) -> int:  # fmt: skip
    """Add `count` made-up residents (in batches, one transaction each) and a few follow-ups for
    those with hypertension or diabetes. Returns the number added."""
    from app.services import bulk_add, records, residents

    rng = random.Random(seed_value)
    today = dt.date.today()
    added = 0
    sick: list[tuple[str, str]] = []
    batch = 1000
    for start in range(0, count, batch):
        # Before its first sync an installation numbers other villages provisionally, from a
        # small range: large test sets stay in the clinic's own village (villages=1).
        rows = [person(rng, i, f"{1 + i % villages:03d}", today)
                for i in range(start, min(start + batch, count))]  # fmt: skip
        with store.session(write=True) as s:
            results = bulk_add.add_many(s, store, rows, allow_similar=True)
            retry = []
            for data, result in zip(rows, results, strict=True):
                if isinstance(result, bulk_add.Added):
                    added += 1
                    codes = {d["code"] for d in data.get("past_diseases", [])}
                    if codes & {"2", "3"}:
                        sick.append((result.uuid, "htn_followup" if "2" in codes else "dm_followup"))
                else:
                    retry.append({k: v for k, v in data.items() if k != "id_number"})
            for data in retry:  # an ID number drawn twice: keep the person without it
                residents.add_in(s, store, data, allow_similar=True)
                added += 1
        if progress:
            progress(added)
    for uuid, form in sick[:200]:
        for k in range(rng.randint(0, followups)):
            day = today - dt.timedelta(days=90 * (k + 1) + rng.randint(0, 20))
            doc = {"visit_date": day.isoformat(), "visit_method": "1",
                   "sbp": rng.randint(118, 168), "dbp": rng.randint(70, 99)}  # fmt: skip
            if form == "dm_followup":
                doc["fasting_glucose"] = round(rng.uniform(5.2, 10.5), 1)
            records.add(store, uuid, form, doc)
    return added


def open_or_create_demo(root: Path, count: int = 120) -> Any:
    """The demo clinic lives in its own folder beside the real data; returns an open Store."""
    from app.store import Store

    folder = root / "demo"
    if Store.exists(folder):
        return Store.open(folder, DEMO_USER, DEMO_PASSWORD)
    store, _ = Store.create(folder, area=DEMO_AREA, institution_name="演示村卫生室（练习用）",
                            user=DEMO_USER, password=DEMO_PASSWORD, display_name="演示医生")  # fmt: skip
    seed(store, count)
    return store
