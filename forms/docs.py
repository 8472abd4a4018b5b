"""JSON-ready documentation of the forms (`cunyi forms list --json`, `cunyi forms show CODE --json`)."""

from __future__ import annotations

from typing import Any

from forms.model import Field, FormDef
from forms.registry import CURRENT_EDITION, editions, form_codes, get_form


def catalogue() -> list[dict[str, Any]]:
    """Every form in the order of the 表单目录, current edition, with the editions it exists in."""
    from forms.definitions import ORDER

    codes = [c for c in ORDER if c in form_codes()] + [c for c in form_codes() if c not in ORDER]
    out = []
    for code in codes:
        form = get_form(code, CURRENT_EDITION)
        out.append(
            {
                "code": form.code,
                "title": form.title,
                "edition": form.edition,
                "editions": editions(code),
                "layout": form.layout,
                "visits_per_page": form.visits_per_page,
                "sections": len(form.sections),
                "fields": len(form.fields()),
            }
        )
    return out


def describe(code: str, edition: str | None = None) -> dict[str, Any]:
    """Everything a user or a program needs to fill the form; raises forms.UnknownForm."""
    form = get_form(code, edition)
    return {
        "code": form.code,
        "title": form.title,
        "edition": form.edition,
        "edition_label": form.edition_label,
        "editions": editions(code),
        "layout": form.layout,
        "visits_per_page": form.visits_per_page,
        "insert_only": form.insert_only,
        **({"slot_field": form.slot_field} if form.slot_field else {}),
        "paper": _plain(form.paper),
        "sections": [
            {
                "key": s.key,
                "label": s.label,
                "layout": _plain(s.layout),
                "fields": [_field(form, f) for f in s.fields],
            }
            for s in form.sections
        ],
        "rules": _general_rules(form)
        + [getattr(r, "text", "") for r in form.rules if getattr(r, "text", "")],
    }


def _general_rules(form: FormDef) -> list[str]:
    """The checks every form gets from its field definitions, in words."""
    rules = [
        "未列出的字段一律拒收；“其他”选项的说明写在“<字段>_other”中，且仅在选择“其他”时填写",
        "数值须在给定范围内，代码须是本版本代码表中的代码；“无”类选项不能与其他选项同时选择",
        "日期格式YYYY-MM-DD，不能晚于今天（下次随访日期除外），不能早于出生日期",
    ]
    if any(f.format == "id_number" for f in form.fields()):
        rules.append("身份证号须符合GB 11643（校验位、出生日期、地址码），并与性别、出生日期一致")
    if any(f.computed for f in form.fields()):
        names = "、".join(f.label for f in form.fields() if f.computed)
        rules.append(f"{names}由系统计算，填入的值会被重新计算")
    return rules


def _field(form: FormDef, f: Field) -> dict[str, Any]:
    d: dict[str, Any] = {
        "key": f.key,
        "label": f.label,
        "type": f.type,
        "unit": f.unit,
        "range": None if f.min is None and f.max is None else {"min": f.min, "max": f.max},
        "decimals": f.decimals,
        "max_length": f.max_length,
        "codes": None,
        "multi": f.type == "multicode",
        "required": f.required,
        "computed": f.computed,
        "hint": f.hint,
        "layout": _plain(f.layout),
    }
    if f.codes:
        t = form.table(f)
        d["codes"] = {
            "table": t.name,
            "options": [{"code": c.code, "label": c.label} for c in t.codes],
            "exclusive": list(t.exclusive),
            "other_code": t.other_code,
            "other_key": f"{f.key}_other" if t.other_code else None,
        }
    if f.max_items is not None:
        d["max_items"] = f.max_items
    if f.type == "date":
        d["date_format"] = "YYYY-MM-DD" if f.precision == "day" else "YYYY-MM-DD 或 YYYY-MM"
        d["allow_future"] = f.allow_future
    if f.pattern:
        d["pattern"] = f.pattern
        d["pattern_hint"] = f.pattern_hint
    if f.format:
        d["format"] = f.format
    if f.measure:
        d["measure"] = f.measure
    if f.type == "list":
        d["items"] = [_field(form, g) for g in f.item_fields]
    return d


def _plain(value: Any) -> Any:
    """Mappings and tuples of layout hints as plain JSON types."""
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
