"""No internal words where a user looks: the resident view's history and timeline, the audit
log, error messages. Every text is read from the widgets on a real encrypted installation."""

from __future__ import annotations

import pytest

from tests.ui.conftest import ADMIN, DOCTOR
from tests.ui.helpers import db, screenshot, start_logged_in
from tests.ui.words import assert_plain, internal_words


def table_texts(table) -> list[list[str]]:
    return [[table.item(r, c).text() if table.item(r, c) else "" for c in range(table.columnCount())]
            for r in range(table.rowCount())]  # fmt: skip


def test_the_check_finds_what_it_should():
    assert internal_words("收缩压（sbp）：过高") == ["sbp"]
    assert internal_words("create") and internal_words("None") and internal_words("True")
    assert internal_words("2026-12-03T11:44:40.123+00:00")
    assert internal_words("2026-12-03 11:44") == []
    assert internal_words("血压 150/95 mmHg，BMI 24.1") == []


@pytest.fixture
def doctor(qtbot, guard, installation):
    data_dir, uuids = installation
    shell, main = start_logged_in(qtbot, data_dir, *DOCTOR)
    main.show()
    yield shell, main, uuids
    shell.shutdown()


def test_history_and_timeline_in_words(qtbot, doctor):
    shell, main, uuids = doctor
    zhang = uuids["张三"]
    from app.services import records, residents

    # the doctor corrects the record: a new address, the phone taken out (an empty old/new value)
    db(lambda s: residents.update(s, zhang, {"address": "李家村3组5号", "phone": None}))
    db(lambda s: records.add(s, zhang, "htn_followup", {"visit_date": "2026-01-05", "sbp": 130,
                                                        "dbp": 80, "classification": "1"}))  # fmt: skip
    view = main.open_resident(zhang)
    qtbot.waitUntil(lambda: view.history.rowCount() == 2, timeout=5000)
    right = view.history.parentWidget().parentWidget()
    right.setCurrentWidget(view.history)
    main.resize(1366, 768)
    screenshot(main, "35-resident-history")
    rows = table_texts(view.history)
    for row in rows:
        assert_plain(row)
    assert [r[2] for r in rows] == ["新建", "修改"]
    assert [r[1] for r in rows] == ["李管理", "张医生"]  # display names, not admin/doc
    assert "现住址" in rows[1][3] and "李家村3组5号" in rows[1][3] and "本人电话" in rows[1][3]
    assert rows[0][3].startswith("姓名：张三；性别：男")  # in the order of the form; codes as names
    assert "本人电话：13800000011 → （空）" in rows[1][3]
    # the timeline's 记录人: who wrote each record, by the name staff know them by
    timeline = table_texts(view.timeline)
    for row in timeline:
        assert_plain(row)
    authors = {row[0]: row[3] for row in timeline}
    assert authors["2026-01-05"] == "张医生" and set(authors.values()) == {"李管理", "张医生"}


def test_audit_log_in_words(qtbot, guard, installation):
    data_dir, uuids = installation
    from app.services import lifecycle, printing, records, residents, settings, users
    from app.store import Store

    # a day of an administrator's work, through app/ as the CLI would do it
    store = Store.open(data_dir, *ADMIN)
    zhao = uuids["赵秀兰"]
    rec = records.add(store, zhao, "htn_followup", {"visit_date": "2026-01-05", "sbp": 130, "dbp": 80,
                                                    "classification": "1"}, confirmed=True)  # fmt: skip
    records.get(store, rec["uuid"])
    residents.history(store, zhao)
    settings.put(store, {"idle_lock_minutes": 15, "sync_auto": False})
    users.add(store, "nurse1", "nurse", "secret3-pw", display_name="王护士")
    users.disable(store, "nurse1")
    lifecycle.set_status(store, uuids["王小明"], "moved", reason="迁往县城")
    dup = residents.add(store, {"name": "张三", "sex": "1", "birth_date": "1958-04-12"},
                        allow_similar=True)  # fmt: skip
    lifecycle.merge(store, uuids["张三"], dup["uuid"])
    import io

    printing.print_cards(store, [zhao], io.BytesIO(), mask_id=True)
    from app.services import backup

    backup.write_backup(store, data_dir.parent / "b.cunyibak", auto=True)
    users.reset_password(store, "doc", "new-pass-7")
    store.close()
    from app.errors import AuthError

    with pytest.raises(AuthError):
        Store.open(data_dir, "doc", "secret2-pw")  # noted as 登录失败 at the next login
    shell, main = start_logged_in(qtbot, data_dir, *ADMIN)
    try:
        main.actions_by_name["audit"].trigger()
        dialog = main.dialogs["audit"]
        qtbot.waitUntil(lambda: dialog.table.rowCount() > 10, timeout=5000)
        dialog.resize(1366, 700)
        screenshot(dialog, "71-audit-words")
        rows = table_texts(dialog.table)
        for row in rows:
            assert_plain(row)
        subjects = {r[3] for r in rows}
        zhao_no = db(lambda s: residents.get(s, zhao))["record_no"]
        assert f"赵秀兰（{zhao_no}）" in subjects  # a resident by name and record number
        assert f"赵秀兰（{zhao_no}）的记录" in subjects
        users_seen = {r[1] for r in rows}
        assert "李管理" in users_seen and "admin" not in users_seen
        details = " ".join(r[4] for r in rows)
        assert "角色：护士" in details and "高血压患者随访服务记录表" in details
        assert "隐去身份证号：是" in details and "自动锁定时间" in details
        assert "原因：密码错误" in details and "自动备份：是" in details
        assert {"登录失败", "重设密码", "备份", "停用用户"} <= {r[2] for r in rows}
    finally:
        shell.shutdown()
