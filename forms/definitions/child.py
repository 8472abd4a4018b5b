"""0～6岁儿童健康管理: 新生儿家庭访视记录表 (one sheet) and the child check sheets whose columns
are fixed ages: 1～8月龄 (满月, 3, 6, 8月龄), 12～30月龄 (12, 18, 24, 30月龄), 3～6岁 (3, 4, 5, 6岁),
and 儿童中医药健康管理服务记录表 (6～18 and 24～36月龄, three columns a sheet).

Source: programme-forms.md §1-5 (rows [C2]/[C]; per-column option lists partly [U], see
docs/decisions/forms-definitions.md). Each visit is its own record; its `slot` (the age in months,
as a string) is the column it prints in (FormDef.slot_field). Where the paper prints another
option list in one column, each list is its own field on one printed row (`slot_row`); where it
prints "——", the field is `at` the other columns only and refuses a value there.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import replace
from typing import Any

from forms.checks import is_empty
from forms.codes import tables
from forms.definitions import _rules as R
from forms.definitions._dsl import (
    assemble,
    code,
    date,
    decimal,
    integer,
    multi,
    phone,
    section,
    text,
)
from forms.model import CrossRule, Field, FieldError, FormDef, Section, ValidationContext

PAPER = {"header": ["name", "record_no8"]}
SLOT_TABLES = {"child_1_8m": "child_slot_1_8m", "child_12_30m": "child_slot_12_30m",
               "child_3_6y": "child_slot_3_6y", "child_tcm": "child_slot_tcm"}  # fmt: skip
CHECK_FORMS = ("child_1_8m", "child_12_30m", "child_3_6y")
CHILD_FORMS = ("newborn_visit", *CHECK_FORMS, "child_tcm")
CHILD_AGE = 7  # 0～6岁: the child forms are for residents under 7


def at(f: Field, *slots: str, **layout: Any) -> Field:
    """The field exists in these columns only (the others print "——")."""
    return replace(f, layout={**f.layout, "at": slots, **layout})


def on_row(row: str, short: str, *fields: Field) -> tuple[Field, ...]:
    """Fields printed on one row, each in its own columns (see slot_row in forms.model)."""
    return tuple(replace(f, layout={**f.layout, "slot_row": row, "short": short}) for f in fields)


def slot_only(slot: Field, fields: list[Field], edition: str) -> list[CrossRule]:
    """A value in a column the paper prints as "——" is refused, naming the columns it belongs to."""
    table = tables(edition)[slot.codes or ""]
    out = []
    for f in fields:
        allowed = tuple(f.layout.get("at") or ())
        if not allowed:
            continue
        names = "、".join(table.label(s) or s for s in allowed)

        def check(
            doc: dict[str, Any], ctx: ValidationContext, f: Field = f, allowed=allowed, names=names
        ) -> list[FieldError]:
            s = doc.get(slot.key)
            if s is None or s in allowed or is_empty(doc.get(f.key)):
                return []
            return [R.fe(f, f"纸质表“{table.label(s) or s}”一栏此项为“——”（不适用），"
                            f"只在{names}填写")]  # fmt: skip

        out.append(
            CrossRule(f"{f.label}只在{names}填写（其他栏为“——”）", check, (slot.key, f.key))
        )
    return out


def _referral() -> tuple[Field, Field, Field, CrossRule]:
    referred = code("referral", "转诊建议", "none_have", layout={"group": "转诊建议", "label": "有无"})
    reason = text("referral_reason", "转诊原因", max_length=100,
                  layout={"group": "转诊建议", "label": "原因"})  # fmt: skip
    org = text("referral_org", "转诊机构及科室", max_length=100,
               layout={"group": "转诊建议", "label": "机构及科室"})  # fmt: skip
    return referred, reason, org, R.only_when(referred, ("2",), reason, org)


def _exam(key: str, label: str, **kw: Any) -> Field:
    return code(key, label, "unremarkable", **kw)


# ---------------------------------------------------------------------------- newborn


def build_newborn(edition: str) -> FormDef:
    birth = date("birth_date", "出生日期")
    visit_date = date("visit_date", "本次访视日期", required=True)
    next_visit = date("next_visit_date", "下次随访日期", allow_future=True)
    asphyxia = code("asphyxia", "新生儿窒息", "none_have", layout={"row": "asphyxia"})
    apgar = [integer(f"apgar_{m}", f"Apgar评分{m}分钟", 0, 10, "分", layout={"row": "asphyxia"})
             for m in (1, 5)]  # fmt: skip
    feeding = code("feeding", "喂养方式", "feeding")
    amount = integer("milk_amount", "吃奶量", 1, 300, "ml/次", layout={"star": True},
                     hint="纯母乳或混合喂养不填")  # fmt: skip
    referred, reason, org, referral_rule = _referral()
    fontanelle = [
        decimal("fontanelle_w", "前囟·横径", 0, 10, "cm", layout={"row": "fontanelle"}),
        decimal("fontanelle_h", "前囟·纵径", 0, 10, "cm", layout={"row": "fontanelle", "join": "×"}),
        code("fontanelle", "前囟·状态", "fontanelle", layout={"row": "fontanelle"}),
    ]
    chest = "胸部" if edition == "2017" else "心肺听诊"
    parents = []
    for who, word in (("father", "父亲"), ("mother", "母亲")):
        parents += [
            text(f"{who}_name", f"{word}·姓名", max_length=40, layout={"row": who}),
            text(f"{who}_occupation", f"{word}·职业", max_length=40, layout={"row": who}),
            phone(f"{who}_phone", f"{word}·联系电话", layout={"row": who}),
            date(f"{who}_birth_date", f"{word}·出生日期", of_resident=False, layout={"row": who}),
        ]
    return assemble(
        "newborn_visit",
        "新生儿家庭访视记录表",
        edition,
        (
            section(
                "child",
                "基本情况",
                code("sex", "性别", "sex"),
                birth,
                text("id_number", "身份证号", max_length=18, format="id_number",
                     hint="户口登记前可空"),  # fmt: skip
                text("address", "家庭住址", max_length=200, layout={"width": "full"}),
                *parents,
                integer("gest_weeks", "出生孕周", 20, 45, "周"),
                code("mother_disease", "母亲妊娠期患病情况", "mother_disease"),
                text("birth_org", "助产机构名称", max_length=100, hint="非住院分娩写“无”"),
                multi("birth_mode", "出生情况", "birth_mode", layout={"boxes": 2}),
                asphyxia,
                *apgar,
                code("deformity", "畸型", "none_have_detail"),
                code("hearing_screen", "新生儿听力筛查", "newborn_hearing"),
                multi("disease_screen", "新生儿疾病筛查", "newborn_screening", layout={"boxes": 2}),
                decimal("birth_weight", "新生儿出生体重", 0.3, 7, "kg", places=2,
                        layout={"row": "birth_size"}),  # fmt: skip
                decimal("weight_kg", "目前体重", 0.5, 10, "kg", places=2, measure="weight",
                        layout={"row": "birth_size"}),  # fmt: skip
                decimal("birth_length", "出生身长", 20, 65, "cm", layout={"row": "birth_size"}),
                columns=2,
            ),
            section(
                "feeding",
                "喂养情况",
                feeding,
                amount,
                integer("milk_times", "吃奶次数", 1, 30, "次/日", layout={"star": True}),
                code("vomiting", "呕吐", "none_have", layout={"star": True}),
                code("stool", "大便", "stool", layout={"star": True}),
                integer("stool_times", "大便次数", 0, 20, "次/日", layout={"star": True}),
                columns=2,
            ),
            section(
                "exam",
                "体格检查",
                decimal("temperature", "体温", 34, 43, "℃", layout={"row": "vitals"}),
                integer("heart_rate", "心率" if edition == "2017" else "脉率", 60, 250, "次/分钟",
                        layout={"row": "vitals"}),  # fmt: skip
                integer("resp_rate", "呼吸频率", 10, 120, "次/分钟", layout={"row": "vitals"}),
                code("complexion", "面色", "complexion_newborn"),
                multi("jaundice", "黄疸部位", "jaundice", layout={"boxes": 4}),
                *fontanelle,
                _exam("eyes", "眼睛"),
                _exam("limbs", "四肢活动度"),
                _exam("ears", "耳外观"),
                code("neck_mass", "颈部包块", "none_have"),
                _exam("nose", "鼻"),
                multi("skin", "皮肤", "newborn_skin", layout={"boxes": 2}),
                _exam("mouth", "口腔"),
                _exam("anus", "肛门"),
                _exam("chest", chest),
                _exam("abdomen", "腹部触诊"),
                _exam("genitals", "外生殖器"),
                _exam("spine", "脊柱"),
                multi("umbilical", "脐带", "umbilical", layout={"boxes": 2}),
                columns=2,
            ),
            section(
                "advice",
                "转诊与指导",
                referred,
                reason,
                org,
                multi("guidance", "指导", "newborn_guidance", layout={"boxes": 5}),
                role="rows",
            ),
            section(
                "closing",
                "访视",
                visit_date,
                text("next_visit_place", "下次随访地点", max_length=100),
                next_visit,
                text("doctor", "随访医生签名", max_length=50, layout={"signature": True}),
                columns=2,
            ),
        ),
        rules=(
            R.after(birth, visit_date, strict=False),
            R.after(visit_date, next_visit),
            R.only_when(asphyxia, ("2",), *apgar),
            R.only_when(feeding, ("3",), amount, edition=edition),
            referral_rule,
        ),
        layout="sheet",
        insert_only=True,
        paper=PAPER
        | {
            "instructions": "姓名：未取名的填写“母亲姓名＋之男/之女”。非新生儿期纳入管理的儿童只填写至"
            "出生情况，随后按年龄填写相应的健康检查记录表。纯母乳或混合喂养不填写吃奶量。"
            "皮肤、黄疸部位、脐带、新生儿疾病筛查、指导可多选。带*的项目不属于基本公共卫生服务"
            "免费项目。"
        },
    )


# ---------------------------------------------------------------------------- check sheets


def _head(slot_table: str, label: str) -> tuple[Field, Field, Section]:
    slot = code("slot", label, slot_table, required=True,
                hint="本次检查记入纸质表的哪一栏（按月龄/年龄）")  # fmt: skip
    visit_date = date("visit_date", "随访日期", required=True)
    return slot, visit_date, section("visit", "随访", slot, visit_date, role="header")


def _growth(kind: str) -> list[Field]:
    """体重 / 身长(高) with their 上中下, and 头围 on the 1～8月龄 sheet."""
    lo_w, hi_w, lo_h, hi_h, h_label = {
        "1_8m": (1.0, 20, 35, 90, "身长"),
        "12_30m": (5, 30, 60, 115, "身长（高）"),
        "3_6y": (8, 50, 80, 140, "身高"),
    }[kind]
    out = [
        decimal("weight_kg", "体重", lo_w, hi_w, "kg", places=2, measure="weight",
                layout={"row": "weight"}),  # fmt: skip
        code("weight_level", "体重·上中下", "growth_level", layout={"row": "weight"}),
        decimal("height_cm", h_label, lo_h, hi_h, "cm", measure="height", layout={"row": "height"}),
        code("height_level", f"{h_label}·上中下", "growth_level", layout={"row": "height"}),
    ]
    if kind == "1_8m":
        out.append(decimal("head_cm", "头围", 28, 55, "cm", measure="head"))
    if kind == "3_6y":
        out.append(code("weight_height_level", "体重/身高", "growth_level", hint="身高别体重"))
        out.append(code("growth_eval", "体格发育评价", "growth_eval"))
    return out


def _fontanelle(*slots: str) -> tuple[list[Field], CrossRule]:
    status = at(code("fontanelle", "前囟", "fontanelle_closed", layout={"row": "fontanelle"}), *slots)
    size = [
        at(decimal("fontanelle_w", "前囟横径", 0, 10, "cm", layout={"row": "fontanelle"}), *slots),
        at(decimal("fontanelle_h", "前囟纵径", 0, 10, "cm",
                   layout={"row": "fontanelle", "join": "×"}), *slots),  # fmt: skip
    ]
    return [status, *size], R.only_when(status, ("2",), *size)


def _illness(edition: str) -> tuple[list[Field], list[CrossRule]]:
    """两次随访间患病情况: 2017 1无 2肺炎__次 3腹泻__次 4外伤__次 5其他; 2011 1未患病 2患病."""
    ill = multi("illness", "两次随访间患病情况", "child_illness", layout={"row": "illness"})
    if edition != "2017":
        return [replace(ill, type="code", layout={})], []
    counts = [integer(key, f"{word}次数", 1, 50, "次", layout={"row": "illness"})
              for key, word in (("pneumonia_times", "肺炎"), ("diarrhea_times", "腹泻"),
                                ("injury_times", "外伤"))]  # fmt: skip
    rules = [R.only_when(ill, (c,), f) for c, f in zip(("2", "3", "4"), counts, strict=True)]
    return [ill, *counts], rules


def _tcm(slots: dict[str, str], key: str = "tcm", *only: str) -> Field:
    """中医药健康管理服务, printed with the method taught at each age."""
    first = next(iter(slots.values()))
    f = multi(key, "中医药健康管理服务", first, layout={"boxes": 4, "slot_codes": slots})
    return at(f, *only) if only else f


def _closing() -> tuple[Field, Section]:
    next_visit = date("next_visit_date", "下次随访日期", allow_future=True)
    return next_visit, section(
        "closing", "下次随访", next_visit,
        text("doctor", "随访医生签名", max_length=50, layout={"signature": True}), role="rows",
    )  # fmt: skip


def _check_form(
    code_: str,
    title: str,
    edition: str,
    slot: Field,
    visit_date: Field,
    head: Section,
    exam: list[Field],
    other: list[Field],
    extra_rules: list[CrossRule],
    instructions: str,
    kind: str,
) -> FormDef:
    referred, reason, org, referral_rule = _referral()
    next_visit, closing = _closing()
    illness, illness_rules = _illness(edition)
    guidance_tables = {"1_8m": "child_guidance_feeding", "12_30m": "child_guidance_feeding",
                       "3_6y": "child_guidance_diet"}  # fmt: skip
    guidance_layout: dict[str, Any] = {"boxes": 5}
    if kind == "12_30m":  # 12/18月龄 科学喂养, 24/30月龄 合理膳食 [C P2 2011]
        guidance_layout["slot_codes"] = {"24": "child_guidance_diet", "30": "child_guidance_diet"}
    guidance = multi("guidance", "指导", guidance_tables[kind], layout=guidance_layout)
    sections = (
        head,
        section("growth", "体格发育", *_growth(kind), role="rows"),
        section("exam", "体格检查", *exam),
        section("care", "保健", *other, *illness, role="rows"),
        section("advice", "转诊与指导", referred, reason, org, guidance, role="rows"),
        closing,
    )
    fields = [f for s in sections for f in s.fields]
    return assemble(
        code_,
        title,
        edition,
        sections,
        rules=(
            R.after(visit_date, next_visit),
            referral_rule,
            *illness_rules,
            *extra_rules,
            *slot_only(slot, fields, edition),
        ),
        layout="columns",
        visits_per_page=4,
        insert_only=True,
        slot_field="slot",
        paper=PAPER | {"instructions": instructions},
    )


def _teeth(*, label: str) -> tuple[list[Field], CrossRule]:
    teeth = integer("teeth", label.split("/")[0], 0, 20, "颗", layout={"row": "teeth", "short": label})
    caries = integer("caries", "龋齿数", 0, 20, "颗", layout={"row": "teeth", "join": "/"})
    return [teeth, caries], R.not_less(caries, teeth)


def _dev(months: tuple[str, ...]) -> tuple[Field, ...]:
    """发育评估: each age's warning signs; any ticked = possible developmental deviation."""
    return on_row("development", "发育评估", *(
        at(multi(f"dev_{m}m", f"发育评估（{m}月龄）", f"dev_{m}m"), m) for m in months
    ))  # fmt: skip


