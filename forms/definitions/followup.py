"""高血压 and 2型糖尿病 患者随访服务记录表: one visit per paper column, 4 visits per page."""

from __future__ import annotations

from forms.definitions import _rules as R
from forms.definitions._dsl import (
    assemble,
    code,
    date,
    decimal,
    integer,
    items,
    multi,
    section,
    text,
)
from forms.model import CrossRule, Field, FormDef, Section

VISITS_PER_PAGE = 4  # [U] the reference is not sure of the count on the official page
NOW = {"pair_role": "now"}
TARGET = {"pair_role": "target"}


def _pair(key: str, **layout: str) -> dict[str, str]:
    return {"pair": key, **layout}


def _header() -> tuple[Field, Field, Section]:
    visit_date = date("visit_date", "随访日期", required=True)
    section_ = section(
        "visit",
        "随访",
        visit_date,
        code("visit_method", "随访方式", "visit_method"),
        role="header",
    )
    return visit_date, section_.fields[1], section_


def _signs(extra: tuple[Field, ...] = ()) -> tuple[Field, Field, Section]:
    sbp = integer("sbp", "收缩压", 50, 300, "mmHg", layout={"row": "bp"}, measure="sbp")
    dbp = integer("dbp", "舒张压", 30, 200, "mmHg", layout={"row": "bp", "join": "/"},
                  measure="dbp")
    s = section(
        "signs",
        "体征",
        sbp,
        dbp,
        decimal("weight_kg", "体重", 2, 300, "kg", layout=_pair("weight", **NOW), measure="weight"),
        decimal("weight_target_kg", "目标体重", 2, 300, "kg", layout=_pair("weight", **TARGET)),
        decimal(
            "bmi",
            "体质指数",
            8,
            80,
            "kg/m²",
            layout=_pair("bmi", **NOW),
            hint="随访表无身高，由医生按档案身高计算后填写",
        ),
        decimal("bmi_target", "目标体质指数", 8, 80, "kg/m²", layout=_pair("bmi", **TARGET)),
        integer("heart_rate", "心率", 20, 250, "次/分"),
        *extra,
        text("signs_other", "体征·其他", max_length=100),
    )
    return sbp, dbp, s


def _lifestyle(extra: tuple[Field, ...] = ()) -> Section:
    return section(
        "lifestyle",
        "生活方式指导",
        integer("smoking_per_day", "日吸烟量", 0, 100, "支", layout=_pair("smoking", **NOW)),
        integer("smoking_target", "日吸烟量目标", 0, 100, "支", layout=_pair("smoking", **TARGET)),
        decimal("drinking_per_day", "日饮酒量", 0, 50, "两", layout=_pair("drinking", **NOW)),
        decimal("drinking_target", "日饮酒量目标", 0, 50, "两", layout=_pair("drinking", **TARGET)),
        integer("exercise_times_week", "运动次数", 0, 21, "次/周", layout=_pair("exercise", **NOW)),
        integer(
            "exercise_minutes", "每次运动时间", 0, 600, "分钟/次", layout=_pair("exercise", **NOW)
        ),
        integer(
            "exercise_times_target",
            "运动次数目标",
            0,
            21,
            "次/周",
            layout=_pair("exercise", **TARGET),
        ),
        integer(
            "exercise_minutes_target",
            "每次运动时间目标",
            0,
            600,
            "分钟/次",
            layout=_pair("exercise", **TARGET),
        ),
        *extra,
        code("psychology", "心理调整", "good_fair_poor"),
        code("compliance", "遵医行为", "good_fair_poor"),
    )


def _medication_rows(extra: tuple[Field, ...] = ()) -> Section:
    return section(
        "medications",
        "用药情况",
        items(
            "medications",
            "用药情况",
            text("name", "药物名称", max_length=50, required=True),
            integer("times_per_day", "每日次数", 1, 12, "次", layout={"prefix": "每日"}),
            decimal("dose", "每次剂量", 0, 100000, "mg", places=2, layout={"prefix": "每次"}),
            rows=4,
            hint="纸质表：药物名称1～3 与“其他药物”四行",
            layout={"slots": ("药物名称1", "药物名称2", "药物名称3", "其他药物")},
        ),
        *extra,
    )


def _closing() -> tuple[Section, Field]:
    next_visit = date("next_visit_date", "下次随访日期", allow_future=True)
    s = section(
        "closing",
        "转诊与下次随访",
        text(
            "referral_reason", "转诊原因", max_length=100, layout={"group": "转诊", "label": "原因"}
        ),
        text(
            "referral_org",
            "转诊机构及科别",
            max_length=100,
            layout={"group": "转诊", "label": "机构及科别"},
        ),
        next_visit,
        text("doctor", "随访医生签名", max_length=50, layout={"signature": True}),
        role="rows",  # no section column: 转诊, 下次随访日期, 随访医生签名 are rows of their own
    )
    return s, next_visit


