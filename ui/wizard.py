"""First start: set up this clinic (area code, name, first administrator, recovery code) or open
the demo clinic."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ui.admin_common import message_label
from ui.qt import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRegularExpression,
    QRegularExpressionValidator,
    Qt,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
    Signal,
    tr,
)
from ui.tasks import DbOp, worker

log = logging.getLogger("cunyi.ui.wizard")

PAGE_WELCOME, PAGE_INSTITUTION, PAGE_ADMIN, PAGE_RECOVERY = range(4)


class WelcomePage(QWizardPage):
    """Until this clinic is set up every start comes here; a demo practised in before is one
    click away, with what was entered in it (docs/decisions/first-start.md)."""

    def __init__(self, demo_exists: bool = False) -> None:
        super().__init__()
        self.setTitle(tr("Wizard", "欢迎使用村医"))
        self.setSubTitle(tr("Wizard", "本机构的档案还没有建立，目前只有演示卫生室。") if demo_exists
                         else tr("Wizard", "本机还没有居民健康档案数据。"))  # fmt: skip
        box = QVBoxLayout(self)
        create = QLabel(tr("Wizard", "第一次使用：点“下一步”，为本机构建立档案（约需1分钟）。"), self)
        create.setWordWrap(True)
        box.addWidget(create)
        box.addSpacing(16)
        if demo_exists:
            demo_text = QLabel(tr("Wizard", "上次练习用的演示卫生室还在，练习时录入的内容都保留着。"
                                            "演示卫生室的居民都是虚构的，不会和真实档案混在一起。"), self)  # fmt: skip
            self.demo = QPushButton(tr("Wizard", "继续使用演示卫生室"), self)
        else:
            demo_text = QLabel(tr("Wizard", "只想先练习？打开演示卫生室，里面的居民都是虚构的，"
                                            "不会和真实档案混在一起。"), self)  # fmt: skip
            self.demo = QPushButton(tr("Wizard", "打开演示卫生室"), self)
        demo_text.setWordWrap(True)
        self.demo.setObjectName("openDemo")
        self.demo.setMinimumHeight(32)
        box.addWidget(demo_text)
        box.addWidget(self.demo, 0, Qt.AlignmentFlag.AlignLeft)
        box.addStretch(1)


class InstitutionPage(QWizardPage):
    """The 12-digit area code from its parts: county chosen from GB/T 2260 (forms/regions.py),
    township and village typed (their codes come from the county's own table)."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle(tr("Wizard", "机构信息"))
        self.setSubTitle(tr("Wizard", "选择本机构所在的省、市、县（区），再填乡镇和村的代码。"))
        form = QFormLayout(self)
        self.province = self._combo("province", tr("Wizard", "请选择省份"))
        self.city = self._combo("city", tr("Wizard", "请先选择省份"))
        self.county = self._combo("county", tr("Wizard", "请先选择市"))
        from forms.regions import provinces

        for region in provinces():
            self.province.addItem(region.name, region.code)
        self.province.currentIndexChanged.connect(self._province_changed)
        self.city.currentIndexChanged.connect(self._city_changed)
        self.county.currentIndexChanged.connect(self._update_area)
        self.township = self._digits("township", "001")
        self.village = self._digits("village", "000")
        self.area = QLineEdit(self)
        self.area.setObjectName("area")
        self.area.setReadOnly(True)
        self.name = QLineEdit(self)
        self.name.setObjectName("institutionName")
        self.name.setPlaceholderText(tr("Wizard", "例如 某某村卫生室"))
        self.message = message_label(self)
        form.addRow(tr("Wizard", "省（自治区、直辖市）"), self.province)
        form.addRow(tr("Wizard", "市（地区、州）"), self.city)
        form.addRow(tr("Wizard", "县（区、县级市）"), self.county)
        form.addRow(tr("Wizard", "乡镇代码（3位）"), self.township)
        form.addRow("", self._note(tr("Wizard", "乡镇、街道的3位代码（001–599），可向县卫健局或统计局查询。")))
        form.addRow(tr("Wizard", "村代码（3位）"), self.village)
        form.addRow("", self._note(tr("Wizard", "村卫生室填本村的3位代码；乡镇卫生院不属于某一个村，填 000。")))
        form.addRow(tr("Wizard", "机构区划代码"), self.area)
        form.addRow(tr("Wizard", "机构名称"), self.name)
        form.addRow(self.message)

    def _combo(self, name: str, placeholder: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.setPlaceholderText(placeholder)
        combo.setMaxVisibleItems(20)
        combo.setMinimumWidth(260)
        return combo

    def _digits(self, name: str, example: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(name)
        edit.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,3}"), edit))
        edit.setPlaceholderText(tr("Wizard", "例如 {0}").format(example))
        edit.setMaximumWidth(120)
        edit.textChanged.connect(self._update_area)
        return edit

    def _note(self, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setWordWrap(True)
        label.setStyleSheet("color: #555;")
        return label

    def _province_changed(self) -> None:
        from forms.regions import cities

        self.city.clear()  # the county list follows through _city_changed
        self.city.setPlaceholderText(tr("Wizard", "请选择市"))
        for region in cities(self.province.currentData() or ""):
            self.city.addItem(region.name, region.code)
        self.city.setCurrentIndex(-1)
        self._city_changed()

    def _city_changed(self) -> None:
        from forms.regions import counties

        self.county.clear()
        self.county.setPlaceholderText(
            tr("Wizard", "请选择县（区）") if self.city.currentIndex() >= 0 else tr("Wizard", "请先选择市"))
        for region in counties(self.city.currentData() or ""):
            self.county.addItem(region.name, region.code)
        self.county.setCurrentIndex(-1)
        self._update_area()

    def _update_area(self) -> None:
        county = self.county.currentData() or ""
        self.area.setText(county + self.township.text() + self.village.text() if county else "")

    def validatePage(self) -> bool:
        from app.errors import InvalidInput
        from app.store import check_area

        for combo, label in ((self.province, "省"), (self.city, "市"), (self.county, "县（区）")):
            if combo.currentIndex() < 0:
                return self._refuse(combo, tr("Wizard", "{0}：请选择").format(label))
        for edit, label in ((self.township, "乡镇代码"), (self.village, "村代码")):
            if len(edit.text()) != 3:
                return self._refuse(edit, tr("Wizard", "{0}：须为3位数字").format(label))
        try:
            check_area(self.area.text())
        except InvalidInput as e:
            return self._refuse(self.township, str(e))
        if not self.name.text().strip():
            return self._refuse(self.name, tr("Wizard", "机构名称：不能为空"))
        self.message.clear()
        return True

    def _refuse(self, widget: QWidget, text: str) -> bool:
        self.message.setText(text)
        widget.setFocus()
        return False


class AdminPage(QWizardPage):
    """The first administrator. Leaving this page creates the installation (on the DB worker)."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.created: tuple[Any, str] | None = None  # (CurrentUser, recovery code)
        self._busy = False
        self.setTitle(tr("Wizard", "第一位管理员"))
        self.setSubTitle(tr("Wizard", "管理员可以添加其他医生、护士的账号。密码至少8个字符，且不能是 12345678 这类常见密码。"))
        form = QFormLayout(self)
        self.user = QLineEdit(self)
        self.user.setObjectName("adminUser")
        self.display = QLineEdit(self)
        self.display.setObjectName("adminDisplay")
        self.password = QLineEdit(self)
        self.password.setObjectName("adminPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit(self)
        self.repeat.setObjectName("adminRepeat")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = message_label(self)
        form.addRow(tr("Wizard", "用户名（登录用）"), self.user)
        form.addRow(tr("Wizard", "姓名"), self.display)
        form.addRow(tr("Wizard", "密码"), self.password)
        form.addRow(tr("Wizard", "再输一次密码"), self.repeat)
        form.addRow(self.message)

    def validatePage(self) -> bool:
        if self.created is not None:
            return True
        if self._busy:
            return False
        if self.password.text() != self.repeat.text():
            self.message.setText(tr("Wizard", "两次输入的密码不一样，请重新输入"))
            self.repeat.clear()
            self.repeat.setFocus()
            return False
        wizard = self.wizard()
        args = dict(
            area=wizard.field("area"),
            institution_name=wizard.field("institutionName").strip(),
            user=self.user.text().strip(),
            password=self.password.text(),
            display_name=self.display.text().strip() or None,
        )
        self._busy = True
        self.message.setText(tr("Wizard", "正在建立加密数据库……"))
        DbOp(self, lambda _s: create_store(self.data_dir, args)).success(self._created).failure(
            self._failed
        ).run()
        return False

    def _created(self, result: tuple[Any, str]) -> None:
        self._busy = False
        self.created = result
        self.message.clear()
        self.wizard().next()

    def _failed(self, exc: BaseException) -> None:
        from ui.errors import user_message

        self._busy = False
        self.message.setText(user_message(exc))
        key = getattr(getattr(exc, "errors", [None])[0], "key", "")
        {"user": self.user, "password": self.password}.get(key, self.user).setFocus()


def create_store(data_dir: Path, args: dict[str, Any]) -> tuple[Any, str]:
    """On the DB worker: create the installation, keep it open as the worker's store."""
    from app.store import Store

    store, recovery = Store.create(data_dir, **args)
    worker().set_store(store)
    log.info("installation created")
    return store.user, recovery


class RecoveryPage(QWizardPage):
    print_requested = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setTitle(tr("Wizard", "恢复代码"))
        self.setSubTitle(
            tr("Wizard", "所有密码都忘记时，只有这个恢复代码能打开数据。它只显示这一次。")
        )
        box = QVBoxLayout(self)
        self.code = QLabel(self)
        self.code.setObjectName("recoveryCode")
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code.setStyleSheet(
            "font-size: 18pt; font-family: monospace; padding: 12px; border: 2px dashed #1f5f99;"
        )
        warn = QLabel(
            tr(
                "Wizard",
                "请打印出来，交乡镇卫生院保管。丢失所有密码和这个恢复代码，数据将无法打开，"
                "任何人（包括技术人员）都无法找回。",
            ),
            self,
        )
        warn.setWordWrap(True)
        warn.setStyleSheet("color: #c62828; font-weight: bold;")
        self.print_button = QPushButton(tr("Wizard", "打印恢复代码"), self)
        self.print_button.setObjectName("printRecovery")
        self.print_button.clicked.connect(lambda: self.print_requested.emit(self.code.text()))
        self.confirm = QCheckBox(tr("Wizard", "我已打印或抄下恢复代码，并会妥善保管"), self)
        self.confirm.setObjectName("confirmSaved")
        self.confirm.toggled.connect(self.completeChanged)
        box.addWidget(self.code)
        box.addWidget(warn)
        box.addWidget(self.print_button, 0, Qt.AlignmentFlag.AlignLeft)
        box.addStretch(1)
        box.addWidget(self.confirm)

    def initializePage(self) -> None:
        admin: AdminPage = self.wizard().page(PAGE_ADMIN)
        if admin.created is not None:
            self.code.setText(admin.created[1])

    def isComplete(self) -> bool:
        return self.confirm.isChecked()


class SetupWizard(QWizard):
    """Emits `demo_chosen` or `created(CurrentUser)` when finished."""

    demo_chosen = Signal()
    created = Signal(object)

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Wizard", "首次设置"))  # Qt appends the display name
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        from app.paths import demo_dir, has_installation

        self.welcome = WelcomePage(has_installation(demo_dir(data_dir)))
        self.institution = InstitutionPage()
        self.admin = AdminPage(data_dir)
        self.recovery = RecoveryPage()
        self.setPage(PAGE_WELCOME, self.welcome)
        self.setPage(PAGE_INSTITUTION, self.institution)
        self.setPage(PAGE_ADMIN, self.admin)
        self.setPage(PAGE_RECOVERY, self.recovery)
        self.institution.registerField("area", self.institution.area)
        self.institution.registerField("institutionName", self.institution.name)
        self.resize(720, 480)
        self.welcome.demo.clicked.connect(self._demo)

    def done(self, result: int) -> None:
        """完成 hands over to the main window without closing: this window stays up until the
        shell closes it after the main window is shown, because the program ends when its last
        visible window closes."""
        if result == QWizard.DialogCode.Accepted and self.admin.created is not None:
            self.set_busy(True)
            self.created.emit(self.admin.created[0])
            return
        super().done(result)

    def _demo(self) -> None:
        self.set_busy(True)
        self.demo_chosen.emit()  # the shell opens it, then closes this window

    def set_busy(self, busy: bool) -> None:
        """While the next window is being prepared nothing here can be pressed twice."""
        for which in (QWizard.WizardButton.BackButton, QWizard.WizardButton.NextButton,
                      QWizard.WizardButton.FinishButton, QWizard.WizardButton.CancelButton):  # fmt: skip
            self.button(which).setEnabled(not busy)
        self.welcome.demo.setEnabled(not busy)
