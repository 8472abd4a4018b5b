"""老年人中医药健康管理服务记录表: 33 questions answered on a 1-5 scale, the nine constitutions
computed from them by the form's own table (附件2, simple sums), and the guidance per type.

Source: programme-forms.md §14 [C2] (questions, scale, item -> constitution map, thresholds,
the 平和质 rule, guidance options). The scores and judgements are computed, never typed.
"""

from __future__ import annotations

from typing import Any

from forms.definitions._dsl import assemble, code, date, decimal, integer, multi, section, text
from forms.model import Field, FormDef

QUESTIONS: tuple[str, ...] = (
    "您精力充沛吗？（指精神头足，乐于做事）",
    "您容易疲乏吗？（指体力如何，是否稍微活动一下或做一点家务劳动就感到累）",
    "您容易气短，呼吸短促，接不上气吗？",
    "您说话声音低弱无力吗？（指说话没有力气）",
    "您感到闷闷不乐、情绪低沉吗？（指心情不愉快，情绪低落）",
    "您容易精神紧张、焦虑不安吗？（指遇事是否心情紧张）",
    "您因为生活状态改变而感到孤独、失落吗？",
    "您容易感到害怕或受到惊吓吗？",
    "您感到身体超重不轻松吗？（感觉身体沉重）［BMI指数=体重（kg）/身高²（m）］",
    "您眼睛干涩吗？",
    "您手脚发凉吗？（不包含因周围温度低或穿的少导致的手脚发冷）",
    "您胃脘部、背部或腰膝部怕冷吗？（指上腹部、背部、腰部或膝关节等，有一处或多处怕冷）",
    "您比一般人耐受不了寒冷吗？（指比别人容易害怕冬天或是夏天的冷空调、电扇等）",
    "您容易患感冒吗？（指每年感冒的次数）",
    "您没有感冒时也会鼻塞、流鼻涕吗？",
    "您有口粘口腻，或睡眠打鼾吗？",
    "您容易过敏（对药物、食物、气味、花粉或在季节交替、气候变化时）吗？",
    "您的皮肤容易起荨麻疹吗？（包括风团、风疹块、风疙瘩）",
    "您的皮肤在不知不觉中会出现青紫瘀斑、皮下出血吗？（指皮肤在没有外伤的情况下出现青一块紫一块的情况）",
    "您的皮肤一抓就红，并出现抓痕吗？（指被指甲或钝物划过后皮肤的反应）",
    "您皮肤或口唇干吗？",
    "您有肢体麻木或固定部位疼痛的感觉吗？",
    "您面部或鼻部有油腻感或者油亮发光吗？（指脸上或鼻子）",
    "您面色或目眶晦黯，或出现褐色斑块/斑点吗？",
    "您有皮肤湿疹、疮疖吗？",
    "您感到口干咽燥、总想喝水吗？",
    "您感到口苦或嘴里有异味吗？（指口苦或口臭）",
    "您腹部肥大吗？（指腹部脂肪肥厚）",
    "您吃（喝）凉的东西会感到不舒服或者怕吃（喝）凉的东西吗？（指不喜欢吃凉的食物，或吃了凉的食物后会不舒服）",
    "您有大便黏滞不爽、解不尽的感觉吗？（大便容易粘在马桶或便坑壁上）",
    "您容易大便干燥吗？",
    "您舌苔厚腻或有舌苔厚厚的感觉吗？（如果自我感觉不清楚可由调查员观察后填写）",
    "您舌下静脉瘀紫或增粗吗？（可由调查员辅助观察后填写）",
)

# What each answer means, printed under the column headings 没有 ... 总是 [C2].
SCALE_WORDS = ("根本不/从来没有", "有一点/偶尔", "有些/少数时间", "相当/多数时间", "非常/每天")

# Questions whose five columns are bands of a measure or a count rather than 没有…总是 [C P2].
BANDS: dict[int, tuple[str, str, str, str, str]] = {
    9: ("BMI<24", "24≤BMI<25", "25≤BMI<26", "26≤BMI<28", "BMI≥28"),
    14: ("一年<2次", "一年感冒2-4次", "一年感冒5-6次", "一年8次以上", "几乎每月都感冒"),
    28: (
        "腹围<80cm，相当于2.4尺",
        "腹围80-85cm，2.4-2.55尺",
        "腹围86-90cm，2.56-2.7尺",
        "腹围91-105cm，2.71-3.15尺",
        "腹围>105cm或3.15尺",
    ),
}

