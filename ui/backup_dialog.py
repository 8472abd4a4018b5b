"""Backup now (encrypted, verified by opening it) and restore from a backup file (admins)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ui.qt import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
    tr,
)
from ui.tasks import DbOp, LongJob

if TYPE_CHECKING:
    from app.store import Store


def backup_folder(store: Store, configured: str) -> Path:
    from app.services import backup

    return Path(configured) if configured else backup.default_folder(store)


class BackupDialog(QDialog):
    def __init__(self, shell: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shell = shell
        self.setObjectName("backupDialog")
        self.setWindowTitle(tr("Backup", "备份与恢复"))
        column = QVBoxLayout(self)
        note = QLabel(tr("Backup", "备份文件是加密的：只有备份时能登录的用户，用自己的密码才能打开。"
                                   "请定期把备份复制到U盘，交乡镇卫生院保存。"), self)  # fmt: skip
        note.setWordWrap(True)
        column.addWidget(note)
        self.folder = QLabel(self)
        self.folder.setObjectName("folder")
        self.folder.setWordWrap(True)
        column.addWidget(self.folder)
        self.files = QListWidget(self)
        self.files.setObjectName("backups")
        column.addWidget(self.files, 1)
        self.message = QLabel(self)
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        column.addWidget(self.message)
        row = QHBoxLayout()
        self.backup_button = QPushButton(tr("Backup", "立即备份"), self)
        self.backup_button.setObjectName("backupNow")
        self.backup_button.clicked.connect(self.backup_now)
        restore = QPushButton(tr("Backup", "从备份恢复…"), self)
        restore.setObjectName("restore")
        restore.clicked.connect(self.ask_restore)
        close = QPushButton(tr("Backup", "关闭"), self)
        close.clicked.connect(self.accept)
        row.addWidget(self.backup_button)
        row.addWidget(restore)
        row.addStretch(1)
        row.addWidget(close)
        column.addLayout(row)
        self.resize(640, 420)
        self.refresh()

    def refresh(self) -> None:
        configured = self.shell.settings.get("backup_dir") or ""

        def load(store: Store) -> tuple[str, list[str]]:
            folder = backup_folder(store, configured)
            names = sorted((p.name for p in folder.glob("*.cunyibak")), reverse=True) \
                if folder.is_dir() else []  # fmt: skip
            return str(folder), names

        def show(result: tuple[str, list[str]]) -> None:
            self.folder.setText(tr("Backup", "备份文件夹：{0}").format(result[0]))
            self.files.clear()
            self.files.addItems(result[1])
            self.folder_path = Path(result[0])

        DbOp(self, load).success(show).run()

    def backup_now(self) -> None:
        configured = self.shell.settings.get("backup_dir") or ""

        def run(store: Store, state: Any) -> dict[str, Any]:
            from app.services import backup

            state.set_progress(10, tr("Backup", "正在复制加密数据库……"))
            target = backup_folder(store, configured) / f"cunyi-{dt.datetime.now():%Y%m%d-%H%M%S}.cunyibak"
            result = backup.write_backup(store, target)
            state.set_progress(70, tr("Backup", "正在打开备份进行校验……"))
            problems = backup.check_backup_file(target, store.data_key)
            return {**result, "problems": problems}

        def done(result: dict[str, Any]) -> None:
            if result["problems"]:
                self.message.setStyleSheet("color: #c62828;")
                self.message.setText(tr("Backup", "备份校验失败：") + "；".join(result["problems"]))
            else:
                self.message.setStyleSheet("color: #1b5e20;")
                self.message.setText(tr("Backup", "备份完成并已校验：{0}").format(Path(result["path"]).name))
            self.refresh()

        LongJob(self, tr("Backup", "备份"), run).success(done).failure(
            lambda e: self.message.setText(str(e))).run()  # fmt: skip

    def ask_restore(self) -> None:
        from ui.file_dialogs import open_file

        path = open_file(self, tr("Backup", "选择备份文件"), str(getattr(self, "folder_path", "")),
                         tr("Backup", "村医备份 (*.cunyibak)"))  # fmt: skip
        if path:
            dialog = RestoreDialog(self.shell, Path(path), self)
            self.restore_dialog = dialog
            dialog.open()


class RestoreDialog(QDialog):
    """Restoring replaces the data (the old files are kept aside); everyone logs in again."""

    def __init__(self, shell: Any, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shell, self.path = shell, path
        self.setObjectName("restoreDialog")
        self.setWindowTitle(tr("Backup", "从备份恢复"))
        form = QFormLayout(self)
        warn = QLabel(tr("Backup", "恢复后，本机现在的数据会被备份中的数据替换（现有文件另存，不会删除）。"
                                   "请输入备份时有效的用户名和密码。"), self)  # fmt: skip
        warn.setWordWrap(True)
        form.addRow(warn)
        form.addRow(tr("Backup", "备份文件"), QLabel(path.name, self))
        self.user = QLineEdit(self)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(tr("Backup", "用户名"), self.user)
        form.addRow(tr("Backup", "密码"), self.password)
        self.message = QLabel(self)
        self.message.setStyleSheet("color: #c62828;")
        self.message.setWordWrap(True)
        form.addRow(self.message)
        button = QPushButton(tr("Backup", "恢复"), self)
        button.setObjectName("restoreNow")
        button.clicked.connect(self.submit)
        form.addRow(button)

    def submit(self) -> None:
        data_dir, path = self.shell.data_dir, self.path
        user, password = self.user.text().strip(), self.password.text()
        sync = self.shell.main.sync if self.shell.main is not None else None
        if sync is not None:
            sync.pause()  # a sync writing to the files being replaced would be lost or worse

        def run(store: Store, state: Any) -> dict[str, Any]:
            from app.services import backup
            from ui.tasks import worker

            if sync is not None:
                sync.wait()
            state.set_progress(20, tr("Backup", "正在校验备份……"))
            worker().set_store(None)  # the database files are about to be replaced
            return backup.restore(data_dir, path, user, password)

        def failed(exc: BaseException) -> None:
            # The session was closed for the restore; the old data is untouched: log in again.
            from ui.errors import show_error

            shell = self.shell
            shell.restored()
            show_error(shell.login_window, exc)

        def restored(result: dict[str, Any]) -> None:
            self.close()
            if isinstance(self.parent(), QDialog):
                self.parent().close()  # the backup dialog
            self.shell.restored(restored_message(result))

        LongJob(self, tr("Backup", "恢复"), run).success(restored).failure(failed).run()


def restored_message(result: dict[str, Any]) -> str:
    when = str(result.get("restored_from") or "")[:16].replace("T", " ")
    text = tr("Backup", "恢复成功。数据已恢复到备份时（{0}）的状态。\n请用备份时的用户名和密码重新登录。"
              ).format(when)  # fmt: skip
    if result.get("previous"):
        text += "\n" + tr("Backup", "恢复前的数据没有删除，另存在：{0}").format(result["previous"])
    return text
