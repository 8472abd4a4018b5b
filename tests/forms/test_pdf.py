"""Real PDFs of every form, checked with poppler's pdftotext/pdffonts/pdfinfo."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import forms.pdf as P
from forms import examples as E
from forms import form_codes, get_form
from forms.model import FormDef
from forms.pdf import values as V
from forms.pdf.entries import entries
from forms.pdf.fonts import BLANK_GLYPHS
from tests.forms.pdf_samples import COLUMNS, RESIDENT, SHEET, visits
from tests.forms.pdflib import (
    fonts,
    page_sizes,
    pdf_text,
    resident_from_examples,
    save_pngs,
    squeeze,
)

PRINTED = [c for c in form_codes() if get_form(c).layout != "card" and c != "cover"]


def record(code: str, doc: dict, edition: str = "2017", uuid: str = "r1") -> dict:
    return {
        "uuid": uuid,
        "form": code,
        "edition": edition,
        "visit_date": doc.get("visit_date"),
        "doc": doc,
    }


def printed_section_labels(form: FormDef, doc: dict) -> list[str]:
    out = []
    for s in form.sections:
        cond = s.layout.get("applies_when") or {}
        if s.layout.get("role") in ("header", "rows") or any(
            doc.get(k) != v for k, v in cond.items()
        ):
            continue
        if entries(s):
            out.append(str(s.layout.get("label") or s.label))
    return out


def expected_values(form: FormDef, doc: dict) -> list[str]:
    """Entered free text and numbers, as the paper prints them."""
    out = []
    for f in form.fields():
        v = doc.get(f.key)
        if V.blank(v) or not V.is_printed(f) or f.layout.get("digits"):
            continue
        if f.type in ("text", "int", "decimal"):
            out.append(V.scalar(f, v))
        elif f.type == "date":
            out.append(V.date_text(v))
        elif f.type == "list":
            for item in v:
                for sub in f.item_fields:
                    if sub.type == "text" and not V.blank(item.get(sub.key)) and sub.key != "id":
                        out.append(str(item[sub.key]))
    return out


@pytest.fixture(scope="module")
def resident() -> dict:
    return resident_from_examples()


@pytest.mark.parametrize("code", PRINTED)
def test_filled_example_prints_title_sections_and_values(
    code: str, resident: dict, tmp_path: Path
) -> None:
    form = get_form(code)
    doc = E.example(code)
    out = tmp_path / f"{code}.pdf"
    recs = [] if code == "personal_info" else [record(code, doc)]
    # every value prints, signature cells included when the typed name is chosen
    pages = P.render_form(code, resident, recs, out, typed_signatures=True)
    text = squeeze(pdf_text(out))
    titles = [form.title]
    if form.paper.get("slip_title"):
        titles = [form.paper["slip_title"][doc["referral_type"]]]
    for t in titles:
        assert squeeze(t) in text
    for label in printed_section_labels(form, doc) if not form.paper.get("letter") else []:
        assert squeeze(label) in text, label  # (a letter has sentences, not section labels)
    missing = [
        v for v in expected_values(form, doc) if squeeze(v.translate(BLANK_GLYPHS)) not in text
    ]
    assert not missing, missing
    if form.paper.get("header", ["name"]):
        assert "姓名" in text and squeeze(resident["name"]) in text
        assert "编号" + resident["record_no"][-8:-5] + "-" + resident["record_no"][-5:] in text
    assert all(size == "A4" for size in page_sizes(out)) and len(page_sizes(out)) == pages
    assert all(f["emb"] == "yes" for f in fonts(out)) and fonts(out)
    save_pngs(out, code)


def test_every_font_is_the_embedded_cjk_font(resident: dict, tmp_path: Path) -> None:
    out = tmp_path / "he.pdf"
    P.render_form("health_exam", resident, [record("health_exam", E.example("health_exam"))], out)
    names = {f["name"].split("+")[-1] for f in fonts(out)}
    assert names == {"WenQuanYiMicroHei-0"}, names
    assert all(f["type"] == "TrueType" and f["emb"] == "yes" for f in fonts(out))


def test_codes_are_written_in_boxes_with_the_options(resident: dict, tmp_path: Path) -> None:
    out = tmp_path / "pi.pdf"
    P.render_form("personal_info", resident, [], out)
    text = squeeze(pdf_text(out))
    # 性别 2 (女) after its options; 医疗费用支付方式 3/8 with the other-text on its blank
    assert "1男2女9未说明的性别0未知的性别2" in text
    doc = resident["doc"]
    assert "/".join(doc["payment"]) in text
    assert squeeze(doc["payment_other"]) in text


def test_follow_up_visits_fill_columns_four_to_a_page(resident: dict, tmp_path: Path) -> None:
    base = E.example("htn_followup")
    recs = []
    for i in range(6):
        doc = dict(base, visit_date=f"2024-0{i + 1}-15", sbp=130 + i)
        recs.append(record("htn_followup", doc, uuid=f"v{i}"))
    out = tmp_path / "htn.pdf"
    pages = P.render_form("htn_followup", resident, list(reversed(recs)), out)
    assert pages == 2 == get_form("htn_followup").visits_per_page // 2
    text = pdf_text(out)
    page1, page2 = text.split("\f")[:2]
    assert "2024年01月15日" in page1 and "2024年04月15日" in page1  # date order, 4 per page
    assert "2024年05月15日" in page2 and "2024年06月15日" in page2
    assert "135/" in squeeze(page2)


def test_new_definition_prints_without_renderer_changes(tmp_path: Path) -> None:
    """Forms the renderer has never seen (tests' own definitions) print from their data."""
    rec = record("t_sheet", RESIDENT["doc"])
    out = tmp_path / "t.pdf"
    P.render_form(SHEET, RESIDENT, [rec], out)
    text = squeeze(pdf_text(out))
    for label in (
        "个人基本信息表",
        "基本信息",
        "既往史",
        "一般状况",
        "医疗费用支付方式",
        "确诊时间",
    ):
        assert label in text
    assert "148/92mmHg" in text and "大病保险" in text and "头孢类" in text
    assert "2015-06" in text  # list item dates
    out2 = tmp_path / "c.pdf"
    P.render_form(COLUMNS, RESIDENT, visits(3), out2)
    text2 = squeeze(pdf_text(out2))
    assert "高血压患者随访服务记录表" in text2 and "130/82" in text2 and "硝苯地平缓释片" in text2


def test_older_edition_prints_with_its_own_code_table(resident: dict, tmp_path: Path) -> None:
    old = get_form("personal_info", "2009")
    new = get_form("personal_info", "2017")
    assert old.code_tables["blood_rh"] != new.code_tables["blood_rh"]
    out = tmp_path / "old.pdf"
    P.render_form(
        "personal_info", resident, [record("personal_info", resident["doc"], "2009")], out
    )
    text = squeeze(pdf_text(out))
    opts = "".join(f"{c.code}{c.label}" for c in old.code_tables["blood_rh"].codes)
    assert opts in text
    new_opts = "".join(f"{c.code}{c.label}" for c in new.code_tables["blood_rh"].codes)
    assert new_opts not in text


def test_mask_id_keeps_only_the_last_four_digits(resident: dict, tmp_path: Path) -> None:
    idn = resident["id_number"]
    plain, masked = tmp_path / "plain.pdf", tmp_path / "masked.pdf"
    P.render_form("personal_info", resident, [], plain)
    P.render_form("personal_info", resident, [], masked, mask_id=True)
    assert idn in pdf_text(plain)
    t = pdf_text(masked)
    assert idn not in t and idn[:6] not in t and "*" * 14 + idn[-4:] in t


def test_output_to_a_binary_file_object(resident: dict) -> None:
    buf = io.BytesIO()
    P.render_form(
        "htn_followup", resident, [record("htn_followup", E.example("htn_followup"))], buf
    )
    assert buf.getvalue().startswith(b"%PDF") and b"%%EOF" in buf.getvalue()[-10:]


def test_missing_resident_keys_print_blank(tmp_path: Path) -> None:
    out = tmp_path / "blank.pdf"
    assert P.render_form("health_exam", {}, [], out) >= 2
    assert "健康体检表" in pdf_text(out)
    P.render_covers([{}], tmp_path / "c.pdf")
    P.render_cards([{}], tmp_path / "k.pdf")


def test_cover_shows_all_17_digits(resident: dict, tmp_path: Path) -> None:
    out = tmp_path / "cover.pdf"
    assert P.render_covers([resident], out) == 1
    text = squeeze(pdf_text(out))
    no = resident["record_no"]
    assert f"编号{no[:6]}-{no[6:9]}-{no[9:12]}-{no[12:]}" in text
    form = get_form("cover")
    for f in form.fields():
        if f.key != "record_no":
            assert squeeze(V.printed_label(f)) in text
    assert "居民健康档案" in text and squeeze(resident["address"]) in text
    assert page_sizes(out) == ["A4"]
    save_pngs(out, "cover")


def test_2011_records_print_with_the_2009_codes(resident: dict, tmp_path: Path) -> None:
    out = tmp_path / "old.pdf"
    P.render_form(
        "personal_info", resident, [record("personal_info", resident["doc"], "2011")], out
    )
    rh = get_form("personal_info", "2009").code_tables["blood_rh"]
    assert "".join(f"{c.code}{c.label}" for c in rh.codes) in squeeze(pdf_text(out))


def test_computed_values_print_when_the_stored_document_lacks_them(
    resident: dict, tmp_path: Path
) -> None:
    from forms import prepare

    doc = E.example("elderly_selfcare")
    assert "total_score" not in doc
    total = prepare("elderly_selfcare", doc)["total_score"]
    out = tmp_path / "sc.pdf"
    P.render_form("elderly_selfcare", resident, [record("elderly_selfcare", doc)], out)
    text = squeeze(pdf_text(out))  # 总评分, its 判断, then the total in the score column
    assert "总评分判断：" in text and f"(≥19分)2{total}分" in text
    exam = E.example("health_exam")
    bmi = prepare("health_exam", exam)["bmi"]
    out2 = tmp_path / "he.pdf"
    P.render_form("health_exam", resident, [record("health_exam", exam)], out2)
    assert f"{bmi:.1f}kg/m²" in squeeze(pdf_text(out2))


def test_characters_the_font_draws_blank_are_replaced(resident: dict, tmp_path: Path) -> None:
    """WenQuanYi Micro Hei has an empty glyph for ℃ and none for ⁹: 体温 36.6℃ and ×10⁹/L
    must still show their units."""
    exam = E.example("health_exam")
    out = tmp_path / "he.pdf"
    P.render_form("health_exam", resident, [record("health_exam", exam)], out)
    text = squeeze(pdf_text(out))
    assert f"{exam['temperature']}°C" in text and "℃" not in text
    assert "×109/L" in text  # the raised 9 is a real digit in the text layer


def test_render_form_sends_cover_and_card_to_their_renderers(
    resident: dict, tmp_path: Path
) -> None:
    cover, card = tmp_path / "cover.pdf", tmp_path / "card.pdf"
    assert P.render_form("cover", resident, [], cover) == 1
    no = resident["record_no"]
    assert f"{no[:6]}-{no[6:9]}-{no[9:12]}-{no[12:]}" in squeeze(pdf_text(cover))
    assert P.render_form("info_card", resident, [], card) == 2  # an A4 sheet: fronts, backs
    assert "居民健康档案信息卡" in pdf_text(card)


@pytest.mark.parametrize("code", PRINTED)
def test_2009_edition_records_render(code: str, resident: dict, tmp_path: Path) -> None:
    """Old records print with the old definition (2011 TCM block on the 2009 健康体检表 …),
    even where a 2017 document carries codes the old table lacks (printed as written)."""
    doc = E.example(code)
    out = tmp_path / f"{code}-2009.pdf"
    P.render_form(code, resident, [record(code, doc, "2009")], out)
    form = get_form(code, "2009")
    title = (form.paper.get("slip_title") or {}).get(doc.get("referral_type"), form.title)
    assert squeeze(title) in squeeze(pdf_text(out))
    save_pngs(out, f"{code}-2009") if code == "health_exam" else None


def test_signature_and_date_lines_once(resident: dict, tmp_path: Path) -> None:
    pi, enc = tmp_path / "pi.pdf", tmp_path / "enc.pdf"
    P.render_form("personal_info", resident, [], pi)
    last = pdf_text(pi).split("\f")[-2]
    assert "医生签字：" in last and "日期：" in last and "年" in last
    doc = E.example("encounter")
    P.render_form("encounter", resident, [record("encounter", doc)], enc)
    assert squeeze(pdf_text(enc)).count("医生签字") == 1  # the form's own line, no second one


def test_follow_up_other_symptoms_print_once(resident: dict, tmp_path: Path) -> None:
    doc = E.example("htn_followup")
    assert doc.get("symptoms_other")
    out = tmp_path / "htn.pdf"
    P.render_form("htn_followup", resident, [record("htn_followup", doc)], out)
    assert squeeze(pdf_text(out)).count(squeeze(doc["symptoms_other"])) == 1


def test_unprintable_names_the_characters_the_font_lacks() -> None:
    assert P.unprintable("王秀兰 36.8℃ ×10⁹/L") == []
    assert P.unprintable("张𠮷䶮𬌗") == []  # CJK Ext B, A, E: drawn by the bundled fallbacks
    assert P.unprintable("张\ue000") == ["\ue000"]  # private use: no font draws it
    assert P.unprintable("ǎ") == ["ǎ"]  # mapped to an empty glyph


def test_memoised_text_encoding_writes_the_same_pdf(resident: dict, monkeypatch) -> None:
    """The per-document memo of encoded strings must give byte-identical output to plain
    reportlab textOut (guards against reportlab's text object internals changing)."""
    import forms.pdf.fonts as fonts_mod

    recs = [record("htn_followup", E.example("htn_followup"), uuid=f"v{i}") for i in range(3)]
    fast = io.BytesIO()
    P.render_form("htn_followup", resident, recs, fast)
    monkeypatch.setattr(fonts_mod, "_text_out", lambda c, t, s, size: t.textOut(s))
    plain = io.BytesIO()
    P.render_form("htn_followup", resident, recs, plain)
    assert fast.getvalue() == plain.getvalue()