# Questions answered from a measurement when it is given (the bands above).
MEASURED = {9: "bmi", 28: "waist_cm"}

# 体质判定标准表 (附件2): the items of each constitution, in the paper's column order.
# Key, name, code in the tcm_type table, items; 平和质's items 2, 4, 5 and 13 are reverse-scored.
TYPES: tuple[tuple[str, str, str, tuple[int, ...]], ...] = (
    ("qixu", "气虚质", "1", (2, 3, 4, 14)),
    ("yangxu", "阳虚质", "2", (11, 12, 13, 29)),
    ("yinxu", "阴虚质", "3", (10, 21, 26, 31)),
    ("tanshi", "痰湿质", "4", (9, 16, 28, 32)),
    ("shire", "湿热质", "5", (23, 25, 27, 30)),
    ("xueyu", "血瘀质", "6", (19, 22, 24, 33)),
    ("qiyu", "气郁质", "7", (5, 6, 7, 8)),
    ("tebing", "特禀质", "8", (15, 17, 18, 20)),
    ("pinghe", "平和质", "9", (1, 2, 4, 5, 13)),
)
BALANCED = "pinghe"
REVERSED = frozenset({2, 4, 5, 13})  # for 平和质 only

# Thresholds of the sums as printed on the 2017 form [C2]: biased types 是 >= 11, 倾向是 9-10;
# 平和质 是 when >= 17 and every other type <= 8, 基本是 when >= 17 and every other <= 10.
BIASED_YES, BIASED_LEANING = 11, 9
BALANCED_MIN, OTHERS_NO, OTHERS_LEANING = 17, 8, 10


def qkey(n: int) -> str:
    return f"q{n}"


def bmi_band(bmi: float) -> str:
    """第9题 from a measured BMI (the printed bands)."""
    for upper, answer in ((24, "1"), (25, "2"), (26, "3"), (28, "4")):
        if bmi < upper:
            return answer
    return "5"


def waist_band(waist_cm: float) -> str:
    """第28题 from a measured waist: the bands are whole centimetres, so the waist is rounded."""
    w = int(waist_cm + 0.5)
    for upper, answer in ((79, "1"), (85, "2"), (90, "3"), (105, "4")):
        if w <= upper:
            return answer
    return "5"


def sums(answers: dict[int, int]) -> dict[str, int]:
    """Each constitution's raw sum from the 33 answers (1-5)."""
    out = {}
    for key, _name, _code, items in TYPES:
        if key == BALANCED:
            out[key] = sum(6 - answers[i] if i in REVERSED else answers[i] for i in items)
        else:
            out[key] = sum(answers[i] for i in items)
    return out


def judge_biased(value: int) -> str:
    """A biased type's judgement from its own sum alone: 1是 2倾向是 3否."""
    return "1" if value >= BIASED_YES else "2" if value >= BIASED_LEANING else "3"


def judge(scores: dict[str, int]) -> dict[str, str]:
    """The judgement code of each type: biased 1是 2倾向是 3否; 平和质 1是 2基本是 3否."""
    out = {}
    others = [v for k, v in scores.items() if k != BALANCED]
    for key, value in scores.items():
        if key == BALANCED:
            if value >= BALANCED_MIN and all(v <= OTHERS_NO for v in others):
                out[key] = "1"
            elif value >= BALANCED_MIN and all(v <= OTHERS_LEANING for v in others):
                out[key] = "2"
            else:
                out[key] = "3"
        else:
            out[key] = judge_biased(value)
    return out


def primary(scores: dict[str, int], results: dict[str, str]) -> str | None:
    """The type that guides the advice: the highest score among the positive types; None on a
    tie (a TCM doctor decides) or when no type is positive (re-check, or survey again)."""
    positive = [(scores[k], code) for k, _n, code, _i in TYPES if results[k] in ("1", "2")]
    if not positive:
        return None
    best = max(s for s, _ in positive)
    top = [code for s, code in positive if s == best]
    return top[0] if len(top) == 1 else None


def _measured(doc: dict[str, Any]) -> None:
    bmi, waist = doc.get("bmi"), doc.get("waist_cm")
    if isinstance(bmi, int | float) and not isinstance(bmi, bool) and 10 <= bmi <= 60:
        doc[qkey(9)] = bmi_band(float(bmi))
    if isinstance(waist, int | float) and not isinstance(waist, bool) and 40 <= waist <= 200:
        doc[qkey(28)] = waist_band(float(waist))