def build_1_8m(edition: str) -> FormDef:
    slot, visit_date, head = _head("child_slot_1_8m", "月龄")
    fontanelle, fontanelle_rule = _fontanelle("1", "3", "6", "8")
    chest = "胸部" if edition == "2017" else "心肺"
    exam = [
        *on_row("complexion", "面色",
                at(code("complexion_early", "面色（满月、3月龄）", "complexion_newborn"), "1", "3"),
                at(code("complexion", "面色（6、8月龄）", "complexion_child"), "6", "8")),
        _exam("skin", "皮肤"),
        *fontanelle,
        at(code("neck_mass", "颈部包块", "have_not"), "1", "3", "6"),
        _exam("eyes", "眼睛"),
        _exam("ears", "耳外观"),
        at(code("hearing", "听力", "pass_fail"), "6"),
        *on_row("mouth", "口腔",
                at(_exam("mouth", "口腔"), "1", "3"),
                at(integer("teeth", "出牙数", 0, 20, "颗"), "6", "8")),
        _exam("chest", chest),
        _exam("abdomen", "腹部"),
        *on_row("umbilical", "脐部",
                at(code("umbilical", "脐部（满月）", "umbilical"), "1"),
                at(_exam("umbilical_3m", "脐部（3月龄）"), "3")),
        _exam("limbs", "四肢"),
        at(multi("rickets_symptoms", "可疑佝偻病症状", "rickets_symptoms"), "3", "6", "8"),
        *on_row("rickets_signs", "可疑佝偻病体征",
                at(code("rickets_signs_3m", "可疑佝偻病体征（3月龄）", "rickets_signs_3m"), "3"),
                at(multi("rickets_signs", "可疑佝偻病体征（6、8月龄）", "rickets_signs_6m"),
                   "6", "8")),  # fmt: skip
        _exam("anus_genitals", "肛门/外生殖器"),
        at(integer("hemoglobin", "血红蛋白值", 30, 250, "g/L"), "6", "8"),
    ]
    other = [
        decimal("outdoor_hours", "户外活动", 0, 24, "小时/日"),
        integer("vitamin_d", "服用维生素D", 0, 2000, "IU/日", hint="未服用填0"),
        *_dev(("3", "6", "8")),
        _tcm({"6": "child_tcm_massage"}, "tcm", "6"),
    ]
    return _check_form(
        "child_1_8m", "1～8月龄儿童健康检查记录表", edition, slot, visit_date, head, exam, other,
        [fontanelle_rule],
        "“——”表示本次随访时该项目不用检查。体重、身长按国家卫生健康委选用的儿童生长发育评价标准"
        "判断上、中、下。发育评估：该年龄段任何一条预警征象阳性，提示有发育偏异的可能。服用维生素D"
        "填写每日剂量，未服用填0。失访的在随访日期处写明原因；死亡的写明日期和原因。",
        "1_8m",
    )  # fmt: skip


