"""健康教育活动记录表 (issue 16): an institution's form, each field rule with its Chinese message
naming the field, and the paper (one sheet per activity, the year's list) read back with
pdftotext."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from formslib import keys, only
from pdflib import page_count, page_sizes, pdf_text, save_pngs, squeeze

import forms
from forms.examples import example
from forms.indicators import Activity, activity_figures
from forms.pdf.activities import render_sheets, render_year
from forms.rules import default

CODE = "health_education"


def ctx(final: bool = True) -> forms.ValidationContext:
    return forms.ValidationContext(today="2024-06-30", final=final)


def errors(**changes: Any) -> list[forms.FieldError]:
    doc = example(CODE)
    for k, v in changes.items():
        if v is None:
            doc.pop(k, None)
        else:
            doc[k] = v
    return forms.validate(CODE, doc, ctx())


def test_it_is_the_institutions_form_in_both_editions() -> None:
    for edition in ("2017", "2009"):
        form = forms.get_form(CODE, edition)
        assert form.subject == "institution" and form.title == "健康教育活动记录表"
    assert forms.institution_form_codes() == [CODE]
    assert CODE not in forms.resident_form_codes()
    assert CODE in forms.form_codes()  # looked up like every form (editor, printing, docs)
    assert errors() == []
    from forms.docs import catalogue, describe

    assert {c["code"]: c["subject"] for c in catalogue()}[CODE] == "institution"
    assert describe(CODE)["subject"] == "institution" and describe("htn_followup")["subject"] == "resident"


@pytest.mark.parametrize(
    ("changes", "key", "words"),
    [
        ({"visit_date": None}, "visit_date", "活动时间：必须填写"),
        ({"visit_date": "2024-13-01"}, "visit_date", "活动时间"),
        ({"visit_date": "2099-01-01"}, "visit_date", "活动时间"),  # not in the future
        ({"place": ""}, "place", "活动地点：必须填写"),
        ({"place": "地" * 101}, "place", "活动地点"),
        ({"activity_kind": None}, "activity_kind", "活动形式：必须填写"),
        ({"activity_kind": "9"}, "activity_kind", "活动形式"),
        ({"topic": None}, "topic", "活动主题：必须填写"),
        ({"organizer": None}, "organizer", "组织者：必须填写"),
        ({"participants": -1}, "participants", "接受健康教育人数"),
        ({"participants": 100001}, "participants", "接受健康教育人数"),
        ({"participants": None}, "participants", "接受健康教育人数：讲座和公众健康咨询活动须填写参加人数"),
        ({"material_kinds": 3}, "material_kinds", "资料种类数：只有在活动形式选择“1发放印刷资料”或“2播放音像资料”时才填写"),
        ({"activity_kind": "1", "material_kinds": 0}, "material_kinds", "资料种类数"),
        ({"time_of_day": "9点"}, "time_of_day", "活动时段：格式不对"),
        ({"time_of_day": "24:00"}, "time_of_day", "活动时段"),
        ({"archive": ["1", "8"]}, "archive", "存档材料"),
        ({"filled_date": "2024-05-19"}, "filled_date", "填表时间：应不早于活动时间2024-05-20"),
        ({"content": None}, "content", "活动内容：定稿的活动记录必须填写此项"),
        ({"filled_by": None}, "filled_by", "填表人（签字）：定稿的活动记录必须填写此项"),
        ({"materials": "资" * 201}, "materials", "健康教育资料发放种类及数量"),
    ],
)
def test_each_rule_names_its_field_in_chinese(changes: dict[str, Any], key: str, words: str) -> None:
    e = only(errors(**changes), key)
    assert str(e).startswith(words) or words in str(e), str(e)


def test_the_right_values_pass() -> None:
    assert errors(activity_kind="1", material_kinds=12, participants=None) == []
    assert errors(activity_kind="3", participants=None, time_of_day="14:30") == []
    assert errors(activity_kind="7", activity_kind_other="义诊") == []
    assert errors(filled_date="2024-05-20") == []  # the same day
    doc = example(CODE)
    doc.pop("content")
    assert "content" not in keys(forms.validate(CODE, doc, ctx(final=False)))  # a draft may wait


def items() -> list[dict[str, Any]]:
    one = example(CODE)
    two = {**example(CODE), "visit_date": "2024-03-01", "filled_date": "2024-03-02",
           "activity_kind": "1", "material_kinds": 5, "topic": "合理膳食"}  # fmt: skip
    two.pop("participants")
    return [
        {"uuid": "a1", "form": CODE, "edition": "2017", "visit_date": "2024-03-01", "doc": two,
         "status": "voided", "void_reason": "录错了日期"},
        {"uuid": "a2", "form": CODE, "edition": "2017", "visit_date": "2024-05-20", "doc": one,
         "status": "final", "void_reason": None},
    ]  # fmt: skip


def test_one_sheet_per_activity_as_the_paper(tmp_path: Path) -> None:
    pdf = tmp_path / "sheets.pdf"
    assert render_sheets(pdf, items()) == 2 == page_count(pdf)
    assert page_sizes(pdf) == ["A4", "A4"]
    text = squeeze(pdf_text(pdf))
    for words in ("健康教育活动记录表", "活动时间", "2024年05月20日", "活动地点", "李家村村委会会议室",
                  "活动形式", "4健康知识讲座", "活动主题", "高血压的自我管理", "组织者", "接受健康教育人员类别",
                  "接受健康教育人数", "36", "健康教育资料发放种类及数量", "活动内容", "活动总结评价", "存档材料",
                  "填表人（签字）", "张医生", "负责人（签字）", "李院长", "填表时间", "2024年05月21日",
                  "作废：录错了日期"):  # fmt: skip
        assert squeeze(words) in text, words
    assert "姓名" not in text and "编号" not in text  # no resident's header on the clinic's form
    save_pngs(pdf, "health-education-sheet")


def test_the_years_list_counts_against_the_requirement(tmp_path: Path) -> None:
    ind = default().indicator("health_education_activities")
    figures = [activity_figures(ind, [Activity("4")], "village")]
    pdf = tmp_path / "year.pdf"
    pages = render_year(pdf, 2024, items(), institution="测试村卫生室", figures=figures)
    assert pages == page_count(pdf) == 3  # the list, then each activity's sheet
    assert page_sizes(pdf) == ["A4"] * 3
    sizes = subprocess.run(["pdfinfo", "-f", "1", "-l", "3", str(pdf)], capture_output=True, text=True).stdout
    widths = [float(w) for w in re.findall(r"size:\s+([\d.]+) x", sizes)]
    assert widths[0] > 800 and widths[1] < 600  # the list lies across the page, the sheets stand
    first = squeeze(pdf_text(pdf).split("\f")[0])
    for words in ("健康教育活动记录一览表", "测试村卫生室", "2024年度", "共1次活动（另有作废1条）",
                  "2024-03-01", "发放印刷资料", "合理膳食", "作废：录错了日期", "2024-05-20", "健康知识讲座",
                  "有效", "健康教育活动完成情况：达标0/4项", "健康知识讲座：1次（要求6次）未达标",
                  "公众健康咨询活动：0次（不考核）"):  # fmt: skip
        assert squeeze(words) in first, words
    save_pngs(pdf, "health-education-year")
    empty = tmp_path / "empty.pdf"
    assert render_year(empty, 2023, [], institution="测试村卫生室") == 1
    assert "本年度没有活动记录" in pdf_text(empty)
