"""How one field's value is written on paper: option text, codes in □ boxes, numbers with units.

Layout hints read from `Field.layout` (all optional; a definition without hints still prints):
    label, short: str printed label when the paper wording differs from the UI label
                      (`short` in the narrow follow-up columns)
    print: bool       False hides the field on paper (default True)
    boxes: int        number of □ for a code/multicode answer (multi: boxes joined by "/")
    box_width: int    characters per box (two-digit codes such as 民族 01)
    digits: int       write the value one character per box (e.g. 8 for 出生日期 YYYYMMDD)
    options: str      "inline" (option text next to the boxes) | "label" (under the label;
                      follow-up columns) | "none" (boxes only)
    row: str          fields with the same row id share one printed row (sheet: side by side
                      label/value pairs; follow-up columns: one cell)
    width: str        "half" | "full": may share a row when the section has `columns` > 1
    join: str         continue the previous field's cell after this separator (血压 120 "/" 80)
    pair, pair_role:  follow-up 现值/目标值: fields of one pair share a cell, "now" / "target"
    prefix, suffix:   words printed around the value ("每日" 2 "次")
    lines: int        writing lines kept for a long free text
    inline: bool      continue the previous field's cell as "label value unit" (日吸烟量 …)
    group: str        a sub-heading cell shared by consecutive fields (既往史 → 疾病, 手术 …);
                      a label "既往史·手术" means the same
    rows: int         blank item rows printed for a list (so the paper can be filled by hand)
    star: bool        printed with "*" (健康体检表 items not free for every resident)
    cross: dict       option code -> key of the text field whose tooth positions are written in
                      that option's quadrant cross (齿列: 2缺齿, 3龋齿, 4义齿)
    fixed: bool       keep the decimals of a whole number (视力 5.0); others print 68, not 68.0
    mask: bool        an identity number: only its last 4 digits print when masking is asked
    slots: list       a list printed in the paper's fixed rows (follow-up 用药情况: 药物名称1-3,
                      其他药物), each followed by a 用法用量 row (`usage` names it)
    levels, points:   a scored item's level descriptions and points (自理能力评估 grid)
Section.layout: label (printed label), columns (label/value pairs per sheet row), role
"header" (fields printed on the line above the table) or "rows" (follow-up columns: rows
without a section label), side "front" | "back" (card), applies_when {key: code} (block
printed only when the document has that code), level_grid / level_total (the items x levels
grid of a scored assessment and its 总评分/判断 row, forms/pdf/levels.py).
FormDef.paper: header (["name", "record_no8"]: what the line above the table shows),
instructions (填表说明 printed under the table), sides (card: section keys per side).
Document keys `<key>_other` hold the free text of a code table's `other_code` and print on the
blank after that option.
"""

from __future__ import annotations

from typing import Any

from forms.model import CodeTable, Field, FormDef
from forms.pdf.flow import Token

MASKED_KEYS = {"id_number", "id_no", "idcard"}


def mask_id(value: str) -> str:
    """Keep only the last 4 characters of an identity number (cards carried by residents)."""
    v = str(value)
    return "*" * max(0, len(v) - 4) + v[-4:] if len(v) > 4 else v


def is_id_field(f: Field) -> bool:
    return bool(f.layout.get("mask")) or f.key in MASKED_KEYS


def printed_label(f: Field) -> str:
    label = str(f.layout.get("label") or f.label)
    return label + "*" if f.layout.get("star") and not label.endswith("*") else label


def is_printed(f: Field) -> bool:
    return f.layout.get("print", True) is not False


def blank(v: Any) -> bool:
    return v is None or v == "" or v == [] or v == {}


def scalar(f: Field, v: Any, *, masked: bool = False) -> str:
    """A non-code value as text: numbers with their decimals, dates as written, ID masked."""
    if blank(v):
        return ""
    whole = (
        isinstance(v, int) and not isinstance(v, bool) or isinstance(v, float) and v.is_integer()
    )
    if whole and f.type in ("int", "decimal") and not f.layout.get("fixed"):
        return str(int(v))  # 68, not 68.0: the paper writes whole numbers whole
    if f.type == "decimal" and isinstance(v, int | float) and f.decimals is not None:
        s = f"{float(v):.{f.decimals}f}"
        # two places are a maximum (剂量 10.00 mg prints 10 mg); one place is the paper's style
        return s.rstrip("0").rstrip(".") if f.decimals >= 2 and "." in s else s
    if f.type == "bool":
        return "是" if v else "否"
    if masked and is_id_field(f):
        return mask_id(str(v))
    return str(v)


def date_text(v: Any) -> str:
    """ "2024-05-01" -> "2024年05月01日"; partial dates ("2019-03") keep what they have."""
    if blank(v):
        return ""
    parts = str(v).split("-")
    units = ("年", "月", "日")
    if len(parts) <= 3 and all(p.isdigit() for p in parts):
        return "".join(p + u for p, u in zip(parts, units, strict=False))
    return str(v)


def option_tokens(table: CodeTable, other_text: str = "", *, other_blank: float = 30) -> tuple:
    """ "1男 2女 …": one token per option; the other-option gets its handwriting blank."""
    out: list[Token] = []
    for code in table.codes:
        if table.other_code is not None and code.code == table.other_code:
            out.append(("o", f"{code.code}{code.label}"))
            out.append(("u", other_text, other_blank))
            out.append(("t", "  "))
        else:
            out.append(("o", f"{code.code}{code.label}  "))
    return tuple(out)


