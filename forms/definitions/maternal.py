"""孕产妇健康管理: 第1次产前检查服务记录表 (one sheet), 第2～5次产前随访服务记录表 (one visit per
column, 第2～5次), 产后访视记录表 and 产后42天健康检查记录表 (one sheet each).

Source: programme-forms.md §6-9. Rows are [C2]/[C]; many option lists are known only in their
2011 wording [C] and their 2017 wording is [U]: those tables differ by edition (forms/codes) so
a province can correct them without touching the definitions.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import replace
from typing import Any

from forms.checks import is_empty, parse_date
from forms.compute import bmi_step
from forms.definitions import _rules as R
from forms.definitions._dsl import (
    assemble,
    code,
    date,
    decimal,
    integer,
    multi,
    phone,
    rule,
    section,
    text,
)
from forms.model import CrossRule, Field, FieldError, FormDef, Section, ValidationContext

PAPER = {"header": ["name", "record_no8"]}


def starred(f: Field) -> Field:
    """An item the paper marks with * (outside the free basic service): printed with the star."""
    return replace(f, layout={**f.layout, "star": True})


# 孕产史: the outcomes counted (write 0 for none). 2017 splits 流产 into 自然/人工 [U].
OBSTETRIC = {
    "2017": (("spontaneous_abortions", "自然流产"), ("induced_abortions", "人工流产"),
             ("fetal_deaths", "死胎"), ("stillbirths", "死产"), ("neonatal_deaths", "新生儿死亡"),
             ("birth_defects", "出生缺陷儿")),
    "2009": (("abortions", "流产"), ("fetal_deaths", "死胎"), ("stillbirths", "死产"),
             ("neonatal_deaths", "新生儿死亡"), ("birth_defects", "出生缺陷儿")),
}  # fmt: skip
# A due date further than this from the last period is a typing error (term is 280 days).
EDD_DAYS = (240, 300)
# Guidance codes the 第2次 and 第3次 columns do not print (their lists are shorter) [C P2].
NOT_AT_VISIT = {2: ("5", "6", "7"), 3: ("6",)}


def due_date(lmp: dt.date) -> dt.date:
    """预产期 by the form's rule (Naegele): the day of the last period + 7, the month + 9."""
    d = lmp + dt.timedelta(days=7)
    month = d.month + 9
    year = d.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def gestation(lmp: dt.date, day: dt.date) -> tuple[int, int]:
    """孕周 on `day`: completed weeks and days since the first day of the last period."""
    days = (day - lmp).days
    return days // 7, days % 7


def _from_lmp(doc: dict[str, Any]) -> dict[str, Any]:
    """预产期 and the 孕周 of the visit from 末次月经 when they were not written (both may be
    corrected by the doctor: an ultrasound date wins)."""
    lmp = parse_date(doc.get("lmp"))
    if lmp is None:
        return doc
    if is_empty(doc.get("edd")):
        doc["edd"] = due_date(lmp).isoformat()
    visit = parse_date(doc.get("visit_date"))
    if visit is not None and visit >= lmp and is_empty(doc.get("gest_weeks")):
        weeks, days = gestation(lmp, visit)
        if weeks <= 45:
            doc["gest_weeks"], doc["gest_days"] = weeks, days
    return doc


def _edd_near_lmp(lmp: Field, edd: Field) -> CrossRule:
    lo, hi = EDD_DAYS

    @rule(f"{edd.label}应在{lmp.label}后{lo}～{hi}天", lmp, edd)
    def check(doc: dict[str, Any], ctx: ValidationContext) -> list[FieldError]:
        a, b = parse_date(doc.get(lmp.key)), parse_date(doc.get(edd.key))
        if a is None or b is None or lo <= (b - a).days <= hi:
            return []
        return [R.fe(edd, f"与{lmp.label}{doc[lmp.key]}相隔{(b - a).days}天；"
                          f"按末次月经推算应为{due_date(a).isoformat()}，请核对")]  # fmt: skip

    return check


