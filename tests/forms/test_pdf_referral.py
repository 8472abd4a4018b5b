"""双向转诊单 printed in the letter layout of the paper: 存根 with the 档案编号, a cut line, then the
转出单 or 回转单 worded as a letter filled with the patient."""

from __future__ import annotations

import subprocess
from pathlib import Path

import forms.pdf as P
from forms import examples as E
from tests.forms.pdflib import fonts, page_count, resident_from_examples, save_pngs, squeeze


def _layout(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip


def _record(doc: dict) -> dict:
    return {"uuid": "ref", "form": "referral", "edition": "2017",
            "visit_date": doc.get("visit_date"), "doc": doc}  # fmt: skip


def test_referral_out_prints_stub_cut_line_and_letter(tmp_path: Path) -> None:
    resident = resident_from_examples()
    doc = E.example("referral")
    out = tmp_path / "out.pdf"
    assert P.render_form("referral", resident, [_record(doc)], out) == 1
    text = squeeze(_layout(out))
    stub, cut, slip = text.partition("（沿此线剪开）")
    assert cut, "no cut line between stub and slip"
    assert stub.startswith("存根")
    assert "患者姓名王秀兰" in stub and "档案编号" + resident["record_no"] in stub
    assert "于2024年04月16日因病情需要，转入县人民医院单位心内科科室孙医生接诊医生" in stub
    assert slip.startswith("双向转诊（转出）单")
    assert "县人民医院（机构名称）：" in slip
    assert "现有患者王秀兰性别女年龄73因病情需要，需转入贵单位，请予以接诊。" in slip
    for part in ("初步印象：高血压3级", "主要现病史（转出原因）：连续两次", "主要既往史：高血压15年",
                 "治疗经过：硝苯地平"):  # fmt: skip
        assert part in slip
    assert "某某乡卫生院（机构名称）" in slip and "联系电话：010-12345678" in slip
    assert "回转" not in text
    assert all(f["emb"] == "yes" for f in fonts(out))
    save_pngs(out, "referral-out", dpi=70)


def test_referral_back_prints_the_return_letter(tmp_path: Path) -> None:
    doc = {k: v for k, v in E.example("referral").items()
           if k not in ("initial_impression", "present_history", "past_history", "treatment")}  # fmt: skip
    doc.update(referral_type="2", to_institution="某某乡卫生院", from_institution="县人民医院",
               diagnosis="高血压3级", inpatient_no="Z2024-0457",
               treatment_plan="继续降压治疗，两周后随访。")  # fmt: skip
    out = tmp_path / "back.pdf"
    P.render_form("referral", resident_from_examples(), [_record(doc)], out)
    text = squeeze(_layout(out))
    stub, cut, slip = text.partition("（沿此线剪开）")
    assert cut and "转回某某乡卫生院单位" in stub
    assert slip.startswith("双向转诊（回转）单")
    assert "现有患者王秀兰因病情需要，现转回贵单位，请予以接诊。" in slip
    assert "诊断结果高血压3级住院病案号Z2024-0457" in slip
    assert "治疗经过、下一步治疗方案及康复建议：继续降压治疗" in slip
    assert "主要检查结果：" in slip  # empty: ruled lines to write on
    save_pngs(out, "referral-back", dpi=70)


def test_blank_referral_prints_both_letters_to_fill_by_hand(tmp_path: Path) -> None:
    out = tmp_path / "blank.pdf"
    P.render_form("referral", resident_from_examples(), [], out)
    assert page_count(out) == 2
    pages = [squeeze(p) for p in _layout(out).split("\f")[:2]]
    assert "双向转诊（转出）单" in pages[0] and "双向转诊（回转）单" in pages[1]
    assert all("存根" in p and "（沿此线剪开）" in p for p in pages)


def test_long_history_continues_on_a_second_page(tmp_path: Path) -> None:
    doc = E.example("referral")
    doc["present_history"] = "反复头晕头痛，血压控制不满意。" * 90
    out = tmp_path / "long.pdf"
    n = P.render_form("referral", resident_from_examples(), [_record(doc)], out)
    assert n == page_count(out) >= 2
    text = squeeze(_layout(out))
    assert text.count("反复头晕头痛") == 90 and "双向转诊（转出）单（续）" in text
    assert "第1页共2页" in text and "某某乡卫生院（机构名称）" in text
