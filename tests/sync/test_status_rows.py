"""sync/status_rows.py: conflicts and refusals in the words a doctor reads (labels and option names
from the forms definitions, units, list items), not keys and codes."""

from __future__ import annotations

from pathlib import Path

import sqlcipher3

import forms
from app import paths
from app.db import migrate
from app.db.models import Outbox
from app.store import Store
from sync.status_rows import EMPTY, field_of, options_of, quarantine_rows, reason_text, show_value

ADMIN, PASSWORD = "admin", "secret123"  # tests/conftest.py

def test_labels_and_values_of_resident_and_record_paths():
    info, htn = forms.get_form("personal_info"), forms.get_form("htn_followup")
    label, where = field_of(info, "sex")
    assert label == "性别"
    assert [show_value(v, where) for v in ("1", "2", None)] == ["男", "女", EMPTY]
    assert options_of(where)[:2] == [("1", "男"), ("2", "女")]

    label, where = field_of(info, "past_diseases[d1].diagnosed")
    assert label == "既往史·疾病·" + info.field("past_diseases").item_field("diagnosed").label
    label, where = field_of(info, "past_diseases[d1]")
    assert label == "既往史·疾病（其中一项）"
    assert options_of(where) is None  # a list item: keep one side, then edit the record

    label, where = field_of(htn, "doc.sbp")
    assert (label, show_value(150, where), options_of(where)) == ("收缩压", "150 mmHg", [])
    label, where = field_of(htn, "symptoms")
    assert options_of(where) is None
    shown = show_value(["1"], where)
    assert shown and shown != "1"  # the option's name
    label, where = field_of(htn, "medications[m1].dose")
    assert label.startswith("用药情况·")

    label, where = field_of(info, "village")
    assert (label, where, options_of(where)) == ("村", None, [])


def test_refusal_reasons_read_as_sentences():
    assert reason_text("forbidden", "该居民不在本机构辖区，无权修改") == (
        "超出本机构辖区：该居民不在本机构辖区，无权修改"
    )
    assert reason_text("invalid", "出生日期（birth_date）：不能晚于今天") == "数据不合格：出生日期：不能晚于今天"
    assert reason_text("weird", "别的原因") == "别的原因"
    assert reason_text("internal", None) == "县平台内部错误"
    assert reason_text(None, None) == "未说明原因"


def test_migration_0009_moves_the_code_out_of_the_reason(data_dir: Path) -> None:
    # Refusals stored before 0009 read "[code] reason"; afterwards the code is its own field.
    store = Store.open(data_dir, ADMIN, PASSWORD)
    with store.session(write=True) as s:
        for n, (code, reason) in enumerate([("forbidden", "该居民不在本机构辖区"), (None, None)]):
            s.add(Outbox(mutation_id=f"m{n}", entity="resident", entity_uuid=f"u{n}", op="update",
                         changes="{}", created_at="2026-12-01T08:00:00", user=ADMIN,
                         state="quarantined", attempts=1, error_code=code, last_error=reason))  # fmt: skip
    key = store.data_key
    store.close()
    db = paths.db_path(data_dir)
    migrate.downgrade_file(db, key, "0008")
    conn = sqlcipher3.connect(str(db))
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    assert conn.execute("SELECT last_error FROM outbox ORDER BY mutation_id").fetchall() == [
        ("[forbidden] 该居民不在本机构辖区",), (None,)]
    conn.close()

    store = Store.open(data_dir, ADMIN, PASSWORD)  # upgrades again
    try:
        rows = quarantine_rows(store)
        assert [(r.code, r.reason) for r in rows] == [
            ("forbidden", "超出本机构辖区：该居民不在本机构辖区"), (None, "未说明原因")]
    finally:
        store.close()