# 孕周 written on the first exam may differ from the LMP's by this many days (the doctor rounds,
# or dates by ultrasound: then the 预产期 is corrected too and the weeks are checked against it).
WEEKS_SLACK_DAYS = 7


def _weeks_match_dating(visit: Field, lmp: Field, edd: Field, weeks: Field, days: Field) -> CrossRule:
    @rule(f"{weeks.label}应与{lmp.label}或{edd.label}推算的孕周相符（相差不超过1周）", visit, lmp, edd,
          weeks, days)  # fmt: skip
    def check(doc: dict[str, Any], ctx: ValidationContext) -> list[FieldError]:
        day, last = parse_date(doc.get(visit.key)), parse_date(doc.get(lmp.key))
        written = doc.get(weeks.key)
        if day is None or last is None or not isinstance(written, int) or day < last:
            return []
        extra = doc.get(days.key)
        typed = 7 * written + (extra if isinstance(extra, int) else 0)
        due = parse_date(doc.get(edd.key))
        by_lmp = (day - last).days
        corrected = due is not None and due != due_date(last)  # by ultrasound: week 0 = 预产期 - 280
        by_edd = (day - due).days + 280 if due is not None and corrected else by_lmp
        if min(abs(typed - by_lmp), abs(typed - by_edd)) <= WEEKS_SLACK_DAYS:
            return []
        w, d = gestation(last, day)
        also = "" if due is None or by_edd == by_lmp else f"，按{edd.label}{doc[edd.key]}推算为{by_edd // 7}周{by_edd % 7}天"
        return [R.fe(weeks, f"填写为{written}周，按{lmp.label}{doc[lmp.key]}推算{visit.label}{doc[visit.key]}"
                            f"时为{w}周{d}天{also}，相差超过1周；请核对孕周或末次月经")]  # fmt: skip

    return check


def _bp() -> tuple[Field, Field]:
    return (
        integer("sbp", "收缩压", 50, 300, "mmHg", layout={"row": "bp"}),
        integer("dbp", "舒张压", 30, 200, "mmHg", layout={"row": "bp", "join": "/"}),
    )


def _referral(prefix_label: str = "转诊") -> tuple[Field, Field, Field, CrossRule]:
    referred = code(
        "referral", prefix_label, "none_have", layout={"group": "转诊", "label": "有无"}
    )
    reason = text(
        "referral_reason", "转诊原因", max_length=100, layout={"group": "转诊", "label": "原因"}
    )
    org = text("referral_org", "转诊机构及科室", max_length=100,
               layout={"group": "转诊", "label": "机构及科室"})  # fmt: skip
    return referred, reason, org, R.only_when(referred, ("2",), reason, org)


def _closing(next_label: str = "下次随访日期") -> tuple[Field, Section]:
    next_visit = date("next_visit_date", next_label, allow_future=True)
    return next_visit, section(
        "closing",
        "下次随访",
        next_visit,
        text("doctor", "随访医生签名", max_length=50, layout={"signature": True}),
        role="rows",
    )


