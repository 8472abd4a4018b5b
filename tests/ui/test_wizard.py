"""First start: the set-up wizard (with the recovery code printed) and the demo clinic."""

from __future__ import annotations

import subprocess

from tests.ui.helpers import click, screenshot, type_text
from ui import printing
from ui.qt import QPrinter, QWizard
from ui.shell import Shell
from ui.wizard import PAGE_ADMIN, PAGE_INSTITUTION, PAGE_RECOVERY


def pdf_printer(path):
    def ask(parent, title=""):
        printer = printing.new_printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(path))
        return printer

    return ask


def choose(combo, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, text
    combo.setCurrentIndex(index)


def test_first_start_wizard(qtbot, guard, tmp_path, monkeypatch):
    shell = Shell(tmp_path / "new")
    wizard = shell.start()
    qtbot.addWidget(wizard)
    assert isinstance(wizard, QWizard)
    assert wizard.button(QWizard.WizardButton.NextButton).text() != "Next"  # Qt's own: Chinese
    screenshot(wizard, "20-wizard-welcome")
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    click(qtbot, next_button)
    assert wizard.currentId() == PAGE_INSTITUTION
    page = wizard.institution
    type_text(qtbot, page.name, "李家村卫生室")
    click(qtbot, next_button)
    assert wizard.currentId() == PAGE_INSTITUTION  # nothing chosen yet
    assert page.message.text() == "省：请选择"
    choose(page.province, "湖北省")
    choose(page.city, "武汉市")
    assert {page.county.itemData(i)[:4] for i in range(page.county.count())} == {"4201"}
    choose(page.city, "黄石市")  # the county list follows the city
    assert {page.county.itemData(i)[:4] for i in range(page.county.count())} == {"4202"}
    assert page.county.currentIndex() == -1
    choose(page.city, "武汉市")
    choose(page.county, "武昌区")
    qtbot.keyClicks(page.township, "1")
    click(qtbot, next_button)
    assert wizard.currentId() == PAGE_INSTITUTION
    assert page.message.text() == "乡镇代码：须为3位数字"
    page.township.clear()
    qtbot.keyClicks(page.township, "600")
    qtbot.keyClicks(page.village, "001")
    click(qtbot, next_button)
    assert wizard.currentId() == PAGE_INSTITUTION  # township codes end at 599
    assert "001–599" in page.message.text() and "area" not in page.message.text()
    screenshot(wizard, "21-wizard-bad-area")
    page.township.clear()
    qtbot.keyClicks(page.township, "001")
    assert page.area.text() == "420106001001"
    screenshot(wizard, "21-wizard-area")
    click(qtbot, next_button)
    assert wizard.currentId() == PAGE_ADMIN
    admin = wizard.admin
    qtbot.keyClicks(admin.user, "admin")
    type_text(qtbot, admin.display, "李医生")
    qtbot.keyClicks(admin.password, "secret1-pw")
    qtbot.keyClicks(admin.repeat, "secret2-pw")
    click(qtbot, next_button)
    assert "不一样" in admin.message.text()
    qtbot.keyClicks(admin.repeat, "secret1-pw")
    click(qtbot, next_button)
    qtbot.waitUntil(lambda: wizard.currentId() == PAGE_RECOVERY, timeout=15000)
    code = wizard.recovery.code.text()
    assert len(code.replace("-", "")) >= 16
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert not finish.isEnabled()  # not before the code is kept
    screenshot(wizard, "22-wizard-recovery")
    out = tmp_path / "recovery.pdf"
    monkeypatch.setattr(printing, "ask_printer", pdf_printer(out))
    click(qtbot, wizard.recovery.print_button)
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert code in text and "恢复代码" in text
    click(qtbot, wizard.recovery.confirm)
    assert finish.isEnabled()
    click(qtbot, finish)
    qtbot.waitUntil(lambda: shell.main is not None, timeout=10000)
    qtbot.addWidget(shell.main)
    assert "李家村卫生室" in shell.main.windowTitle()
    assert shell.main.user.role == "admin"
    from ui import tasks

    assert tasks.worker().run_sync(lambda s: s.institution.area) == "420106001001"
    shell.shutdown()


def test_open_demo_clinic(qtbot, guard, tmp_path):
    shell = Shell(tmp_path / "new")
    wizard = shell.start()
    qtbot.addWidget(wizard)
    click(qtbot, wizard.welcome.demo)
    qtbot.waitUntil(lambda: shell.main is not None, timeout=60000)
    main = shell.main
    qtbot.addWidget(main)
    qtbot.waitUntil(lambda: main.residents.model.rowCount() == 120, timeout=10000)
    assert "示例村卫生室" in main.windowTitle()  # the same demo clinic as `cunyi demo`
    shell.shutdown()
