"""Made-up but realistic villagers for the demo clinic and the benchmarks (deterministic by seed).

Households of 2–5 sharing an address, a rural age pyramid with many people over 65, valid ID
numbers from real region codes, and hypertension (~25%) and diabetes (~10%) rising with age.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from forms.idnumber import known_region, make

COUNTY = "130123"  # 河北省石家庄市正定县
# Where residents' ID numbers were issued: mostly here, some neighbouring counties, a few wives
# from further away (real GB/T 2260 codes; the test checks each is known).
REGIONS = (
    (COUNTY, 80), ("130121", 4), ("130125", 4), ("130181", 3), ("130102", 3), ("410102", 2),
    ("371402", 2), ("140105", 2),
)  # fmt: skip
SURNAMES = ("王" * 9 + "李" * 8 + "张" * 8 + "刘" * 6 + "陈" * 4 + "杨" * 4 + "赵" * 5 + "黄" * 2 + "周" * 2
            + "吴" * 2 + "徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈彭吕苏卢蒋蔡贾丁魏薛叶阎"
            + "单曾解区查仇朴乐")  # polyphonic ones at the end: 单 曾 解 区 查 仇 朴 乐  # fmt: skip
# Given names by generation and sex (female, male): what villagers born in those years are called.
GIVEN = {
    "old": (("秀兰", "桂英", "玉兰", "凤英", "淑珍", "秀英", "桂兰", "秀珍", "玉珍", "素芬", "兰", "英", "芬"),
            ("建国", "国庆", "德福", "长海", "树林", "振华", "文明", "保国", "玉山", "福贵", "金生",
             "春生", "林", "山", "海")),
    "mid": (("丽娜", "红梅", "海燕", "静", "敏", "丽", "艳", "春燕", "晓燕", "红霞", "娟", "霞"),
            ("建军", "伟", "磊", "军", "勇", "志强", "晓东", "立新", "永刚", "建华", "明", "超", "涛",
             "鹏")),
    "young": (("欣怡", "一诺", "雨桐", "思琪", "佳怡", "梓涵", "诗涵", "雨萱", "可馨", "若曦", "语嫣"),
              ("浩然", "梓轩", "宇航", "子轩", "俊杰", "博文", "皓轩", "晨曦", "沐阳", "天佑", "子涵")),
}  # fmt: skip


@dataclass
class Person:
    data: dict[str, Any]  # what `resident add` takes
    age: int
    height_cm: float
    weight_kg: float
    htn: bool = False
    dm: bool = False
    records: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


class _Unique:
    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.phones: set[str] = set()
        self.name_birth: set[tuple[str, str]] = set()


def _age_on(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _birth(rng: random.Random, today: dt.date, lo: int, hi: int) -> dt.date:
    return today - dt.timedelta(days=rng.randint(lo * 365 + 1, hi * 365 + 300))


def _given(rng: random.Random, birth: dt.date, sex: str) -> str:
    generation = "old" if birth.year < 1965 else "mid" if birth.year < 1995 else "young"
    return rng.choice(GIVEN[generation][sex == "1"])


def _region(rng: random.Random) -> str:
    codes, weights = zip(*REGIONS, strict=True)
    return rng.choices(codes, weights)[0]


def _id_number(rng: random.Random, u: _Unique, birth: dt.date, sex: str) -> str:
    region = _region(rng)
    for _ in range(50):
        seq = rng.randrange(1 if sex == "1" else 2, 999, 2)
        number = make(region, birth, seq)
        if number not in u.ids:
            u.ids.add(number)
            return number
    raise RuntimeError("no free ID sequence")


def _phone(rng: random.Random, u: _Unique) -> str:
    while True:
        number = rng.choice(("13", "15", "18", "17")) + f"{rng.randrange(10**9):09d}"
        if number not in u.phones:
            u.phones.add(number)
            return number


def _htn_dm(rng: random.Random, age: int) -> tuple[bool, bool]:
    p_htn = 0 if age < 30 else 0.08 if age < 45 else 0.25 if age < 60 else 0.42 if age < 65 else 0.55
    p_dm = 0 if age < 30 else 0.03 if age < 45 else 0.1 if age < 60 else 0.2
    return rng.random() < p_htn, rng.random() < p_dm


def _person(rng: random.Random, u: _Unique, today: dt.date, surname: str, sex: str, birth: dt.date,
            household: str, address: str, village: str) -> Person:  # fmt: skip
    age = _age_on(birth, today)
    name = surname + _given(rng, birth, sex)
    while (name, birth.isoformat()) in u.name_birth:  # two people the similar-check would flag
        name = surname + _given(rng, birth, sex)
        birth -= dt.timedelta(days=1)
        age = _age_on(birth, today)
    u.name_birth.add((name, birth.isoformat()))
    data: dict[str, Any] = {"name": name, "sex": sex, "birth_date": birth.isoformat(),
                            "household": household, "address": address, "village": village}  # fmt: skip
    if age >= 3 or rng.random() < 0.5:  # some infants have no ID number yet
        data["id_number"] = _id_number(rng, u, birth, sex)
    if 16 <= age <= 85 and rng.random() < 0.9:
        data["phone"] = _phone(rng, u)
    male = sex == "1"
    height = rng.gauss(168 if male else 157, 5) if age >= 18 else 50 + age * 6.2
    bmi = rng.gauss(24.5, 3) if age >= 18 else rng.gauss(17, 2)
    weight = round(max(3.0, bmi * (height / 100) ** 2), 1)
    htn, dm = _htn_dm(rng, age)
    if age >= 7:
        data.update(_history(rng, today, birth, age, male, htn, dm))
    return Person(data, age, round(height, 1), weight, htn, dm)


def _history(rng: random.Random, today: dt.date, birth: dt.date, age: int, male: bool, htn: bool,
             dm: bool) -> dict[str, Any]:  # fmt: skip
    """The rest of the 个人基本信息表 (not filled for children under 7, as the form says)."""
    diseases = []
    for code, flag, since in (("2", htn, 12), ("3", dm, 8)):
        if flag:
            # Diagnosed around 30 or later, in an earlier year (never in the future: the form
            # refuses a date after today, and young patients once got one).
            year = min(max(birth.year + 30, today.year - rng.randint(1, since)), today.year - 1)
            diseases.append({"id": f"d{code}", "code": code, "diagnosed": f"{year}-{rng.randint(1, 12):02d}"})
    opened = max(birth + dt.timedelta(days=1), today - dt.timedelta(days=rng.randint(400, 4000)))
    family = ["2"] if htn and rng.random() < 0.5 else ["1"]
    doc: dict[str, Any] = {
        "residence_type": "1" if rng.random() < 0.95 else "2",
        "ethnicity": "01" if rng.random() < 0.97 else "99",
        "visit_date": opened.isoformat(),
        "blood_abo": rng.choice("12345"), "blood_rh": rng.choice("223"),
        "education": "9" if age >= 75 else "8" if age >= 60 else rng.choice(["7", "6", "4"]) if age >= 18
                     else "8" if age < 12 else "7",
        "occupation": "8" if age < 16 or age >= 75 else "4" if rng.random() < 0.8 else rng.choice("357"),
        "marital": "1" if age < 22 else ("3" if age >= 70 and rng.random() < 0.35 else "2"),
        "payment": ["3"], "drug_allergy": ["1"] if rng.random() < 0.92 else ["2"], "exposure": ["1"],
        "past_diseases": diseases or [{"id": "d1", "code": "1"}],
        "surgery": "1", "trauma": "1", "transfusion": "1",
        "family_father": family, "family_mother": ["1"], "family_siblings": ["1"],
        "family_children": ["1"], "hereditary": "1", "disability": ["1"],
        "kitchen": rng.choice("34"), "fuel": rng.choice("1125"), "water": rng.choice("113"),
        "toilet": rng.choice("12"), "livestock": rng.choice("14"), "work_unit": "无",
    }  # fmt: skip
    if doc["ethnicity"] == "99":
        doc["ethnicity_other"] = rng.choice(("回族", "满族"))
    return doc


def households(count: int, seed: int, today: dt.date, village: str = "201",
               village_name: str = "示例村") -> list[Person]:  # fmt: skip
    """`count` residents in households of 2–5, in the order they would be registered."""
    rng = random.Random(seed)
    u = _Unique()
    people: list[Person] = []
    number = 0
    open_homes: list[tuple[str, str, str]] = []
    while len(people) < count:
        if count - len(people) == 1 and open_homes:  # no household of one: a child joins a family
            surname, label, address = open_homes[-1]
            people.append(_person(rng, u, today, surname, rng.choice("12"), _birth(rng, today, 0, 15),
                                  label, address, village))  # fmt: skip
            break
        number += 1
        group = 1 + number // 40
        label = f"{group}组{number % 40 + 1}号"
        address = f"河北省石家庄市正定县示例镇{village_name}{label}"
        surname = rng.choice(SURNAMES)

        def add(sex: str, lo: int, hi: int, own_surname: bool = True, surname: str = surname,
                label: str = label, address: str = address) -> dt.date:  # fmt: skip
            birth = _birth(rng, today, lo, hi)
            name = surname if own_surname else rng.choice(SURNAMES)
            people.append(_person(rng, u, today, name, sex, birth, label, address, village))
            return birth

        before = len(people)
        kind = rng.random()
        if kind < 0.35:  # an elderly couple on their own
            add("1", 62, 90)
            add("2", 60, 88, own_surname=False)
        elif kind < 0.75:  # three generations
            add("1", 58, 88) if rng.random() < 0.7 else add("2", 60, 92)
            add("1", 30, 50)
            add("2", 28, 48, own_surname=False)
            for _ in range(rng.randint(0, 2)):
                add(rng.choice("12"), 0, 17)
        else:  # a young family
            add("1", 25, 45)
            add("2", 23, 43, own_surname=False)
            for _ in range(rng.randint(0, 3)):
                add(rng.choice("12"), 0, 15)
        if len(people) - before < 5 and len(people) < count:
            open_homes.append((surname, label, address))
    return people[:count]


def check_regions() -> list[str]:
    """Region codes of REGIONS that forms.idnumber does not know (should be none)."""
    return [code for code, _ in REGIONS if not known_region(code)]
