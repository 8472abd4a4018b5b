"""健康体检表 (attachment 4): the annual exam of the elderly and chronic patients, 12 sections."""

from __future__ import annotations

from typing import Any

from forms.compute import bmi_step, selfcare_level
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
from forms.definitions._dsl import rule as _rule
from forms.model import Field, FieldError, FormDef, Section, ValidationContext

STAR = {"star": True}  # marked * on paper: not a free item for ordinary residents


def _hazard(key: str, label: str) -> tuple[Field, Field]:
    return (
        text(f"hazard_{key}", f"毒物种类·{label}", max_length=50, layout={"row": f"hazard_{key}"}),
        code(
            f"hazard_{key}_protection",
            f"{label}防护措施",
            "none_have_detail",
            layout={"row": f"hazard_{key}"},
        ),
    )


def _symptoms() -> Section:
    return section(
        "symptoms",
        "症状",
        multi("symptoms", "症状", "exam_symptom", boxes=10),
    )


def _general() -> tuple[Section, dict[str, Field]]:
    f = {
        "sbp_left": integer("sbp_left", "血压左侧收缩压", 50, 300, "mmHg", layout={"row": "bp_l"}),
        "dbp_left": integer(
            "dbp_left", "血压左侧舒张压", 30, 200, "mmHg", layout={"row": "bp_l", "join": "/"}
        ),
        "sbp_right": integer(
            "sbp_right", "血压右侧收缩压", 50, 300, "mmHg", layout={"row": "bp_r"}
        ),
        "dbp_right": integer(
            "dbp_right", "血压右侧舒张压", 30, 200, "mmHg", layout={"row": "bp_r", "join": "/"}
        ),
        "selfcare": code(
            "elderly_selfcare",
            "老年人生活自理能力自我评估",
            "selfcare_level",
            layout=STAR,
            hint="有老年人生活自理能力评估表总分时按总分自动得出",
        ),
        "selfcare_score": integer(
            "elderly_selfcare_score",
            "生活自理能力评估总分",
            0,
            37,
            "分",
            hint="老年人生活自理能力评估表的总分",
        ),
        "cognition": code("cognition", "老年人认知功能", "screen", layout={"row": "cog", **STAR}),
        "mmse": integer("mmse_score", "简易智力状态检查总分", 0, 30, "分", layout={"row": "cog"}),
        "emotion": code("emotion", "老年人情感状态", "screen", layout={"row": "emo", **STAR}),
        "gds": integer("gds_score", "老年人抑郁评分检查总分", 0, 30, "分", layout={"row": "emo"}),
    }
    s = section(
        "general",
        "一般状况",
        decimal("temperature", "体温", 34, 43, "℃", layout={"row": "vitals"}),
        integer("pulse_rate", "脉率", 20, 250, "次/分", layout={"row": "vitals"}),
        integer("respiratory_rate", "呼吸频率", 5, 80, "次/分", layout={"row": "vitals"}),
        f["sbp_left"],
        f["dbp_left"],
        f["sbp_right"],
        f["dbp_right"],
        decimal("height_cm", "身高", 30, 250, "cm", layout={"row": "body"}),
        decimal("weight_kg", "体重", 2, 300, "kg", layout={"row": "body"}),
        decimal("waist_cm", "腰围", 30, 200, "cm", layout={"row": "body2"}),
        decimal(
            "bmi",
            "体质指数（BMI）",
            5,
            150,
            "kg/m²",
            computed=True,
            layout={"row": "body2"},
            hint="体重(kg)/身高²(m²)，自动计算",
        ),
        code("elderly_health_self", "老年人健康状态自我评估", "self_health", layout=STAR),
        f["selfcare"],
        f["selfcare_score"],
        f["cognition"],
        f["mmse"],
        f["emotion"],
        f["gds"],
    )
    return s, f


