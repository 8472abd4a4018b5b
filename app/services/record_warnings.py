"""Records that are possible but unusual: the reasons to ask the doctor before saving (issue 11).

A warning is not an error: the paper form allows the entry, the standard makes it unlikely.
The record service refuses a final record with warnings unless the caller confirms (the desktop
asks in a dialog, the CLI wants --confirm). Everything here but `warnings_in` is pure: it reads
the document and facts about the resident, never the database.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import forms
from app.db.models import Record, Resident
from app.errors import InvalidInput
from forms.checks import is_empty, parse_date
from forms.definitions import child as C
from forms.definitions import elderly_tcm as T
from forms.model import FieldError

ELDERLY_AGE = 65
# Control thresholds, reference standard-forms.md §4.1 "HTN next-visit rule" [C2] S17:
# 控制满意 means BP <140/90; for patients aged 65 and over <150/90 is acceptable.
SBP_TARGET, SBP_TARGET_ELDERLY, DBP_TARGET = 140, 150, 90
# §4.1 "DM classification" [U, mirrors the HTN text]: 控制满意 means fasting glucose <7.0 mmol/L.
GLUCOSE_TARGET = 7.0
# Visit records of which a second one on the same day is most likely typed twice.
SAME_DAY_FORMS = ("htn_followup", "dm_followup", "health_exam", "elderly_selfcare", "elderly_tcm")
# 孕产妇健康管理: women of child-bearing age (the bounds only catch a wrong resident or birth date).
MATERNAL_FORMS = ("prenatal_first", "prenatal_followup", "postpartum_visit", "postpartum_42d")
MATERNAL_AGES = (12, 55)
# Forms for residents aged 65 and over (老年人健康管理).
ELDERLY_FORMS = ("elderly_selfcare", "elderly_tcm")
DIAGNOSIS = {"htn_followup": ("htn", "高血压"), "dm_followup": ("dm", "2型糖尿病"),
             "smi_followup": ("smi", "严重精神障碍"), "smi_supplement": ("smi", "严重精神障碍"),
             "tb_followup": ("tb", "肺结核")}
# Where the diagnosis is recorded, per programme (the sentence of the form_not_fit warning).
WHERE_DIAGNOSED = {
    "htn": "个人基本信息表·既往史", "dm": "个人基本信息表·既往史",
    "smi": "个人基本信息表·既往史或严重精神障碍患者个人信息补充表",
    "tb": "肺结核患者第一次入户随访记录表",
}
# 危险性评估 levels that make a visit 不稳定 (programme-forms.md §11 [C P7]).
SMI_UNSTABLE_RISK = ("3", "4", "5")
HEALTH_EXAM_ELDERLY = ("elderly_selfcare", "elderly_selfcare_score")


@dataclass(frozen=True)
class RecordWarning:
    """One reason to ask: `code` is stable (tests, the UI), `reason` is the Chinese sentence
    shown, naming the field by its label."""

    code: str
    key: str
    label: str
    reason: str

    def __str__(self) -> str:
        return f"{self.label}：{self.reason}"

    def as_error(self) -> FieldError:
        return FieldError(self.key, self.label, self.reason)


class NeedsConfirmation(InvalidInput):
    """Refused until confirmed: `warnings` says why. Nothing was saved (CLI exit code 3)."""

    def __init__(self, warnings: Sequence[RecordWarning]) -> None:
        self.warnings = list(warnings)
        self.hint = ""  # how to confirm, added by the caller (the CLI: --confirm)
        super().__init__([w.as_error() for w in self.warnings])

    def __str__(self) -> str:
        return "需要确认后才能保存：" + "；".join(str(w) for w in self.warnings) + self.hint

    def cli_text(self) -> str:
        keyed = "；".join(w.as_error().keyed() for w in self.warnings)
        return "需要确认后才能保存：" + keyed + self.hint


@dataclass(frozen=True)
class ResidentFacts:
    """What the checks need to know about the resident (from the row, or from a summary)."""

    sex: str | None
    birth_date: str | None
    tags: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, r: Resident | dict[str, Any]) -> ResidentFacts:
        get = r.get if isinstance(r, dict) else lambda k: getattr(r, k, None)
        tags = get("tags") or ""
        tag_set = frozenset(tags.split() if isinstance(tags, str) else tags)
        return cls(get("sex"), get("birth_date"), tag_set)


def age_on(birth: str | None, day: dt.date) -> int | None:
    b = parse_date(birth)
    if b is None:
        return None
    return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


def _visit_day(doc: dict[str, Any], today: dt.date) -> dt.date:
    return parse_date(doc.get("visit_date")) or today


def form_fit(form: str, facts: ResidentFacts, on: dt.date) -> RecordWarning | None:
    """Why `form` does not suit this resident on day `on` (None: it suits). For the form
    chooser as well as for saving."""
    title = _title(form)
    if form in DIAGNOSIS:
        tag, disease = DIAGNOSIS[form]
        if tag not in facts.tags:
            return RecordWarning(
                "form_not_fit", "form", title,
                f"该居民档案中没有{disease}诊断（{WHERE_DIAGNOSED[tag]}），也没有{disease}随访记录；"
                f"请确认已确诊并补记",
            )  # fmt: skip
    if form in MATERNAL_FORMS:
        if facts.sex is not None and facts.sex != "2":
            return RecordWarning("form_not_fit", "form", title, "适用于孕产妇，该居民档案中的性别不是女")
        age = age_on(facts.birth_date, on)
        lo, hi = MATERNAL_AGES
        if age is not None and not lo <= age <= hi:
            return RecordWarning("form_not_fit", "form", title,
                                 f"适用于孕产妇，该居民{age}岁，请核对出生日期或所选居民")  # fmt: skip
    if form in C.CHILD_FORMS:
        age = age_on(facts.birth_date, on)
        if age is not None and age >= C.CHILD_AGE:
            return RecordWarning("form_not_fit", "form", title,
                                 f"适用于0～6岁儿童，该居民{age}岁，请核对出生日期或所选居民")  # fmt: skip
    if form in ELDERLY_FORMS:
        age = age_on(facts.birth_date, on)
        if age is not None and age < ELDERLY_AGE:
            return RecordWarning(
                "form_not_fit", "form", title,
                f"适用于{ELDERLY_AGE}岁及以上老年人，该居民评估时{age}岁",
            )  # fmt: skip
    return None


def warnings_for(
    form: str,
    doc: dict[str, Any],
    facts: ResidentFacts,
    same_day: Iterable[dict[str, Any]] = (),
    *,
    today: dt.date | None = None,
) -> list[RecordWarning]:
    """Every reason to ask before saving `doc` (already validated) as a record of `form`.
    `same_day`: the resident's other records of this form on the document's visit date."""
    day = _visit_day(doc, today or dt.date.today())
    out: list[RecordWarning] = []
    fit = form_fit(form, facts, day)
    if fit:
        out.append(fit)
    out += _control(form, doc, facts, day)
    if form == "health_exam":
        out += _health_exam_fit(doc, facts, day)
    if form == "elderly_tcm":
        out += _constitution(doc)
    if form == "smi_followup":
        out += _smi_classification(doc)
    if form in C.SLOT_TABLES:
        out += _child_age(form, doc, facts, day)
    others = list(same_day)
    if form in SAME_DAY_FORMS and others:
        out.append(
            RecordWarning(
                "same_day", "visit_date", _label(form, "visit_date"),
                f"该居民{day.isoformat()}已有{len(others)}份{_title(form)}；"
                f"同一天再记一份，请确认不是重复录入",
            )  # fmt: skip
        )
    return out


def _control(
    form: str, doc: dict[str, Any], facts: ResidentFacts, day: dt.date
) -> list[RecordWarning]:
    if doc.get("classification") != "1":
        return []
    label = _label(form, "classification")
    if form == "htn_followup":
        sbp, dbp = doc.get("sbp"), doc.get("dbp")
        if sbp is None or dbp is None:
            return []
        age = age_on(facts.birth_date, day)
        elderly = age is not None and age >= ELDERLY_AGE
        target = SBP_TARGET_ELDERLY if elderly else SBP_TARGET
        if sbp >= target or dbp >= DBP_TARGET:
            who = f"（{ELDERLY_AGE}岁及以上）" if elderly else ""
            return [RecordWarning(
                "controlled_but_high", "classification", label,
                f"选了“1控制满意”，但血压{sbp}/{dbp}mmHg达到或高于控制目标{target}/{DBP_TARGET}mmHg{who}；"
                f"请核对分类或血压",
            )]  # fmt: skip
    if form == "dm_followup":
        glucose = doc.get("fasting_glucose")
        if glucose is not None and glucose >= GLUCOSE_TARGET:
            return [RecordWarning(
                "controlled_but_high", "classification", label,
                f"选了“1控制满意”，但空腹血糖{glucose}mmol/L达到或高于{GLUCOSE_TARGET}mmol/L；"
                f"请核对分类或血糖",
            )]  # fmt: skip
    return []


def _child_age(form: str, doc: dict[str, Any], facts: ResidentFacts, day: dt.date) -> list[RecordWarning]:
    """A check recorded in the column of another age (programme-forms.md §3-4 填表说明: 12月龄 is
    12 months 0 days to 12 months 29 days …; checks at other ages go on an extra sheet)."""
    birth, slot = parse_date(facts.birth_date), doc.get("slot")
    if birth is None or not isinstance(slot, str) or day < birth:
        return []
    definition = forms.get_form(form)
    if slot not in definition.slots() or C.in_window(form, slot, birth, day):
        return []
    f = definition.field("slot")
    column = definition.table(f).label(slot)
    return [RecordWarning(
        "slot_age", "slot", f.label,
        f"该儿童{day.isoformat()}时{C.age_text(birth, day)}，不在“{column}”一栏的年龄"
        f"（{C.slot_window(form, slot)}）；请核对所选栏目、随访日期或出生日期",
    )]  # fmt: skip


def _same_slot(form: str, doc: dict[str, Any], earlier: list[str]) -> list[RecordWarning]:
    """A second record for one column of the paper: only one prints (the later visit)."""
    if not earlier:
        return []
    definition = forms.get_form(form)
    f = definition.field("slot")
    column = definition.table(f).label(str(doc.get("slot"))) or doc.get("slot")
    return [RecordWarning(
        "same_slot", "slot", f.label,
        f"该儿童已有“{column}”的{_title(form)}（{'、'.join(sorted(earlier))}）；纸质表每个年龄只有一栏，"
        f"打印时只印随访日期较晚的一份；请确认不是重复录入",
    )]  # fmt: skip


def _smi_classification(doc: dict[str, Any]) -> list[RecordWarning]:
    """本次随访分类 against 危险性评估: 3-5级 is 不稳定; 稳定 needs 0级 (§11 [C P7]; the 基本稳定
    rule is [U] and not checked)."""
    risk, cls = doc.get("risk_level"), doc.get("classification")
    if risk is None or cls is None:
        return []
    label = _label("smi_followup", "classification")
    if risk in SMI_UNSTABLE_RISK and cls != "1":
        return [RecordWarning(
            "smi_unstable", "classification", label,
            f"危险性评估为{risk}级（3～5级），本次随访分类应为“1不稳定”（需立即转诊，2周内随访）；"
            f"请核对",
        )]  # fmt: skip
    if cls == "3" and risk != "0":
        return [RecordWarning(
            "smi_unstable", "classification", label,
            f"选了“3稳定”，但危险性评估为{risk}级；稳定要求危险性为0级，请核对",
        )]  # fmt: skip
    return []


def _constitution(doc: dict[str, Any]) -> list[RecordWarning]:
    """What 体质判定标准表 asks the doctor to look at again (programme-forms.md §14 附件2 notes):
    阴虚 and 阳虚 together, no constitution at all, or a tie for the guiding one."""
    answers = {n: int(doc[T.qkey(n)]) for n in range(1, len(T.QUESTIONS) + 1)
               if str(doc.get(T.qkey(n)) or "") in ("1", "2", "3", "4", "5")}  # fmt: skip
    if len(answers) < len(T.QUESTIONS):
        return []
    scores = T.sums(answers)
    results = T.judge(scores)
    names = {key: name for key, name, _code, _items in T.TYPES}
    positive = [k for k in names if results[k] in ("1", "2")]
    label = "体质辨识"
    if results["yinxu"] in ("1", "2") and results["yangxu"] in ("1", "2"):
        return [RecordWarning(
            "tcm_contradiction", "q11", label,
            "阴虚质与阳虚质同时判定为“是”或“倾向是”，回答可能相互矛盾；请与老人逐题核对",
        )]  # fmt: skip
    if not positive:
        return [RecordWarning(
            "tcm_no_type", "q1", label,
            "未判定出任何体质（平和质与8种偏颇体质均为“否”）；请核对回答，或2周后重新评估",
        )]  # fmt: skip
    best = max(scores[k] for k in positive)
    tied = [names[k] for k in positive if scores[k] == best]
    if len(tied) > 1:
        return [RecordWarning(
            "tcm_tie", "q1", label,
            f"{'、'.join(tied)}得分相同（{best}分），保健指导以哪种体质为主请由中医师判定",
        )]  # fmt: skip
    return []


def _health_exam_fit(doc: dict[str, Any], facts: ResidentFacts, day: dt.date) -> list[RecordWarning]:
    out = []
    definition = forms.get_form("health_exam")
    gyn = [f for f in definition.fields() if f.key.startswith("gyn_") and not is_empty(doc.get(f.key))]
    if gyn and facts.sex == "1":
        out.append(RecordWarning(
            "form_not_fit", gyn[0].key, "妇科",
            f"填写了{'、'.join(f.label for f in gyn)}，但该居民档案中的性别为男；"
            f"妇科检查仅适用于女性，请核对",
        ))  # fmt: skip
    age = age_on(facts.birth_date, day)
    filled = [k for k in HEALTH_EXAM_ELDERLY if not is_empty(doc.get(k))]
    if filled and age is not None and age < ELDERLY_AGE:
        f = definition.field(filled[0])
        out.append(RecordWarning(
            "form_not_fit", f.key, f.label,
            f"老年人生活自理能力评估适用于{ELDERLY_AGE}岁及以上，该居民体检时{age}岁",
        ))  # fmt: skip
    return out


def warnings_in(
    s: Session,
    resident: Resident,
    form: str,
    doc: dict[str, Any],
    *,
    exclude: str | None = None,
    today: dt.date | None = None,
) -> list[RecordWarning]:
    """warnings_for with the resident's same-day records read from the database (`exclude`:
    the record being corrected, which is not its own duplicate)."""
    same_day: list[dict[str, Any]] = []
    visit = doc.get("visit_date")
    late = _later_than_rule(s, resident, form, doc, exclude)
    if form in SAME_DAY_FORMS and isinstance(visit, str):
        q = select(Record.uuid, Record.status).where(
            Record.resident_uuid == resident.uuid, Record.form == form, Record.visit_date == visit
        )
        same_day = [{"uuid": u, "status": st} for u, st in s.execute(q) if u != exclude]
    slot = doc.get("slot")
    same_slot: list[RecordWarning] = []
    if form in C.SLOT_TABLES and isinstance(slot, str):
        slot_q = select(Record.uuid, Record.visit_date).where(
            Record.resident_uuid == resident.uuid, Record.form == form, Record.status == "final",
            func.json_extract(Record.doc, "$.slot") == slot,
        )  # fmt: skip
        same_slot = _same_slot(form, doc, [str(v) for u, v in s.execute(slot_q) if u != exclude])
    return (warnings_for(form, doc, ResidentFacts.of(resident), same_day, today=today) + late
            + same_slot)  # fmt: skip


def _later_than_rule(
    s: Session, resident: Resident, form: str, doc: dict[str, Any], exclude: str | None
) -> list[RecordWarning]:
    """A 下次随访日期 later than the schedule rule allows after this visit (e.g. 3 months after a
    first 控制不满意, where the rule says 2 weeks): asked, naming the rule (issue 14)."""
    from app import rules
    from app.db.models import Institution
    from forms import schedule

    nxt, day = parse_date(doc.get("next_visit_date")), parse_date(doc.get("visit_date"))
    if nxt is None or day is None:
        return []
    area = s.execute(select(Institution.area)).scalar_one_or_none()
    rule = next((r for r in rules.for_area(area).rules
                 if r.kind == "classified_followup" and r.form == form), None)  # fmt: skip
    if rule is None:
        return []
    q = (select(Record.uuid, Record.visit_date, Record.doc)
         .where(Record.resident_uuid == resident.uuid, Record.form == form,
                Record.status == "final", Record.visit_date < day.isoformat())
         .order_by(Record.visit_date.desc()).limit(max(2, rule["referral_after_uncontrolled"])))  # fmt: skip
    earlier = []
    for uuid, visit, text in s.execute(q):
        day = parse_date(visit)
        if uuid == exclude or day is None:
            continue
        d = json.loads(text)
        earlier.append(schedule.Visit(day, d.get("classification"), d.get(rule["adverse_field"])))
    allowed = schedule.rule_date_after(rule, doc, earlier)
    if allowed is None or nxt <= allowed[0]:
        return []
    return [RecordWarning(
        "later_than_rule", "next_visit_date", _label(form, "next_visit_date"),
        f"{nxt.isoformat()}晚于随访规则（{rule.item}：{allowed[1]}）的{allowed[0].isoformat()}；"
        f"请确认推迟的原因",
    )]  # fmt: skip


def unconfirmed(
    now: list[RecordWarning], before: list[RecordWarning] | None
) -> list[RecordWarning]:
    """The warnings still to confirm: a correction of a final record is not asked again about
    what was confirmed when it was saved (same code on the same field)."""
    seen = {(w.code, w.key) for w in before or ()}
    return [w for w in now if (w.code, w.key) not in seen]


def _title(form: str) -> str:
    try:
        return forms.get_form(form).title
    except forms.UnknownForm:
        return form


def _label(form: str, key: str) -> str:
    definition = forms.get_form(form)
    return definition.field(key).label if definition.has_field(key) else key
