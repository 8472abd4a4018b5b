"""健康体检表 sections 1–6 (症状 … 辅助检查): the measured part of the annual exam."""

from __future__ import annotations

from typing import Any

from forms.definitions._dsl import code, decimal, integer, multi, section, text
from forms.model import Field, Section

STAR = {"star": True}  # marked * on paper: not a free item for ordinary residents
# Group cells of the paper form: a label spanning the rows of its items (a starred group
# carries the "*" once, on the group, as the paper does).
EXERCISE = {"group": "体育锻炼"}
SMOKE = {"group": "吸烟情况"}
DRINK = {"group": "饮酒情况"}
MOUTH = {"group": "口腔"}
BLOOD = {"group": "血常规*"}
URINE = {"group": "尿常规*"}
LIVER = {"group": "肝功能*"}
KIDNEY = {"group": "肾功能*"}
LIPID = {"group": "血脂*"}
ULTRASOUND = {"group": "B超*"}
# 齿列: the tooth positions of 2缺齿 3龋齿 4义齿 are written in each option's quadrant cross
CROSS = {"2": "dentition_missing", "3": "dentition_caries", "4": "dentition_denture"}
IN_CROSS = {"print": False}  # printed inside the 齿列 cross, not as rows of their own


# The fields the form-level rules refer to, by name: one Field, or a tuple of them checked
# together (the occupation's details, the gynaecological items).
Parts = dict[str, Any]


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


def symptoms() -> Section:
    return section(
        "symptoms",
        "症状",
        multi("symptoms", "症状", "exam_symptom", boxes=10),
    )