def build_first(edition: str) -> FormDef:
    visit_date = date("visit_date", "填表日期", required=True)
    lmp = date("lmp", "末次月经", hint="不详时留空")
    edd = date("edd", "预产期", allow_future=True, layout={"derived_from": "lmp"},
               hint="填写末次月经后按“月+9（或-3），日+7”自动推算，可按B超改正")  # fmt: skip
    weeks = integer(
        "gest_weeks", "孕周（周）", 0, 45, "周", layout={"row": "gest", "derived_from": "lmp"}
    )
    days = integer(
        "gest_days", "孕周（天）", 0, 6, "天", layout={"row": "gest", "derived_from": "lmp"}
    )
    sbp, dbp = _bp()
    referred, reason, org, referral_rule = _referral()
    next_visit, closing = _closing()
    counts = [integer(key, label, 0, 20, "次", layout={"row": "obstetric", "label": label})
              for key, label in OBSTETRIC[edition]]  # fmt: skip
    exam = [code(key, label, "unremarkable", layout={"group": group})
            for key, label, group in (("heart", "心脏", "听诊"), ("lungs", "肺部", "听诊"),
                                      ("vulva", "外阴", "妇科检查"), ("vagina", "阴道", "妇科检查"),
                                      ("cervix", "宫颈", "妇科检查"), ("uterus", "子宫", "妇科检查"),
                                      ("adnexa", "附件", "妇科检查"))]  # fmt: skip
    return assemble(
        "prenatal_first",
        "第1次产前检查服务记录表",
        edition,
        (
            section("visit", "填表", visit_date, weeks, days, role="header"),
            section(
                "mother",
                "孕妇情况",
                integer("age", "孕妇年龄", 12, 60, "岁"),
                text("husband_name", "丈夫姓名", max_length=40, layout={"row": "husband"}),
                integer("husband_age", "丈夫年龄", 15, 90, "岁", layout={"row": "husband"}),
                phone("husband_phone", "丈夫电话", layout={"row": "husband"}),
                integer("gravidity", "孕次", 1, 30, "次", hint="含本次妊娠"),
                integer("vaginal_births", "产次·阴道分娩", 0, 20, "次", layout={"row": "parity"}),
                integer(
                    "caesareans",
                    "产次·剖宫产",
                    0,
                    20,
                    "次",
                    layout={"row": "parity"},
                    hint="本次妊娠前孕满28周的分娩",
                ),  # fmt: skip
                lmp,
                edd,
                columns=2,
            ),
            section(
                "history",
                "病史",
                multi("past_history", "既往史", "mat_past_history", layout={"boxes": 4}),
                multi("family_history", "家族史", "mat_family_history", layout={"boxes": 3}),
                multi("personal_history", "个人史", "mat_personal_history", layout={"boxes": 4}),
                code("obstetric_surgery", "妇产科手术史", "none_have_detail", hint="含剖宫产"),
                *counts,
            ),
            section(
                "body",
                "体格检查",
                decimal("height_cm", "身高", 100, 220, "cm", layout={"row": "hw"}),
                decimal("weight_kg", "体重", 25, 200, "kg", layout={"row": "hw"}),
                decimal("bmi", "体质指数", 8, 80, "kg/m²", computed=True, layout={"row": "hw"}),
                sbp,
                dbp,
                *exam,
            ),
            section(
                "lab",
                "辅助检查",
                integer("hemoglobin", "血红蛋白值", 20, 250, "g/L", layout={"group": "血常规"}),
                decimal("wbc", "白细胞计数值", 0, 100, "×10⁹/L", layout={"group": "血常规"}),
                integer("platelets", "血小板计数值", 0, 2000, "×10⁹/L", layout={"group": "血常规"}),
                text(
                    "blood_other",
                    "血常规·其他",
                    max_length=60,
                    layout={"group": "血常规", "label": "其他"},
                ),
                *(
                    text(key, label, max_length=10, layout={"group": "尿常规", "row": "urine"})
                    for key, label in (("urine_protein", "尿蛋白"), ("urine_glucose", "尿糖"),
                                       ("urine_ketone", "尿酮体"), ("urine_blood", "尿潜血"))
                ),  # fmt: skip
                code("blood_abo", "血型", "blood_abo", layout={"row": "blood"}),
                starred(code("blood_rh", "Rh血型", "neg_pos", layout={"row": "blood"})),
                starred(decimal("glucose", "血糖", 1, 40, "mmol/L", places=2)),
                integer("alt", "血清谷丙转氨酶", 0, 5000, "U/L", layout={"group": "肝功能"}),
                integer("ast", "血清谷草转氨酶", 0, 5000, "U/L", layout={"group": "肝功能"}),
                decimal("albumin", "白蛋白", 5, 80, "g/L", layout={"group": "肝功能"}),
                decimal(
                    "bilirubin_total", "总胆红素", 0, 1000, "μmol/L", layout={"group": "肝功能"}
                ),
                decimal(
                    "bilirubin_direct", "结合胆红素", 0, 1000, "μmol/L", layout={"group": "肝功能"}
                ),
                decimal("creatinine", "血清肌酐", 5, 3000, "μmol/L", layout={"group": "肾功能"}),
                decimal("urea", "血尿素", 0.5, 100, "mmol/L", layout={"group": "肾功能"}),
                starred(
                    multi(
                        "vaginal_discharge", "阴道分泌物", "vaginal_discharge", layout={"boxes": 2}
                    )
                ),
                code("vaginal_cleanliness", "阴道清洁度", "vaginal_cleanliness"),
                code("hbsag", "乙型肝炎表面抗原", "neg_pos", layout={"group": "乙型肝炎"}),
                starred(code("hbsab", "乙型肝炎表面抗体", "neg_pos", layout={"group": "乙型肝炎"})),
                starred(code("hbeag", "乙型肝炎e抗原", "neg_pos", layout={"group": "乙型肝炎"})),
                starred(code("hbeab", "乙型肝炎e抗体", "neg_pos", layout={"group": "乙型肝炎"})),
                starred(code("hbcab", "乙型肝炎核心抗体", "neg_pos", layout={"group": "乙型肝炎"})),
                starred(code("syphilis", "梅毒血清学试验", "neg_pos")),
                starred(code("hiv", "HIV抗体检测", "neg_pos")),
                starred(text("ultrasound", "B超", max_length=200)),
                starred(text("lab_other", "其他", max_length=200)),
            ),
            section(
                "assessment",
                "评估与指导",
                code("assessment", "总体评估", "unremarkable"),
                multi("guidance", "保健指导", "first_prenatal_guidance", layout={"boxes": 5}),
                referred,
                reason,
                org,
                role="rows",
            ),
            closing,
        ),
        rules=(
            R.blood_pressure(sbp, dbp),
            _edd_near_lmp(lmp, edd),
            _weeks_match_dating(visit_date, lmp, edd, weeks, days),
            R.after(visit_date, next_visit),
            R.after(lmp, visit_date),
            referral_rule,
        ),
        compute=(bmi_step("weight_kg", "height_cm", "bmi"), _from_lmp),
        layout="sheet",
        insert_only=True,
        paper=PAPER
        | {
            "instructions": "孕13周前由孕妇居住地的乡镇卫生院、社区卫生服务中心建立《母子健康手册》并进行"
            "第1次产前检查；孕次含本次妊娠，产次指本次妊娠前孕满28周的分娩次数；预产期按末次月经"
            "“月份+9（或-3），日数+7”推算；带*的项目不属于基本公共卫生服务免费项目，梅毒、HIV检测由"
            "重大公共卫生服务项目免费提供。"
        },
    )