def _assessment(extra: tuple[Field, ...] = ()) -> Section:
    return section(
        "assessment",
        "服药与分类",
        code("medication_adherence", "服药依从性", "adherence"),
        code("adverse_reaction", "药物不良反应", "none_have_detail"),
        *extra,
        code(
            "classification",
            "此次随访分类",
            "classification",
            hint="同时存在几种情况时填最严重的一种；决定下次随访日期",
        ),
        role="rows",
    )


def _core_items(measured: tuple[Field, ...], assessment: Section, closing: Section) -> tuple[CrossRule, ...]:
    """What a final follow-up must hold (the standard's core of the visit): the measurement the
    form is about, 此次随访分类 (it sets the next visit) and 随访医生. 下次随访日期 stays
    optional: without it the due list schedules by the quarter (app/services/due.py)."""
    by_key = {f.key: f for f in (*assessment.fields, *closing.fields)}
    return R.final_requires(
        *measured, by_key["classification"], by_key["doctor"], what="定稿的随访记录"
    )


def build_htn(edition: str) -> FormDef:
    visit_date, _, header = _header()
    sbp, dbp, signs = _signs()
    symptoms = section(
        "symptoms",
        "症状",
        multi("symptoms", "症状", "htn_symptom", layout={"boxes": 8}),
        text("symptoms_other", "其他症状", max_length=100),
    )
    lifestyle = _lifestyle(
        (
            code("salt_intake", "摄盐情况（咸淡）", "salt", layout=_pair("salt", **NOW)),
            code("salt_target", "摄盐情况目标", "salt", layout=_pair("salt", **TARGET)),
        )
    )
    aux = section("aux", "辅助检查", text("aux_exam", "辅助检查", max_length=200))
    closing, next_visit = _closing()
    assessment = _assessment()
    return assemble(
        "htn_followup",
        "高血压患者随访服务记录表",
        edition,
        (header, symptoms, signs, lifestyle, aux, assessment, _medication_rows(), closing),
        rules=(
            R.blood_pressure(sbp, dbp),
            R.after(visit_date, next_visit),
            *_core_items((sbp, dbp), assessment, closing),
        ),
        layout="columns",
        visits_per_page=VISITS_PER_PAGE,
        insert_only=True,
        paper={"header": ["name", "record_no8"]},
    )


def build_dm(edition: str) -> FormDef:
    visit_date, _, header = _header()
    foot = code("foot_pulse", "足背动脉搏动", "dm_foot_pulse", layout={"row": "foot"})
    foot_side = code(
        "foot_pulse_side",
        "足背动脉搏动（侧别）",
        "side",
        layout={"row": "foot"},
        hint="减弱或消失时填：1双侧 2左侧 3右侧",
    )
    sbp, dbp, signs = _signs((foot, foot_side))
    symptoms = section(
        "symptoms",
        "症状",
        multi("symptoms", "症状", "dm_symptom", layout={"boxes": 8}),
        text("symptoms_other", "其他症状", max_length=100),
    )
    lifestyle = _lifestyle(
        (
            integer("staple_food_g", "主食", 0, 2000, "克/天", layout=_pair("staple", **NOW)),
            integer(
                "staple_food_target", "主食目标", 0, 2000, "克/天", layout=_pair("staple", **TARGET)
            ),
        )
    )
    glucose = decimal("fasting_glucose", "空腹血糖值", 1, 40, "mmol/L", places=2,
                      measure="glucose")
    hba1c_date = date("hba1c_date", "糖化血红蛋白检查日期")
    aux = section(
        "aux",
        "辅助检查",
        glucose,
        decimal("hba1c", "糖化血红蛋白", 3, 20, "%", places=1, layout={"row": "hba1c"}),
        hba1c_date,
        text("aux_exam", "其他检查", max_length=200),
    )
    assessment = _assessment((code("hypoglycemia", "低血糖反应", "hypoglycemia"),))
    meds = _medication_rows(
        (
            text("insulin_type", "胰岛素种类", max_length=50, layout={"row": "insulin"}),
            text("insulin_usage", "胰岛素用法和用量", max_length=100, layout={"row": "insulin"}),
        )
    )
    closing, next_visit = _closing()
    return assemble(
        "dm_followup",
        "2型糖尿病患者随访服务记录表",
        edition,
        (header, symptoms, signs, lifestyle, aux, assessment, meds, closing),
        rules=(
            R.blood_pressure(sbp, dbp),
            R.after(visit_date, next_visit),
            R.after(hba1c_date, visit_date, strict=False),
            R.only_when(foot, ("2", "3"), foot_side, edition=edition),
            *_core_items((glucose,), assessment, closing),
        ),
        layout="columns",
        visits_per_page=VISITS_PER_PAGE,
        insert_only=True,
        paper={"header": ["name", "record_no8"]},
    )
