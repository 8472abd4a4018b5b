"""Stand-in definitions of the 封面 and 信息卡 used only while forms/definitions has none.

They are data like every definition (the renderers read them the same way); once `cover` and
`info_card` are registered in forms/definitions these are no longer used.
"""

from __future__ import annotations

from forms.model import Code, CodeTable, Field, FormDef, Section
from forms.registry import CURRENT_EDITION, UnknownForm, get_form


def _table(name: str, text: str) -> CodeTable:
    codes = []
    for part in text.split():
        digits = part[: len(part) - len(part.lstrip("0123456789"))]
        codes.append(Code(digits, part[len(digits) :]))
    return CodeTable(name, tuple(codes))


def _t(key: str, label: str, **layout: object) -> Field:
    return Field(key, label, "text", layout=layout)


COVER = FormDef(
    code="cover",
    title="居民健康档案",
    edition=CURRENT_EDITION,
    code_tables={},
    sections=(
        Section(
            "number",
            "编号",
            (_t("record_no", "编号", digits=17, groups=[6, 3, 3, 5]),),
            layout={"role": "header"},
        ),
        Section(
            "person",
            "居民",
            (
                _t("name", "姓名"),
                _t("address", "现住址"),
                _t("household_address", "户籍地址"),
                _t("phone", "联系电话"),
                _t("township", "乡镇（街道）名称"),
                _t("village_name", "村（居）委会名称"),
            ),
        ),
        Section(
            "archive",
            "建档",
            (
                _t("institution", "建档单位"),
                _t("created_by", "建档人"),
                _t("doctor", "责任医生"),
                Field("created_date", "建档日期", "date"),
            ),
        ),
    ),
)

INFO_CARD = FormDef(
    code="info_card",
    title="居民健康档案信息卡",
    edition=CURRENT_EDITION,
    layout="card",
    code_tables={
        "sex": _table("sex", "1男 2女 9未说明的性别 0未知的性别"),
        "abo": _table("abo", "1A 2B 3O 4AB 5不详"),
        "rh": _table("rh", "1Rh阴性 2Rh阳性 3不详"),
        "chronic": _table("chronic", "1无 2高血压 3糖尿病 4脑卒中 5冠心病 6哮喘 7职业病 8其他"),
    },
    sections=(
        Section(
            "front",
            "正面",
            (
                _t("name", "姓名", row="a"),
                Field("sex", "性别", "code", codes="sex", layout={"row": "a", "options": "label"}),
                Field("birth_date", "出生日期", "date"),
                _t("record_no", "健康档案编号"),
                _t("id_number", "身份证号", mask=True),
                Field("blood_abo", "ABO血型", "code", codes="abo", layout={"options": "check"}),
                Field("blood_rh", "RH血型", "code", codes="rh", layout={"options": "check"}),
                Field(
                    "chronic",
                    "慢性病患病情况",
                    "multicode",
                    codes="chronic",
                    layout={"options": "check"},
                ),
                _t("allergy", "过敏史"),
            ),
            layout={"side": "front"},
        ),
        Section(
            "back",
            "反面",
            (
                _t("address", "家庭住址"),
                _t("phone", "家庭电话"),
                _t("contact_name", "紧急情况联系人", row="c"),
                _t("contact_phone", "联系人电话", row="c"),
                _t("institution", "建档机构名称", row="i"),
                _t("institution_phone", "联系电话", row="i"),
                _t("doctor", "责任医生或护士", row="d"),
                _t("doctor_phone", "联系电话", row="d"),
                _t("note", "其他说明"),
            ),
            layout={"side": "back"},
        ),
    ),
)


def cover_form() -> FormDef:
    try:
        return get_form("cover")
    except UnknownForm:
        return COVER


def card_form() -> FormDef:
    try:
        return get_form("info_card")
    except UnknownForm:
        return INFO_CARD