def general() -> tuple[Section, Parts]:
    f: Parts = {
        "sbp_left": integer(
            "sbp_left",
            "血压左侧收缩压",
            50,
            300,
            "mmHg",
            layout={"row": "bp_l", "label": "左侧", "group": "血压"},
            measure="sbp",  # the left arm's for the charts, as the 2017 form lists it first
        ),
        "dbp_left": integer(
            "dbp_left", "血压左侧舒张压", 30, 200, "mmHg", layout={"row": "bp_l", "join": "/"},
            measure="dbp",
        ),
        "sbp_right": integer(
            "sbp_right",
            "血压右侧收缩压",
            50,
            300,
            "mmHg",
            layout={"row": "bp_r", "label": "右侧", "group": "血压"},
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
        decimal("weight_kg", "体重", 2, 300, "kg", layout={"row": "body"}, measure="weight"),
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


def lifestyle() -> tuple[Section, Parts]:
    f: Parts = {
        "smoke": code("smoking_status", "吸烟状况", "smoking_status", layout=SMOKE),
        "smoke_start": integer(
            "smoking_start_age", "开始吸烟年龄", 5, 120, "岁", layout={"row": "smk", **SMOKE}
        ),
        "smoke_quit": integer(
            "smoking_quit_age", "戒烟年龄", 5, 120, "岁", layout={"row": "smk", **SMOKE}
        ),
        "drink_start": integer(
            "drinking_start_age", "开始饮酒年龄", 5, 120, "岁", layout={"row": "drk", **DRINK}
        ),
        "drink_quit": integer(
            "alcohol_quit_age", "戒酒年龄", 5, 120, "岁", layout={"row": "quit", **DRINK}
        ),
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
        code("exercise_frequency", "锻炼频率", "exercise_freq", layout=EXERCISE),
        integer(
            "exercise_minutes", "每次锻炼时间", 0, 600, "分钟", layout={"row": "ex", **EXERCISE}
        ),
        decimal("exercise_years", "坚持锻炼时间", 0, 100, "年", layout={"row": "ex", **EXERCISE}),
        text("exercise_type", "锻炼方式", max_length=50, layout=EXERCISE),
        multi(
            "diet", "饮食习惯", "diet", layout={"boxes": 3}
        ),  # [U] box count: printed, not enforced
        f["smoke"],
        integer("smoking_per_day", "日吸烟量", 0, 100, "支", layout={"prefix": "平均", **SMOKE}),
        f["smoke_start"],
        f["smoke_quit"],
        code("drinking_frequency", "饮酒频率", "drinking_freq", layout=DRINK),
        decimal("drinking_per_day", "日饮酒量", 0, 50, "两", layout={"prefix": "平均", **DRINK}),
        code("alcohol_quit", "是否戒酒", "alcohol_quit", layout={"row": "quit", **DRINK}),
        f["drink_quit"],
        f["drink_start"],
        code("drunk_last_year", "近一年内是否曾醉酒", "yes_no", layout={"row": "drk", **DRINK}),
        multi(
            "alcohol_types", "饮酒种类", "alcohol_type", layout={"boxes": 4, **DRINK}
        ),  # [U] box count
        f["occ"],
        *f["occ_detail"],
        *hazards,
    )
    return s, f


def organs() -> Section:
    return section(
        "organs",
        "脏器功能",
        code("lips", "口唇", "lips", layout=MOUTH),
        multi("dentition", "齿列", "dentition", boxes=3, layout={"cross": CROSS, **MOUTH}),
        text(
            "dentition_missing",
            "缺齿部位",
            max_length=30,
            hint="按牙位图记录，如“左上6 7”",
            layout=IN_CROSS,
        ),
        text("dentition_caries", "龋齿部位", max_length=30, layout=IN_CROSS),
        text("dentition_denture", "义齿（假牙）部位", max_length=30, layout=IN_CROSS),
        code("pharynx", "咽部", "pharynx", layout=MOUTH),
        decimal(
            "vision_left",
            "视力左眼",
            0,
            5.3,
            layout={"row": "vision", "fixed": True},
            hint="五分记录（标准对数视力表，如4.9；小数记录0.8应记为4.9）",
        ),
        decimal("vision_right", "视力右眼", 0, 5.3, layout={"row": "vision", "fixed": True}),
        decimal(
            "corrected_vision_left",
            "矫正视力左眼",
            0,
            5.3,
            layout={"row": "cvision", "fixed": True},
        ),
        decimal(
            "corrected_vision_right",
            "矫正视力右眼",
            0,
            5.3,
            layout={"row": "cvision", "fixed": True},
        ),
        code("hearing", "听力", "hearing"),
        code("motor", "运动功能", "motor"),
    )


def physical() -> tuple[Section, Parts]:
    gyn = tuple(
        code(k, f"妇科·{lbl}", "gyn", layout={"applies_to": "female", "group": "妇科*"})
        for k, lbl in (
            ("gyn_vulva", "外阴"),
            ("gyn_vagina", "阴道"),
            ("gyn_cervix", "宫颈"),
            ("gyn_uterus", "宫体"),
            ("gyn_adnexa", "附件"),
        )
    )
    f: Parts = {"gyn": gyn, "dre": code("dre", "肛门指诊", "dre", layout=STAR)}
    abd = tuple(
        code(k, f"腹部·{lbl}", "none_have_detail")
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
        code("barrel_chest", "肺·桶状胸", "no_yes"),
        code("breath_sound", "肺·呼吸音", "normal_abnormal"),
        code("rales", "肺·罗音", "rales"),
        integer("heart_rate", "心脏·心率", 20, 250, "次/分钟"),
        code("heart_rhythm", "心脏·心律", "rhythm"),
        code("heart_murmur", "心脏·杂音", "none_have_detail"),
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


def lab() -> tuple[Section, Parts]:
    f: Parts = {
        "tbil": decimal(
            "total_bilirubin", "总胆红素", 0, 1000, "μmol/L", layout={"row": "bil", **LIVER}
        ),
        "dbil": decimal(
            "direct_bilirubin", "结合胆红素", 0, 1000, "μmol/L", layout={"row": "bil", **LIVER}
        ),
        "tc": decimal(
            "total_cholesterol",
            "总胆固醇",
            0.5,
            30,
            "mmol/L",
            places=2,
            layout={"row": "lipid1", **LIPID},
        ),
        "ldl": decimal(
            "ldl",
            "血清低密度脂蛋白胆固醇",
            0.1,
            30,
            "mmol/L",
            places=2,
            layout={"row": "lipid2", **LIPID},
        ),
        "hdl": decimal(
            "hdl",
            "血清高密度脂蛋白胆固醇",
            0.1,
            10,
            "mmol/L",
            places=2,
            layout={"row": "lipid2", **LIPID},
        ),
    }

    def yes(key: str, label: str, table: str = "normal_abnormal") -> Field:
        return code(key, label, table, layout=STAR)

    s = section(
        "lab",
        "辅助检查",
        integer("hemoglobin", "血红蛋白", 20, 250, "g/L", layout={"row": "blood", **BLOOD}),
        decimal("wbc", "白细胞", 0.1, 100, "×10⁹/L", layout={"row": "blood", **BLOOD}),
        integer("platelets", "血小板", 1, 2000, "×10⁹/L", layout={"row": "blood", **BLOOD}),
        text("blood_routine_other", "血常规·其他", max_length=100, layout=BLOOD),
        text(
            "urine_protein",
            "尿蛋白",
            max_length=10,
            layout={"row": "urine", **URINE},
            hint="如 -、±、+、++",
        ),
        text("urine_glucose", "尿糖", max_length=10, layout={"row": "urine", **URINE}),
        text("urine_ketone", "尿酮体", max_length=10, layout={"row": "urine", **URINE}),
        text("urine_blood", "尿潜血", max_length=10, layout={"row": "urine", **URINE}),
        text("urine_other", "尿常规·其他", max_length=100, layout=URINE),
        decimal(
            "fasting_glucose", "空腹血糖", 1, 40, "mmol/L", places=2, layout={"row": "fbg", **STAR},
            measure="glucose",
        ),
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
        integer("alt", "血清谷丙转氨酶", 0, 5000, "U/L", layout={"row": "liver", **LIVER}),
        integer("ast", "血清谷草转氨酶", 0, 5000, "U/L", layout={"row": "liver", **LIVER}),
        decimal("albumin", "白蛋白", 5, 80, "g/L", layout={"row": "liver", **LIVER}),
        f["tbil"],
        f["dbil"],
        decimal("creatinine", "血清肌酐", 10, 3000, "μmol/L", layout={"row": "kidney", **KIDNEY}),
        decimal("bun", "血尿素", 0.5, 100, "mmol/L", layout={"row": "kidney", **KIDNEY}),
        decimal(
            "potassium", "血钾浓度", 1.5, 10, "mmol/L", places=2, layout={"row": "salt", **KIDNEY}
        ),
        decimal("sodium", "血钠浓度", 100, 200, "mmol/L", layout={"row": "salt", **KIDNEY}),
        f["tc"],
        decimal(
            "triglycerides",
            "甘油三酯",
            0.1,
            50,
            "mmol/L",
            places=2,
            layout={"row": "lipid1", **LIPID},
        ),
        f["ldl"],
        f["hdl"],
        yes("chest_xray", "胸部X线片"),
        code("b_ultrasound_abdomen", "B超·腹部B超", "normal_abnormal", layout=ULTRASOUND),
        code("b_ultrasound_other", "B超·其他", "normal_abnormal", layout=ULTRASOUND),
        yes("cervical_smear", "宫颈涂片"),
        text("lab_other", "辅助检查·其他", max_length=200, layout=STAR),
    )
    return s, f
