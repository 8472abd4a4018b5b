"""Signature cells stay empty for the doctor's own hand; printing the typed name is a choice."""

from __future__ import annotations

from pathlib import Path

import pytest

import forms.pdf as P
from forms import examples as E
from tests.forms.pdflib import pdf_text, resident_from_examples, save_pngs, squeeze

# form -> (names typed into its signature cells, a name in an ordinary cell that always prints)
CASES = {
    "htn_followup": (["张医生"], None),
    "encounter": (["张医生"], None),
    "consultation": (["刘主任", "陈医生"], "张医生"),  # 会诊医生签字 (list) vs 责任医生
    "referral": (["张医生"], "孙医生"),  # 转诊医生（签字） vs 接诊医生
}


def _record(code: str) -> dict:
    doc = E.example(code)
    return {"uuid": code, "form": code, "edition": "2017", "visit_date": doc.get("visit_date"),
            "doc": doc}  # fmt: skip


@pytest.mark.parametrize("code", sorted(CASES))
def test_signature_cells_are_left_for_the_pen(code: str, tmp_path: Path) -> None:
    signed, ordinary = CASES[code]
    resident = resident_from_examples()
    resident["doctor"] = "某某某"  # the resident's 责任医生 never lands in a signature cell
    out = tmp_path / f"{code}.pdf"
    P.render_form(code, resident, [_record(code)], out)
    text = squeeze(pdf_text(out))
    for name in signed:
        assert name not in text, (code, name)
    if ordinary:
        assert ordinary in text
    save_pngs(out, f"unsigned-{code}", dpi=70)


@pytest.mark.parametrize("code", sorted(CASES))
def test_typed_signatures_print_the_names_when_chosen(code: str, tmp_path: Path) -> None:
    out = tmp_path / f"{code}.pdf"
    P.render_form(code, resident_from_examples(), [_record(code)], out, typed_signatures=True)
    text = squeeze(pdf_text(out))
    for name in CASES[code][0]:
        assert name in text, (code, name)


def test_booklets_leave_signatures_empty_too(tmp_path: Path) -> None:
    out = tmp_path / "b.pdf"
    P.render_booklets([(resident_from_examples(), [_record("htn_followup")])], out)
    assert "张医生" not in squeeze(pdf_text(out)).replace("责任医生：张医生", "")