def _urged_only(visit_kind: Field, clinical: list[Field]) -> CrossRule:
    """A clinic without midwifery qualification only urges the visit: the clinical rows stay
    empty (programme-forms.md §7 填表说明 12)."""

    @rule(f"{visit_kind.label}为“2督促”时不填写检查结果", visit_kind, *clinical)
    def check(doc: dict[str, Any], ctx: ValidationContext) -> list[FieldError]:
        if doc.get(visit_kind.key) != "2":
            return []
        return [R.fe(f, "督促随访只记录督促日期，检查结果由有助产资质的机构填写")
                for f in clinical if not is_empty(doc.get(f.key))]  # fmt: skip

    return check


def _guidance_for_visit(visit_no: Field, guidance: Field) -> CrossRule:
    @rule(f"{guidance.label}的选项按第几次随访印制（第2次、第3次的选项较少）", visit_no, guidance)
    def check(doc: dict[str, Any], ctx: ValidationContext) -> list[FieldError]:
        no, chosen = doc.get(visit_no.key), doc.get(guidance.key) or []
        missing = (
            [c for c in chosen if c in NOT_AT_VISIT.get(no, ())] if isinstance(no, int) else []
        )
        if not missing:
            return []
        return [R.fe(guidance, f"第{no}次产前随访的指导没有“{'、'.join(missing)}”项")]

    return check


