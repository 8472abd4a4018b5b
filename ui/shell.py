"""The client's life cycle: set-up wizard or login, then the main window; demo clinic; idle lock;
shutdown. Owns which installation (data directory) is open."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ui.idle import IdleWatcher
from ui.login import LoginPanel
from ui.qt import QEvent, QObject, QTimer, QWidget, tr
from ui.tasks import DbOp, LongJob, reset_worker, worker
from ui.window_geometry import remember, show_fitted

if TYPE_CHECKING:
    from app.store import Store

log = logging.getLogger("cunyi.ui.shell")


class LoginWindow(LoginPanel):
    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir)
        self.setWindowTitle(tr("Login", "登录"))  # Qt appends the display name
        self.resize(640, 480)


def warm_up(_store: Store) -> None:
    import importlib

    for name in ("app.store", "app.services.residents", "app.services.records", "app.services.due",
                 "app.services.drafts", "app.services.settings", "forms.definitions"):  # fmt: skip
        importlib.import_module(name)


def session_info(store: Store) -> dict[str, Any]:
    """What the window needs after login, read on the DB worker."""
    from app.services import settings

    return {"institution": store.institution.name, "village": store.institution.village,
            "settings": settings.get_all(store),
            "anchor_problems": list(getattr(store, "anchor_problems", [])),
            "rotation": getattr(store, "rotation", None),
            "full_disk": bool(getattr(store, "full_disk", False) or getattr(store, "held_audit", None))}  # fmt: skip


class Shell(QObject):
    def __init__(self, data_dir: Path) -> None:
        super().__init__()
        self.data_dir = Path(data_dir)
        self.root_dir = self.data_dir
        self.main: Any = None
        self.login_window: LoginWindow | None = None
        self.wizard: Any = None
        self.anchor_warning: Any = None  # the message shown after a login that found one
        self.full_disk_warning: Any = None  # the same for a login on a full disk
        self.rotation_box: Any = None  # what a key change finished at login did
        self.notice: Any = None  # the last message shown over the login (after a restore)
        self.settings: dict[str, Any] = {"idle_lock_minutes": 10, "backup_dir": ""}
        self.institution_name = ""
        self.default_village = ""
        self.idle = IdleWatcher(self.lock, self.settings["idle_lock_minutes"])
        self.freeze_heap = False  # set by the real client (ui/app.py), not by tests

    def start(self) -> QWidget:
        from app import paths

        # The first window appears before the database layer is even imported: that import
        # (SQLAlchemy, the models, the services) runs on the DB worker while the user types,
        # started once the window is up so it does not share the CPU with the window's making.
        window = self.show_login() if paths.has_installation(self.data_dir) else self.show_wizard()
        QTimer.singleShot(0, self, DbOp(None, warm_up).run)
        return window

    def show_wizard(self) -> QWidget:
        from ui.wizard import SetupWizard

        self.wizard = SetupWizard(self.data_dir)
        self.wizard.created.connect(self.logged_in)
        self.wizard.demo_chosen.connect(self.open_demo)
        self.wizard.recovery.print_requested.connect(self.print_recovery)
        self.wizard.show()
        return self.wizard

    def show_login(self) -> QWidget:
        self.login_window = LoginWindow(self.data_dir)
        self.login_window.logged_in.connect(self.logged_in)
        self.login_window.show()
        self.login_window.focus()
        return self.login_window

    def open_demo(self) -> None:
        from ui.demo import open_or_create_demo

        root = self.root_dir

        def run(_store: Store, state: Any) -> Any:
            state.set_progress(10, tr("Shell", "正在准备演示卫生室……"))
            store = open_or_create_demo(root)
            worker().set_store(store)
            return store.user

        def opened(user: Any) -> None:
            from app.paths import demo_dir

            self.data_dir = demo_dir(root)
            self.logged_in(user)

        def failed(exc: BaseException) -> None:
            from ui.errors import show_error

            if self.wizard is not None:
                self.wizard.set_busy(False)
            show_error(self.wizard, exc)

        # The wizard stays open (and owns the progress dialog) until the main window is shown.
        LongJob(self.wizard, tr("Shell", "打开演示卫生室"), run).success(opened).failure(failed).run()

    def logged_in(self, user: Any) -> None:
        DbOp(None, session_info).success(lambda info: self._open_main(user, info)).run()

    def _open_main(self, user: Any, info: dict[str, Any]) -> None:
        from ui.main_window import MainWindow

        self._apply_info(info)
        if self.main is None:
            self.main = MainWindow(self, user)
            self.main.sync.set_auto(bool(self.settings.get("sync_auto", True)))
            self.main.installEventFilter(self)  # its placement is remembered when it closes
            show_fitted(self.main, self.root_dir)
            if self.freeze_heap:
                import gc

                # What is loaded by now lives as long as the process; taking it out of the
                # garbage collector's full passes keeps a pass run by the sync thread (which holds
                # the interpreter lock throughout) from freezing the window for 100-250 ms.
                gc.freeze()
        for window in (self.login_window, self.wizard):
            if window is not None:
                window.close()
                window.deleteLater()
        self.login_window = self.wizard = None
        self.idle.start()
        if info.get("anchor_problems"):
            self.warn_anchors(info["anchor_problems"])
        if info.get("rotation"):
            self.tell_rotation(info["rotation"])
        if info.get("full_disk"):
            self.warn_full_disk()
        log.info("main window open")

    def warn_anchors(self, problems: list[str]) -> None:
        """The audit log does not extend what was recorded of it outside the database (found at
        login, app/services/anchors.py): said once, without blocking the day's work."""
        from ui.qt import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Warning, tr("Shell", "审计日志异常"),
                          tr("Shell", "本机的审计日志与之前记下的不一致（可能被人改动，或有已保存的内容丢失），请立即报告管理员：")
                          + "\n\n" + "\n".join(problems), QMessageBox.StandardButton.Ok,
                          self.main)  # fmt: skip
        box.setObjectName("anchorWarning")
        box.setModal(False)
        box.show()
        self.anchor_warning = box

    def warn_full_disk(self) -> None:
        """Logged in on a full disk (app/store.py): reading works, saving does not, and this
        login's audit entry waits in memory. Said once, without blocking."""
        from ui.qt import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Warning, tr("Shell", "磁盘空间不足"),
                          tr("Shell", "{0} 所在的磁盘已满：可以查找、查看和打印，但不能保存。"
                             "登录和查看的审计记录暂存在内存中，腾出空间后第一次保存时写入；"
                             "请删除不需要的文件或把旧备份移到别处。").format(self.data_dir),
                          QMessageBox.StandardButton.Ok, self.main)  # fmt: skip
        box.setObjectName("fullDiskWarning")
        box.setModal(False)
        box.show()
        self.full_disk_warning = box

    def tell_rotation(self, out: dict[str, Any]) -> None:
        """This login finished a key change an interrupted window or command had left owed (or
        could not, and says why)."""
        from ui.admin_common import show_rotation
        from ui.qt import QMessageBox

        if out.get("error"):
            box = QMessageBox(QMessageBox.Icon.Warning, tr("Shell", "数据密钥"), out["error"],
                              QMessageBox.StandardButton.Ok, self.main)  # fmt: skip
            box.setModal(False)
            box.show()
            self.rotation_box = box
        else:
            self.rotation_box = show_rotation(self.main, out)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        # getattr: Qt may still deliver an event while this object is being torn down.
        main = getattr(self, "main", None)
        if main is not None and obj is main and event.type() == QEvent.Type.Close:
            remember(main, self.root_dir)
        return False

    def _apply_info(self, info: dict[str, Any]) -> None:
        self.institution_name = info["institution"]
        self.default_village = "" if info["village"] == "000" else info["village"]
        self.settings_changed(info["settings"])

    def settings_changed(self, values: dict[str, Any]) -> None:
        self.settings = dict(values)
        self.idle.minutes = int(values.get("idle_lock_minutes") or 10)
        if self.main is not None:
            self.main.sync.set_auto(bool(values.get("sync_auto", True)))
            DbOp(self.main, lambda s: s.institution.name).success(self._renamed).run()

    def _renamed(self, name: str) -> None:
        self.institution_name = name
        if self.main is not None:
            self.main.apply_user(self.main.user)

    def user_changed(self, user: Any) -> None:
        DbOp(None, session_info).success(self._apply_info).run()
        self.idle.start()

    def lock(self) -> None:
        if self.main is not None:
            self.main.lock()

    def restored(self, message: str = "") -> None:
        """After a restore the old session is gone: log in again. The login shows before the main
        window closes, so there is always a window and the program goes on; `message` (恢复成功)
        is shown over the login."""
        login = self.show_login()
        if self.main is not None:
            self.main.close()
            self.main.sync.shutdown()
            self.main = None
        self.idle.stop()
        login.raise_()
        login.activateWindow()
        if message:
            from ui.errors import show_info

            self.notice = show_info(login, message, tr("Shell", "恢复成功"))

    def print_recovery(self, code: str) -> None:
        from ui.printing import ask_printer, print_text_page

        printer = ask_printer(self.wizard, tr("Shell", "打印恢复代码"))
        if printer is None:
            return
        print_text_page(printer, tr("Shell", "村医 恢复代码（请妥善保管）"), [
            tr("Shell", "机构：{0}").format(self.wizard.institution.name.text()),
            tr("Shell", "区划代码：{0}").format(self.wizard.institution.area.text()),
            code,
            tr("Shell", "所有密码都忘记时，用此代码重设密码。丢失密码和此代码，数据将无法打开。"),
        ])  # fmt: skip

    def backup_on_exit(self) -> str | None:
        """The daily automatic backup (app/services/backup.py: at most one a day, checked by
        opening it, the newest kept) when the client closes with a user logged in."""
        from app.services import backup, settings

        def run(store: Store) -> str | None:
            if store is None:
                return None
            folder = settings.get_all(store).get("backup_dir") or None
            return backup.auto_backup(store, Path(folder) if folder else None)["path"]

        if self.main is not None:
            self.main.sync.shutdown()  # the backup copies a database no sync is writing to
        try:
            return worker().run_sync(run)
        except Exception as exc:  # never keep the window from closing; the reason is logged
            log.warning("automatic backup failed: %s", type(exc).__name__)
            return None

    def shutdown(self) -> None:
        if self.main is not None:
            self.main.removeEventFilter(self)
            for editor in self.main.editors():
                editor.save_draft()
            self.main.sync.shutdown()
        self.idle.close()
        reset_worker()
