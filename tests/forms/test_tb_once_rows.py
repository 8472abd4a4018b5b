"""肺结核患者随访服务记录表: 停止治疗及原因 and 全程管理情况 are filled once, at the end of
treatment, and print once across the visit columns as on paper (programme-forms.md §13), not
once per visit; the value comes from the sheet's visit that holds them."""

from __future__ import annotations

from pathlib import Path

from forms.examples import example
from forms.pdf import render_forms
from tests.forms.pdflib import pdf_text, squeeze

END_KEYS = ("stop_date", "stop_reason", "visits_due", "visits_done", "doses_due", "doses_taken", "evaluator")


def visits(n: int, stop_at: int | None) -> list[dict]:
    out = []
    for i in range(n):
        day = f"2024-0{3 + i}-05"
        doc = dict(example("tb_followup"), visit_date=day, treatment_month=i + 1, next_visit_date=f"2024-0{4 + i}-05")
        doc["stop_date"] = day
        if i != stop_at:
            for k in END_KEYS:
                doc.pop(k, None)
        out.append({"doc": doc, "visit_date": day})
    return out


def render(tmp_path: Path, records: list[dict]) -> str:
    path = tmp_path / "tb.pdf"
    with path.open("wb") as f:
        render_forms("tb_followup", [({"name": "张三", "record_no": "11010500110100001", "uuid": "x"}, records)], f)
    return squeeze(pdf_text(path))


def test_end_of_treatment_rows_print_once(tmp_path):
    text = render(tmp_path, visits(4, stop_at=3))
    # the options of 停止治疗原因 once (not four times), its other rows once, the values once
    assert text.count("1完成疗程2死亡3丢失4转入耐多药治疗") == 1
    assert text.count("停止治疗原因") == 1 and text.count("98.9") == 1 and text.count("应服药次数") == 1
    # the per-visit rows stay per visit
    assert text.count("疗程结束，复查胸片。") == 4


def test_once_rows_come_from_whichever_visit_holds_them(tmp_path):
    text = render(tmp_path, visits(3, stop_at=1))
    assert text.count("98.9") == 1 and text.count("1完成疗程2死亡3丢失4转入耐多药治疗") == 1
    blank = render(tmp_path, visits(2, stop_at=None))
    assert "98.9" not in blank and blank.count("1完成疗程2死亡3丢失4转入耐多药治疗") == 1