QUADRANTS = ("右上", "左上", "右下", "左下")  # the patient's sides, in the cross's reading order


def quadrants(positions: str) -> tuple[tuple[str, str, str, str], str]:
    """ "右上5 6 左下6" -> the tooth numbers per quadrant (upper right, upper left, lower right,
    lower left of the patient) and whatever text could not be placed in one."""
    quads = {q: "" for q in QUADRANTS}
    rest: list[str] = []
    current: str | None = None
    for part in str(positions).replace("，", " ").replace(",", " ").replace("、", " ").split():
        head = part[:2]
        if head in quads:
            current, part = head, part[2:]
        if not part:
            continue
        if current and part.isalnum() and len(part) <= 8:
            quads[current] += part
        else:
            rest.append(part)
    return (quads["右上"], quads["左上"], quads["右下"], quads["左下"]), " ".join(rest)


def cross_tokens(table: CodeTable, cross: dict[str, str], doc: dict[str, Any]) -> tuple:
    """齿列 options as on paper: each option with tooth positions gets its quadrant cross."""
    out: list[Token] = []
    for code in table.codes:
        key = cross.get(code.code)
        if not key:
            out.append(("o", f"{code.code}{code.label}  "))
            continue
        quads, rest = quadrants("" if blank(doc.get(key)) else str(doc[key]))
        out.append(("o", f"{code.code}{code.label}"))
        out.append(("x", quads))
        if rest:
            out.append(("s", rest))
        out.append(("t", "  "))
    return tuple(out)


def box_width(f: Field, table: CodeTable) -> int:
    hint = f.layout.get("box_width")
    return int(hint) if hint else max((len(c.code) for c in table.codes), default=1)


def box_count(f: Field, table: CodeTable, chosen: list[str]) -> int:
    hint = f.layout.get("boxes")
    if f.type != "multicode":
        return int(hint or 1)
    default = min(max(len(table.codes) - 1, 1), 4)
    return max(int(hint or default), len(chosen))


def chosen_codes(v: Any) -> list[str]:
    if blank(v):
        return []
    if isinstance(v, list | tuple):
        return [str(x) for x in v]
    return [str(v)]


def answer_tokens(f: Field, table: CodeTable, v: Any) -> tuple:
    """The □ boxes with the chosen codes written in them; multi choice as □/□/□."""
    chosen = chosen_codes(v)
    n = box_count(f, table, chosen)
    widest = box_width(f, table)
    out: list[Token] = []
    for i in range(n):
        if i:
            out.append(("s", "/"))
        code = chosen[i] if i < len(chosen) else ""
        out.append(("b", code.rjust(widest) if widest > 1 and code else code))
    return tuple(out)


def digit_tokens(f: Field, v: Any, *, masked: bool = False) -> tuple:
    n = int(f.layout["digits"])
    s = scalar(f, v, masked=masked)
    s = "".join(ch for ch in s if ch not in "-/ ") if f.type == "date" else s
    return (("d", s[:n].ljust(n)),)


def value_tokens(form: FormDef, f: Field, doc: dict[str, Any], *, masked: bool = False) -> tuple:
    """Tokens for a non-code value: text, number + unit (blank line when empty), date."""
    v = doc.get(f.key)
    if f.layout.get("digits"):
        return digit_tokens(f, v, masked=masked)
    pre, suf = f.layout.get("prefix"), f.layout.get("suffix")
    if pre or suf:
        s = scalar(f, v, masked=masked)
        toks: list[Token] = [("t", str(pre))] if pre else []
        toks += [("u", s, 20), ("s", str(f.unit or ""))]
        return (*toks, ("s", str(suf))) if suf else tuple(toks)
    if f.type == "date":
        return (("t", date_text(v)),) if not blank(v) else (("t", "    年   月   日"),)
    if f.type in ("int", "decimal"):
        s = scalar(f, v)
        out: list[Token] = [("u", s, 26)]
        if f.unit:
            out.append(("s", f.unit))
        return tuple(out)
    s = scalar(f, v, masked=masked)
    if f.unit and s:
        return (("t", s), ("s", f.unit))
    return (("t", s),) if s else ()


def other_text(form: FormDef, f: Field, doc: dict[str, Any]) -> str:
    """Free text of the table's other-option; a table without one has no such blank (a
    separate "<key>_other" field, 其他症状, prints in its own row)."""
    if not f.codes or form.code_tables[f.codes].other_code is None:
        return ""
    v = doc.get(f"{f.key}_other")
    return "" if blank(v) else str(v)


def list_item_text(form: FormDef, f: Field, item: dict[str, Any]) -> str:
    """One list item on one line (follow-up columns): values joined, codes with their labels."""
    parts: list[str] = []
    for sub in f.item_fields:
        v = item.get(sub.key)
        if blank(v) or sub.key == "id":
            continue
        if sub.type in ("code", "multicode") and sub.codes:
            table = form.code_tables[sub.codes]
            labels = [f"{c}{table.label(c) or ''}" for c in chosen_codes(v)]
            parts.append("、".join(labels))
        elif sub.type == "date":
            parts.append(date_text(v))
        else:
            s = scalar(sub, v)
            pre, suf = sub.layout.get("prefix") or "", sub.layout.get("suffix") or ""
            parts.append(f"{pre}{s}{sub.unit or ''}{suf}")
    return " ".join(parts)
