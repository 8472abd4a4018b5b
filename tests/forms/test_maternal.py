"""孕产妇 forms: the due date and the week of pregnancy from the last period, the rules the
forms state (督促 only, the guidance printed per visit, referral details), the option lists that
differ by edition, and the paper."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import forms
import forms.pdf as P
from forms.definitions import maternal as M
from forms.examples import example
from forms.model import ValidationContext
from tests.forms.formslib import ctx
from tests.forms.pdflib import pdf_text, resident_from_examples, save_pngs, squeeze


def errors(code: str, doc: dict, *, final: bool = False, edition: str | None = None) -> dict[str, str]:
    c = ValidationContext(today=ctx().today, final=final)
    return {e.key: e.message for e in forms.validate(code, doc, c, edition)}


@pytest.mark.parametrize(("lmp", "edd"), [
    ("2023-12-01", "2024-09-08"),  # month + 9, day + 7
    ("2023-03-10", "2023-12-17"),
    ("2023-04-28", "2024-02-05"),  # day + 7 crosses into May, then + 9 months
    ("2023-05-22", "2024-02-29"),  # 05-29 + 9 months: the leap day
    ("2022-05-22", "2023-02-28"),  # 05-29 + 9 months: no 29 February, the month's last day
])  # fmt: skip
def test_due_date_by_the_forms_rule(lmp: str, edd: str) -> None:
    assert M.due_date(dt.date.fromisoformat(lmp)).isoformat() == edd


def test_due_date_and_week_filled_from_the_last_period_but_a_written_one_wins() -> None:
    doc = {k: v for k, v in example("prenatal_first").items() if k not in ("edd", "gest_weeks", "gest_days")}
    out = forms.prepare("prenatal_first", doc)
    assert out["edd"] == "2024-09-08" and (out["gest_weeks"], out["gest_days"]) == (11, 4)  # 81 days
    by_ultrasound = forms.prepare("prenatal_first", doc | {"edd": "2024-09-02", "gest_weeks": 12, "gest_days": 0})
    assert by_ultrasound["edd"] == "2024-09-02" and by_ultrasound["gest_weeks"] == 12
    assert forms.prepare("prenatal_first", doc)["bmi"] == 21.5  # 55 kg, 160 cm


def test_a_due_date_far_from_the_last_period_names_both() -> None:
    bad = errors("prenatal_first", example("prenatal_first") | {"edd": "2024-12-20"})
    assert set(bad) == {"edd"} and "2023-12-01" in bad["edd"] and "2024-09-08" in bad["edd"]
    assert "visit_date" in errors("prenatal_first", example("prenatal_first") | {"lmp": "2024-03-01",
                                                                                "edd": "2024-12-06"})  # fmt: skip


def test_urging_only_leaves_the_clinical_rows_empty() -> None:
    urged = {"visit_date": "2024-04-10", "visit_no": 3, "visit_kind": "2", "doctor": "张医生"}
    assert errors("prenatal_followup", urged, final=True) == {}
    bad = errors("prenatal_followup", urged | {"sbp": 120, "dbp": 80, "gest_weeks": 22})
    assert set(bad) == {"sbp", "dbp", "gest_weeks"} and "督促" in bad["sbp"]


@pytest.mark.parametrize(("visit", "guidance", "refused"), [
    (2, ["1", "4"], False), (2, ["5"], True), (3, ["5", "7"], False), (3, ["6"], True), (4, ["6", "7"], False),
])  # fmt: skip
def test_guidance_printed_per_visit(visit: int, guidance: list, refused: bool) -> None:
    doc = example("prenatal_followup") | {"visit_no": visit, "guidance": guidance}
    assert ("guidance" in errors("prenatal_followup", doc)) is refused


def test_referral_details_and_42_day_outcome() -> None:
    assert set(errors("postpartum_visit", example("postpartum_visit") | {"referral_reason": "伤口感染"})) == {
        "referral_reason"}
    closed = example("postpartum_42d")
    assert set(errors("postpartum_42d", closed | {"referral_org": "县妇幼保健院"})) == {"referral_org"}
    assert errors("postpartum_42d", closed | {"outcome": "2", "classification": "2", "classification_other":
                                              "子宫复旧不良", "referral_org": "县妇幼保健院"}) == {}  # fmt: skip
    assert "discharge_date" in errors("postpartum_visit", example("postpartum_visit") | {"discharge_date": "2024-05-01"})


def test_option_lists_of_each_edition() -> None:
    new, old = forms.get_form("prenatal_first", "2017"), forms.get_form("prenatal_first", "2009")
    assert new.table(new.field("family_history")).label("1") == "无"
    assert old.table(old.field("family_history")).label("1") == "遗传性疾病史"
    assert new.has_field("induced_abortions") and not old.has_field("induced_abortions")
    assert old.has_field("abortions")


@pytest.mark.parametrize(("form", "words"), [
    ("prenatal_first", ["孕周", "末次月经", "2023年12月01日", "预产期", "2024年09月08日", "乙型肝炎表面抗原",
                        "梅毒血清学试验*", "21.5"]),
    ("prenatal_followup", ["随访/督促日期", "宫底高度", "胎心率", "146", "1随访2督促"]),
    ("postpartum_visit", ["分娩日期", "恶露", "5新生儿护理与喂养"]),
    ("postpartum_42d", ["1已恢复2未恢复", "1结案2转诊", "2性保健与避孕"]),
])  # fmt: skip
def test_each_prints_like_the_paper(form: str, words: list, tmp_path: Path) -> None:
    doc = forms.prepare(form, example(form))
    out = tmp_path / f"{form}.pdf"
    rec = {"uuid": "r1", "form": form, "edition": "2017", "visit_date": doc["visit_date"], "doc": doc}
    P.render_form(form, resident_from_examples(), [rec], out)
    text = squeeze(pdf_text(out))
    assert squeeze(forms.get_form(form).title) in text
    for w in words:
        assert squeeze(w) in text, w
    save_pngs(out, form)