def derive_measured(doc: dict[str, Any]) -> None:
    """Questions 9 and 28 from a measured BMI and waist, in place (as when saved)."""
    _measured(doc)


def _score(doc: dict[str, Any]) -> dict[str, Any]:
    _measured(doc)
    answers: dict[int, int] = {}
    for n in range(1, len(QUESTIONS) + 1):
        v = doc.get(qkey(n))
        if isinstance(v, str) and v in ("1", "2", "3", "4", "5"):
            answers[n] = int(v)
    for key, *_ in TYPES:  # stale results of an earlier, complete answer set never survive
        doc.pop(f"{key}_score", None)
        doc.pop(f"{key}_result", None)
    doc.pop("primary_type", None)
    if len(answers) < len(QUESTIONS):  # the form forbids blanks; a partial sum would mislead
        return doc
    scores = sums(answers)
    results = judge(scores)
    for key, *_ in TYPES:
        doc[f"{key}_score"] = scores[key]
        doc[f"{key}_result"] = results[key]
    chosen = primary(scores, results)
    if chosen:
        doc["primary_type"] = chosen
    return doc


def _question(n: int, label: str) -> Field:
    layout: dict[str, Any] = {"row": n}
    if n in MEASURED:
        layout["derived_from"] = MEASURED[n]
    if n in BANDS:
        layout["bands"] = BANDS[n]
    hint = ""
    if n == 9:
        hint = "填写体质指数时自动按其所在区间作答"
    elif n == 28:
        hint = "填写腹围时自动按其所在区间作答"
    elif n == 14:
        hint = "一年感冒7次按第4栏（8次以上）计"
    return code(qkey(n), f"（{n}）{label}", "tcm_scale", required=True, layout=layout, hint=hint)


def _result_fields() -> list[Field]:
    out: list[Field] = []
    for key, name, _code, items in TYPES:
        table = "tcm_balanced" if key == BALANCED else "tcm_biased"
        lo, hi = len(items), 5 * len(items)
        out.append(integer(f"{key}_score", f"{name}得分", lo, hi, "分", computed=True,
                           layout={"tcm_type": key}))  # fmt: skip
        out.append(code(f"{key}_result", f"{name}辨识", table, computed=True,
                        layout={"tcm_type": key}))  # fmt: skip
        out.append(multi(f"{key}_guidance", f"{name}中医药保健指导", "tcm_guidance",
                         layout={"tcm_type": key}))  # fmt: skip
    out.append(code("primary_type", "主要体质（指导依据）", "tcm_type", computed=True,
                    hint="阳性体质中得分最高者；得分相同时由中医师判定", layout={"print": False}))  # fmt: skip
    return out


def build(edition: str) -> FormDef:
    questions = [_question(n, q) for n, q in enumerate(QUESTIONS, start=1)]
    return assemble(
        "elderly_tcm",
        "老年人中医药健康管理服务记录表",
        edition,
        (
            section(
                "measures",
                "测量值",
                decimal("bmi", "体质指数（BMI）", 10, 60, "kg/m²",
                        hint="可选：填写后第9题按区间自动作答", layout={"print": False}),
                integer("waist_cm", "腹围", 40, 200, "cm",
                        hint="可选：填写后第28题按区间自动作答", layout={"print": False}),
                role="header",
            ),  # fmt: skip
            section("questions", "请根据近一年的体验和感觉，回答以下问题", *questions,
                    tcm_questions=SCALE_WORDS),  # fmt: skip
            section("results", "体质辨识", *_result_fields(), tcm_results=True),
            section(
                "sign",
                "填表",
                date("visit_date", "填表日期", required=True),
                text("doctor", "医生签名", max_length=50, layout={"signature": True}),
                columns=2,
            ),
        ),
        compute=(_score,),
        layout="sheet",
        insert_only=True,
        paper={
            "header": ["name", "record_no8"],
            "instructions": "1.采集信息时要能够反映老年人近一年来平时的感受，避免采集老年人的即时感受。"
            "2.采集信息时要避免主观引导老年人的选择。3.记录表所列问题不能空项，须全部询问填写。"
            "4.询问结果应在相应分值内划“√”，并将计算得分填写在相应空格内。"
            "5.体质辨识：医务人员应根据体质判定标准表进行辨识结果判定，偏颇体质为“是”、“倾向是”，"
            "平和体质为“是”、“基本是”，并在相应选项上划“√”。"
            "6.中医药保健指导：请在所提供指导对应的选项上划“√”，可多选。其他指导请注明。",
        },
    )
