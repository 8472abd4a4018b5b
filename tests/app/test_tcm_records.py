"""老年人中医药健康管理 with a real encrypted store: the scores are computed when saved (typed ones
are replaced), the form is for 65 and over, and what 附件2 asks to look at again is asked."""

from __future__ import annotations

import datetime as dt

import pytest

from app.services import record_warnings as rw
from app.services import records, residents
from forms.examples import example
from forms.idnumber import make

DAY = (dt.date.today() - dt.timedelta(days=3)).isoformat()


def person(store, birth: str, seq: int) -> str:
    data = {"name": "赵" + "甲乙丙丁戊己庚辛"[seq % 8], "sex": "1" if seq % 2 else "2", "birth_date": birth,
            "id_number": make("110105", dt.date.fromisoformat(birth), seq)}  # fmt: skip
    return residents.add(store, data, allow_similar=True)["uuid"]


def tcm(**changes) -> dict:
    doc = example("elderly_tcm") | {"visit_date": DAY}
    doc.update({k: str(v) for k, v in changes.items()})
    return doc


def test_saved_with_computed_scores_typed_ones_replaced(store):
    old = person(store, "1950-04-02", 21)
    rec = records.add(store, old, "elderly_tcm", tcm() | {"qixu_score": 20, "qixu_result": "3"})
    doc = records.get(store, rec["uuid"])["doc"]
    assert doc["qixu_score"] == 11 and doc["qixu_result"] == "1" and doc["primary_type"] == "1"
    assert doc["q9"] == "1" and doc["q28"] == "1"  # from the measured BMI 23.1 and waist 78


def test_under_65_asks_and_saves_only_when_confirmed(store):
    young = person(store, "1980-04-02", 23)
    with pytest.raises(rw.NeedsConfirmation) as e:
        records.add(store, young, "elderly_tcm", tcm())
    assert [w.code for w in e.value.warnings] == ["form_not_fit"]
    assert "65岁及以上" in str(e.value)
    assert records.add(store, young, "elderly_tcm", tcm(), confirmed=True)["uuid"]


@pytest.mark.parametrize(
    ("changes", "code", "words"),
    [
        # 阴虚 (10, 21, 26, 31) and 阳虚 (11, 12, 13, 29) both 是 (12 each)
        ({"q10": 3, "q21": 3, "q26": 3, "q31": 3, "q11": 3, "q12": 3, "q13": 3, "q29": 3},
         "tcm_contradiction", "阴虚质与阳虚质"),
        # every biased type at its floor and 平和质 only 11 (q1 没有, q2/4/5/13 总是 ... ) -> 否
        ({"q2": 1, "q3": 1, "q4": 1, "q14": 1, "q1": 1, "q5": 5, "q13": 5},
         "tcm_no_type", "2周后重新评估"),
        # 血瘀 and 湿热 tie at 12
        ({"q2": 1, "q3": 1, "q4": 1, "q14": 1, "q19": 3, "q22": 3, "q24": 3, "q33": 3,
          "q23": 3, "q25": 3, "q27": 3, "q30": 3}, "tcm_tie", "血瘀质"),
    ],
)  # fmt: skip
def test_what_the_standard_asks_to_check_again(store, changes, code, words):
    old = person(store, "1948-01-09", 25)
    with pytest.raises(rw.NeedsConfirmation) as e:
        records.add(store, old, "elderly_tcm", tcm(**changes))
    assert [w.code for w in e.value.warnings] == [code]
    assert words in str(e.value)
    saved = records.add(store, old, "elderly_tcm", tcm(**changes), confirmed=True)
    doc = records.get(store, saved["uuid"])["doc"]
    if code != "tcm_contradiction":  # a tie or no positive type: the guiding type is left open
        assert "primary_type" not in doc
