"""肺结核患者第一次入户随访记录表 (one sheet) and 肺结核患者随访服务记录表 (one visit per paper
column). Source: programme-forms.md §12-13 [C2]; the columns per sheet are [U] (4, as the
chronic-disease follow-ups)."""

from __future__ import annotations

from typing import Any

from forms.compute import round_half_up
from forms.definitions import _rules as R
from forms.definitions._dsl import (
    assemble,
    code,
    date,
    decimal,
    integer,
    multi,
    section,
    text,
)
from forms.model import Field, FormDef

VISITS_PER_PAGE = 4  # [U]

# 健康教育及培训: what the patient was taught at the first visit, each 1掌握 2未掌握.
TEACHING = (
    ("teach_card", "服药记录卡的填写"),
    ("teach_method", "服药方法及药品存放"),
    ("teach_course", "肺结核治疗疗程"),
    ("teach_irregular", "不规律服药危害"),
    ("teach_adverse", "服药后不良反应及处理"),
    ("teach_recheck", "治疗期间复诊查痰"),
    ("teach_travel", "外出期间如何坚持服药"),
    ("teach_habits", "生活习惯及注意事项"),
    ("teach_contacts", "密切接触者检查"),
)


def _pair(key: str, role: str) -> dict[str, str]:
    return {"pair": key, "pair_role": role}


def _habits(label: str) -> tuple[Field, ...]:
    return (
        integer("smoking_per_day", f"{label}·日吸烟量", 0, 100, "支/天", layout=_pair("smoking", "now")),
        integer("smoking_target", f"{label}·日吸烟量目标", 0, 100, "支/天",
                layout=_pair("smoking", "target")),  # fmt: skip
        decimal("drinking_per_day", f"{label}·日饮酒量", 0, 50, "两/天",
                layout=_pair("drinking", "now")),  # fmt: skip
        decimal("drinking_target", f"{label}·日饮酒量目标", 0, 50, "两/天",
                layout=_pair("drinking", "target")),  # fmt: skip
    )


def _drugs() -> tuple[Field, ...]:
    return (
        text("regimen", "化疗方案", max_length=100),
        code("usage", "用法", "tb_usage"),
        multi("dosage_form", "药品剂型", "tb_dosage_form", layout={"boxes": 4}),
    )


def build_first(edition: str) -> FormDef:
    visit_date = date("visit_date", "随访时间", required=True)
    next_visit = date("next_visit_date", "下次随访时间", allow_future=True)
    symptoms = multi("symptoms", "症状及体征", "tb_symptom_first", layout={"boxes": 4})
    supervisor = code("supervisor", "督导人员选择", "tb_supervisor")
    return assemble(
        "tb_first_visit",
        "肺结核患者第一次入户随访记录表",
        edition,
        (
            section("visit", "随访", visit_date, code("visit_method", "随访方式", "tb_visit_place"),
                    role="header"),  # fmt: skip
            section(
                "patient",
                "患者情况",
                code("patient_type", "患者类型", "tb_patient_type"),
                code("sputum", "痰菌情况", "tb_sputum"),
                code("resistance", "耐药情况", "tb_resistance"),
                symptoms,
                text("symptoms_other", "其他症状", max_length=100),
            ),
            section("drugs", "用药", *_drugs()),
            section("supervision", "督导人员选择", supervisor),
            section(
                "home",
                "家庭居住环境评估",
                code("own_room", "单独的居室", "have_not"),
                code("ventilation", "通风情况", "tb_ventilation"),
                columns=2,
            ),
            section("habits", "生活方式评估", *_habits("生活方式评估")),
            section(
                "teaching",
                "健康教育及培训",
                text("pickup_place", "取药地点", max_length=60, layout={"row": "pickup"}),
                date("pickup_date", "取药时间", allow_future=True, layout={"row": "pickup"}),
                *(code(key, label, "mastered") for key, label in TEACHING),
            ),
            section(
                "closing",
                "下次随访",
                next_visit,
                text("doctor", "评估医生签名", max_length=50, layout={"signature": True}),
                role="rows",
            ),
        ),
        rules=(
            R.after(visit_date, next_visit),
            *R.final_requires(supervisor, what="定稿的第一次入户随访记录"),
        ),
        layout="sheet",
        insert_only=True,
        paper={"header": ["name", "record_no8"]},
    )


