"""Validation of a form document against its definition, and preparation for storage.

validate() reports every problem of a document at once and never raises on a bad document
(an unknown form code or edition raises forms.UnknownForm). Cross-field rules only see values
that passed their own field's checks, so each problem is reported once, where it is.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import uuid
from typing import Any, cast

from forms import checks, idnumber
from forms.checks import DateBounds, is_empty
from forms.model import ContextStep, CrossRule, Field, FieldError, FormDef, ValidationContext
from forms.registry import get_form

OTHER_MAX = 100
ID_MAX = 64
# Field types whose verdict on a value depends on nothing but the field and the value (dates also
# depend on today and the birth date; lists and booleans are checked item by item or trivially).
MEMO_TYPES = frozenset({"int", "decimal", "text", "code", "multicode"})
MEMO_MAX = 2048  # distinct values remembered per field: codes repeat, names and addresses don't
_ATOMIC = frozenset({str, int, float, bool, type(None)})
_UNSEEN = object()  # what memo.get() gives for a value not seen yet (None means "no problem")


class _Index:
    """What validation looks up in a form for every document, worked out once per form: an
    import validates tens of thousands of documents of one form."""

    def __init__(self, form: FormDef) -> None:
        self.form = form  # keeps the form alive, so its id() is never reused for another
        self.fields = form.fields()
        self.computed = frozenset(f.key for f in self.fields if f.computed)
        self.others = _other_keys(form, self.fields)
        self.known = {f.key for f in self.fields} | set(self.others)
        self.id_fields = [f for f in self.fields if f.format == "id_number"]
        self.lists = [f for f in self.fields if f.type == "list"]
        self.item_others = {f.key: _other_keys(form, list(f.item_fields)) for f in self.lists}
        self.item_known = {
            f.key: {g.key for g in f.item_fields} | set(self.item_others[f.key]) | {"id"}
            for f in self.lists
        }
        # The message (or None) each field gave each value already seen, by id(field): an
        # import repeats the same codes in every document.
        self.memos: dict[int, dict[Any, str | None]] = {
            id(g): {}
            for f in self.fields
            for g in (f, *f.item_fields)
            if g.type in MEMO_TYPES
        }
        self.checked = [(f, f.key, self.memos.get(id(f))) for f in self.fields if not f.computed]
        # Per list field: (field, memo, codes that stand alone) of its items' fields
        self.item_checked = {
            f.key: [
                (g, self.memos.get(id(g)), form.table(g).exclusive if g.type == "code" else ())
                for g in f.item_fields
            ]
            for f in self.lists
        }
        # (keys read, function) of each rule: a CrossRule is called through its function
        self.rules = [
            (getattr(r, "fields", ()), r.fn if isinstance(r, CrossRule) else r) for r in form.rules
        ]


_INDEXES: dict[int, _Index] = {}


def _index(form: FormDef) -> _Index:
    found = _INDEXES.get(id(form))
    if found is None:
        found = _INDEXES[id(form)] = _Index(form)
    return found


def validate(
    code: str, doc: Any, ctx: ValidationContext | None = None, edition: str | None = None
) -> list[FieldError]:
    form = get_form(code, edition)
    if not isinstance(doc, dict):
        kind = "列表" if isinstance(doc, list) else type(doc).__name__
        return [FieldError("$", "表单内容", f"必须是 JSON 对象（{{…}}），实际为{kind}")]
    ctx = ctx or ValidationContext()
    index = _index(form)
    errors: list[FieldError] = []
    today = _today(ctx, errors)
    if not doc.keys() <= index.known:
        errors += _unknown_keys(form, doc, index.known)
    bounds = DateBounds(today, _birth(form, doc, ctx))
    good: dict[str, Any] = {}
    for f, key, memo in index.checked:  # computed fields are left out: prepare() recomputes them
        value = doc.get(key)
        if value is None or (not value and is_empty(value)):  # no call for most values
            if f.required:
                errors.append(_err(f, _required(form, f)))
        elif f.type == "list":
            errors += _check_list(f, value, form, bounds, key, f.label)
            if isinstance(value, list):
                good[key] = value  # a list keeps its items for rules even if one item is bad
        else:
            msg = _verdict(f, value, form, bounds, memo)
            if msg:
                errors.append(FieldError(key, f.label, msg))
            else:
                good[key] = value
    errors += _other_texts(form, doc, good, index.others)
    errors += _id_numbers(index.id_fields, good, ctx, today)
    prepared = _computed(form, good, ctx)
    wrong = {e.key.split("[")[0].split(".")[0] for e in errors}
    for reads, rule in index.rules:
        if wrong.isdisjoint(reads):
            errors += rule(prepared, ctx)
    return errors


def prepare(
    code: str, doc: dict[str, Any], ctx: ValidationContext | None = None, edition: str | None = None
) -> dict[str, Any]:
    """A copy with computed fields recomputed and a fresh id on every list item lacking one."""
    form = get_form(code, edition)
    if not isinstance(doc, dict):
        raise TypeError("表单内容必须是 JSON 对象")
    return _prepare(form, copy_doc(doc), ctx)


def prepare_in_place(
    code: str, doc: dict[str, Any], ctx: ValidationContext | None = None, edition: str | None = None
) -> dict[str, Any]:
    """prepare() without its copy, for a document its caller has just built and shares with no
    one (not a value of it is anyone else's): list items get their ids where they are. Returns
    the prepared document, which may be `doc` itself."""
    form = get_form(code, edition)
    if not isinstance(doc, dict):
        raise TypeError("表单内容必须是 JSON 对象")
    return _prepare(form, doc, ctx)


def _prepare(form: FormDef, out: dict[str, Any], ctx: ValidationContext | None = None) -> dict[str, Any]:
    for f in _index(form).lists:
        if isinstance(out.get(f.key), list):
            for item in out[f.key]:
                if isinstance(item, dict) and is_empty(item.get("id")):
                    item["id"] = uuid.uuid4().hex
    return _computed(form, out, ctx)


def copy_doc(value: Any) -> Any:
    """A deep copy of a JSON-like document; copy.deepcopy costs ~5x more on these (its memo
    and dispatch). Strings, numbers, booleans and None are immutable and shared, without a call
    each; a container of nothing else (most code lists and list items) is copied by one C call."""
    t = type(value)
    if t is dict:
        for v in value.values():
            if type(v) not in _ATOMIC:
                return {k: v if type(v) in _ATOMIC else copy_doc(v) for k, v in value.items()}
        return value.copy()
    if t is list:
        for v in value:
            if type(v) not in _ATOMIC:
                return [v if type(v) in _ATOMIC else copy_doc(v) for v in value]
        return value.copy()
    if t in _ATOMIC:
        return value
    return copy.deepcopy(value)


def _computed(form: FormDef, doc: dict[str, Any], ctx: ValidationContext | None = None) -> dict[str, Any]:
    """`doc` (which the steps may change: callers pass a dict of their own) with the computed
    fields recomputed; whatever was sent for them is dropped first. A ContextStep (growth
    levels) is given the resident's facts when they are known."""
    computed = _index(form).computed
    out = {k: v for k, v in doc.items() if k not in computed} if computed else doc
    for step in form.compute:
        out = step.fn(out, ctx) if ctx is not None and isinstance(step, ContextStep) else step(out)
    return out


def _err(f: Field, message: str, key: str | None = None, label: str | None = None) -> FieldError:
    return FieldError(key or f.key, label or f.label, message)


def _today(ctx: ValidationContext, errors: list[FieldError]) -> dt.date:
    if ctx.today:
        d = checks.parse_date(ctx.today)
        if d is not None:
            return d
        errors.append(
            FieldError("$today", "今天日期", f'上下文日期"{ctx.today}"无效，已改用系统日期')
        )
    return dt.date.today()


def _birth(form: FormDef, doc: dict[str, Any], ctx: ValidationContext) -> dt.date | None:
    own = doc.get("birth_date") if form.has_field("birth_date") else None
    return checks.parse_date(own) or checks.parse_date(ctx.birth_date)


def _other_keys(form: FormDef, fields: list[Field]) -> dict[str, Field]:
    """ "<key>_other" free-text keys allowed next to fields whose table has an "other" code."""
    out: dict[str, Field] = {}
    for f in fields:
        if f.codes and form.table(f).other_code:
            out[f"{f.key}_other"] = f
    return out


def _required(form: FormDef, f: Field) -> str:
    """ "必须填写" plus what may be entered, so the message says what is allowed."""
    if f.type == "date":
        return "必须填写（格式YYYY-MM-DD）"
    if f.type in ("code", "multicode"):
        return f"必须填写；可选：{checks.options_text(form.table(f))}"
    if f.type in ("int", "decimal") and f.min is not None and f.max is not None:
        return f"必须填写（{checks.fmt_num(f.min)}～{checks.fmt_num(f.max)}{f.unit or ''}）"
    return "必须填写"


def _unknown_keys(form: FormDef, doc: dict[str, Any], known: set[str]) -> list[FieldError]:
    errors = []
    for k in doc:
        if k in known:
            continue
        close = difflib.get_close_matches(str(k), known, n=1, cutoff=0.75)
        hint = f"，是否应为“{close[0]}”（{_label_of(form, close[0])}）" if close else ""
        errors.append(
            FieldError(str(k), "未知字段", f"本表（{form.title}）没有这一项{hint}；请删去或改正")
        )
    return errors


def _label_of(form: FormDef, key: str) -> str:
    if form.has_field(key):
        return form.field(key).label
    return f"{form.field(key.removesuffix('_other')).label}·其他说明"


def _verdict(
    f: Field, v: Any, form: FormDef, bounds: DateBounds, memo: dict[Any, str | None] | None
) -> str | None:
    """What is wrong with v as a value of f (not a list field), or None; remembered in memo
    (the field's, when its type is in MEMO_TYPES) for values that can be keyed."""
    if memo is None:
        return _message(f, v, form, bounds)
    t = type(v)
    key: Any
    if t is str:
        key = v
    elif t is int or t is bool or (t is float and v != 0):
        # True == 1 == 1.0 but an int field takes only the 1; 0.0 == -0.0 but "实际为-0.0"
        key = (t, v)
    elif t is list:
        for c in v:  # a loop, not all(<generator>): this runs for every code list
            if type(c) is not str:
                return _message(f, v, form, bounds)
        key = (list, *v)  # never equal to a str or to a (type, number) key
    else:
        return _message(f, v, form, bounds)
    msg = memo.get(key, _UNSEEN)  # (not memo[key]: a KeyError costs more than a new value's check)
    if msg is _UNSEEN:
        msg = _message(f, v, form, bounds)
        if len(memo) < MEMO_MAX:  # once full, the first values seen stay: codes are among them
            memo[key] = msg
    return cast("str | None", msg)


def _message(f: Field, v: Any, form: FormDef, bounds: DateBounds) -> str | None:
    if f.type in ("int", "decimal"):
        return checks.check_number(f, v)
    if f.type == "text":
        return checks.check_text(f, v)
    if f.type == "date":
        return checks.check_date(f, v, bounds)
    if f.type == "code":
        return checks.check_code(f, form.table(f), v)
    if f.type == "multicode":
        return checks.check_multicode(f, form.table(f), v)
    if f.type == "bool":
        return None if isinstance(v, bool) else "应为 true 或 false"
    return f"未知字段类型{f.type}"  # pragma: no cover - the model's FieldType is closed


def _check_list(
    f: Field, v: Any, form: FormDef, bounds: DateBounds, key: str, label: str
) -> list[FieldError]:
    if not isinstance(v, list):
        return [_err(f, "应为列表（[{…}, …]）", key, label)]
    errors: list[FieldError] = []
    index = _index(form)
    others, known, checked = index.item_others[f.key], index.item_known[f.key], index.item_checked[f.key]
    ids: set[str] = set()
    exclusive_at: list[int] = []
    for i, item in enumerate(v):
        ikey, ilabel = f"{key}[{i}]", f"{label}第{i + 1}项"
        if not isinstance(item, dict):
            errors.append(_err(f, "每一项应为对象（{…}）", ikey, ilabel))
            continue
        if not item.keys() <= known:
            for k in item:
                if k not in known:
                    errors.append(FieldError(f"{ikey}.{k}", f"{ilabel}·未知字段", "没有这一项，请删去"))
        item_id = item.get("id")
        if not is_empty(item_id):
            if not isinstance(item_id, str) or len(item_id) > ID_MAX:
                errors.append(
                    FieldError(f"{ikey}.id", f"{ilabel}·编号", f"应为不超过{ID_MAX}个字符的文字")
                )
            elif item_id in ids:
                errors.append(
                    FieldError(f"{ikey}.id", f"{ilabel}·编号", f'与前面一项的编号"{item_id}"重复')
                )
            else:
                ids.add(item_id)
        for g in f.item_fields:  # a loop, not all(<generator>): the first is usually filled in
            if not is_empty(item.get(g.key)):
                break
        else:
            errors.append(_err(f, "这一项是空的，请填写或删去", ikey, ilabel))
            continue
        good: dict[str, Any] = {}
        for g, memo, exclusive in checked:  # item fields are never lists: no form nests them
            gv = item.get(g.key)
            if gv is None or (not gv and is_empty(gv)):
                if g.required:
                    errors.append(_err(g, _required(form, g), f"{ikey}.{g.key}", f"{ilabel}·{g.label}"))
                continue
            msg = _verdict(g, gv, form, bounds, memo)
            if msg:
                errors.append(_err(g, msg, f"{ikey}.{g.key}", f"{ilabel}·{g.label}"))
            else:
                good[g.key] = gv
                if gv in exclusive:
                    exclusive_at.append(i)
        if others:
            errors += _other_texts(form, item, good, others, prefix=(ikey, ilabel))
    if exclusive_at and len(v) > 1:
        i = exclusive_at[0]
        errors.append(
            _err(f, "选择了“无”的这一项不能与其他项同时存在", f"{key}[{i}]", f"{label}第{i + 1}项")
        )
    return errors


def _other_texts(
    form: FormDef,
    doc: dict[str, Any],
    good: dict[str, Any],
    others: dict[str, Field],
    *,
    prefix: tuple[str, str] | None = None,
) -> list[FieldError]:
    errors: list[FieldError] = []
    if not others.keys() & doc.keys():  # most documents have no "<key>_other" text
        return errors
    for okey, f in others.items():
        v = doc.get(okey)
        if is_empty(v):
            continue
        t = form.table(f)
        key = f"{prefix[0]}.{okey}" if prefix else okey
        label = (
            f"{prefix[1]}·{f.label}（{t.other_code}{t.label(t.other_code or '')}）"
            if prefix
            else f"{f.label}（{t.other_code}{t.label(t.other_code or '')}）"
        )
        if not isinstance(v, str) or len(v) > OTHER_MAX or checks.CONTROL_CHARS.search(v):
            errors.append(FieldError(key, label, f"应为不超过{OTHER_MAX}个字的文字"))
            continue
        chosen = good.get(f.key)
        picked = chosen == t.other_code or (isinstance(chosen, list) and t.other_code in chosen)
        if not picked:
            errors.append(
                FieldError(
                    key,
                    label,
                    f"只有在“{f.label}”选择“{t.other_code}{t.label(t.other_code or '')}”时才填写",
                )
            )
    return errors


def _id_numbers(
    id_fields: list[Field], good: dict[str, Any], ctx: ValidationContext, today: dt.date
) -> list[FieldError]:
    errors = []
    for f in id_fields:
        if f.key not in good:
            continue
        try:
            info = idnumber.parse(good[f.key], today=today)
        except idnumber.IdNumberError as e:
            errors.append(_err(f, f"{e}；应为18位居民身份证号（或旧式15位）"))
            continue
        sex, sex_from = good.get("sex"), "本表性别"
        if sex is None and ctx.sex:
            sex, sex_from = ctx.sex, "档案中的性别"
        if sex in ("1", "2") and sex != info.sex:
            said = "男" if info.sex == "1" else "女"
            errors.append(_err(f, f"与{sex_from}不一致：身份证号第17位表示{said}性"))
        birth, birth_from = good.get("birth_date"), "本表出生日期"
        if birth is None and ctx.birth_date:
            birth, birth_from = ctx.birth_date, "档案中的出生日期"
        if birth and birth != info.birth_date:
            errors.append(
                _err(f, f"与{birth_from}{birth}不一致：身份证号中的出生日期是{info.birth_date}")
            )
    return errors
