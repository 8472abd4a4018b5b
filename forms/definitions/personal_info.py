"""个人基本信息表 (attachment 3 of the records spec): identity, history, living environment."""

from __future__ import annotations

from typing import Any

from forms.definitions import _rules as R
from forms.definitions._dsl import (
    assemble,
    code,
    date,
    items,
    multi,
    phone,
    section,
    text,
)
from forms.definitions._dsl import rule as _rule
from forms.model import Field, FieldError, FormDef, ValidationContext

MONTH = {"precision": "month"}
# 既往史 codes whose paper option has a blank for the disease name (恶性肿瘤____ 职业病____ 其他____)
NAMED = {"6": "恶性肿瘤", "12": "职业病", "13": "其他"}


def _history(key: str, label: str, name_key: str, name_label: str) -> tuple[Field, Field]:
    flag = code(key, label, "none_have")
    lst = items(
        f"{key}_items",
        f"{label}明细",
        text(name_key, name_label, max_length=50, required=True),
        date("date", "时间", **MONTH),
        rows=2,
        hint="最多2行印在纸质表上，更多的在续页",
    )
    return flag, lst


def build(edition: str) -> FormDef:
    name = text("name", "姓名", max_length=50, required=True)
    sex = code("sex", "性别", "sex", required=True)
    birth = date("birth_date", "出生日期", required=True)
    id_number = text(
        "id_number",
        "身份证号",
        max_length=18,
        format="id_number",
        hint="18位居民身份证号；旧式15位号码会被检查并换算",
        layout={"row": "id"},
    )
    basic = section(
        "basic",
        "基本信息",
        name,
        sex,
        birth,
        id_number,
        text(
            "work_unit",
            "工作单位",
            max_length=100,
            layout={"row": "id"},
            hint="退休者填原工作单位，无工作单位者填“无”",
        ),
        phone("phone", "本人电话", layout={"row": "phone"}),
        text("contact_name", "联系人姓名", max_length=50, layout={"row": "phone"}),
        phone("contact_phone", "联系人电话", layout={"row": "phone"}),
        code("residence_type", "常住类型", "residence_type", layout={"row": "res"}),
        code(
            "ethnicity",
            "民族",
            "ethnicity",
            layout={"row": "res", "box_width": 2 if edition == "2017" else 1},
            hint="少数民族请在 ethnicity_other 中写明族名",
        ),
        text("address", "现住址", max_length=200),
        date("visit_date", "填表日期", hint="建档（首次填表）日期"),
        columns=2,
    )
    abo = code("blood_abo", "ABO血型", "blood_abo", layout={"row": "blood"})
    rh = code(
        "blood_rh", "RH血型" if edition == "2017" else "RH阴性", "blood_rh", layout={"row": "blood"}
    )
    social = section(
        "social",
        "社会情况",
        abo,
        rh,
        code(
            "education",
            "文化程度",
            "education",
            layout={"box_width": 2 if edition == "2017" else 1},
        ),
        code("occupation", "职业", "occupation"),
        code("marital", "婚姻状况", "marital"),
        multi("payment", "医疗费用支付方式", "payment", boxes=3),
    )
    past_diseases = items(
        "past_diseases",
        "既往史·疾病",
        code("code", "疾病", "past_disease", required=True),
        date("diagnosed", "确诊时间", **MONTH),
        text("detail", "疾病名称", max_length=50, hint="恶性肿瘤、职业病、其他须写明名称"),
        rows=6,
    )
    surgery, surgeries = _history("surgery", "既往史·手术", "name", "名称")
    trauma, traumas = _history("trauma", "既往史·外伤", "name", "名称")
    transfusion, transfusions = _history("transfusion", "既往史·输血", "reason", "原因")
    history = section(
        "history",
        "过敏与既往史",
        multi("drug_allergy", "药物过敏史", "drug_allergy", boxes=4),
        multi("exposure", "暴露史", "exposure", boxes=3),
        past_diseases,
        surgery,
        surgeries,
        trauma,
        traumas,
        transfusion,
        transfusions,
    )
    family = section(
        "family",
        "家族史",
        multi("family_father", "父亲", "family_disease", boxes=6, layout={"row": "parents"}),
        multi("family_mother", "母亲", "family_disease", boxes=6, layout={"row": "parents"}),
        multi("family_siblings", "兄弟姐妹", "family_disease", boxes=6, layout={"row": "kin"}),
        multi("family_children", "子女", "family_disease", boxes=6, layout={"row": "kin"}),
        code(
            "hereditary",
            "遗传病史",
            "none_have_detail",
            hint="有遗传病时在 hereditary_other 中写疾病名称",
        ),
        multi("disability", "残疾情况", "disability", layout={"boxes": 6}),
    )
    environment = section(
        "environment",
        "生活环境",
        code("kitchen", "厨房排风设施", "kitchen"),
        code("fuel", "燃料类型", "fuel"),
        code("water", "饮水", "water"),
        code("toilet", "厕所", "toilet"),
        code("livestock", "禽畜栏", "livestock"),
    )

    @_rule("既往史·疾病：选“1无”的一项不填确诊时间；恶性肿瘤、职业病、其他须写明疾病名称")
    def disease_details(doc: dict[str, Any], ctx: ValidationContext) -> list[FieldError]:
        errors = []
        for i, item in enumerate(doc.get("past_diseases") or []):
            if not isinstance(item, dict):
                continue
            c = item.get("code")
            where = f"past_diseases[{i}]"
            if c == "1" and item.get("diagnosed"):
                errors.append(
                    FieldError(
                        f"{where}.diagnosed",
                        f"既往史·疾病第{i + 1}项·确诊时间",
                        "选择“无”时不填确诊时间",
                    )
                )
            if isinstance(c, str) and c in NAMED and not item.get("detail"):
                errors.append(
                    FieldError(
                        f"{where}.detail",
                        f"既往史·疾病第{i + 1}项·疾病名称",
                        f"选择“{c}{NAMED[c]}”时须写明疾病名称",
                    )
                )
        return errors

    return assemble(
        "personal_info",
        "个人基本信息表",
        edition,
        (basic, social, history, family, environment),
        rules=(
            R.flag_and_items(surgery, surgeries),
            R.flag_and_items(trauma, traumas),
            R.flag_and_items(transfusion, transfusions),
            disease_details,
        ),
        layout="sheet",
        paper={"header": ["name", "record_no8"], "instructions": "0～6岁儿童无须填写该表。"},
    )
