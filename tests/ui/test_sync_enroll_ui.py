"""Registering with the county platform from the desktop client: the address, the one-time code,
clear Chinese messages for each way it can go wrong, and the first sync that follows by itself."""

from __future__ import annotations

from tests.sync.synchelp import free_port
from tests.ui.helpers import click, screenshot
from tests.ui.syncuihelp import (  # noqa: F401 - fixtures
    close_client,
    county,
    installations,
    open_client,
    status_text,
)
from ui.qt import QApplication


def _enroll(qtbot, panel, server: str, code: str) -> None:
    panel.enroll_button.click()
    dialog = panel.enroll_dialog
    dialog.server.setText(server)
    dialog.code.setText(code)
    click(qtbot, dialog.submit_button)


def _spend(inst, url: str, code: str) -> None:
    from sync.client import enroll

    enroll(inst.store, url, code)


def test_enroll_from_the_panel(qtbot, guard, county, installations):  # noqa: F811
    inst = installations(county.township() + "001")
    inst.close()
    shell, main = open_client(qtbot, inst.data_dir, probe_seconds=0.5)
    main.resize(1366, 768)
    qtbot.waitUntil(lambda: status_text(main) == "未注册县平台", timeout=5000)
    screenshot(main, "sync-01-not-enrolled")

    panel = main.open_sync()
    qtbot.addWidget(panel)
    assert "尚未注册" in panel.server_label.text()
    assert not panel.sync_button.isEnabled()

    # nothing answers on that port
    _enroll(qtbot, panel, f"http://127.0.0.1:{free_port()}", county.enroll_code(inst.area))
    dialog = panel.enroll_dialog
    qtbot.waitUntil(lambda: "无法连接县平台" in dialog.message.text(), timeout=15000)
    screenshot(dialog, "sync-02-enroll-unreachable")
    # not an address
    dialog.server.setText("county.example")
    click(qtbot, dialog.submit_button)
    qtbot.waitUntil(lambda: "https://" in dialog.message.text(), timeout=5000)
    assert "县平台地址" in dialog.message.text()
    # a code that does not exist, then one already spent
    dialog.server.setText(county.url)
    dialog.code.setText("AAAA-BBBB-CCCC-DDDD")
    click(qtbot, dialog.submit_button)
    qtbot.waitUntil(lambda: "注册码无效" in dialog.message.text(), timeout=15000)
    assert dialog.message.text().startswith("注册失败")
    screenshot(dialog, "sync-03-enroll-bad-code")
    spent = county.enroll_code(inst.area)
    other = installations(inst.area)  # a second computer of the same clinic uses it first
    _spend(other, county.url, spent)
    dialog.code.setText(spent)
    click(qtbot, dialog.submit_button)
    qtbot.waitUntil(lambda: "已被使用" in dialog.message.text(), timeout=15000)
    dialog.code.setText(county.enroll_code(inst.area))
    click(qtbot, dialog.submit_button)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=15000)
    assert "已注册" in panel.notice.text()
    # the first sync starts by itself (nothing pulled yet) and the address is shown
    qtbot.waitUntil(lambda: status_text(main).startswith("上次同步"), timeout=20000)
    assert county.url in panel.server_label.text()
    assert "上次成功同步：今天" in panel.last_label.text()
    QApplication.processEvents()
    screenshot(panel, "sync-04-enrolled-panel")
    close_client(shell)


def test_only_an_admin_enrolls(qtbot, guard, county, installations):  # noqa: F811
    from app.services import users

    inst = installations(county.township() + "001")
    users.add(inst.store, "doc", "doctor", "secret9-pw", display_name="张医生")
    inst.close()
    from tests.ui.helpers import log_in
    from ui.shell import Shell

    shell = Shell(inst.data_dir)
    window = shell.start()
    qtbot.addWidget(window)
    log_in(qtbot, window, "doc", "secret9-pw")
    qtbot.waitUntil(lambda: shell.main is not None, timeout=15000)
    qtbot.addWidget(shell.main)
    panel = shell.main.open_sync()
    qtbot.addWidget(panel)
    assert not panel.enroll_button.isEnabled()
    assert "管理员" in panel.enroll_button.toolTip()
    close_client(shell)


def test_enroll_over_tls_with_the_county_ca(qtbot, guard, county, installations, tmp_path):  # noqa: F811
    from tests.sync.synchelp import tls_server

    inst = installations(county.township() + "001")
    inst.close()
    with tls_server(county.db, tmp_path) as (url, cert):
        shell, main = open_client(qtbot, inst.data_dir, probe_seconds=0.5)
        panel = main.open_sync()
        _enroll(qtbot, panel, url, county.enroll_code(inst.area))
        dialog = panel.enroll_dialog
        qtbot.waitUntil(lambda: "证书" in dialog.message.text(), timeout=15000)
        assert "CA 证书文件" in dialog.message.text()
        dialog.ca_cert.setText(str(tmp_path / "missing.pem"))
        click(qtbot, dialog.submit_button)
        qtbot.waitUntil(lambda: "找不到证书文件" in dialog.message.text(), timeout=15000)
        dialog.ca_cert.setText(str(cert))
        click(qtbot, dialog.submit_button)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=15000)
        qtbot.waitUntil(lambda: status_text(main).startswith("上次同步"), timeout=20000)
        assert url in panel.server_label.text()
        close_client(shell)
