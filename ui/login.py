"""The login panel: used as the start window and as the lock screen (unlock or switch user)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ui.admin_common import message_label
from ui.qt import (
    QComboBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
    tr,
)
from ui.tasks import DbOp, worker

log = logging.getLogger("cunyi.ui.login")
FIELD_HEIGHT = 30  # px: a comfortable box for a mouse or a finger on a touchpad


def user_names(data_dir: Path) -> list[str]:
    """Users who can log in, read from the key file (no database needed before login)."""
    # Only the key file module: app.store (SQLAlchemy) is imported on the DB worker meanwhile.
    from app import paths
    from app.crypto.keyfile import RECOVERY, KeyFile

    try:
        keyfile = KeyFile.load(paths.keys_path(data_dir))
    except Exception:  # noqa: BLE001 - a damaged key file is reported when logging in
        return []
    return sorted(n for n in keyfile.slots if n != RECOVERY and not keyfile.is_disabled(n))


def open_store(data_dir: Path, user: str, password: str,
               upgrading: Any = None) -> tuple[str, Any]:  # fmt: skip
    """Runs on the DB worker: log in and make the new store the worker's store.
    Returns ("ok", CurrentUser) or ("refused", message, seconds to wait). `upgrading(old, new)`
    is called if this login upgrades the data to this version (app/upgrade.py)."""
    from app import upgrade
    from app.errors import AuthError
    from app.store import Store, login_wait_seconds

    if upgrading is not None:
        upgrade.listeners.append(upgrading)
    try:
        store = Store.open(data_dir, user, password)
    except AuthError as e:
        return ("refused", str(e), login_wait_seconds(data_dir, user))
    finally:
        if upgrading is not None:
            upgrade.listeners.remove(upgrading)
    worker().set_store(store)
    return ("ok", store.user)


class LoginPanel(QWidget):
    """User and password. `logged_in(CurrentUser)` fires after the store is open on the worker."""

    logged_in = Signal(object)

    def __init__(self, data_dir: Path, parent: QWidget | None = None, *, lock_mode: bool = False):
        super().__init__(parent)
        self.data_dir = data_dir
        self.setObjectName("login")
        self._wait_left = 0
        self._busy = False
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        card = self.card = QFrame(self)
        card.setObjectName("loginCard")
        card.setFrameShape(QFrame.Shape.StyledPanel)
        # A fixed width lets the wrapped subtitle know its height; without it the layout
        # guessed too little in the lock screen and squashed the boxes below it.
        card.setFixedWidth(440)
        card.setStyleSheet("#loginCard { background: white; border-radius: 8px; }")
        box = QVBoxLayout(card)
        box.setContentsMargins(28, 24, 28, 24)
        self.title = QLabel(card)
        self.title.setStyleSheet("font-size: 20pt; font-weight: bold; color: #1f5f99;")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.subtitle = QLabel(card)
        self.subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.subtitle.setWordWrap(True)
        box.addWidget(self.title)
        box.addWidget(self.subtitle)
        form = QFormLayout()
        form.setVerticalSpacing(10)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.user = QComboBox(card)
        self.user.setEditable(True)
        self.user.setObjectName("user")
        self.user.setMinimumWidth(220)
        self.password = QLineEdit(card)
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.returnPressed.connect(self.submit)
        for w in (self.user, self.password):
            w.setMinimumHeight(max(w.sizeHint().height(), FIELD_HEIGHT))
        form.addRow(tr("Login", "用户名"), self.user)
        form.addRow(tr("Login", "密码"), self.password)
        box.addLayout(form)
        self.message = message_label(card)
        box.addWidget(self.message)
        self.button = QPushButton(tr("Login", "登录"), card)
        self.button.setObjectName("loginButton")
        self.button.setDefault(True)
        self.button.setMinimumHeight(34)
        self.button.clicked.connect(self.submit)
        box.addWidget(self.button)
        self.forgot = QPushButton(tr("Login", "忘记密码？"), card)
        self.forgot.setObjectName("forgotPassword")
        self.forgot.setFlat(True)
        self.forgot.setStyleSheet("color: #1f5f99; text-decoration: underline;")
        self.forgot.setCursor(Qt.CursorShape.PointingHandCursor)
        self.forgot.clicked.connect(self.open_recovery)
        box.addWidget(self.forgot, 0, Qt.AlignmentFlag.AlignRight)
        self.recovery: QWidget | None = None
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(3)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._count_down)
        self.set_lock_mode(lock_mode)
        self.refresh_users()

    def refresh_users(self, current: str | None = None) -> None:
        self.user.clear()
        self.user.addItems(user_names(self.data_dir))
        if current:
            self.user.setCurrentText(current)

    def set_lock_mode(self, locked: bool, user: str | None = None) -> None:
        if locked:
            self.title.setText(tr("Login", "已锁定"))
            self.subtitle.setText(
                tr("Login", "输入密码继续工作；换人值班请选择其他用户登录，未保存的内容会保留。")
            )
            self.button.setText(tr("Login", "解锁"))
            # Not while locked: another user's store is open with the key file as it was read
            # at login, and its next save would undo a password set beside it.
            self.forgot.setVisible(False)
        else:
            self.forgot.setVisible(True)
            self.title.setText(tr("Login", "村医 · 居民健康档案"))
            self.subtitle.setText(tr("Login", "请登录"))
            self.button.setText(tr("Login", "登录"))
        self.refresh_users(user)
        self.password.clear()
        self.message.clear()
        self._fit_card()

    def _say(self, text: str, colour: str = "#c62828") -> None:
        self.message.setStyleSheet(f"color: {colour};")
        self.message.setText(text)
        self._fit_card()

    def open_recovery(self) -> None:
        from ui.recovery_dialog import RecoveryDialog

        dialog = RecoveryDialog(self.data_dir, user_names(self.data_dir), self.user.currentText(), self)
        dialog.recovered.connect(self._recovered)
        self.recovery = dialog
        dialog.open()

    def _recovered(self, user: str) -> None:
        self.refresh_users(user)
        self.password.clear()
        self.password.setFocus()
        self._say(tr("Login", "新密码已生效，请用新密码登录"), "#1b5e20")

    def _fit_card(self) -> None:
        """The card as tall as its contents at its width: a wrapped subtitle (the lock screen's
        two lines) is otherwise counted as one line and the boxes under it are squashed."""
        layout = self.card.layout()
        self.card.setMinimumHeight(layout.totalHeightForWidth(self.card.width()))

    def focus(self) -> None:
        (self.password if self.user.currentText() else self.user).setFocus()

    def submit(self) -> None:
        if self._busy or self._wait_left:
            return
        name = self.user.currentText().strip()
        if not name:
            self._say(tr("Login", "请填写用户名"))
            self.user.setFocus()
            return
        if not self.password.text():
            self._say(tr("Login", "请填写密码"))
            self.password.setFocus()
            return
        self._busy = True
        self.button.setEnabled(False)
        self._say(tr("Login", "正在登录……"))
        password = self.password.text()
        def upgrading(_old: str, _new: str) -> None:  # on the DB worker
            worker().post(lambda: self._say(tr("Login", "首次使用新版本：正在备份并升级数据，数据多时需要几分钟，"
                                                        "请勿关闭程序……"), "#1565c0"))  # fmt: skip

        DbOp(self, lambda _s: open_store(self.data_dir, name, password, upgrading)).success(
            self._done
        ).failure(self._failed).run()

    def _done(self, result: tuple) -> None:
        self._busy = False
        self.button.setEnabled(True)
        if result[0] == "ok":
            self.password.clear()
            self.message.clear()
            log.info("login ok")
            self.logged_in.emit(result[1])
            return
        _, message, wait = result
        log.info("login refused")
        self.password.clear()
        self.password.setFocus()
        self._say(message)
        if wait:
            self._wait_left = wait
            self._count_down()
            self._tick.start()

    def _failed(self, exc: BaseException) -> None:
        from ui.errors import user_message

        self._busy = False
        self.button.setEnabled(True)
        self._say(user_message(exc))

    def _count_down(self) -> None:
        """Back-off after repeated failures: the button says how long to wait."""
        if self._wait_left <= 0:
            self._tick.stop()
            self._wait_left = 0
            self.button.setEnabled(True)
            self.set_button_text()
            return
        self.button.setEnabled(False)
        self.button.setText(tr("Login", "请等待 {0} 秒").format(self._wait_left))
        self._wait_left -= 1

    def set_button_text(self) -> None:
        locked = self.title.text() == tr("Login", "已锁定")
        self.button.setText(tr("Login", "解锁") if locked else tr("Login", "登录"))
