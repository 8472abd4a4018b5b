"""ui/sync_rows.py: conflicts and refusals in the words a doctor reads (labels and option names
from the forms definitions, units, list items), not keys and codes."""

from __future__ import annotations

import forms
from ui.sync_rows import EMPTY, _field_of, options_of, reason_text, show_value


def test_labels_and_values_of_resident_and_record_paths():
    info, htn = forms.get_form("personal_info"), forms.get_form("htn_followup")
    label, where = _field_of(info, "sex")
    assert label == "性别"
    assert [show_value(v, where) for v in ("1", "2", None)] == ["男", "女", EMPTY]
    assert options_of(where)[:2] == [("1", "男"), ("2", "女")]

    label, where = _field_of(info, "past_diseases[d1].diagnosed")
    assert label == "既往史·疾病·" + info.field("past_diseases").item_field("diagnosed").label
    label, where = _field_of(info, "past_diseases[d1]")
    assert label == "既往史·疾病（其中一项）"
    assert options_of(where) is None  # a list item: keep one side, then edit the record

    label, where = _field_of(htn, "doc.sbp")
    assert (label, show_value(150, where), options_of(where)) == ("收缩压", "150 mmHg", [])
    label, where = _field_of(htn, "symptoms")
    assert options_of(where) is None
    shown = show_value(["1"], where)
    assert shown and shown != "1"  # the option's name
    label, where = _field_of(htn, "medications[m1].dose")
    assert label.startswith("用药情况·")

    label, where = _field_of(info, "village")
    assert (label, where, options_of(where)) == ("村", None, [])


def test_refusal_reasons_read_as_sentences():
    assert reason_text("[forbidden] 该居民不在本机构辖区，无权修改") == (
        "超出本机构辖区：该居民不在本机构辖区，无权修改"
    )
    assert reason_text("[invalid] 出生日期（birth_date）：不能晚于今天") == "数据不合格：出生日期：不能晚于今天"
    assert reason_text("[weird] 别的原因") == "别的原因"
    assert reason_text(None) == "未说明原因"
