"""居民健康档案封面 and 居民健康档案信息卡: printed from the resident's data."""

from __future__ import annotations

from forms.definitions import _rules as R
from forms.definitions._dsl import (
    RECORD_NO_HINT,
    RECORD_NO_PATTERN,
    assemble,
    code,
    date,
    multi,
    phone,
    section,
    text,
)
from forms.model import Field, FormDef


def _record_no(**layout: object) -> Field:
    return text(
        "record_no",
        "健康档案编号",
        max_length=17,
        required=True,
        pattern=RECORD_NO_PATTERN,
        pattern_hint=RECORD_NO_HINT,
        layout=dict(layout),
    )


def build_cover(edition: str) -> FormDef:
    number = _record_no(digit_groups=[6, 3, 3, 5])
    return assemble(
        "cover",
        "居民健康档案封面",
        edition,
        (
            section("number", "编号", number, role="header"),
            section(
                "resident",
                "居民",
                text("name", "姓名", max_length=50, required=True),
                text("address", "现住址", max_length=200),
                text("hukou_address", "户籍地址", max_length=200),
                phone("phone", "联系电话"),
                text("township_name", "乡镇（街道）名称", max_length=50),
                text("village_name", "村（居）委会名称", max_length=50),
            ),
            section(
                "creation",
                "建档",
                text("institution", "建档单位", max_length=100),
                text("creator", "建档人", max_length=50),
                text("doctor", "责任医生", max_length=50),
                date("visit_date", "建档日期", layout={"style": "年月日"}),
            ),
        ),
        rules=(R.same_record_no(number),),
        layout="sheet",
        paper={"header": [], "full_title": "居民健康档案", "record_no_digits": 17},
    )


def build_card(edition: str) -> FormDef:
    number = _record_no()
    return assemble(
        "info_card",
        "居民健康档案信息卡",
        edition,
        (
            section(
                "front",
                "正面",
                text("name", "姓名", max_length=50, required=True, layout={"row": "f1"}),
                code("sex", "性别", "sex", layout={"row": "f1", "options": "none"}),
                date("birth_date", "出生日期", layout={"row": "f1"}),
                number,
                code("blood_abo", "ABO血型", "blood_abo", layout={"options": "check"}),
                code(
                    "blood_rh",
                    "RH血型" if edition == "2017" else "RH阴性",
                    "blood_rh",
                    layout={"options": "check"},
                ),
                multi(
                    "chronic_diseases",
                    "慢性病患病情况",
                    "card_chronic",
                    layout={"options": "check"},
                ),
                text("allergies", "过敏史", max_length=100),
                side="front",
            ),
            section(
                "back",
                "反面",
                text("address", "家庭住址", max_length=200),
                phone("home_phone", "家庭电话"),
                text("emergency_contact", "紧急情况联系人", max_length=50, layout={"row": "e"}),
                phone("emergency_phone", "联系人电话", layout={"row": "e"}),
                text("institution", "建档机构名称", max_length=100, layout={"row": "i"}),
                phone(
                    "institution_phone",
                    "联系电话（建档机构）",
                    layout={"row": "i", "label": "联系电话"},  # the card's own words
                ),
                text("doctor", "责任医生或护士", max_length=50, layout={"row": "d"}),
                phone(
                    "doctor_phone",
                    "联系电话（责任医生）",
                    layout={"row": "d", "label": "联系电话"},
                ),
                text("notes", "其他说明", max_length=200),
                side="back",
            ),
        ),
        rules=(R.same_record_no(number),),
        layout="card",
        paper={
            "header": [],
            "size_mm": [85.6, 54.0],
            "sides": {"front": ["front"], "back": ["back"]},
            "qr": "record_no",
        },
    )