def build_12_30m(edition: str) -> FormDef:
    slot, visit_date, head = _head("child_slot_12_30m", "月龄")
    fontanelle, fontanelle_rule = _fontanelle("12", "18", "24")
    teeth, teeth_rule = _teeth(label="出牙数/龋齿数")
    chest = "胸部" if edition == "2017" else "心肺"
    exam = [
        code("complexion", "面色", "complexion_child"),
        _exam("skin", "皮肤"),
        *fontanelle,
        _exam("eyes", "眼睛"),
        _exam("ears", "耳外观"),
        at(code("hearing", "听力", "pass_fail"), "12", "24"),
        *teeth,
        _exam("chest", chest),
        _exam("abdomen", "腹部"),
        _exam("limbs", "四肢"),
        at(_exam("gait", "步态"), "18", "24", "30"),
        code("rickets_signs", "可疑佝偻病体征", "child_rickets_legs"),
        at(integer("hemoglobin", "血红蛋白值", 30, 250, "g/L"), "18", "30"),
    ]
    other = [
        decimal("outdoor_hours", "户外活动", 0, 24, "小时/日"),
        at(integer("vitamin_d", "服用维生素D", 0, 2000, "IU/日", hint="未服用填0"), "12", "18", "24"),
        *_dev(("12", "18", "24", "30")),
        _tcm({"12": "child_tcm_massage", "18": "child_tcm_points", "24": "child_tcm_points",
              "30": "child_tcm_sishencong"}),  # fmt: skip
    ]
    return _check_form(
        "child_12_30m", "12～30月龄儿童健康检查记录表", edition, slot, visit_date, head, exam, other,
        [fontanelle_rule, teeth_rule],
        "“——”表示本次随访时该项目不用检查。12月龄指满12月至12月29天，18、24、30月龄同此；其他月龄"
        "的检查另用一页并注明月龄和日期。听力使用行为测听；18月龄和30月龄各免费测一次血红蛋白。"
        "服用维生素D未服用填0。失访的在随访日期处写明原因；死亡的写明日期和原因。",
        "12_30m",
    )  # fmt: skip


