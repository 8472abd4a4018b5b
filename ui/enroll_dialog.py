"""Registering this installation with the county platform (administrators): the platform's
address, the one-time code from the county health bureau, and its CA certificate when the
platform uses a self-signed one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ui.admin_common import message_label
from ui.qt import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
    Signal,
    tr,
)
from ui.tasks import DbOp, worker

if TYPE_CHECKING:
    from app.store import Store


class EnrollDialog(QDialog):
    enrolled = Signal(dict)  # {"device_id", "institution", "server"}

    def __init__(self, server: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("enrollDialog")
        self.setWindowTitle(tr("Sync", "注册到县平台"))
        form = QFormLayout(self)
        intro = QLabel(tr("Sync", "请填写县卫健局提供的县平台地址和一次性注册码。"
                                  "注册码只能用一次，过期后请重新申请。"), self)  # fmt: skip
        intro.setWordWrap(True)
        form.addRow(intro)
        self.server = QLineEdit(server or "", self)
        self.server.setObjectName("server")
        self.server.setPlaceholderText("https://192.168.1.10:8443")
        self.code = QLineEdit(self)
        self.code.setObjectName("code")
        self.code.setPlaceholderText("XXXX-XXXX-XXXX-XXXX")
        self.ca_cert = QLineEdit(self)
        self.ca_cert.setObjectName("caCert")
        self.ca_cert.setPlaceholderText(tr("Sync", "可不填：县平台使用自签名证书时才需要"))
        pick = QPushButton(tr("Sync", "选择…"), self)
        pick.clicked.connect(self._pick)
        row = QHBoxLayout()
        row.addWidget(self.ca_cert, 1)
        row.addWidget(pick)
        form.addRow(tr("Sync", "县平台地址"), self.server)
        form.addRow(tr("Sync", "注册码"), self.code)
        form.addRow(tr("Sync", "CA 证书文件"), row)
        self.message = message_label(self)
        form.addRow(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.submit_button = self.buttons.addButton(
            tr("Sync", "注册"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.submit_button.setObjectName("enrollButton")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.stop: Any = None
        self.resize(560, 260)

    def _pick(self) -> None:
        from ui.file_dialogs import open_file

        path = open_file(self, tr("Sync", "选择县平台的 CA 证书"), "",
                         tr("Sync", "证书 (*.pem *.crt *.cer);;所有文件 (*)"))  # fmt: skip
        if path:
            self.ca_cert.setText(path)

    def submit(self) -> None:
        from sync.background import StopSignal, enroll

        server, code = self.server.text(), self.code.text()
        ca_cert = self.ca_cert.text().strip() or None
        self.message.setStyleSheet("color: #555;")
        self.message.setText(tr("Sync", "正在连接县平台……"))
        self.submit_button.setEnabled(False)
        self.stop = StopSignal()
        stop, hook = self.stop, worker().query_hook

        def opener(store: Store) -> Any:
            from sync.background import Opener

            return Opener.of(store, hook)

        def go(op: Any) -> None:
            DbOp(self, lambda _s: enroll(op, server, code, ca_cert, stop)).on_network().success(
                self._done
            ).failure(self._failed).run()

        DbOp(self, opener).success(go).failure(self._failed).run()

    def _done(self, out: dict[str, Any]) -> None:
        self.enrolled.emit(out)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        from ui.errors import user_message

        self.submit_button.setEnabled(True)
        self.message.setStyleSheet("color: #c62828;")
        self.message.setText(user_message(exc))

    def done(self, result: int) -> None:
        if self.stop is not None:
            self.stop.stop()  # closing the dialog abandons a connection attempt at once
        super().done(result)
