"""Settings: institution name, idle lock minutes, backup folder."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ui.admin_common import message_label as _message
from ui.qt import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
    Signal,
    tr,
)
from ui.tasks import DbOp

if TYPE_CHECKING:
    from app.store import Store


class SettingsDialog(QDialog):
    """Institution name, idle lock minutes, backup folder, automatic sync, typed names in the
    printed signature cells (admins change them)."""

    saved = Signal(dict)

    def __init__(self, settings: dict[str, Any], institution: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle(tr("Admin", "设置"))
        form = QFormLayout(self)
        self.institution = QLineEdit(institution, self)
        self.institution.setObjectName("institution")
        self.idle = QSpinBox(self)
        self.idle.setObjectName("idleMinutes")
        self.idle.setRange(1, 240)
        self.idle.setSuffix(tr("Admin", " 分钟"))
        self.idle.setValue(int(settings.get("idle_lock_minutes") or 10))
        self.backup_dir = QLineEdit(settings.get("backup_dir") or "", self)
        self.backup_dir.setObjectName("backupDir")
        self.backup_dir.setPlaceholderText(tr("Admin", "默认：数据目录下的 backups"))
        pick = QPushButton(tr("Admin", "选择…"), self)
        pick.clicked.connect(self._pick)
        row = QHBoxLayout()
        row.addWidget(self.backup_dir, 1)
        row.addWidget(pick)
        self.sync_auto = QCheckBox(tr("Admin", "连上县平台时自动同步（按流量计费的网络可关闭，只在点“立即同步”时发送）"), self)
        self.sync_auto.setObjectName("syncAuto")
        self.sync_auto.setChecked(bool(settings.get("sync_auto", True)))
        self.typed_signatures = QCheckBox(
            tr("Admin", "签名栏打印医生姓名（不选则留空，由医生手写签名）"), self
        )
        self.typed_signatures.setObjectName("typedSignatures")
        self.typed_signatures.setChecked(bool(settings.get("print_typed_signatures", False)))
        self.message = _message(self)
        form.addRow(tr("Admin", "机构名称"), self.institution)
        form.addRow(tr("Admin", "无操作自动锁定"), self.idle)
        form.addRow(tr("Admin", "备份文件夹"), row)
        form.addRow(tr("Admin", "县平台同步"), self.sync_auto)
        form.addRow(tr("Admin", "打印签名"), self.typed_signatures)
        form.addRow(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.resize(560, 220)

    def _pick(self) -> None:
        from ui.file_dialogs import existing_folder

        folder = existing_folder(self, tr("Admin", "选择备份文件夹"), self.backup_dir.text())
        if folder:
            self.backup_dir.setText(folder)

    def submit(self) -> None:
        values = {"idle_lock_minutes": self.idle.value(), "backup_dir": self.backup_dir.text().strip(),
                  "sync_auto": self.sync_auto.isChecked(),
                  "print_typed_signatures": self.typed_signatures.isChecked()}  # fmt: skip
        name = self.institution.text().strip()

        def run(store: Store) -> dict[str, Any]:
            from app.services import settings

            if name != store.institution.name:
                settings.rename_institution(store, name)
            settings.put(store, values)
            return settings.get_all(store)

        def ok(result: dict[str, Any]) -> None:
            self.saved.emit(result)
            self.accept()

        DbOp(self, run).success(ok).failure(lambda e: self.message.setText(str(e))).run()
