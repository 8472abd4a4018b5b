"""The flat values that the cover and the record card print, taken from a resident dict."""

from __future__ import annotations

from typing import Any

from forms.registry import UnknownForm, get_form


def resident_values(resident: dict[str, Any], edition: str | None = None) -> dict[str, Any]:
    """Resident columns over the personal_info document, plus the names the cover and card
    definitions give to resident facts (户籍地址, 建档日期, 紧急情况联系人, 慢性病, 过敏史 …)."""
    doc = resident.get("doc") or {}
    out: dict[str, Any] = {k: v for k, v in doc.items() if v not in (None, "")}
    for k, v in resident.items():
        if k != "doc" and v not in (None, ""):
            out[k] = v
    created = str(resident.get("created_at") or doc.get("visit_date") or "")[:10]
    if created:
        out["visit_date"] = created  # 建档日期 on the cover
        out.setdefault("created_date", created)
    fallbacks = {
        "institution_name": resident.get("institution"),
        "responsible_doctor": resident.get("doctor"),
        "hukou_address": doc.get("hukou_address"),
        "township_name": resident.get("township"),
        "home_phone": resident.get("phone") or doc.get("phone"),
        "emergency_contact": doc.get("contact_name"),
        "emergency_phone": doc.get("contact_phone"),
        "creator": resident.get("created_by"),
    }
    for k, v in fallbacks.items():
        if out.get(k) in (None, "") and v not in (None, ""):
            out[k] = v
    out.setdefault("chronic_diseases", chronic_codes(doc, edition))
    out.setdefault("allergies", allergy_text(doc, edition))
    return out


def _personal_info(edition: str | None):
    try:
        return get_form("personal_info", edition)
    except UnknownForm:
        return None


def chronic_codes(doc: dict[str, Any], edition: str | None = None) -> list[str]:
    """The card's 慢性病 boxes from 既往史 diseases, matched by name; other diseases tick 其他."""
    items = [i for i in doc.get("past_diseases") or [] if isinstance(i, dict)]
    pi = _personal_info(edition)
    try:
        card = get_form("info_card", edition).code_tables["card_chronic"]
    except (UnknownForm, KeyError):
        return []
    if pi is None or not items:
        return []
    diseases = pi.code_tables.get("past_disease")
    by_label = {c.label: c.code for c in card.codes}
    none_code = card.exclusive[0] if card.exclusive else None
    chosen: list[str] = []
    for item in items:
        label = diseases.label(str(item.get("code"))) if diseases else None
        if label is None:
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
