"""Computed values a stored document lacks, so the paper shows BMI and scores."""

from __future__ import annotations

import copy
from typing import Any

from forms.model import FormDef


def with_computed(form: FormDef, doc: dict[str, Any]) -> dict[str, Any]:
    """Computed fields (BMI, self-care scores) that a stored document lacks, filled by the
    definition's own compute steps; stored values are printed as stored."""
    computed = [f.key for f in form.fields() if f.computed]
    if not computed or all(doc.get(k) not in (None, "") for k in computed):
        return doc
    try:
        out = copy.deepcopy(doc)
        for step in form.compute:
            out = step(out)
    except Exception:  # noqa: BLE001 - a document the step cannot digest prints as stored
        return doc
    merged = dict(doc)
    for k in computed:
        if merged.get(k) in (None, "") and out.get(k) not in (None, ""):
            merged[k] = out[k]
    return merged
