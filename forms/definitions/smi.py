"""严重精神障碍患者个人信息补充表 (filled once, on enrolment) and 严重精神障碍患者随访服务记录表
(one visit per sheet). Source: programme-forms.md §10-11 [C2]; the 2018 printing's 随访对象 row is
not on the 2017 form and is left out [U]."""

from __future__ import annotations

from typing import Any

from forms.checks import is_empty
from forms.codes import tables
from forms.definitions import _rules as R
from forms.definitions._dsl import (
    assemble,
    code,
    date,
    integer,
    items,
    multi,
    phone,
    rule,
    section,
    text,
)
from forms.model import CrossRule, Field, FieldError, FormDef, Section, ValidationContext

RISK_NONE = {"2017": "7", "2009": "6"}  # 危险行为 "无": the 2017 form inserted 4其他危害行为


def _risk_behaviours(edition: str) -> tuple[Field, list[Field], list[CrossRule]]:
    """危险行为: the kinds chosen, and for each kind the count written after it (__次)."""
    table = tables(edition)["smi_risk_behavior"]
    kinds = multi("risk_behaviors", "危险行为", "smi_risk_behavior", layout={"boxes": 6},
                  hint="未发生的写“无”；发生的选中并填写次数")  # fmt: skip
    counts, rules = [], []
    for c in table.codes:
        if c.code == RISK_NONE[edition]:
            continue
        count = integer(f"risk_count_{c.code}", f"{c.label}次数", 1, 999, "次",
                        layout={"row": "risk_counts", "label": c.label})  # fmt: skip
        counts.append(count)
        rules.append(R.only_when(kinds, (c.code,), count, edition=edition))
    return kinds, counts, rules


def build_supplement(edition: str) -> FormDef:
    consent = code("consent", "知情同意", "smi_consent")
    onset = date("onset_date", "初次发病时间", precision="month")
    diagnosed = date("diagnosis_date", "确诊日期", layout={"row": "diagnosis"})
    kinds, counts, count_rules = _risk_behaviours(edition)
    filled = date("visit_date", "填表日期", required=True)
    return assemble(
        "smi_supplement",
        "严重精神障碍患者个人信息补充表",
        edition,
        (
            section(
                "guardian",
                "监护人",
                text("guardian_name", "监护人姓名", max_length=40),
                text("guardian_relation", "与患者关系", max_length=20),
                text("guardian_address", "监护人住址", max_length=100),
                phone("guardian_phone", "监护人电话"),
                text("village_contact", "辖区村（居）委会联系人、电话", max_length=60),
                columns=2,
            ),
            section(
                "situation",
                "基本情况",
                code("household_type", "户别", "smi_household"),
                code("employment", "就业情况", "smi_employment"),
                consent,
                text("consent_signature", "知情同意签字", max_length=40, layout={"row": "consent"}),
                date("consent_date", "签字时间", layout={"row": "consent"}),
                onset,
            ),
            section(
                "history",
                "既往情况",
                multi("past_symptoms", "既往主要症状", "smi_symptom", boxes=12),
                code("past_lock", "既往关锁情况", "smi_lock"),
                code("outpatient", "既往治疗情况·门诊", "smi_outpatient"),
                date("first_antipsychotic_date", "首次抗精神病药治疗时间", precision="month"),
                integer("hospitalizations", "既往治疗情况·住院（曾住精神专科医院/综合医院精神专科）",
                        0, 99, "次"),  # fmt: skip
                text("diagnosis", "目前诊断", max_length=100, layout={"row": "diagnosis"}),
                text("diagnosis_hospital", "确诊医院", max_length=60, layout={"row": "diagnosis"}),
                diagnosed,
                code("last_effect", "最近一次治疗效果", "smi_effect_past"),
                kinds,
                *counts,
                code("economy", "经济状况", "smi_economy"),
                text("specialist_opinion", "专科医生的意见（如果有请记录）", long=True),
            ),
            section(
                "sign",
                "填表",
                filled,
                text("doctor", "医生签字", max_length=50, layout={"signature": True}),
                columns=2,
            ),
        ),
        rules=(
            R.after(onset, diagnosed, strict=False),
            *count_rules,
            *R.final_requires(consent, what="定稿的补充表"),
        ),
        layout="sheet",
        insert_only=True,
        paper={"header": ["name", "record_no8"]},
    )


def _ended(doc: dict[str, Any]) -> bool:
    """A visit that found the patient lost or dead records only that."""
    return not is_empty(doc.get("lost_reason")) or not is_empty(doc.get("death_date"))


