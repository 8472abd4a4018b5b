"""健康体检表 (attachment 4): the annual exam of the elderly and chronic patients, 12 sections.

Sections 1–6 are built in health_exam_parts; 7–12, the rules and the assembly are here.
"""

from __future__ import annotations

from typing import Any

from forms.compute import bmi_step, selfcare_level
from forms.definitions import _rules as R
from forms.definitions import health_exam_parts as parts
from forms.definitions._dsl import assemble, code, date, decimal, items, multi, section, text
from forms.definitions._dsl import rule as _rule
from forms.model import Field, FieldError, FormDef, Section, ValidationContext

# 五分记录: the chart's lines run 4.0～5.3; reading it from nearer (走近法) records down to 3.0.
VISION_MIN, VISION_MAX = 3.0, 5.3


def _problems() -> Section:
    return section(
        "problems",
        "现存主要健康问题",
        multi("cerebrovascular", "脑血管疾病", "cerebrovascular", boxes=5),
        multi("kidney_disease", "肾脏疾病", "kidney", boxes=5),
        multi("heart_disease", "心脏疾病", "heart", boxes=6),
        multi("vascular_disease", "血管疾病", "vascular", boxes=3),
        multi("eye_disease", "眼部疾病", "eye", boxes=4),
        code("nervous_disease", "神经系统疾病", "found"),
        code("other_disease", "其他系统疾病", "found"),
    )


def _stays() -> Section:
    def stay(key: str, label: str, start: str, end: str) -> Field:
        return items(
            key,
            label,
            date("start", start, required=True),
            date("end", end),
            text("reason", "原因", max_length=100),
            text("institution", "医疗机构名称", max_length=100),
            text("case_no", "病案号", max_length=30),
            rows=2,
        )

    return section(
        "stays",
        "住院治疗情况",
        stay("hospital_stays", "住院史", "入院日期", "出院日期"),
        stay("family_beds", "家庭病床史", "建床日期", "撤床日期"),
    )


def _medications() -> Section:
    return section(
        "medications",
        "主要用药情况",
        items(
            "medications",
            "主要用药情况",
            text("name", "药物名称", max_length=50, required=True),
            text("usage", "用法", max_length=30),
            text("dose", "用量", max_length=30),
            text("duration", "用药时间", max_length=30),
            code("adherence", "服药依从性", "adherence"),
            rows=6,
        ),
    )


def _vaccines() -> Section:
    return section(
        "vaccines",
        "非免疫规划预防接种史",
        items(
            "vaccinations",
            "非免疫规划预防接种史",
            text("name", "名称", max_length=50, required=True),
            date("date", "接种日期"),
            text("institution", "接种机构", max_length=100),
            rows=3,
        ),
    )


def _evaluation() -> tuple[Section, Field, tuple[Field, ...]]:
    ev = code("health_evaluation", "健康评价", "evaluation")
    abn = tuple(text(f"abnormality_{i}", f"异常{i}", max_length=100) for i in range(1, 5))
    return section("evaluation", "健康评价", ev, *abn), ev, abn


def _guidance() -> tuple[Section, Field, Field, Field]:
    risk = multi("risk_control", "危险因素控制", "risk_control", boxes=7)
    target = decimal("risk_target_weight_kg", "减体重目标", 2, 300, "kg")
    vaccine = text("risk_vaccine", "建议接种疫苗", max_length=50)
    s = section(
        "guidance",
        "健康指导",
        multi("health_guidance", "健康指导", "health_guidance", boxes=4),
        risk,
        target,
        vaccine,
    )
    return s, risk, target, vaccine


def _tcm_2009() -> Section:
    """2011 edition only: 中医体质辨识 (moved to its own TCM form in 2017) [U exact codes]."""
    names = (
        ("pinghe", "平和质"),
        ("qixu", "气虚质"),
        ("yangxu", "阳虚质"),
        ("yinxu", "阴虚质"),
        ("tanshi", "痰湿质"),
        ("shire", "湿热质"),
        ("xueyu", "血瘀质"),
        ("qiyu", "气郁质"),
        ("tebing", "特禀质"),
    )
    return section(
        "tcm",
        "中医体质辨识",
        *(
            code(f"tcm_{k}", lbl, "tcm_balanced" if k == "pinghe" else "tcm_biased")
            for k, lbl in names
        ),
    )


