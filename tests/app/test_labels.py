"""app.labels: codes, keys, values and times in the words a user reads."""

from __future__ import annotations

import datetime as dt

from app import labels


def test_times_are_local_and_without_t_or_z():
    utc = dt.datetime(2026, 12, 3, 11, 44, tzinfo=dt.UTC)
    expected = utc.astimezone().strftime("%Y-%m-%d %H:%M")
    assert labels.local_time("2026-12-03T11:44:40.123Z") == expected
    assert labels.local_time("2026-12-03T11:44:40.123+00:00") == expected
    assert labels.local_time(None) == "" and labels.local_time("") == ""


def test_plain_values():
    assert labels.shown(None) == "" and labels.shown(True) == "是" and labels.shown(False) == "否"
    assert labels.action("update") == "修改" and labels.action("sync") == "同步"
    assert labels.role("nurse") == "护士"


def test_field_keys_and_codes_as_words():
    assert labels.field_label("sex") == "性别"
    assert labels.field_label("sbp", "htn_followup") == "收缩压"
    assert labels.field_label("record_no") == "档案编号"
    assert labels.value_text("sex", "2") == "女"
    assert labels.value_text("status", "moved") == "迁出"
    assert labels.value_text("phone", None) == labels.NO_VALUE
    assert labels.form_title("htn_followup") == "高血压患者随访服务记录表"


def test_keys_are_taken_out_of_messages_but_units_stay():
    assert labels.without_keys("村（village）：必须是 3 位数字") == "村：必须是 3 位数字"
    assert labels.without_keys("既往史（past_diseases[0].code）：无效") == "既往史：无效"
    assert labels.without_keys("体重（kg）：过大") == "体重（kg）：过大"
    assert labels.without_keys("日期（格式YYYY-MM-DD）") == "日期（格式YYYY-MM-DD）"
