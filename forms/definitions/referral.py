"""双向转诊单 (attachment 7): 转出单 or 回转单, each printed with its 存根 (stub)."""

from __future__ import annotations

from typing import Any

from forms.definitions._dsl import assemble, code, date, integer, phone, section, text
from forms.definitions._dsl import rule as _rule
from forms.model import FieldError, FormDef, ValidationContext


def build(edition: str) -> FormDef:
    kind = code(
        "referral_type",
        "转诊类型",
        "referral_type",
        required=True,
        hint="1转出（基层转上级）2回转（上级转回基层）",
    )
    out_fields = (
        text("initial_impression", "初步印象", long=True, max_length=1000),
        text("present_history", "主要现病史（转出原因）", long=True, max_length=2000),
        text("past_history", "主要既往史", long=True, max_length=2000),
        text("treatment", "治疗经过", long=True, max_length=2000),
    )
    back_fields = (
        text("diagnosis", "诊断结果", long=True, max_length=1000),
        text("inpatient_no", "住院病案号", max_length=30),
        text("main_results", "主要检查结果", long=True, max_length=2000),
        text("treatment_plan", "治疗经过、下一步治疗方案及康复建议", long=True, max_length=2000),
    )
    sections = (
        section("kind", "转诊", kind, date("visit_date", "转诊日期", required=True), role="header"),
        section(
            "patient",
            "患者信息",
            text("name", "患者姓名", max_length=50, required=True, layout={"row": "p1"}),
            code("sex", "性别", "sex", layout={"row": "p1"}),
            integer("age", "年龄", 0, 150, "岁", layout={"row": "p1"}),
            text("address", "家庭住址", max_length=200),
            phone("phone", "联系电话"),
            stub=True,
        ),
        section(
            "route",
            "转诊机构",
            text("to_institution", "转入单位", max_length=100, required=True),
            text("to_department", "转入科室", max_length=50),
            text("receiving_doctor", "接诊医生", max_length=50),
            text("from_institution", "转出单位（机构名称）", max_length=100),
            text("referring_doctor", "转诊医生（签字）", max_length=50, layout={"signature": True}),
            phone("doctor_phone", "联系电话（转诊医生）"),
            stub=True,
        ),
        section("out", "转出单", *out_fields, applies_when={"referral_type": "1"}),
        section("back", "回转单", *back_fields, applies_when={"referral_type": "2"}),
    )

    @_rule("转出单只填写转出内容（初步印象、现病史、既往史、治疗经过），回转单只填写回转内容", kind)
    def matching_part(doc: dict[str, Any], ctx: ValidationContext) -> list[FieldError]:
        wrong = back_fields if doc.get("referral_type") == "1" else out_fields
        part = "转出单" if doc.get("referral_type") == "1" else "回转单"
        return [
            FieldError(f.key, f.label, f"{part}不填写此项")
            for f in wrong
            if doc.get(f.key) not in (None, "")
        ]

    return assemble(
        "referral",
        "双向转诊单",
        edition,
        sections,
        rules=(matching_part,),
        layout="sheet",
        insert_only=True,
        paper={
            "header": [],
            "letter": True,  # forms/pdf/letter.py: 存根, cut line, then the slip as a letter
            "slip_title": {"1": "双向转诊（转出）单", "2": "双向转诊（回转）单"},
        },
    )
