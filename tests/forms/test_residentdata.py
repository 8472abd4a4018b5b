"""What the cover and the card print, worked out from a resident's plain data (no database)."""

from __future__ import annotations

import pytest

from forms.pdf.residentdata import address_units, resident_values
from tests.forms.pdflib import resident_from_examples


@pytest.mark.parametrize(
    ("address", "units"),
    [
        ("北京市朝阳区东风镇柳树村3组12号", ("东风镇", "柳树村")),
        ("河北省石家庄市正定县城关街道北门社区5号楼", ("城关街道", "北门社区")),
        ("内蒙古自治区锡林郭勒盟正蓝旗上都镇", ("上都镇", None)),
        ("某某乡卫生院", ("某某乡", None)),
        ("河北省正定县新村镇李庄村", (None, None)),  # ambiguous: left for the pen, never a guess
        ("3组12号", (None, None)),
    ],
)
def test_township_and_village_from_an_address(address: str, units: tuple) -> None:
    assert address_units(address) == units


def test_values_come_from_data_not_from_the_entry() -> None:
    r = resident_from_examples()
    r["doc"] = dict(r["doc"], visit_date="2019-05-06", residence_type="2")
    r["created_at"] = "2026-12-03"  # entered into this app much later than the paper record
    vals = resident_values(r)
    assert vals["visit_date"] == "2019-05-06"
    assert "hukou_address" not in vals  # 非户籍: the 户籍地址 is not the address here
    r["doc"].pop("visit_date")
    r["first_visit"] = "2020-01-15"  # an older record than the entry
    assert resident_values(r)["visit_date"] == "2020-01-15"


def test_chronic_boxes_from_tags_and_saved_records_win() -> None:
    r = resident_from_examples()
    r["doc"] = dict(r["doc"], past_diseases=[])
    assert resident_values(r)["chronic_diseases"] == []
    r["tags"] = ["dm"]
    assert resident_values(r)["chronic_diseases"] == ["3"]  # 3糖尿病
    r["cover_doc"] = {"doctor": "孙医生", "record_no": "00000000000000000"}
    vals = resident_values(r, saved=("cover_doc",))
    assert vals["doctor"] == "孙医生" and vals["record_no"] == r["record_no"]  # number stays current
