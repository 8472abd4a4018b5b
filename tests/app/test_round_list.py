"""The printed round list: a real PDF read back with pdftotext and pdffonts."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
from pathlib import Path

from app.services import audit, due, records, residents, round_list
from forms.idnumber import make
from forms.pdf.round_list import BLANK_HEADINGS

TODAY = dt.date.today()


def test_round_list_has_headings_blank_columns_and_the_items(store, tmp_path):
    names = ["赵一", "钱二", "孙三"]
    for n, name in enumerate(names):
        birth = dt.date(1950 + n, 3, 3)
        u = residents.add(store, {"name": name, "sex": "1", "birth_date": birth.isoformat(),
                                  "id_number": make("110105", birth, 11 + 2 * n),
                                  "past_diseases": [{"code": "2"}]}, allow_similar=True)["uuid"]  # fmt: skip
        if n == 0:
            records.add(store, u, "htn_followup", {"visit_date": TODAY.isoformat(), "sbp": 165,
                                                   "dbp": 95, "classification": "2"})  # fmt: skip
    items = due.list_due(store, until=(TODAY + dt.timedelta(days=14)).isoformat())
    out = io.BytesIO()
    pages = round_list.print_round_list(store, items, out)
    pdf = tmp_path / "round.pdf"
    pdf.write_bytes(out.getvalue())
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    for heading in ("档案编号", "姓名", "应随访日期", "原因", *BLANK_HEADINGS):
        assert heading in text, heading
    for name in names:
        assert name in text
    assert "高血压随访（复查）" in text and "年度健康体检" in text
    assert f"第1页共{pages}页" in text.replace(" ", "")
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert all(" yes " in line for line in fonts.splitlines()[2:])  # every font embedded
    printed = [e for e in audit.entries(store) if e["action"] == "print"]
    assert len(printed) == 3 and all('"round_list"' in str(e["detail"]) or e["detail"].get("what") == "round_list"
                                     for e in printed)  # fmt: skip
    if os.environ.get("CUNYI_SCREENSHOTS"):
        target = Path(os.environ["CUNYI_SCREENSHOTS"]) / "round_list"
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(target)], check=True)
