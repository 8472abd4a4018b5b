"""The sync panel with real disagreements: conflicts made by two installations shown side by side
and resolved with one click (or another value), and a change the county refuses, shown with its
reason and put back in the queue with 重试."""

from __future__ import annotations

from app.services import residents
from tests.ui.helpers import click, screenshot, type_text
from tests.ui.syncuihelp import (  # noqa: F401 - fixtures
    close_client,
    county,
    installations,
    open_client,
    pending,
    server_resident,
    status_text,
)

NEVER = 100000  # seconds: no automatic run, so each step of the test is the user's


def person(name: str, **extra):
    return {"name": name, "sex": "1", "birth_date": "1956-03-04", "phone": "13800000001", **extra}


def test_conflicts_side_by_side_resolved_from_the_panel(qtbot, guard, county, installations):  # noqa: F811
    township = county.township()
    clinic = installations(township + "001", county)
    hospital = installations(township + "000", county)
    r = residents.add(clinic.store, person("张三", address="一村一组"))
    clinic.sync()
    hospital.sync()
    residents.update(
        clinic.store, r["uuid"], {"phone": "13800000011", "address": "一村二组", "sex": "2"}
    )
    residents.update(
        hospital.store, r["uuid"], {"phone": "13800000022", "address": "一村三组", "sex": "9"}
    )
    hospital.sync()
    residents.add(clinic.store, person("李四", village="002"), allow_similar=True)
    out = clinic.sync()
    assert (out["conflicts"], out["quarantined"]) == (3, 1)
    clinic.close()

    shell, main = open_client(qtbot, clinic.data_dir, probe_seconds=NEVER, settle_seconds=NEVER)
    main.resize(1366, 768)
    qtbot.waitUntil(lambda: "有 3 个冲突待处理" in status_text(main), timeout=10000)
    assert "1 条被隔离" in status_text(main)
    screenshot(main, "sync-20-conflicts-status")
    click(qtbot, main.sync_status)
    panel = main.dialogs["sync"]
    table = panel.conflict_table
    qtbot.waitUntil(lambda: table.rowCount() == 3, timeout=10000)
    rows = {
        table.item(i, 2).text(): [table.item(i, c).text() for c in range(6)]
        for i in range(table.rowCount())
    }
    assert rows["本人电话"][0] == "张三"
    # Each value named by where it came from, seen from this computer (issue 17 point 4).
    assert rows["本人电话"][3:] == ["13800000001", "13800000011（本机）", "13800000022（测试乡镇卫生院）"]
    assert rows["现住址"][3:] == ["一村一组", "一村二组（本机）", "一村三组（测试乡镇卫生院）"]
    assert rows["性别"][3:] == ["男", "女（本机）", "未说明的性别（测试乡镇卫生院）"]  # option names
    assert panel.tabs.tabText(0) == "冲突待处理（3）"
    screenshot(panel, "sync-21-panel-conflicts")

    # keep this computer's phone number
    def select(label: str) -> None:
        table.selectRow(
            next(i for i in range(table.rowCount()) if table.item(i, 2).text() == label)
        )

    select("本人电话")
    assert (panel.take_mine.text(), panel.take_theirs.text()) == ("用本机的", "用测试乡镇卫生院的")
    click(qtbot, panel.take_mine)
    qtbot.waitUntil(lambda: table.rowCount() == 2, timeout=10000)
    # a coded field offers its options by name
    select("性别")
    assert panel.other.currentWidget() is panel.other_choice
    panel.other_choice.setCurrentIndex(panel.other_choice.findText("男"))
    click(qtbot, panel.take_other)
    qtbot.waitUntil(lambda: table.rowCount() == 1, timeout=10000)
    # and type the right address (a wrong one is refused with the field named, nothing saved)
    select("现住址")
    assert panel.other.currentWidget() is panel.other_text
    type_text(qtbot, panel.other_text, "一村四组" * 60)
    click(qtbot, panel.take_other)
    qtbot.waitUntil(lambda: "现住址" in panel.conflict_message.text(), timeout=10000)
    assert table.rowCount() == 1
    panel.other_text.clear()
    type_text(qtbot, panel.other_text, "一村四组")
    click(qtbot, panel.take_other)
    qtbot.waitUntil(lambda: table.rowCount() == 0, timeout=10000)
    qtbot.waitUntil(lambda: "待上传 3 条" in status_text(main), timeout=10000)
    assert "冲突" not in status_text(main)

    # resolutions are ordinary changes: the next sync sends them and everyone converges
    click(qtbot, panel.sync_button)
    qtbot.waitUntil(lambda: main.sync.state.last_result.get("pushed") == 3, timeout=20000)
    qtbot.waitUntil(lambda: "待上传" not in status_text(main), timeout=10000)
    on_server = server_resident(county, r["uuid"])
    assert (on_server["phone"], on_server["address"], on_server["sex"]) == (
        "13800000011",
        "一村四组",
        "1",
    )
    hospital.sync()
    got = residents.get(hospital.store, r["uuid"])
    assert (got["phone"], got["address"], got["sex"]) == ("13800000011", "一村四组", "1")
    # the clinic's own list shows the chosen values
    model = main.residents.model
    row = model.row_of(r["uuid"])
    qtbot.waitUntil(lambda: model.data(model.index(row, 6)) == "13800000011", timeout=10000)
    assert model.data(model.index(row, 2)) == "男"
    close_client(shell)


def test_quarantine_shows_the_reason_and_retry_requeues(qtbot, guard, county, installations):  # noqa: F811
    township = county.township()
    clinic = installations(township + "001", county)
    residents.add(clinic.store, person("李四", village="002"))
    assert clinic.sync()["quarantined"] == 1
    clinic.close()

    shell, main = open_client(qtbot, clinic.data_dir, probe_seconds=NEVER, settle_seconds=NEVER)
    main.resize(1366, 768)
    panel = main.open_sync()
    panel.tabs.setCurrentIndex(1)
    table = panel.quarantine_table
    qtbot.waitUntil(lambda: table.rowCount() == 1, timeout=10000)
    assert table.item(0, 1).text() == "李四"
    assert table.item(0, 2).text() == "新建档案"
    reason = table.item(0, 3).text()
    assert reason.startswith("超出本机构辖区：") and "[" not in reason
    assert panel.tabs.tabText(1) == "被隔离的修改（1）"
    screenshot(panel, "sync-22-panel-quarantine")

    click(qtbot, panel.retry_button)
    qtbot.waitUntil(lambda: table.rowCount() == 0, timeout=10000)
    qtbot.waitUntil(lambda: status_text(main).endswith("待上传 1 条"), timeout=10000)
    assert "放回待上传队列" in panel.notice.text()
    # still outside the clinic's villages: the next run puts it back, with the reason
    click(qtbot, panel.sync_button)
    qtbot.waitUntil(lambda: table.rowCount() == 1, timeout=20000)
    assert "1 条被隔离" in status_text(main) and "待上传" not in status_text(main)
    close_client(shell)
