"""儿童生长曲线 in a child's printed booklet (issue 15): a real PDF, read back with pdftotext
and rendered for a person to look at (CUNYI_SCREENSHOTS)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from forms import growth
from forms.pdf import render_booklets
from tests.forms.pdflib import page_count, pdf_text, save_pngs, squeeze

BIRTH = dt.date(2022, 3, 1)


def _child() -> dict:
    return {"uuid": "c1", "record_no": "42010600100100321", "name": "李小宝", "sex": "1",
            "birth_date": BIRTH.isoformat(), "village": "001", "status": "active", "doc": {},
            "institution": "李家村卫生室", "tags": []}  # fmt: skip


def _rec(form: str, slot: str, days: int, w: float, h: float, head: float | None = None) -> dict:
    doc = {"slot": slot, "visit_date": (BIRTH + dt.timedelta(days=days)).isoformat(),
           "weight_kg": w, "height_cm": h}  # fmt: skip
    if head is not None:
        doc["head_cm"] = head
    return {"uuid": f"r{days}", "form": form, "edition": "2017", "status": "final",
            "visit_date": doc["visit_date"], "doc": doc}  # fmt: skip


RECORDS = [
    _rec("child_1_8m", "1", 30, 4.5, 54.5, 37.5),
    _rec("child_1_8m", "3", 92, 6.3, 61.0, 40.5),
    _rec("child_1_8m", "6", 183, 7.9, 67.5, 43.5),
    _rec("child_1_8m", "8", 245, 8.6, 70.8, 44.6),
    _rec("child_12_30m", "12", 366, 9.5, 75.5),
    _rec("child_12_30m", "18", 548, 10.4, 81.0),
    _rec("child_12_30m", "24", 731, 11.2, 86.0),
    _rec("child_12_30m", "30", 913, 12.3, 90.5),
    _rec("child_3_6y", "36", 1096, 13.4, 94.5),
    _rec("child_3_6y", "48", 1462, 13.0, 101.0),  # thin for his height: 消瘦
]


def test_growth_pdf_booklet_has_the_chart_pages(tmp_path: Path) -> None:
    out = tmp_path / "booklet.pdf"
    pages = render_booklets([(_child(), RECORDS)], str(out))
    assert page_count(out) == pages
    text = squeeze(pdf_text(out))
    assert "儿童生长曲线" in text
    assert squeeze("参照标准：WHO儿童生长标准（2006）") in text
    # The table: each measurement's z-scores as forms.growth computes them.
    z = growth.zscores("1", 1462, 13.0, 101.0)
    assert f"{z['wflh']:+.2f}下" in text and "消瘦" in text
    z0 = growth.zscores("1", 30, 4.5, 54.5, 37.5)
    assert f"{z0['wfa']:+.2f}中" in text
    # The charts: each indicator in the bands the child has points in (head only before 2).
    for title in ("年龄别体重（kg）·男童0～2岁", "年龄别体重（kg）·男童2～6岁",
                  "年龄别身长/身高（cm）·男童2～6岁", "身长/身高别体重（kg）·男童身高65～120cm（2岁起）",
                  "年龄别BMI（kg/m²）·男童0～2岁", "年龄别头围（cm）·男童0～2岁"):  # fmt: skip
        assert title in text, title
    assert "年龄别头围（cm）·男童2～6岁" not in text
    # The contents list the part with its pages, after the child health checks.
    contents = text[text.index("目录"):]
    assert contents.index("3～6岁儿童健康检查记录表") < contents.index("儿童生长曲线")
    save_pngs(out, "growth-booklet", dpi=60)


def test_growth_pdf_no_chart_pages_for_an_adult(tmp_path: Path) -> None:
    adult = dict(_child(), birth_date="1960-01-01", name="张三")
    out = tmp_path / "adult.pdf"
    render_booklets([(adult, RECORDS[:1])], str(out))
    assert "儿童生长曲线" not in squeeze(pdf_text(out))