def build_followup(edition: str) -> FormDef:
    visit_date = date("visit_date", "随访/督促日期", required=True)
    visit_no = integer("visit_no", "第几次产前随访", 2, 5, "次", layout={"prefix": "第"},
                       hint="16～20周第2次，21～24周第3次，28～36周第4次，37～40周第5次")  # fmt: skip
    kind = code("visit_kind", "随访或督促", "prenatal_visit_kind",
                hint="无助产资质的机构只督促孕妇到有资质的机构检查，记录督促日期")  # fmt: skip
    sbp, dbp = _bp()
    clinical = [
        integer("gest_weeks", "孕周", 4, 45, "周"),
        text("complaint", "主诉", max_length=100),
        decimal("weight_kg", "体重", 25, 200, "kg"),
        decimal("fundal_height", "宫底高度", 5, 50, "cm", layout={"group": "产科检查"}),
        decimal("abdominal_girth", "腹围", 50, 160, "cm", layout={"group": "产科检查"}),
        text("fetal_position", "胎位", max_length=20, layout={"group": "产科检查"}),
        integer("fetal_heart_rate", "胎心率", 60, 220, "次/分钟", layout={"group": "产科检查"}),
        sbp,
        dbp,
        integer("hemoglobin", "血红蛋白", 20, 250, "g/L"),
        text("urine_protein", "尿蛋白", max_length=10),
        starred(text("lab_other", "其他辅助检查", max_length=100)),
        code("classification", "分类", "unremarkable"),
    ]
    guidance = multi("guidance", "指导", "prenatal_guidance", layout={"boxes": 4})
    referred, reason, org, referral_rule = _referral()
    next_visit, closing = _closing()
    return assemble(
        "prenatal_followup",
        "第2～5次产前随访服务记录表",
        edition,
        (
            section("visit", "随访", visit_date, visit_no, kind, role="header"),
            section("exam", "检查", *clinical),
            section("guidance", "指导与转诊", guidance, referred, reason, org, role="rows"),
            closing,
        ),
        rules=(
            R.blood_pressure(sbp, dbp),
            R.after(visit_date, next_visit),
            _urged_only(kind, clinical),
            _guidance_for_visit(visit_no, guidance),
            referral_rule,
            *R.final_requires(visit_no, what="定稿的产前随访记录"),
        ),
        layout="columns",
        visits_per_page=4,
        insert_only=True,
        paper=PAPER,
    )


def _postpartum_checks() -> list[Field]:
    return [code(key, label, "unremarkable") for key, label in
            (("breast", "乳房"), ("lochia", "恶露"), ("uterus", "子宫"), ("wound", "伤口"))]  # fmt: skip


def build_postpartum(edition: str) -> FormDef:
    visit_date = date("visit_date", "随访日期", required=True)
    delivered = date("delivery_date", "分娩日期")
    discharged = date("discharge_date", "出院日期")
    sbp, dbp = _bp()
    referred, reason, org, referral_rule = _referral()
    next_visit, closing = _closing()
    return assemble(
        "postpartum_visit",
        "产后访视记录表",
        edition,
        (
            section("visit", "随访", visit_date, role="header"),
            section(
                "state",
                "产妇情况",
                delivered,
                discharged,
                decimal("temperature", "体温", 34, 43, "℃"),
                text("general_health", "一般健康情况", max_length=200),
                text("mental_state", "一般心理状况", max_length=200, hint="注意产后抑郁"),
                sbp,
                dbp,
                *_postpartum_checks(),
                text("other", "其他", max_length=200),
            ),
            section(
                "assessment",
                "分类与指导",
                code("classification", "分类", "unremarkable"),
                multi("guidance", "指导", "postpartum_guidance", layout={"boxes": 4}),
                referred,
                reason,
                org,
                role="rows",
            ),
            closing,
        ),
        rules=(
            R.blood_pressure(sbp, dbp),
            R.after(delivered, discharged, strict=False),
            R.after(delivered, visit_date, strict=False),
            R.after(visit_date, next_visit),
            referral_rule,
        ),
        layout="sheet",
        insert_only=True,
        paper=PAPER,
    )