def _core(*fields: Field) -> tuple[CrossRule, ...]:
    """A final visit holds the risk level, the classification and the doctor, unless the
    patient was lost to follow-up or has died (then those are what the visit records)."""

    def one(f: Field) -> CrossRule:
        @rule(f"定稿的随访记录（失访或死亡除外）必须填写{f.label}", f)
        def check(doc: dict[str, Any], ctx: ValidationContext) -> list[FieldError]:
            if not ctx.final or _ended(doc) or not is_empty(doc.get(f.key)):
                return []
            return [R.fe(f, "定稿的随访记录必须填写此项（失访或死亡时除外；草稿可暂不填写）")]

        return check

    return tuple(one(f) for f in fields)


def _drug_rows(key: str, label: str) -> Field:
    return items(
        key,
        label,
        text("name", "药物名称", max_length=50, required=True),
        integer("times", "用法（每日或每月次数）", 1, 31, "次", layout={"prefix": "每日(月)"}),
        integer("dose_mg", "每次剂量", 0, 100000, "mg", layout={"prefix": "每次"}),
        rows=3,
    )


def build_followup(edition: str) -> FormDef:
    visit_date = date("visit_date", "随访日期", required=True)
    lost = code("lost_reason", "若失访，原因", "smi_lost_reason")
    death_date = date("death_date", "死亡日期", layout={"row": "death"})
    cause = code("death_cause", "死亡原因", "smi_death_cause", layout={"row": "death"})
    body = code("death_body_cause", "躯体疾病", "smi_body_disease", layout={"row": "death"},
                hint="死亡原因为“1躯体疾病”时填写")  # fmt: skip
    risk = code("risk_level", "危险性评估", "smi_risk_level",
                hint="0级无；1级口头威胁；2级家中打砸；3级明显打砸不听劝；4级持续打砸或伤人、自伤；"
                     "5级持械暴力、纵火、爆炸")  # fmt: skip
    kinds, counts, count_rules = _risk_behaviours(edition)
    hospital = code("hospital", "两次随访期间住院情况", "smi_hospital")
    discharged = date("last_discharge_date", "末次出院时间")
    referred = code("referred", "是否转诊", "no_yes")
    referral_reason = text("referral_reason", "转诊原因", max_length=100)
    referral_org = text("referral_org", "转诊至机构及科室", max_length=100)
    classification = code("classification", "本次随访分类", "smi_classification",
                          hint="不稳定、基本稳定：2周内随访；稳定：3个月内随访")  # fmt: skip
    next_visit = date("next_visit_date", "下次随访日期", allow_future=True)
    doctor = text("doctor", "随访医生签名", max_length=50, layout={"signature": True})
    sections: tuple[Section, ...] = (
        section("visit", "随访", visit_date, code("visit_form", "本次随访形式", "smi_visit_form"),
                role="header"),  # fmt: skip
        section("outcome", "随访情况", lost, death_date, cause, body, risk, role="rows"),
        section(
            "state",
            "目前情况",
            multi("symptoms", "目前症状", "smi_symptom", boxes=12),
            code("insight", "自知力", "smi_insight"),
            code("sleep", "睡眠情况", "good_fair_worse"),
            code("diet", "饮食情况", "good_fair_worse"),
        ),
        section(
            "social",
            "社会功能情况",
            code("self_care", "个人生活料理", "good_fair_worse"),
            code("housework", "家务劳动", "good_fair_worse"),
            code("work", "生产劳动及工作", "good_fair_worse_na"),
            code("study", "学习能力", "good_fair_worse"),
            code("social_contact", "社会人际交往", "good_fair_worse"),
            columns=2,
        ),
        section(
            "between",
            "两次随访期间",
            kinds,
            *counts,
            code("lock", "两次随访期间关锁情况", "smi_lock"),
            hospital,
            discharged,
            code("lab", "实验室检查", "none_have_detail"),
        ),
        section(
            "treatment",
            "治疗",
            code("adherence", "用药依从性", "smi_adherence"),
            code("adverse_reaction", "药物不良反应", "smi_adverse"),
            code("effect", "治疗效果", "smi_effect"),
            referred,
            referral_reason,
            referral_org,
            _drug_rows("medications", "用药情况"),
            _drug_rows("medication_guidance", "用药指导"),
            multi("rehabilitation", "康复措施", "smi_rehab", layout={"boxes": 5}),
        ),
        section("closing", "分类与下次随访", classification, next_visit, doctor, role="rows"),
    )
    return assemble(
        "smi_followup",
        "严重精神障碍患者随访服务记录表",
        edition,
        sections,
        rules=(
            R.after(visit_date, next_visit),
            R.after(death_date, visit_date, strict=False),  # a death is recorded after it
            R.only_when(cause, ("1",), body, edition=edition),
            R.only_when(hospital, ("1", "2"), discharged, edition=edition),
            R.only_when(referred, ("2",), referral_reason, referral_org, edition=edition),
            *count_rules,
            *_core(risk, classification, doctor),
        ),
        layout="sheet",
        insert_only=True,
        paper={"header": ["name", "record_no8"]},
    )
