"""Short constructors for writing form definitions, and assembly of a FormDef per edition."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from forms.codes import EDITION_LABELS, tables
from forms.model import CodeTable, Compute, CrossRule, Field, FormDef, Rule, Section

PHONE_PATTERN = r"[0-9+\-() ]{3,20}"
PHONE_HINT = "3～20位数字，可含 + - ( ) 和空格"
RECORD_NO_PATTERN = r"\d{17}"
RECORD_NO_HINT = "17位数字（县6位 + 乡镇3位 + 村3位 + 序号5位）"


def text(key: str, label: str, *, max_length: int = 100, long: bool = False, **kw: Any) -> Field:
    if long:
        kw.setdefault("layout", {"lines": 3})
        return Field(key, label, "text", max_length=max(max_length, 1000), multiline=True, **kw)
    return Field(key, label, "text", max_length=max_length, **kw)


def phone(key: str, label: str, **kw: Any) -> Field:
    return Field(
        key, label, "text", max_length=20, pattern=PHONE_PATTERN, pattern_hint=PHONE_HINT, **kw
    )


def integer(
    key: str, label: str, lo: float, hi: float, unit: str | None = None, **kw: Any
) -> Field:
    return Field(key, label, "int", unit=unit, min=lo, max=hi, **kw)


def decimal(
    key: str,
    label: str,
    lo: float,
    hi: float,
    unit: str | None = None,
    *,
    places: int = 1,
    **kw: Any,
) -> Field:
    return Field(key, label, "decimal", unit=unit, min=lo, max=hi, decimals=places, **kw)


def date(key: str, label: str, **kw: Any) -> Field:
    return Field(key, label, "date", **kw)


def code(key: str, label: str, table_name: str, **kw: Any) -> Field:
    return Field(key, label, "code", codes=table_name, **kw)


def multi(key: str, label: str, table_name: str, *, boxes: int | None = None, **kw: Any) -> Field:
    """`boxes`: the paper's box count, also enforced as the most codes. Where the count is not
    confirmed by the reference, pass layout={"boxes": n} instead (printed, not enforced)."""
    layout = dict(kw.pop("layout", {}))
    if boxes:
        layout.setdefault("boxes", boxes)
    return Field(key, label, "multicode", codes=table_name, max_items=boxes, layout=layout, **kw)


def items(key: str, label: str, *fields: Field, rows: int | None = None, **kw: Any) -> Field:
    layout = dict(kw.pop("layout", {}))
    if rows:
        layout.setdefault("rows", rows)
    return Field(key, label, "list", item_fields=tuple(fields), layout=layout, **kw)


def section(key: str, label: str, *fields: Field, **layout: Any) -> Section:
    return Section(key, label, tuple(fields), layout=layout)


def rule(text_: str, *fields: Field) -> Callable[[Rule], CrossRule]:
    """Decorator: a cross-field rule with its Chinese description and the fields it reads
    (the rule is skipped when one of them is already reported as wrong)."""

    def wrap(fn: Rule) -> CrossRule:
        return CrossRule(text_, fn, tuple(f.key for f in fields))

    return wrap


def _table_names(fields: Iterable[Field]) -> set[str]:
    names: set[str] = set()
    for f in fields:
        if f.codes:
            names.add(f.codes)
        names |= {str(t) for t in (f.layout.get("slot_codes") or {}).values()}
        names |= _table_names(f.item_fields)
    return names


def assemble(
    code: str,
    title: str,
    edition: str,
    sections: Iterable[Section],
    *,
    rules: Iterable[Rule] = (),
    compute: Iterable[Compute] = (),
    **kw: Any,
) -> FormDef:
    """A FormDef holding exactly the code tables its fields use, checked to exist and keys unique."""
    sections = tuple(sections)
    fields = [f for s in sections for f in s.fields]
    keys = [f.key for f in fields]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise ValueError(f"{code}: duplicate keys {sorted(dup)}")
    all_tables = tables(edition)
    used: dict[str, CodeTable] = {}
    for name in sorted(_table_names(fields)):
        if name not in all_tables:
            raise ValueError(f"{code} ({edition}): no code table {name!r}")
        used[name] = all_tables[name]
    for f in fields:
        if f.type == "code" or f.type == "multicode":
            t = used[f.codes or ""]
            if t.other_code and f"{f.key}_other" in keys:
                raise ValueError(f"{code}: {f.key}_other clashes with the other-text key")
    return FormDef(
        code=code,
        title=title,
        edition=edition,
        sections=sections,
        code_tables=used,
        rules=tuple(rules),
        compute=tuple(compute),
        edition_label=EDITION_LABELS.get(edition, edition),
        **kw,
    )