def build_42d(edition: str) -> FormDef:
    visit_date = date("visit_date", "随访日期", required=True)
    delivered = date("delivery_date", "分娩日期")
    sbp, dbp = _bp()
    outcome = code("outcome", "处理", "postpartum_outcome",
                   hint="已恢复者结案；需要转诊时填写原因和机构")  # fmt: skip
    reason = text(
        "referral_reason", "转诊原因", max_length=100, layout={"group": "处理", "label": "原因"}
    )
    org = text(
        "referral_org",
        "转诊机构及科室",
        max_length=100,
        layout={"group": "处理", "label": "机构及科室"},
    )
    return assemble(
        "postpartum_42d",
        "产后42天健康检查记录表",
        edition,
        (
            section("visit", "随访", visit_date, role="header"),
            section(
                "state",
                "产妇情况",
                delivered,
                date("discharge_date", "出院日期"),
                text("general_health", "一般健康情况", max_length=200),
                text("mental_state", "一般心理状况", max_length=200, hint="注意产后抑郁"),
                sbp,
                dbp,
                *_postpartum_checks(),
                text("other", "其他", max_length=200),
            ),
            section(
                "assessment",
                "分类与处理",
                code("classification", "分类", "recovered", hint="未恢复时说明情况"),
                multi("guidance", "指导", "postpartum42_guidance", layout={"boxes": 4}),
                outcome,
                reason,
                org,
                role="rows",
            ),
            section(
                "sign",
                "签名",
                text("doctor", "随访医生签名", max_length=50, layout={"signature": True}),
                role="rows",
            ),  # fmt: skip
        ),
        rules=(
            R.blood_pressure(sbp, dbp),
            R.after(delivered, visit_date, strict=False),
            R.only_when(outcome, ("2",), reason, org, edition=edition),
        ),
        layout="sheet",
        insert_only=True,
        paper=PAPER,
    )


def build_outcome(edition: str) -> FormDef:
    """妊娠结局记录: how a pregnancy ended when no postpartum record says it (流产, 引产, 死胎死产,
    失访, 迁出...), or a delivery the clinic learns of first. Not an attachment of the standard:
    this project's record (docs/decisions/pregnancy-episodes.md), printed as a simple sheet."""
    visit_date = date("visit_date", "记录日期", required=True)
    outcome_date = date("outcome_date", "结局日期", required=True, hint="分娩、流产、引产等的日期；失访、迁出为得知的日期")
    outcome = code("outcome", "妊娠结局", "pregnancy_outcome", required=True)
    return assemble(
        "pregnancy_outcome",
        "妊娠结局记录",
        edition,
        (
            section("visit", "记录", visit_date, role="header"),
            section(
                "outcome",
                "妊娠结局",
                outcome,
                outcome_date,
                integer("gest_weeks", "孕周", 4, 45, "周", hint="结局时的孕周（不详时留空）"),
                text("place", "地点/机构", max_length=100, hint="分娩或处理的医疗机构；在家、途中等"),
                text("note", "说明", long=True, max_length=500, hint="失访、迁出的去向，死亡原因等"),
            ),
            section(
                "sign",
                "签名",
                text("doctor", "记录医生签名", max_length=50, layout={"signature": True}),
                role="rows",
            ),
        ),
        rules=(R.after(outcome_date, visit_date, strict=False),),
        layout="sheet",
        insert_only=True,
        paper=PAPER,
    )