def build_3_6y(edition: str) -> FormDef:
    slot, visit_date, head = _head("child_slot_3_6y", "年龄")
    teeth, teeth_rule = _teeth(label="牙数/龋齿数")
    chest = "胸部" if edition == "2017" else "心肺"
    exam = [
        at(text("vision", "视力", max_length=20, hint="国际视力表或对数视力表，如 5.0/4.9"),
           "48", "60", "72"),  # fmt: skip
        at(code("hearing", "听力", "pass_fail"), "36"),
        *teeth,
        _exam("chest", chest),
        _exam("abdomen", "腹部"),
        integer("hemoglobin", "血红蛋白值", 30, 250, "g/L"),
        text("exam_other", "其他", max_length=100),
    ]
    other = [
        *on_row("development", "发育评估",
                *(at(multi(f"dev_{m}m", f"发育评估（{int(m) // 12}岁）", f"dev_{m}m"), m)
                  for m in ("36", "48", "60", "72"))),  # fmt: skip
        _tcm({"36": "child_tcm_sishencong"}, "tcm", "36"),
    ]
    return _check_form(
        "child_3_6y", "3～6岁儿童健康检查记录表", edition, slot, visit_date, head, exam, other,
        [teeth_rule],
        "“——”表示本次随访时该项目不用检查。3岁指满3周岁至3周岁11个月29天，4、5、6岁同此。"
        "体重/身高指身高别体重。视力填写具体数据，国际视力表或对数视力表均可；3岁听力使用行为测听；"
        "4、5、6岁各免费测一次血红蛋白。失访的在随访日期处写明原因；死亡的写明日期和原因。",
        "3_6y",
    )  # fmt: skip


