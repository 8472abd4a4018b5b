"""接诊记录表 and 会诊记录表 (attachments 5 and 6): free-text clinical notes."""

from __future__ import annotations

from forms.definitions import _rules as R
from forms.definitions._dsl import assemble, date, items, section, text
from forms.model import FormDef

PAPER = {"header": ["name", "record_no8"]}


def build_encounter(edition: str) -> FormDef:
    soap = (
        text("subjective", "就诊者的主观资料", long=True, max_length=2000),
        text("objective", "就诊者的客观资料", long=True, max_length=2000),
        text("assessment", "评估", long=True, max_length=2000),
        text("plan", "处置计划", long=True, max_length=2000),
    )
    return assemble(
        "encounter",
        "接诊记录表",
        edition,
        (
            section("notes", "接诊记录", *soap),
            section(
                "sign",
                "签字",
                text("doctor", "医生签字", max_length=50, layout={"signature": True}),
                date("visit_date", "接诊日期", required=True),
            ),
        ),
        rules=(R.at_least_one(*soap),),
        layout="sheet",
        insert_only=True,
        paper=PAPER,
    )


def build_consultation(edition: str) -> FormDef:
    reason = text("reason", "会诊原因", long=True, max_length=2000, required=True)
    return assemble(
        "consultation",
        "会诊记录表",
        edition,
        (
            section("reason", "会诊原因", reason),
            section("opinion", "会诊意见", text("opinion", "会诊意见", long=True, max_length=2000)),
            section(
                "consultants",
                "会诊医生及其所在医疗卫生机构",
                items(
                    "consultants",
                    "会诊医生及其所在医疗卫生机构",
                    text("institution", "医疗卫生机构名称", max_length=100, required=True),
                    text(
                        "doctor",
                        "会诊医生签字",
                        max_length=50,
                        required=True,
                        layout={"signature": True},
                    ),
                    rows=3,
                ),
            ),
            section(
                "sign",
                "签字",
                text("responsible_doctor", "责任医生", max_length=50),
                date("visit_date", "会诊日期", required=True),
            ),
        ),
        layout="sheet",
        insert_only=True,
        paper=PAPER,
    )
