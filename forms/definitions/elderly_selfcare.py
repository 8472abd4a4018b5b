"""老年人生活自理能力评估表: five items scored by level; the total feeds 健康体检表."""

from __future__ import annotations

from typing import Any

from forms.compute import selfcare_level
from forms.definitions import _rules as R
from forms.definitions._dsl import assemble, code, date, integer, section, text
from forms.model import FormDef

# Points per level (1可自理 2轻度依赖 3中度依赖 4不能自理), reference §2.7 [C, S5].
SCORES: dict[str, tuple[str, tuple[int, int, int, int]]] = {
    "eating": ("进餐：使用餐具将饭菜送入口、咀嚼、吞咽等活动", (0, 0, 3, 5)),
    "grooming": ("梳洗：梳头、洗脸、刷牙、剃须、洗澡等活动", (0, 1, 3, 7)),
    "dressing": ("穿衣：穿衣裤、袜子、鞋子等活动", (0, 0, 3, 5)),
    "toileting": ("如厕：小便、大便等活动及自控", (0, 1, 5, 10)),
    "activity": ("活动：站立、室内行走、上下楼梯、户外活动", (0, 1, 5, 10)),
}
MAX_TOTAL = sum(points[3] for _, points in SCORES.values())
NO_MILD_LEVEL = ("eating", "dressing")  # the paper's "—" cells (not applicable)

# What each level means, as the paper grid prints it (可自理, 轻度依赖, 中度依赖, 不能自理; "—"
# where the form has no such level). The wording follows the 2017 form as we know it [U: not
# in the reference; check against the official PDF].
LEVEL_TEXT: dict[str, tuple[str, str, str, str]] = {
    "eating": ("独立完成", "—", "需要协助，如切碎、搅拌食物等", "完全需要帮助"),
    "grooming": (
        "独立完成",
        "能独立地洗头、梳头、洗脸、刷牙、剃须等；洗澡需要协助",
        "在协助下和适当的时间内，能完成部分梳洗活动",
        "完全需要帮助",
    ),
    "dressing": ("独立完成", "—", "需要协助，在适当的时间内完成部分穿衣", "完全需要帮助"),
    "toileting": (
        "不需协助，可自控",
        "偶尔失禁，但基本上能如厕或使用便具",
        "经常失禁，在很多提示和协助下尚能如厕或使用便具",
        "完全失禁，完全需要帮助",
    ),
    "activity": (
        "独立完成所有活动",
        "借助较小的外力或辅助装置能完成站立、行走、上下楼梯等",
        "借助较大的外力才能完成站立、行走，不能上下楼梯",
        "卧床不起，活动完全需要帮助",
    ),
}


def score(item: str, level: str) -> int:
    return SCORES[item][1][int(level) - 1]


def _total(doc: dict[str, Any]) -> dict[str, Any]:
    total, complete = 0, True
    for item in SCORES:
        level = doc.get(item)
        if isinstance(level, str) and level in ("1", "2", "3", "4"):
            doc[f"{item}_score"] = score(item, level)
            total += doc[f"{item}_score"]
        else:
            complete = False
    if complete:  # a partial total would understate dependence
        doc["total_score"] = total
        doc["level"] = selfcare_level(total)
    return doc


def build(edition: str) -> FormDef:
    fields = []
    for item, (label, points) in SCORES.items():
        options = " ".join(f"{lvl}={p}分" for lvl, p in zip("1234", points, strict=True))
        fields.append(
            code(
                item,
                label,
                "selfcare_item",
                required=True,
                layout={"row": item, "levels": LEVEL_TEXT[item], "points": points},
                hint=f"评分：{options}",
            )
        )
        fields.append(
            integer(
                f"{item}_score",
                f"{label.split('：')[0]}评分",
                0,
                10,
                "分",
                computed=True,
                layout={"row": item},
            )
        )
    return assemble(
        "elderly_selfcare",
        "老年人生活自理能力评估表",
        edition,
        (
            section(
                "visit",
                "评估",
                date("visit_date", "评估日期", required=True),
                text("doctor", "评估医生", max_length=50),
                role="header",
            ),
            section("items", "评估事项、内容与评分", *fields, level_grid=True),
            section(
                "total",
                "总评分",
                integer("total_score", "总评分", 0, MAX_TOTAL, "分", computed=True),
                code(
                    "level",
                    "自理能力",
                    "selfcare_level",
                    computed=True,
                    hint="0～3分可自理；4～8分轻度依赖；9～18分中度依赖；≥19分不能自理",
                ),
                level_total=True,
            ),
        ),
        compute=(_total,),
        # 进餐 and 穿衣 print "—" under 轻度依赖 (their points 0 are only a placeholder).
        rules=tuple(
            R.not_applicable(f, ("2",), edition=edition)
            for f in fields
            if f.key in NO_MILD_LEVEL
        ),
        layout="sheet",
        insert_only=True,
        paper={
            "header": ["name", "record_no8"],
            "instructions": "该表为自评表，根据下表中5个方面进行评估，将各方面判断评分汇总后，"
            "0～3分者为可自理；4～8分者为轻度依赖；9～18分者为中度依赖；"
            "≥19分者为不能自理。",
        },
    )