def _adherence(doc: dict[str, Any]) -> dict[str, Any]:
    """服药率 = 实际服药次数 / 应服药次数 × 100%, printed to one decimal."""
    due, taken = doc.get("doses_due"), doc.get("doses_taken")
    doc.pop("dose_rate", None)
    if isinstance(due, int) and isinstance(taken, int) and not isinstance(due, bool) and due > 0 \
            and 0 <= taken <= due:  # fmt: skip
        doc["dose_rate"] = round_half_up(taken * 100 / due, 1)
    return doc


def build_followup(edition: str) -> FormDef:
    visit_date = date("visit_date", "随访时间", required=True)
    next_visit = date("next_visit_date", "下次随访时间", allow_future=True)
    stop_date = date("stop_date", "出现停止治疗时间", layout={"group": "停止治疗及原因"})
    stop_reason = code("stop_reason", "停止治疗原因", "tb_stop_reason",
                       layout={"group": "停止治疗及原因"})  # fmt: skip
    visits_due = integer("visits_due", "应访视患者次数", 0, 400, "次", layout={"group": "全程管理情况"})
    visits_done = integer("visits_done", "实际访视次数", 0, 400, "次", layout={"group": "全程管理情况"})
    doses_due = integer("doses_due", "应服药次数", 0, 800, "次", layout={"group": "全程管理情况"})
    doses_taken = integer("doses_taken", "实际服药次数", 0, 800, "次", layout={"group": "全程管理情况"})
    supervisor = code("supervisor", "督导人员", "tb_supervisor")
    month = integer("treatment_month", "治疗月序", 1, 24, "月", layout={"prefix": "第"})
    return assemble(
        "tb_followup",
        "肺结核患者随访服务记录表",
        edition,
        (
            section("visit", "随访", visit_date, month, supervisor,
                    code("visit_method", "随访方式", "visit_method"), role="header"),  # fmt: skip
            section(
                "symptoms",
                "症状及体征",
                multi("symptoms", "症状及体征", "tb_symptom", layout={"boxes": 4}),
                text("symptoms_other", "其他症状", max_length=100),
            ),
            section("habits", "生活方式指导", *_habits("生活方式指导")),
            section(
                "drugs",
                "用药",
                *_drugs(),
                integer("missed_doses", "漏服药次数", 0, 400, "次"),
            ),
            section(
                "events",
                "不良反应与并发症",
                code("adverse_reaction", "药物不良反应", "none_have_detail"),
                code("complication", "并发症或合并症", "none_have_detail"),
                role="rows",
            ),
            section(
                "referral",
                "转诊",
                text("referral_dept", "科别", max_length=60),
                text("referral_reason", "原因", max_length=100),
                text("referral_result", "2周内随访，随访结果", max_length=100),
            ),
            section(
                "closing",
                "处理与下次随访",
                text("advice", "处理意见", max_length=200),
                next_visit,
                text("doctor", "随访医生签名", max_length=50, layout={"signature": True}),
                role="rows",
            ),
            section(
                "course",
                "疗程结束",
                stop_date,
                stop_reason,
                visits_due,
                visits_done,
                doses_due,
                doses_taken,
                decimal("dose_rate", "服药率", 0, 100, "%", computed=True,
                        layout={"group": "全程管理情况"}),  # fmt: skip
                text("evaluator", "评估医生签名", max_length=50, layout={"group": "全程管理情况"}),
                role="rows",
                once=True,  # filled once at the end of treatment: printed once across the sheet
            ),
        ),
        rules=(
            R.after(visit_date, next_visit),
            R.after(stop_date, visit_date, strict=False),
            R.together(stop_date, stop_reason),
            R.not_less(visits_done, visits_due),
            R.not_less(doses_taken, doses_due),
            *R.final_requires(supervisor, what="定稿的随访记录"),
        ),
        compute=(_adherence,),
        layout="columns",
        visits_per_page=VISITS_PER_PAGE,
        insert_only=True,
        paper={"header": ["name", "record_no8"]},
    )