def _lifestyle() -> tuple[Section, dict[str, Field]]:
    f = {
        "smoke": code("smoking_status", "吸烟状况", "smoking_status"),
        "smoke_start": integer(
            "smoking_start_age", "开始吸烟年龄", 5, 120, "岁", layout={"row": "smk"}
        ),
        "smoke_quit": integer("smoking_quit_age", "戒烟年龄", 5, 120, "岁", layout={"row": "smk"}),
        "drink_start": integer(
            "drinking_start_age", "开始饮酒年龄", 5, 120, "岁", layout={"row": "drk"}
        ),
        "drink_quit": integer("alcohol_quit_age", "戒酒年龄", 5, 120, "岁", layout={"row": "quit"}),
        "occ": code("occupational_exposure", "职业病危害因素接触史", "none_have"),
    }
    hazards = [
        x
        for k, lbl in (
            ("dust", "粉尘"),
            ("radiation", "放射物质"),
            ("physical", "物理因素"),
            ("chemical", "化学物质"),
            ("other", "其他"),
        )
        for x in _hazard(k, lbl)
    ]
    f["occ_detail"] = (
        text("occupation_type", "工种", max_length=50, layout={"row": "occ"}),
        integer("occupation_years", "从业时间", 0, 80, "年", layout={"row": "occ"}),
    )
    s = section(
        "lifestyle",
        "生活方式",
        code("exercise_frequency", "锻炼频率", "exercise_freq"),
        integer("exercise_minutes", "每次锻炼时间", 0, 600, "分钟", layout={"row": "ex"}),
        decimal("exercise_years", "坚持锻炼时间", 0, 100, "年", layout={"row": "ex"}),
        text("exercise_type", "锻炼方式", max_length=50),
        multi("diet", "饮食习惯", "diet", boxes=3),
        f["smoke"],
        integer("smoking_per_day", "日吸烟量", 0, 100, "支", layout={"prefix": "平均"}),
        f["smoke_start"],
        f["smoke_quit"],
        code("drinking_frequency", "饮酒频率", "drinking_freq"),
        decimal("drinking_per_day", "日饮酒量", 0, 50, "两", layout={"prefix": "平均"}),
        code("alcohol_quit", "是否戒酒", "alcohol_quit", layout={"row": "quit"}),
        f["drink_quit"],
        f["drink_start"],
        code("drunk_last_year", "近一年内是否曾醉酒", "yes_no", layout={"row": "drk"}),
        multi("alcohol_types", "饮酒种类", "alcohol_type", boxes=4),
        f["occ"],
        *f["occ_detail"],
        *hazards,
    )
    return s, f


def _organs() -> Section:
    return section(
        "organs",
        "脏器功能",
        code("lips", "口唇", "lips"),
        multi("dentition", "齿列", "dentition", boxes=3),
        text("dentition_missing", "缺齿部位", max_length=30, hint="按牙位图记录，如“左上6 7”"),
        text("dentition_caries", "龋齿部位", max_length=30),
        text("dentition_denture", "义齿（假牙）部位", max_length=30),
        code("pharynx", "咽部", "pharynx"),
        decimal(
            "vision_left",
            "视力左眼",
            0,
            5.3,
            layout={"row": "vision"},
            hint="五分记录（如4.9）或小数记录（如0.8）",
        ),
        decimal("vision_right", "视力右眼", 0, 5.3, layout={"row": "vision"}),
        decimal("corrected_vision_left", "矫正视力左眼", 0, 5.3, layout={"row": "cvision"}),
        decimal("corrected_vision_right", "矫正视力右眼", 0, 5.3, layout={"row": "cvision"}),
        code("hearing", "听力", "hearing"),
        code("motor", "运动功能", "motor"),
    )


def _physical() -> tuple[Section, dict[str, Field]]:
    gyn = tuple(
        code(k, f"妇科·{lbl}", "gyn", layout={"applies_to": "female", **STAR})
        for k, lbl in (
            ("gyn_vulva", "外阴"),
            ("gyn_vagina", "阴道"),
            ("gyn_cervix", "宫颈"),
            ("gyn_uterus", "宫体"),
            ("gyn_adnexa", "附件"),
        )
    )
    f = {"gyn": gyn, "dre": code("dre", "肛门指诊", "dre", layout=STAR)}
    abd = tuple(
        code(k, f"腹部·{lbl}", "none_have_detail", layout={"row": "abd"})
        for k, lbl in (
            ("abd_tenderness", "压痛"),
            ("abd_mass", "包块"),
            ("abd_liver", "肝大"),
            ("abd_spleen", "脾大"),
            ("abd_shifting_dullness", "移动性浊音"),
        )
    )
    s = section(
        "physical",
        "查体",
        code("fundus", "眼底", "normal_abnormal", layout=STAR),
        code("skin", "皮肤", "skin"),
        code("sclera", "巩膜", "sclera"),
        code("lymph_nodes", "淋巴结", "lymph"),
        code("barrel_chest", "肺·桶状胸", "no_yes", layout={"row": "lung"}),
        code("breath_sound", "肺·呼吸音", "normal_abnormal", layout={"row": "lung"}),
        code("rales", "肺·罗音", "rales", layout={"row": "lung"}),
        integer("heart_rate", "心脏·心率", 20, 250, "次/分", layout={"row": "heart"}),
        code("heart_rhythm", "心脏·心律", "rhythm", layout={"row": "heart"}),
        code("heart_murmur", "心脏·杂音", "none_have_detail", layout={"row": "heart"}),
        *abd,
        code("leg_edema", "下肢水肿", "edema"),
        code(
            "foot_pulse", "足背动脉搏动", "exam_foot_pulse", layout=STAR, hint="糖尿病患者必须检查"
        ),
        f["dre"],
        multi("breast", "乳腺", "breast", boxes=4, layout=STAR),
        *gyn,
        text("physical_other", "查体·其他", max_length=200, layout=STAR),
    )
    return s, f