def build_tcm(edition: str) -> FormDef:
    slot, visit_date, head = _head("child_slot_tcm", "月龄")
    next_visit, closing = _closing()
    service = _tcm({"6": "child_tcm_massage", "12": "child_tcm_massage", "18": "child_tcm_points",
                    "24": "child_tcm_points", "30": "child_tcm_sishencong",
                    "36": "child_tcm_sishencong"})  # fmt: skip
    return assemble(
        "child_tcm",
        "儿童中医药健康管理服务记录表",
        edition,
        (head, section("service", "服务", service, role="rows"), closing),
        rules=(R.after(visit_date, next_visit),),
        layout="columns",
        visits_per_page=3,
        insert_only=True,
        slot_field="slot",
        paper=PAPER
        | {
            # the two sheets some provinces print (programme-forms.md §5 [C P4]; layout [U])
            "slot_titles": ["6～18月龄儿童中医药健康管理服务记录表",
                            "24～36月龄儿童中医药健康管理服务记录表"],  # fmt: skip
            "instructions": "中医药健康管理服务：在所提供服务对应的选项上划“√”，可多选；其他服务"
            "请注明。6、12月龄传授摩腹和捏脊方法，18、24月龄传授按揉迎香穴、足三里穴方法，30、"
            "36月龄传授按揉四神聪穴方法。",
        },
    )



