"""The flat values that the cover and the record card print, taken from a resident dict."""

from __future__ import annotations

from typing import Any

from forms.registry import get_form

# personal_info 既往史 codes -> the card's chronic-disease boxes (2017 card: 高血压 糖尿病 脑卒中
# 冠心病 职业病; every other disease ticks 其他). Codes of the 个人基本信息表 past_disease table.
CARD_CHRONIC = {"2": "2", "3": "3", "7": "4", "4": "5", "12": "7"}
CARD_CHRONIC_OTHER = "8"
CARD_CHRONIC_NONE = "1"


def resident_values(resident: dict[str, Any]) -> dict[str, Any]:
    """Resident columns first, then the personal_info document, then names the cover and card
    definitions use for resident facts (建档单位, 责任医生, 建档日期 …)."""
    doc = resident.get("doc") or {}
    out: dict[str, Any] = {k: v for k, v in doc.items() if v not in (None, "")}
    for k, v in resident.items():
        if k != "doc" and v not in (None, ""):
            out[k] = v
    created = str(resident.get("created_at") or doc.get("visit_date") or "")[:10]
    aliases = {
        "institution": resident.get("institution"),
        "institution_name": resident.get("institution"),
        "doctor": resident.get("doctor"),
        "responsible_doctor": resident.get("doctor"),
        "created_date": created,
        "created_at": created,
        "household_address": doc.get("household_address") or resident.get("address"),
        "contact_name": doc.get("contact_name"),
        "contact_phone": doc.get("contact_phone"),
    }
    for k, v in aliases.items():
        if out.get(k) in (None, "") and v not in (None, ""):
            out[k] = v
    out.setdefault("chronic", chronic_codes(doc))
    out.setdefault("allergy", allergy_text(doc))
    return out


def chronic_codes(doc: dict[str, Any]) -> list[str]:
    codes: list[str] = []
    for item in doc.get("past_diseases") or []:
        c = str(item.get("code")) if isinstance(item, dict) else ""
        mapped = CARD_CHRONIC.get(c, CARD_CHRONIC_OTHER if c and c != "1" else "")
        if mapped and mapped not in codes:
            codes.append(mapped)
    if not codes and doc.get("past_diseases"):
        codes = [CARD_CHRONIC_NONE]
    return sorted(codes, key=int)


def allergy_text(doc: dict[str, Any]) -> str:
    """药物过敏史 in words ("青霉素、头孢类") from the 个人基本信息表 codes and other-text."""
    codes = [str(c) for c in doc.get("drug_allergy") or []]
    try:
        table = get_form("personal_info").code_tables["drug_allergy"]
    except (LookupError, KeyError):
        return "、".join(codes)
    names = []
    for c in codes:
        if c == table.other_code and doc.get("drug_allergy_other"):
            names.append(str(doc["drug_allergy_other"]))
        else:
            names.append(table.label(c) or c)
    return "、".join(names)
