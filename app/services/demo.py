"""The demo clinic: a practice installation full of made-up villagers and their visits.

Login `demo` / `demo1234` (printed by `cunyi demo` and shown in the README). Hypertension and
diabetes patients have quarterly follow-ups over the last year; some people over 65 have their
annual health check. Every record goes through records.add_in, so the forms validate it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.clock import today as clock_today
from app.services import records, resident_batch
from app.services.demo_people import Person, households

if TYPE_CHECKING:
    from app.store import Store

USER, PASSWORD = "demo", "demo1234"
AREA = "130123101201"  # 正定县 (130123) · 示例镇 (101) · 示例村 (201)
INSTITUTION = "示例村卫生室"
DOCTOR = "李医生"
BATCH = 500


def _base(code: str) -> dict[str, Any]:
    try:
        from forms.examples import example

        return example(code)
    except Exception:  # noqa: BLE001 - no example for this form: start empty
        return {}


def _followup(rng: random.Random, p: Person, form: str, day: dt.date, today: dt.date) -> dict[str, Any]:
    doc = _base(form)
    for key in ("symptoms_other", "signs_other", "aux_exam", "insulin_type", "insulin_usage",
                "referral_reason", "referral_org", "adverse_reaction_other", "hba1c", "hba1c_date",
                "foot_pulse_side"):  # fmt: skip
        doc.pop(key, None)
    controlled = rng.random() < 0.65
    sbp = rng.randint(118, 138) if controlled else rng.randint(141, 176)
    dbp = min(sbp - 30, rng.randint(70, 88) if controlled else rng.randint(88, 104))
    weight = round(p.weight_kg + rng.uniform(-1.5, 1.5), 1)
    bmi = round(weight / (p.height_cm / 100) ** 2, 1)
    doc.update(
        visit_date=day.isoformat(), visit_method=rng.choice("1112"), symptoms=["1"], sbp=sbp, dbp=dbp,
        weight_kg=weight, weight_target_kg=round(min(weight, 24 * (p.height_cm / 100) ** 2), 1),
        bmi=bmi, bmi_target=min(bmi, 24.0), heart_rate=rng.randint(62, 92),
        medication_adherence=rng.choices("123", (70, 25, 5))[0], adverse_reaction="1",
        classification="1" if controlled else "2", doctor=DOCTOR,
    )  # fmt: skip
    if form == "htn_followup":
        doc["medications"] = [{"id": "m1", "name": rng.choice(("硝苯地平缓释片", "氨氯地平片",
                                                                 "厄贝沙坦片", "卡托普利片")),
                               "times_per_day": 1, "dose": 5}]  # fmt: skip
    else:
        glucose = round(rng.uniform(5.2, 6.9) if controlled else rng.uniform(7.1, 11.5), 1)
        doc.update(fasting_glucose=glucose, classification="1" if glucose < 7 else "2",
                   foot_pulse="1", hypoglycemia="1", staple_food_g=rng.choice((250, 300, 350)),
                   medications=[{"id": "m1", "name": "二甲双胍片", "times_per_day": 3, "dose": 500}])  # fmt: skip
    # As the schedule rules say (app/rules): a quarter after a controlled visit, 2 weeks after
    # a 控制不满意 one (a later date would be asked about on saving).
    doc["next_visit_date"] = (day + dt.timedelta(days=90 if doc["classification"] == "1" else 14)).isoformat()
    return doc


def _health_exam(rng: random.Random, p: Person, day: dt.date) -> dict[str, Any]:
    doc = _base("health_exam")
    if not doc:
        return {"visit_date": day.isoformat()}
    male = p.data["sex"] == "1"
    for key in [k for k in doc if k.startswith("gyn_")] + ["breast", "hospital_stays", "gds_score",
                                                            "symptoms_other", "abnormality_3"]:  # fmt: skip
        doc.pop(key, None)
    sbp = rng.randint(118, 165) if p.htn else rng.randint(108, 138)
    dbp = min(sbp - 30, rng.randint(68, 95))
    glucose = round(rng.uniform(6.5, 10.5) if p.dm else rng.uniform(4.4, 6.0), 1)
    abnormal = [t for t, flag in (("血压偏高", sbp >= 140), ("空腹血糖偏高", glucose >= 7.0)) if flag]
    doc.update(
        visit_date=day.isoformat(), doctor=DOCTOR, symptoms=["1"], sbp_left=sbp, dbp_left=dbp,
        sbp_right=sbp - rng.randint(0, 6), dbp_right=dbp - rng.randint(0, 4),
        height_cm=p.height_cm, weight_kg=p.weight_kg, pulse_rate=rng.randint(60, 90),
        heart_rate=rng.randint(60, 90), emotion="1", fasting_glucose=glucose,
        drinking_frequency="1", dre="1", health_evaluation="2" if abnormal else "1",
        elderly_selfcare_score=rng.choice((0, 0, 0, 1, 2, 5)),
    )  # fmt: skip
    for key in ("drinking_per_day", "drinking_start_age", "alcohol_quit", "drunk_last_year",
                "alcohol_types", "abnormality_1", "abnormality_2", "elderly_selfcare"):  # fmt: skip
        doc.pop(key, None)
    for i, text in enumerate(abnormal, 1):
        doc[f"abnormality_{i}"] = text
    birth = dt.date.fromisoformat(p.data["birth_date"])
    if (day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))) < 65:
        doc.pop("elderly_selfcare_score", None)  # the self-assessment is for 65 and over
    if not male:
        doc["breast"] = ["1"]
    meds = []
    if p.htn:
        meds.append({"id": "m1", "name": "硝苯地平缓释片", "usage": "口服", "dose": "10mg 每日2次",
                     "duration": "3年", "adherence": "1"})  # fmt: skip
    if p.dm:
        meds.append({"id": "m2", "name": "二甲双胍片", "usage": "口服", "dose": "0.5g 每日3次",
                     "duration": "2年", "adherence": "1"})  # fmt: skip
    if meds:
        doc["medications"] = meds
    else:
        doc.pop("medications", None)
    return doc


def plan_records(people: list[Person], seed: int, today: dt.date) -> None:
    """Attach the visits each person would have had over the last year."""
    rng = random.Random(seed + 1)
    for p in people:
        forms_due = [f for f, flag in (("htn_followup", p.htn), ("dm_followup", p.dm)) if flag]
        for form in forms_due:
            start = today - dt.timedelta(days=360 - rng.randint(0, 20))
            for k in range(4):
                day = min(today, start + dt.timedelta(days=91 * k + rng.randint(-5, 5)))
                p.records.append((form, _followup(rng, p, form, day, today)))
        if p.age >= 65 and rng.random() < 0.7:
            day = today - dt.timedelta(days=rng.randint(10, 330))
            p.records.append(("health_exam", _health_exam(rng, p, day)))


def populate(store: Store, residents: int = 300, seed: int = 20170101, today: dt.date | None = None,
             progress: Callable[[int, int], None] | None = None) -> dict[str, int]:  # fmt: skip
    """Add made-up residents and their records to an open store; returns the counts."""
    from app.errors import InvalidInput

    today = today or clock_today()
    people = households(residents, seed, today, village=store.institution.village)
    plan_records(people, seed, today)
    n_res = n_rec = 0
    for start in range(0, len(people), BATCH):
        chunk = people[start : start + BATCH]
        with store.session(write=True) as s:
            results = resident_batch.register(s, store, [p.data for p in chunk], allow_similar=True)
            for p, r in zip(chunk, results, strict=True):
                if isinstance(r, InvalidInput):
                    raise r  # a generator bug: demo data must always be valid
                n_res += 1
                for form, doc in p.records:
                    records.add_in(s, store, r.uuid, form, doc)
                    n_rec += 1
        if progress:
            progress(n_res, len(people))
    return {"residents": n_res, "records": n_rec}


def create(data_dir: Path, residents: int = 300, seed: int = 20170101, today: dt.date | None = None,
           progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:  # fmt: skip
    """Set up the demo clinic in an empty data directory; returns what was made."""
    from app.store import Store

    store, code = Store.create(Path(data_dir), area=AREA, institution_name=INSTITUTION, user=USER,
                               password=PASSWORD, display_name=DOCTOR, public_login=True)  # fmt: skip
    try:
        counts = populate(store, residents, seed, today, progress)
    finally:
        store.close()
    return {"data_dir": str(data_dir), "area": AREA, "institution": INSTITUTION, "user": USER,
            "password": PASSWORD, "recovery_code": code, **counts}  # fmt: skip
