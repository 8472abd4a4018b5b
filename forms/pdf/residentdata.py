"""The flat values that the cover and the record card print, taken from a resident dict."""

from __future__ import annotations

import re
from typing import Any

from forms.registry import UnknownForm, get_form

# A saved cover or card record prints as saved, except the record number: that is the
# resident's current one (a provisional number is replaced at sync; the paper must follow).
NOT_FROM_SAVED = ("record_no",)
HUKOU_LOCAL = "1"  # 常住类型 1户籍: registered where they live
TAG_CHRONIC = {"htn": "高血压", "dm": "糖尿病"}
# 既往史 diseases the card never shows, not even as 其他 (issue 16, confidentiality): 严重精神障碍
# (2009: 重性精神疾病) and 结核病.
NEVER_ON_CARD = frozenset({"严重精神障碍", "重性精神疾病", "结核病"})

# Administrative units as written in addresses, largest first; a unit ends at its suffix.
_UNIT = re.compile(
    r"[^省市区县旗乡镇村]+?(?:自治区|自治州|自治县|特别行政区|省|市|州|盟|区|县|旗|街道|苏木|乡|镇|"
    r"社区|居委会|村)"
)
_TOWNSHIP_SUFFIXES = ("街道", "苏木", "乡", "镇")
_VILLAGE_SUFFIXES = ("社区", "居委会", "村")


def address_units(address: str) -> tuple[str | None, str | None]:
    """(乡镇（街道）, 村（居）委会) as an address names them: "北京市朝阳区东风镇柳树村3组" ->
    ("东风镇", "柳树村"). None for a part the address does not name."""
    township = village = None
    pos = 0
    while m := _UNIT.match(address, pos):
        unit = m.group(0)
        pos = m.end()
        if township is None and unit.endswith(_TOWNSHIP_SUFFIXES) and len(unit) > 2:
            township = unit
        elif township is not None and unit.endswith(_VILLAGE_SUFFIXES):
            village = unit
            break
    return township, village


def _date(value: Any) -> str:
    return str(value or "")[:10]


def resident_values(
    resident: dict[str, Any], edition: str | None = None, saved: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Resident columns over the personal_info document, plus the names the cover and card
    definitions give to resident facts (户籍地址, 建档日期, 紧急情况联系人, 慢性病, 过敏史 …).

    Everything comes from the resident's own data and records and the institution, as
    app.services.printing gathers them; nothing from who prints or when. `saved` names the
    keys of saved records (cover_doc, card_doc) whose values win, first listed first."""
    doc = resident.get("doc") or {}
    out: dict[str, Any] = {k: v for k, v in doc.items() if v not in (None, "")}
    for k, v in resident.items():
        if k != "doc" and v not in (None, ""):
            out[k] = v
    out.pop("visit_date", None)  # the 填表日期 is the 建档日期 only through the rule below
    out["visit_date"] = _archive_date(resident, doc)  # 建档日期 on the cover
    out.setdefault("created_date", out["visit_date"])
    address = str(out.get("address") or "")
    township, village = address_units(address)
    inst_township, _ = address_units(str(resident.get("institution") or ""))
    fallbacks = {
        "institution_name": resident.get("institution"),
        "responsible_doctor": resident.get("doctor"),
        "hukou_address": address if doc.get("residence_type") == HUKOU_LOCAL else None,
        "township_name": resident.get("township") or township or inst_township,
        "village_name": resident.get("village_name") or village,
        "home_phone": resident.get("phone") or doc.get("phone"),
        "emergency_contact": doc.get("contact_name"),
        "emergency_phone": doc.get("contact_phone"),
    }
    for k, v in fallbacks.items():
        if out.get(k) in (None, "") and v not in (None, ""):
            out[k] = v
    out["chronic_diseases"] = chronic_codes(doc, edition, resident.get("tags") or ())
    out.setdefault("allergies", allergy_text(doc, edition))
    for key in reversed(saved):
        for k, v in (resident.get(key) or {}).items():
            if k not in NOT_FROM_SAVED and v not in (None, "", []):
                out[k] = v
    return out


def _archive_date(resident: dict[str, Any], doc: dict[str, Any]) -> str:
    """建档日期: the 个人基本信息表's 填表日期 (the first filling-in); else the earlier of the
    day the resident was registered here and the first record (a record imported from paper
    is older than its entry)."""
    if doc.get("visit_date"):
        return _date(doc["visit_date"])
    known = [
        d for d in (_date(resident.get("created_at")), _date(resident.get("first_visit"))) if d
    ]
    return min(known) if known else ""


def _personal_info(edition: str | None):
    try:
        return get_form("personal_info", edition)
    except UnknownForm:
        return None


def chronic_codes(doc: dict[str, Any], edition: str | None = None, tags: Any = ()) -> list[str]:
    """The card's 慢性病 boxes from 既往史 diseases, matched by name (other diseases tick 其他),
    and from the resident's key-population tags (htn, dm: on the follow-up lists)."""
    items = [i for i in doc.get("past_diseases") or [] if isinstance(i, dict)]
    pi = _personal_info(edition)
    try:
        card = get_form("info_card", edition).code_tables["card_chronic"]
    except (UnknownForm, KeyError):
        return []
    by_label = {c.label: c.code for c in card.codes}
    none_code = card.exclusive[0] if card.exclusive else None
    tag_list = tags.split() if isinstance(tags, str) else list(tags)
    chosen: list[str] = [
        by_label[TAG_CHRONIC[t]] for t in tag_list if TAG_CHRONIC.get(t) in by_label
    ]
    if pi is None:
        return sorted(chosen, key=lambda c: int(c) if c.isdigit() else 99)
    diseases = pi.code_tables.get("past_disease")
    for item in items:
        label = diseases.label(str(item.get("code"))) if diseases else None
        if label is None or label in NEVER_ON_CARD:
            continue
        code = none_code if label == "无" else by_label.get(label, card.other_code)
        if code and code not in chosen:
            chosen.append(code)
    if len(chosen) > 1 and none_code in chosen:
        chosen.remove(none_code)
    return sorted(chosen, key=lambda c: int(c) if c.isdigit() else 99)


def allergy_text(doc: dict[str, Any], edition: str | None = None) -> str:
    """药物过敏史 in words ("青霉素、头孢类") from the 个人基本信息表 codes and other-text."""
    codes = [str(c) for c in doc.get("drug_allergy") or []]
    pi = _personal_info(edition)
    table = pi.code_tables.get("drug_allergy") if pi else None
    if table is None:
        return "、".join(codes)
    names = []
    for c in codes:
        if c == table.other_code and doc.get("drug_allergy_other"):
            names.append(str(doc["drug_allergy_other"]))
        else:
            names.append(table.label(c) or c)
    return "、".join(names)