# ---------------------------------------------------------------------------- ages


def add_months(d: dt.date, n: int) -> dt.date:
    """The same day n months later (the month's last day when it has no such day)."""
    y, m = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def age_months(birth: dt.date, day: dt.date) -> tuple[int, int]:
    """Completed months and the days after them (18月龄 = 18 months 0 days to 18 months 29 days)."""
    months = (day.year - birth.year) * 12 + day.month - birth.month
    if add_months(birth, months) > day:
        months -= 1
    return months, (day - add_months(birth, months)).days


def age_text(birth: dt.date, day: dt.date) -> str:
    months, days = age_months(birth, day)
    if months >= 36:
        return f"{months // 12}岁{months % 12}个月"
    return f"{months}个月{days}天" if months else f"出生后{(day - birth).days}天"


def slot_window(form: str, slot: str) -> str:
    """The age a column is for, as the 填表说明 words it (1～8月龄 by analogy [U])."""
    n = int(slot)
    if form == "child_3_6y":
        return f"满{n // 12}周岁至{n // 12}周岁11个月29天"
    if n == 1:
        return "出生后28天至1个月29天"
    return f"满{n}月至{n}月29天"


def in_window(form: str, slot: str, birth: dt.date, day: dt.date) -> bool:
    """Whether a visit on `day` is at the age of its column (the paper's windows)."""
    months, _days = age_months(birth, day)
    n = int(slot)
    if form == "child_3_6y":
        return months // 12 == n // 12
    if n == 1:
        return months == 1 or (months == 0 and (day - birth).days >= 28)
    return months == n