def _lab() -> tuple[Section, dict[str, Field]]:
    f = {
        "tbil": decimal("total_bilirubin", "总胆红素", 0, 1000, "μmol/L"),
        "dbil": decimal("direct_bilirubin", "结合胆红素", 0, 1000, "μmol/L"),
        "tc": decimal("total_cholesterol", "总胆固醇", 0.5, 30, "mmol/L", places=2),
        "ldl": decimal("ldl", "血清低密度脂蛋白胆固醇", 0.1, 30, "mmol/L", places=2),
        "hdl": decimal("hdl", "血清高密度脂蛋白胆固醇", 0.1, 10, "mmol/L", places=2),
    }

    def yes(key: str, label: str, table: str = "normal_abnormal") -> Field:
        return code(key, label, table, layout=STAR)

    s = section(
        "lab",
        "辅助检查",
        integer("hemoglobin", "血红蛋白", 20, 250, "g/L", layout={"row": "blood"}),
        decimal("wbc", "白细胞", 0.1, 100, "×10⁹/L", layout={"row": "blood"}),
        integer("platelets", "血小板", 1, 2000, "×10⁹/L", layout={"row": "blood"}),
        text("blood_routine_other", "血常规·其他", max_length=100),
        text(
            "urine_protein", "尿蛋白", max_length=10, layout={"row": "urine"}, hint="如 -、±、+、++"
        ),
        text("urine_glucose", "尿糖", max_length=10, layout={"row": "urine"}),
        text("urine_ketone", "尿酮体", max_length=10, layout={"row": "urine"}),
        text("urine_blood", "尿潜血", max_length=10, layout={"row": "urine"}),
        text("urine_other", "尿常规·其他", max_length=100),
        decimal("fasting_glucose", "空腹血糖", 1, 40, "mmol/L", places=2, layout={"row": "fbg"}),
        decimal(
            "fasting_glucose_mgdl",
            "空腹血糖（mg/dL）",
            18,
            720,
            "mg/dL",
            layout={"row": "fbg", "join": "或"},
        ),
        yes("ecg", "心电图"),
        decimal("urine_microalbumin", "尿微量白蛋白", 0, 1000, "mg/dL", layout=STAR),
        yes("fecal_occult_blood", "大便潜血", "neg_pos"),
        decimal("hba1c", "糖化血红蛋白", 3, 20, "%", layout=STAR),
        yes("hbsag", "乙型肝炎表面抗原", "neg_pos"),
        integer("alt", "血清谷丙转氨酶", 0, 5000, "U/L", layout={"row": "liver"}),
        integer("ast", "血清谷草转氨酶", 0, 5000, "U/L", layout={"row": "liver"}),
        decimal("albumin", "白蛋白", 5, 80, "g/L", layout={"row": "liver"}),
        f["tbil"],
        f["dbil"],
        decimal("creatinine", "血清肌酐", 10, 3000, "μmol/L", layout={"row": "kidney"}),
        decimal("bun", "血尿素", 0.5, 100, "mmol/L", layout={"row": "kidney"}),
        decimal("potassium", "血钾浓度", 1.5, 10, "mmol/L", places=2, layout={"row": "kidney"}),
        decimal("sodium", "血钠浓度", 100, 200, "mmol/L", layout={"row": "kidney"}),
        f["tc"],
        decimal("triglycerides", "甘油三酯", 0.1, 50, "mmol/L", places=2),
        f["ldl"],
        f["hdl"],
        yes("chest_xray", "胸部X线片"),
        yes("b_ultrasound_abdomen", "B超·腹部B超"),
        yes("b_ultrasound_other", "B超·其他"),
        yes("cervical_smear", "宫颈涂片"),
        text("lab_other", "辅助检查·其他", max_length=200, layout=STAR),
    )
    return s, f


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
    general, g = _general()
    lifestyle, life = _lifestyle()
    physical, phys = _physical()
    lab, lb = _lab()
    evaluation, ev, abn = _evaluation()
    guidance, risk, target, vaccine = _guidance()
    sections = [
        header,
        _symptoms(),
        general,
        lifestyle,
        _organs(),
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
        R.for_sex("2", *phys["gyn"]),
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
