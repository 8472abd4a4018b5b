"""Printed cells of a section: a field plus the fields that continue in its cell."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from forms.model import Field, Section
from forms.pdf import values as V


@dataclass
class Entry:
    """A field as printed in one cell, with fields that continue in the same cell."""

    field: Field
    attached: list[tuple[Field, str]] = dataclasses.field(default_factory=list)  # (field, "join:/" | "inline")


def entries(section: Section, *, merge_rows: bool = False) -> list[Entry]:
    """Printed cells of a section. A field continues the previous cell when it is joined to it
    (`join`, 血压 120/80), is the target of a now/target `pair`, is `inline`, or — when
    `merge_rows` (follow-up columns) — shares its `row` id."""
    out: list[Entry] = []
    for f in section.fields:
        if not V.is_printed(f):
            continue
        prev = out[-1] if out else None
        last = (prev.attached[-1][0] if prev and prev.attached else prev.field) if prev else None
        lay, plast = f.layout, (last.layout if last else {})
        if prev and lay.get("join") and (not lay.get("row") or lay.get("row") == plast.get("row")):
            prev.attached.append((f, "join:" + str(lay["join"])))
        elif prev and lay.get("pair") and lay.get("pair") == plast.get("pair"):
            target = lay.get("pair_role") == "target" and plast.get("pair_role") != "target"
            sep = " / " if target else " "
            prev.attached.append((f, "join:" + sep))
        elif prev and (
            lay.get("inline")
            or (merge_rows and lay.get("row") and lay.get("row") == plast.get("row"))
        ):
            prev.attached.append((f, "inline"))
        else:
            out.append(Entry(f))
    return out


def group_and_label(f: Field, section_label: str = "") -> tuple[str | None, str]:
    """A label "既往史·手术" prints as group 既往史 with label 手术 (unless the group is the
    section itself); `group` in the layout names the group explicitly."""
    label = V.printed_label(f)
    group = f.layout.get("group")
    if "·" in label:
        head, tail = label.split("·", 1)
        group = group or head
        label = tail
    if group == section_label:
        group = None
    return (str(group) if group else None), label
