"""老年人中医药健康管理服务记录表: the constitution scoring at every threshold, the bands of the
measured questions, the rule that no question is left blank, and the paper."""

from __future__ import annotations

from pathlib import Path

import pytest

import forms
import forms.pdf as P
from forms.definitions import elderly_tcm as T
from forms.examples import example
from tests.forms.formslib import ctx
from tests.forms.pdflib import pdf_text, resident_from_examples, save_pngs, squeeze

BIASED = [k for k, *_ in T.TYPES if k != T.BALANCED]


def answers(**by_item: int) -> dict[str, str]:
    """All 33 answered 没有 (1) except the items given (q2=3 ...)."""
    doc = {T.qkey(n): "1" for n in range(1, 34)}
    doc.update({k: str(v) for k, v in by_item.items()})
    return doc


def scored(doc: dict) -> dict:
    return forms.prepare("elderly_tcm", doc | {"visit_date": "2024-05-01"})


def test_every_item_belongs_to_one_biased_type_except_item_1() -> None:
    seen = [i for k, _n, _c, items in T.TYPES if k != T.BALANCED for i in items]
    assert sorted(seen) == [n for n in range(2, 34)]
    assert dict((k, items) for k, _n, _c, items in T.TYPES)[T.BALANCED] == (1, 2, 4, 5, 13)


@pytest.mark.parametrize(("total", "result"), [(8, "3"), (9, "2"), (10, "2"), (11, "1"), (20, "1")])
def test_biased_thresholds(total: int, result: str) -> None:
    # 血瘀质 (19, 22, 24, 33): none of its items counts for 平和质, so nothing else moves
    values = [1, 1, 1, 1]
    for i in range(total - 4):
        values[i % 4] += 1
    doc = scored(answers(q19=values[0], q22=values[1], q24=values[2], q33=values[3]))
    assert doc["xueyu_score"] == total and doc["xueyu_result"] == result


def test_balanced_items_are_reverse_scored() -> None:
    # q1 总是 (5) and q2, q4, q5, q13 没有 (1 -> 5): 平和质 25; every biased type at its floor
    doc = scored(answers(q1=5))
    assert doc["pinghe_score"] == 25 and doc["pinghe_result"] == "1"
    assert all(doc[f"{k}_result"] == "3" for k in BIASED)
    doc = scored(answers(q1=5, q2=5))  # q2 总是: 气虚 +4, 平和 -4
    assert doc["pinghe_score"] == 21 and doc["qixu_score"] == 8


@pytest.mark.parametrize(
    ("items", "pinghe", "result"),
    [
        ({"q1": 2}, 22, "1"),  # others all <= 8
        ({"q1": 1, "q2": 3, "q13": 3}, 17, "1"),  # 17 exactly; 气虚 6, 阳虚 6
        ({"q1": 1, "q2": 3, "q13": 4}, 16, "3"),  # 16: 否 whatever the others
        ({"q1": 5, "q3": 5, "q14": 2}, 25, "2"),  # 气虚 1+5+1+2 = 9 (<= 10): 基本是
        ({"q1": 5, "q3": 5, "q14": 3}, 25, "2"),  # 气虚 10: still 基本是
        ({"q1": 5, "q3": 5, "q14": 4}, 25, "3"),  # 气虚 11 (> 10): 否
    ],
)
def test_balanced_rule(items: dict, pinghe: int, result: str) -> None:
    doc = scored(answers(**items))
    assert doc["pinghe_score"] == pinghe and doc["pinghe_result"] == result


def test_no_score_until_every_question_is_answered_and_stale_scores_go() -> None:
    doc = answers(q2=5, q3=5)
    doc.pop("q33")
    out = scored(doc)
    assert not any(k.endswith(("_score", "_result")) for k in out)
    # typed scores and judgements are replaced by the computed ones
    full = scored(answers(q2=5, q3=5) | {"qixu_score": 4, "qixu_result": "3", "pinghe_score": 25})
    assert full["qixu_score"] == 12 and full["qixu_result"] == "1" and full["pinghe_score"] == 17
    partial = scored({**{k: v for k, v in full.items() if k != "q20"}})
    assert "qixu_score" not in partial and "primary_type" not in partial