def build(edition: str) -> FormDef:
    visit_date = date("visit_date", "体检日期", required=True)
    header = section(
        "header", "体检信息", visit_date, text("doctor", "责任医生", max_length=50), role="header"
    )
    general, g = parts.general()
    lifestyle, life = parts.lifestyle()
    physical, phys = parts.physical()
    lab, lb = parts.lab()
    evaluation, ev, abn = _evaluation()
    guidance, risk, target, vaccine = _guidance()
    organs = parts.organs()
    sections = [
        header,
        parts.symptoms(),
        general,
        lifestyle,
        organs,
        physical,
        lab,
        _problems(),
        _stays(),
        _medications(),
        _vaccines(),
        evaluation,
        guidance,
    ]
    if edition == "2009":
        sections.insert(7, _tcm_2009())  # after 辅助检查, as on the 2011 paper [U]

    @_rule(
        "生活自理能力自我评估须与评估总分相符（0～3分可自理，4～8轻度依赖，9～18中度依赖，≥19不能自理）",
        g["selfcare"],
        g["selfcare_score"],
    )
    def selfcare_matches(doc: dict[str, Any], ctx: ValidationContext) -> list[FieldError]:
        score, level = doc.get(g["selfcare_score"].key), doc.get(g["selfcare"].key)
        if score is None or level is None or selfcare_level(score) == level:
            return []
        return [
            R.fe(
                g["selfcare"],
                f"评估总分{score}分对应“{selfcare_level(score)}”，与所填“{level}”不符",
            )
        ]

    @_rule("健康评价选“1体检无异常”时不填异常；选“2有异常”时至少填写异常1", ev, *abn)
    def evaluation_matches(doc: dict[str, Any], ctx: ValidationContext) -> list[FieldError]:
        filled = [a for a in abn if doc.get(a.key)]
        if doc.get(ev.key) == "1" and filled:
            return [R.fe(filled[0], "健康评价为“体检无异常”，不能填写异常")]
        if doc.get(ev.key) == "2" and not filled:
            return [R.fe(abn[0], "健康评价为“有异常”，请填写异常1")]
        return []

    @_rule("住院史、家庭病床史每一项的出院（撤床）日期不早于入院（建床）日期")
    def stays_ordered(doc: dict[str, Any], ctx: ValidationContext) -> list[FieldError]:
        errors = []
        for key, label in (("hospital_stays", "住院史"), ("family_beds", "家庭病床史")):
            for i, item in enumerate(doc.get(key) or []):
                if not isinstance(item, dict):
                    continue
                a, b = item.get("start"), item.get("end")
                if isinstance(a, str) and isinstance(b, str) and len(a) == len(b) == 10 and b < a:
                    errors.append(
                        FieldError(
                            f"{key}[{i}].end",
                            f"{label}第{i + 1}项·结束日期",
                            f"不能早于开始日期{a}",
                        )
                    )
        return errors

    @_rule(
        "年龄类数值（开始吸烟、戒烟、开始饮酒、戒酒年龄）不能大于体检时的年龄",
        life["smoke_start"],
        life["smoke_quit"],
        life["drink_start"],
        life["drink_quit"],
    )
    def ages_possible(doc: dict[str, Any], ctx: ValidationContext) -> list[FieldError]:
        birth, seen = ctx.birth_date, doc.get("visit_date")
        if not (isinstance(birth, str) and isinstance(seen, str) and len(birth) == len(seen) == 10):
            return []
        age = int(seen[:4]) - int(birth[:4]) - (seen[5:] < birth[5:])
        keys = ("smoke_start", "smoke_quit", "drink_start", "drink_quit")
        return [
            R.fe(life[k], f"{doc[life[k].key]}岁大于体检时的年龄{age}岁")
            for k in keys
            if isinstance(doc.get(life[k].key), int) and doc[life[k].key] > age
        ]

    @_rule("肛门指诊“4前列腺异常”仅适用于男性", phys["dre"])
    def prostate_male(doc: dict[str, Any], ctx: ValidationContext) -> list[FieldError]:
        if doc.get(phys["dre"].key) == "4" and ctx.sex == "2":
            return [R.fe(phys["dre"], "“4前列腺异常”仅适用于男性，档案中的性别为女")]
        return []

    rules = (
        R.blood_pressure(g["sbp_left"], g["dbp_left"]),
        R.blood_pressure(g["sbp_right"], g["dbp_right"]),
        R.only_when(g["cognition"], ("2",), g["mmse"], edition=edition),
        R.only_when(g["emotion"], ("2",), g["gds"], edition=edition),
        R.only_when(life["smoke"], ("2",), life["smoke_quit"], edition=edition),
        R.not_less(life["smoke_start"], life["smoke_quit"]),
        R.not_less(life["drink_start"], life["drink_quit"]),
        R.only_when(life["occ"], ("2",), *life["occ_detail"], edition=edition),
        R.not_less(lb["dbil"], lb["tbil"]),
        R.not_less(lb["hdl"], lb["tc"]),
        R.not_less(lb["ldl"], lb["tc"]),
        R.only_when(risk, ("5",), target, edition=edition),
        R.only_when(risk, ("6",), vaccine, edition=edition),
        # 妇科 filled for a man is asked about, not refused: app/services/record_warnings.py
        # (the resident's recorded sex may be the mistake, and a confirmed record must pass here).
        R.five_point_vision(
            *(f for f in organs.fields if f.key.endswith("vision_left") or f.key.endswith("vision_right")),
            lo=VISION_MIN,
            hi=VISION_MAX,
        ),
        prostate_male,
        selfcare_matches,
        evaluation_matches,
        stays_ordered,
        ages_possible,
    )

    def fill_selfcare(doc: dict[str, Any]) -> dict[str, Any]:
        score = doc.get(g["selfcare_score"].key)
        if isinstance(score, int) and not isinstance(score, bool) and 0 <= score <= 37:
            doc.setdefault(g["selfcare"].key, selfcare_level(score))
        return doc

    return assemble(
        "health_exam",
        "健康体检表",
        edition,
        sections,
        rules=rules,
        compute=(bmi_step("weight_kg", "height_cm", "bmi"), fill_selfcare),
        layout="sheet",
        insert_only=True,
        paper={
            "header": ["name", "record_no8"],
            "instructions": "带*的项目不属于一般居民免费检查项目。",
        },
    )
