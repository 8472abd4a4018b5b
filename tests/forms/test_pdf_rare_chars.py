"""Rare name characters (CJK Extension A, B-F) print from the bundled fallback fonts, character by
character; a character no font can draw stops the print naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

import forms.pdf as P
from forms import examples as E
from tests.forms.pdflib import fonts, pdf_text, resident_from_examples, save_pngs, squeeze

RARE = "䶮𬌗𠮷"  # U+4DAE (Ext A), U+2C317 (Ext E), U+20BB7 (Ext B)
NAME = "王" + RARE


@pytest.fixture
def resident() -> dict:
    r = resident_from_examples()
    r["name"] = NAME
    r["doc"] = dict(r["doc"], name=NAME)
    return r


def _embedded(path: Path) -> set[str]:
    rows = fonts(path)
    assert all(f["emb"] == "yes" for f in rows), rows
    return {f["name"].split("+")[-1] for f in rows}


def test_rare_name_on_the_card(resident: dict, tmp_path: Path) -> None:
    out = tmp_path / "card.pdf"
    P.render_cards([resident], out, page="card")
    assert NAME in pdf_text(out)
    assert {"HanaMinA", "HanaMinB"} <= _embedded(out)
    save_pngs(out, "rare-card", dpi=200)


def test_rare_name_on_the_cover(resident: dict, tmp_path: Path) -> None:
    out = tmp_path / "cover.pdf"
    P.render_covers([resident], out)
    assert NAME in pdf_text(out)
    assert {"HanaMinA", "HanaMinB"} <= _embedded(out)
    save_pngs(out, "rare-cover")


def test_rare_name_on_a_form_and_mixed_in_a_line(resident: dict, tmp_path: Path) -> None:
    out = tmp_path / "pi.pdf"
    resident["doc"]["address"] = "东风镇𠮷村3组"  # one rare character inside ordinary text
    P.render_form("personal_info", resident, [], out)
    text = squeeze(pdf_text(out))
    assert NAME in text and "东风镇𠮷村3组" in text
    assert {"HanaMinA", "HanaMinB"} <= _embedded(out)
    save_pngs(out, "rare-form")


def test_ordinary_text_embeds_no_fallback(tmp_path: Path) -> None:
    out = tmp_path / "plain.pdf"
    P.render_cards([resident_from_examples()], out, page="card")
    assert not {"HanaMinA", "HanaMinB"} & _embedded(out)


@pytest.mark.parametrize("render", ["card", "cover", "form", "booklet"])
def test_a_private_use_character_stops_the_print_naming_the_field(
    resident: dict, tmp_path: Path, render: str
) -> None:
    resident["doc"]["address"] = "东风镇\ue000村"
    resident["address"] = resident["doc"]["address"]
    out = tmp_path / "x.pdf"
    with pytest.raises(P.UnprintableText) as info:
        if render == "card":
            P.render_cards([resident], out)
        elif render == "cover":
            P.render_covers([resident], out)
        elif render == "form":
            P.render_form("personal_info", resident, [], out)
        else:
            P.render_booklets([(resident, [])], out)
    assert [e.label for e in info.value.errors] == ["现住址"]
    assert "U+E000" in str(info.value) and "无法打印" in str(info.value)


def test_a_bad_character_in_a_record_names_the_form_and_field(
    resident: dict, tmp_path: Path
) -> None:
    doc = E.example("htn_followup")
    doc["medications"] = [{"id": "m1", "name": "硝苯地平\U000f0000片", "times_per_day": 1}]
    rec = {"uuid": "r", "form": "htn_followup", "edition": "2017", "doc": doc}
    with pytest.raises(P.UnprintableText) as info:
        P.render_form("htn_followup", resident, [rec], tmp_path / "h.pdf")
    (err,) = info.value.errors
    assert err.label.startswith("高血压患者随访服务记录表") and "药物名称" in err.label