def test_a_blank_question_names_itself() -> None:
    doc = example("elderly_tcm")
    del doc["q17"]
    errors = forms.validate("elderly_tcm", doc, ctx())
    assert [e.key for e in errors] == ["q17"]
    assert "（17）您容易过敏" in str(errors[0]) and "必须填写" in str(errors[0])


@pytest.mark.parametrize(("bmi", "answer"), [(23.9, "1"), (24.0, "2"), (24.9, "2"), (25.0, "3"),
                                             (25.9, "3"), (26.0, "4"), (27.9, "4"), (28.0, "5")])  # fmt: skip
def test_question_9_from_bmi(bmi: float, answer: str) -> None:
    assert scored(answers(q9=1) | {"bmi": bmi})["q9"] == answer


@pytest.mark.parametrize(("waist", "answer"), [(79, "1"), (79.4, "1"), (79.5, "2"), (85, "2"),
                                               (86, "3"), (90, "3"), (91, "4"), (105, "4"),
                                               (105.5, "5"), (106, "5")])  # fmt: skip
def test_question_28_from_waist(waist: float, answer: str) -> None:
    assert scored(answers(q28=1) | {"waist_cm": waist})["q28"] == answer


def test_primary_type_is_the_highest_positive_and_none_on_a_tie() -> None:
    doc = scored(answers(q19=4, q22=4, q24=4, q33=2, q23=3, q25=3, q27=3, q30=1))  # 血瘀 14, 湿热 10
    assert (doc["xueyu_result"], doc["shire_result"]) == ("1", "2")
    assert doc["primary_type"] == "6"
    tie = scored(answers(q19=3, q22=3, q24=3, q33=3, q23=3, q25=3, q27=3, q30=3))  # 12 and 12
    assert "primary_type" not in tie


def test_example_prints_ticks_scores_and_judgements(tmp_path: Path) -> None:
    doc = forms.prepare("elderly_tcm", example("elderly_tcm"))
    assert doc["qixu_score"] == 11 and doc["qixu_result"] == "1" and doc["pinghe_result"] == "3"
    out = tmp_path / "tcm.pdf"
    rec = {"uuid": "r1", "form": "elderly_tcm", "edition": "2017", "visit_date": doc["visit_date"],
           "doc": doc}  # fmt: skip
    assert P.render_form("elderly_tcm", resident_from_examples(), [rec], out) == 2
    text = squeeze(pdf_text(out))
    assert "老年人中医药健康管理服务记录表" in text
    for q in (T.QUESTIONS[0], T.QUESTIONS[32]):
        assert squeeze(q)[:12] in text
    for band in ("BMI<24", "几乎每月都感冒", "腹围>105cm"):
        assert band in text
    assert "1.得分11" in text and "1.得分18" in text  # 气虚质 and 平和质
    assert "√2.是" in text  # 气虚质 judged 是
    notes = squeeze(forms.get_form("elderly_tcm").paper["instructions"])
    # the answers, one judgement, three guidance ticks (the 填表说明 quotes the mark too)
    assert text.count("√") - notes.count("√") == 33 + 1 + 3
    save_pngs(out, "elderly_tcm")


def test_blank_sheet_for_a_home_visit(tmp_path: Path) -> None:
    out = tmp_path / "blank.pdf"
    assert P.render_form("elderly_tcm", resident_from_examples(), [], out) == 2
    text = squeeze(pdf_text(out))
    notes = squeeze(forms.get_form("elderly_tcm").paper["instructions"])
    assert text.count("√") == notes.count("√") and "中医药保健指导" in text and "医生签名" in text
