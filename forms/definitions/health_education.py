"""健康教育活动记录表: one sheet per activity of the clinic (a lecture, a consultation day, a
bulletin board changed, printed or audio-visual material handed out or played). Not a resident's
record: FormDef.subject "institution" keeps it out of resident views, booklets and choosers.

Source: programme-forms.md §15 [C] (fields of the 2017 form, healthEducation.jrxml). Unconfirmed
[U]: the 存档材料 checklist; the label 活动总结评价 (the jrxml prints a second 活动内容 box); the
activity kinds as codes (the paper has free text: the codes are the service's kinds, so the yearly
requirement of forms/rules "health_education_activities" can count them; 其他 keeps free text);
资料种类数 (not on the paper: the requirement counts kinds of material, not hand-outs). Both
editions hold the same form (the 2009 edition's record had the same items [U]).
"""

from __future__ import annotations

from typing import Any

from forms.checks import is_empty
from forms.definitions import _rules as R
from forms.definitions._dsl import assemble, code, date, integer, multi, rule, section, text
from forms.model import Field, FieldError, FormDef, ValidationContext

CODE = "health_education"
TITLE = "健康教育活动记录表"
TIME_PATTERN = r"([01][0-9]|2[0-3]):[0-5][0-9](-([01][0-9]|2[0-3]):[0-5][0-9])?"
MATERIAL_KINDS = ("1", "2")  # 发放印刷资料, 播放音像资料: counted in kinds of material
GATHERINGS = ("4", "5")  # 讲座, 咨询: people come, so the number who came is asked for


def _participants_rule(kind: Field, count: Field) -> Any:
    @rule(f"{R.ref(kind)}为讲座或咨询活动时，定稿的记录须填写{R.ref(count)}", kind, count)
    def check(doc: dict[str, Any], ctx: ValidationContext) -> list[FieldError]:
        if ctx.final and doc.get(kind.key) in GATHERINGS and is_empty(doc.get(count.key)):
            return [R.fe(count, "讲座和公众健康咨询活动须填写参加人数")]
        return []

    return check


def build(edition: str) -> FormDef:
    when = date("visit_date", "活动时间", required=True)
    kind = code("activity_kind", "活动形式", "he_kind", required=True)
    material_kinds = integer("material_kinds", "资料种类数", 1, 500, "种",
                             hint="发放印刷资料、播放音像资料时填写本次的资料种类数（年度考核按种类计）")  # fmt: skip
    participants = integer("participants", "接受健康教育人数", 0, 100000, "人")
    filled = date("filled_date", "填表时间", layout={"style": "年月日"})
    return assemble(
        CODE,
        TITLE,
        edition,
        (
            section(
                "activity",
                "活动",
                when,
                text("time_of_day", "活动时段", max_length=11, pattern=TIME_PATTERN,
                     pattern_hint="时:分，或 时:分-时:分（如 09:00-11:00）", layout={"inline": True}),  # fmt: skip
                text("place", "活动地点", max_length=100, required=True),
                kind,
                material_kinds,
                text("topic", "活动主题", max_length=100, required=True),
                text("organizer", "组织者", max_length=60, required=True),
                text("audience", "接受健康教育人员类别", max_length=100),
                participants,
                text("materials", "健康教育资料发放种类及数量", max_length=200),
            ),
            section("content", "活动内容", text("content", "活动内容", long=True, max_length=2000)),
            section("evaluation", "活动总结评价",
                    text("evaluation", "活动总结评价", long=True, max_length=2000)),  # fmt: skip
            section(
                "closing",
                "存档与签字",
                multi("archive", "存档材料", "he_archive", layout={"boxes": 6},
                      hint="存档材料请附后（纸质或照片另行存档，本系统不保存附件）"),  # fmt: skip
                text("filled_by", "填表人（签字）", max_length=50, layout={"signature": True}),
                text("responsible", "负责人（签字）", max_length=50, layout={"signature": True}),
                filled,
            ),
        ),
        rules=(
            R.only_when(kind, MATERIAL_KINDS, material_kinds, edition=edition),
            _participants_rule(kind, participants),
            R.after(when, filled, strict=False),
            *R.final_requires(*(f for f in _signers()), what="定稿的活动记录"),
        ),
        paper={"header": []},
        subject="institution",
    )


def _signers() -> tuple[Field, ...]:
    # final_requires looks at the key and label only: the same Field as in the section
    return (text("content", "活动内容", long=True, max_length=2000),
            text("filled_by", "填表人（签字）", max_length=50, layout={"signature": True}))  # fmt: skip
