"""The main window: toolbar, the resident list and follow-up list, resident and form tabs, and the
lock screen in front of them."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import forms
from ui import changes
from ui.due_list import DueList
from ui.login import LoginPanel
from ui.qt import (
    QAction,
    QKeySequence,
    QLabel,
    QMainWindow,
    QStackedWidget,
    QTabWidget,
    QWidget,
    Signal,
    isValid,
    tr,
)
from ui.record_editor import EditArea
from ui.register import RegisterEditor
from ui.resident_list import ResidentList
from ui.resident_view import ResidentView, form_title
from ui.tasks import DbOp, LongJob

if TYPE_CHECKING:
    from app.services.results import Result
    from app.store import Store

log = logging.getLogger("cunyi.ui.main")
SHORT_TITLES = {"htn_followup": "高血压随访", "dm_followup": "糖尿病随访", "health_exam": "健康体检",
                "personal_info": "基本信息"}  # fmt: skip


# Menu actions and the right (app/roles.py) each needs.
ACTION_RIGHTS = {"users": "manage_users", "audit": "audit_log", "settings": "settings",
                 "merge": "merge", "backup": "backup", "import": "import", "export": "export",
                 "booklets": "print_village"}  # fmt: skip


class MainWindow(QMainWindow):
    lock_requested = Signal()

    def __init__(self, shell: Any, user: Any) -> None:
        super().__init__()
        self.shell = shell
        self.user = user
        self.setObjectName("mainWindow")
        self.dialogs: dict[str, QWidget] = {}  # the last dialog of each kind, for tests
        self.stack = QStackedWidget(self)
        self.tabs = QTabWidget(self.stack)
        self.tabs.setObjectName("tabs")
        self.tabs.setTabsClosable(True)
        self.tabs.setDocumentMode(True)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.residents = ResidentList(self.tabs)
        self.residents.open_resident.connect(self.open_resident)
        self.due = DueList(self.tabs)
        self.due.open_resident.connect(self.open_resident)
        self.due.start_round.connect(self.start_round)
        self.tabs.addTab(self.residents, tr("Main", "居民档案"))
        self.tabs.addTab(self.due, tr("Main", "随访提醒"))
        for i in (0, 1):  # the two lists stay open
            self.tabs.tabBar().setTabButton(i, self.tabs.tabBar().ButtonPosition.RightSide, None)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.lock_panel = LoginPanel(shell.data_dir, self.stack, lock_mode=True)
        self.lock_panel.logged_in.connect(self._unlocked)
        self.stack.addWidget(self.tabs)
        self.stack.addWidget(self.lock_panel)
        self.setCentralWidget(self.stack)
        self._build_actions()
        self.user_label = QLabel(self)
        self._build_sync()
        changes.hub().changed.connect(self.changed)
        self.statusBar().addPermanentWidget(self.user_label)
        self.apply_user(user)  # placed on the screen by the shell (ui/window_geometry.py)
        self.residents.search_now()
        self.residents.search_box.setFocus()
        self.check_drafts()
        self.check_rules()
        self.sync.begin()

    # --- toolbar and menus
    def _build_actions(self) -> None:
        bar = self.addToolBar(tr("Main", "常用"))
        bar.setObjectName("toolbar")
        bar.setMovable(False)
        self.actions_by_name: dict[str, QAction] = {}

        def act(name: str, text: str, slot: Any, shortcut: str | None = None, toolbar: bool = True):
            a = QAction(tr("Main", text), self)
            a.setObjectName(f"action_{name}")
            if shortcut:
                a.setShortcut(QKeySequence(shortcut))
                a.setToolTip(f"{tr('Main', text)}（{shortcut}）")
            a.triggered.connect(slot)
            self.addAction(a)
            if toolbar:
                bar.addAction(a)
            self.actions_by_name[name] = a
            return a

        act("find", "查找居民", self.focus_search, "Ctrl+F")
        act("register", "新建档案", self.open_register, "Ctrl+N")
        act("followup", "新增随访", self.new_followup_for_current, "Ctrl+Shift+N")
        act("due", "随访提醒", lambda: self.tabs.setCurrentWidget(self.due), "F5")
        act("print", "打印信息卡", self.print_current_card, "Ctrl+P")
        act("stats", "统计指标", self.open_stats)
        act("activities", "健康教育", self.open_activities)
        bar.addSeparator()
        act("lock", "锁定", self.lock, "Ctrl+L")
        act("switch", "切换用户", self.lock)
        data_menu = self.menuBar().addMenu(tr("Main", "数据"))
        data_menu.setObjectName("dataMenu")
        for name, text, slot in (
            ("import", "导入居民（Excel/CSV）…", self.open_import),
            ("export", "导出居民档案（Excel/CSV）…", self.open_export),
        ):
            data_menu.addAction(act(name, text, slot, toolbar=False))
        menu = self.menuBar().addMenu(tr("Main", "管理"))
        for name, text, slot in (
            ("merge", "合并重复档案…", self.open_merge),
            ("users", "用户管理…", self.open_users),
            ("audit", "审计日志…", self.open_audit),
            ("settings", "设置…", self.open_settings),
            ("booklets", "批量打印本村档案…", self.print_village_booklets),
            ("backup", "备份与恢复…", self.open_backup),
            ("password", "修改我的密码…", self.open_password),
            ("drafts", "我的草稿…", self.open_drafts),
            ("sync", "县平台同步…", self.open_sync),
        ):
            menu.addAction(act(name, text, slot, toolbar=False))
        help_menu = self.menuBar().addMenu(tr("Main", "帮助"))
        help_menu.addAction(act("keys", "快捷键", self.show_keys, "F1", toolbar=False))
        help_menu.addAction(act("about", "关于村医", self.show_about, toolbar=False))

    def apply_user(self, user: Any) -> None:
        self.user = user
        from app import roles

        for name, action in ACTION_RIGHTS.items():  # the services refuse the same (app/roles.py)
            self.actions_by_name[name].setEnabled(roles.allowed(user.role, action))
        self.residents.set_sensitive(roles.allowed(user.role, "sensitive_programmes"))
        self.due.set_sensitive(roles.allowed(user.role, "sensitive_programmes"))
        role = {"admin": "管理员", "doctor": "医生", "nurse": "护士"}.get(user.role, user.role)
        self.user_label.setText(
            tr("Main", "{0}（{1}）｜{2}").format(user.display_name, role, self.shell.institution_name)
        )
        self.setWindowTitle(self.shell.institution_name)  # Qt appends " — 村医"

    # --- tabs
    def _find_tab(self, key: str) -> int:
        for i in range(self.tabs.count()):
            if self.tabs.widget(i).property("tabKey") == key:
                return i
        return -1

    def _add_tab(self, key: str, widget: QWidget, title: str) -> QWidget:
        widget.setProperty("tabKey", key)
        index = self.tabs.addTab(widget, title)
        self.tabs.setCurrentIndex(index)
        return widget

    def close_tab(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if index < 2 or widget is None:
            return
        if self.tabs.currentIndex() == index:
            # Back to where the doctor came from: the resident of the form, else the list.
            uuid = getattr(widget, "resident_uuid", None)
            back = self._find_tab(f"resident:{uuid}") if uuid else -1
            self.tabs.setCurrentIndex(back if back >= 0 else 0)
        if isinstance(widget, EditArea):
            widget.save_draft()  # closing never loses what was typed
        self.tabs.removeTab(index)
        widget.deleteLater()

    def close_widget(self, widget: QWidget) -> None:
        index = self.tabs.indexOf(widget)
        if index >= 0:
            self.close_tab(index)

    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.due and self.due.stale:
            self.due.refresh()

    def open_resident(self, uuid: str) -> ResidentView:
        index = self._find_tab(f"resident:{uuid}")
        if index >= 0:
            self.tabs.setCurrentIndex(index)
            view = self.tabs.widget(index)
            view.reload(opened=True)  # opened again from the list: a new look, audited
            return view
        from app import roles

        view = ResidentView(uuid, self.tabs, sensitive=roles.allowed(self.user.role, "sensitive_programmes"))
        view.open_record.connect(self.open_record)
        view.new_record.connect(lambda r, form: self.open_editor(r, form))
        view.edit_resident.connect(self.edit_resident)
        view.open_resident.connect(self.open_resident)
        view.print_card.connect(lambda r: self.print_card(r["uuid"]))
        view.change_status.connect(self.open_status)
        view.print_pdf.connect(self.print_resident_pdf)
        view.show_household.connect(self.show_household)
        view.register_newborn.connect(self.open_register_newborn)
        view.unmerge.connect(self.unmerge)
        view.unmerge_button.setEnabled(self.user.role == "admin")
        self._add_tab(f"resident:{uuid}", view, tr("Main", "档案"))

        def titled(resident: dict[str, Any]) -> None:
            i = self.tabs.indexOf(view)
            if i < 0:
                return
            key = f"resident:{resident['uuid']}"
            if view.property("tabKey") != key:
                # Opened by a merged-away duplicate and redirected: one tab per person. The older
                # tab of the survivor goes (a resident view holds nothing unsaved), this one, with
                # its "merged into this record" notice, takes its key.
                older = self._find_tab(key)
                if older >= 0:
                    widget = self.tabs.widget(older)
                    self.tabs.removeTab(older)
                    widget.deleteLater()
                    i = self.tabs.indexOf(view)
                view.setProperty("tabKey", key)
            self.tabs.setTabText(i, resident.get("name") or "")

        view.loaded.connect(titled)
        return view

    def changed(self, result: Result) -> None:
        """A database call wrote something (ui/changes.py): the views of the residents it names
        show it, the list searches again when its rows may differ, the due list follows, and
        the change is counted for the next sync."""
        self.sync.poke()  # a local change: count it and send it soon
        for uuid in result.residents:
            self.refresh_resident(uuid)
        if result.reaches_list:
            self.residents.search_now()
        if self.tabs.currentWidget() is self.due:
            self.due.refresh()
        else:
            self.due.stale = True  # refreshed when shown

    def refresh_resident(self, uuid: str) -> None:
        """The open view of `uuid` and its row in the list read it again."""
        self.residents.model.forget(uuid)
        index = self._find_tab(f"resident:{uuid}")
        if index >= 0:
            self.tabs.widget(index).reload()

    # --- editors
    def open_editor(self, resident: dict[str, Any], form: str, record: dict[str, Any] | None = None,
                    round_ids: list[str] | None = None) -> EditArea:  # fmt: skip
        key = f"editor:{form}:{resident['uuid']}:{(record or {}).get('uuid', 'new')}"
        index = self._find_tab(key)
        if index >= 0:
            self.tabs.setCurrentIndex(index)
            return self.tabs.widget(index)
        editor = EditArea(form, resident, record, round_ids=round_ids, parent=self.tabs)
        editor.close_requested.connect(lambda: self.close_widget(editor))
        editor.next_requested.connect(lambda uuid: self._round_next(form, uuid, round_ids or []))
        title = f"{resident.get('name') or ''}·{SHORT_TITLES.get(form, editor.form.title[:6])}"
        self._add_tab(key, editor, title)
        editor.editor.setFocus()
        return editor

    def open_record(self, resident: dict[str, Any], record: dict[str, Any]) -> EditArea:
        return self.open_editor(resident, record["form"], record)

    def start_round(self, form: str, uuids: list[str]) -> None:
        if uuids:
            self._round_next(form, uuids[0], uuids)

    def _round_next(self, form: str, uuid: str, round_ids: list[str]) -> None:
        def load(store: Store) -> dict[str, Any]:
            from app.services import residents

            return residents.get(store, uuid)

        DbOp(self, load).success(lambda r: self.open_editor(r, form, None, round_ids)).run()

    def new_followup_for_current(self) -> None:
        widget = self.tabs.currentWidget()
        uuid = widget.uuid if isinstance(widget, ResidentView) else self.residents.current_uuid()
        if not uuid:
            from ui.errors import show_info

            show_info(self, tr("Main", "请先在居民列表中选中一位居民"))
            return

        def load(store: Store) -> dict[str, Any]:
            from app.services import residents

            return residents.get(store, uuid)

        DbOp(self, load).success(self.choose_form).run()

    def choose_form(self, resident: dict[str, Any]) -> QWidget:
        """Ask which form to fill: the ones that fit this resident are offered first."""
        from app import roles
        from ui.form_chooser import FormChooser

        dialog = FormChooser(resident, self, sensitive=roles.allowed(self.user.role, "sensitive_programmes"))
        dialog.chosen.connect(lambda r, form: self.open_editor(r, form))
        return self._dialog("chooser", dialog)

    def open_register(self) -> RegisterEditor:
        index = self._find_tab("register:new")
        if index >= 0:
            self.tabs.setCurrentIndex(index)
            return self.tabs.widget(index)
        editor = RegisterEditor(default_village=self.shell.default_village, parent=self.tabs)
        self._wire_register(editor)
        self._add_tab("register:new", editor, tr("Main", "新建档案"))
        editor.editor.widgets["name"].focus_input()
        return editor

    def open_register_newborn(self, mother: dict[str, Any]) -> RegisterEditor:
        """The register form for a newborn of `mother` (issue 15: from her record)."""
        key = f"register:newborn:{mother['uuid']}"
        index = self._find_tab(key)
        if index >= 0:
            self.tabs.setCurrentIndex(index)
            return self.tabs.widget(index)
        editor = RegisterEditor(newborn_of=mother, default_village=mother.get("village") or "", parent=self.tabs)
        self._wire_register(editor)
        self._add_tab(key, editor, tr("Main", "新生儿·{0}").format(mother.get("name") or ""))
        return editor

    def edit_resident(self, resident: dict[str, Any]) -> RegisterEditor:
        key = f"register:{resident['uuid']}"
        index = self._find_tab(key)
        if index >= 0:
            self.tabs.setCurrentIndex(index)
            return self.tabs.widget(index)
        editor = RegisterEditor(resident, parent=self.tabs)
        self._wire_register(editor)
        self._add_tab(key, editor, tr("Main", "修改·{0}").format(resident.get("name") or ""))
        return editor

    def _wire_register(self, editor: RegisterEditor) -> None:
        editor.open_resident.connect(self.open_resident)
        editor.saved.connect(self._resident_saved)
        editor.close_requested.connect(lambda: self.close_widget(editor))

    def _resident_saved(self, uuid: str) -> None:
        if self._find_tab(f"resident:{uuid}") < 0:  # refreshed by the result when open
            self.open_resident(uuid)

    # --- printing
    def print_current_card(self) -> None:
        widget = self.tabs.currentWidget()
        uuid = widget.uuid if isinstance(widget, ResidentView) else self.residents.current_uuid()
        if uuid:
            self.print_card(uuid)

    def print_card(self, uuid: str) -> None:
        from ui import print_jobs
        from ui.preview import show_preview

        def shown(pdf: bytes) -> None:
            self.dialogs["preview"] = show_preview(self, pdf, tr("Main", "居民健康档案信息卡"))

        DbOp(self, lambda s: print_jobs.card_pdf(s, uuid)).success(shown).run()

    def print_resident_pdf(self, what: str, uuid: str) -> None:
        from ui import print_jobs
        from ui.preview import show_preview

        if what == "booklet":
            fn, title = (lambda s: print_jobs.booklet_pdf(s, uuid)), tr("Main", "居民健康档案")
        elif what.startswith("blank:"):
            form = what.split(":", 1)[1]
            fn = lambda s: print_jobs.blank_pdf(s, uuid, form)  # noqa: E731
            title = tr("Main", "空白表·{0}").format(SHORT_TITLES.get(form, form))
        else:
            form = what.split(":", 1)[1]
            fn = lambda s: print_jobs.form_pdf(s, uuid, form)  # noqa: E731
            title = SHORT_TITLES.get(form) or form_title(form)
        DbOp(self, fn).success(lambda pdf: self.dialogs.__setitem__(
            "preview", show_preview(self, pdf, title))).run()  # fmt: skip

    def unmerge(self, duplicate: str) -> None:
        if not duplicate or not self._admin_only("merge"):
            return
        from ui.errors import confirm

        if not confirm(self, tr("Main", "确定撤销这次合并吗？被合并档案的记录将转回原档案。")):
            return

        def run(store: Store) -> Any:
            from app.services import lifecycle

            return lifecycle.unmerge(store, duplicate)

        DbOp(self, run).success(lambda _r: self.open_resident(duplicate)).run()

    def show_household(self, household: str, label: str) -> None:
        self.tabs.setCurrentWidget(self.residents)
        self.residents.set_household(household, label)

    def print_village_booklets(self) -> None:
        from ui import print_jobs
        from ui.preview import show_preview

        village = self.residents.filters().get("village") or self.shell.default_village
        if not village:
            from ui.errors import show_info

            show_info(self, tr("Main", "请先在居民列表的“村”框中填写要打印的村（3位代码）"))
            return

        def shown(pdf: bytes) -> None:
            self.dialogs["preview"] = show_preview(
                self, pdf, tr("Main", "居民健康档案（村 {0}）").format(village))

        job = LongJob(self, tr("Main", "正在生成档案……"),
                      lambda s, st: print_jobs.village_booklets_pdf(s, st, village))  # fmt: skip
        self.dialogs["job"] = job.success(shown).run().dialog

    # --- sync with the county platform
    def _build_sync(self) -> None:
        from ui.sync_auto import SyncController
        from ui.sync_status import SyncStatus

        self.sync = SyncController(self)
        self.sync.finished.connect(self._synced)
        self.sync_status = SyncStatus(self.sync, self)
        self.sync_status.clicked.connect(self.open_sync)
        self.statusBar().addPermanentWidget(self.sync_status)

    def open_sync(self) -> QWidget:
        from ui.sync_panel import SyncPanel

        panel = self.dialogs.get("sync")
        if panel is None or not isValid(panel):
            panel = SyncPanel(self.sync, self.user.role == "admin", self)
            self.dialogs["sync"] = panel
        panel.show()  # not modal: the doctor can look up a resident while deciding a conflict
        panel.raise_()
        return panel

    def _synced(self, result: dict[str, Any]) -> None:
        """Changes came down from the county: the lists and open residents show them."""
        if not result.get("pulled"):
            return
        self.residents.search_now()
        for i in range(self.tabs.count()):
            widget = self.tabs.widget(i)
            if isinstance(widget, ResidentView):
                widget.reload()
        self.due.stale = True
        if self.tabs.currentWidget() is self.due:
            self.due.refresh()
        self.statusBar().showMessage(
            tr("Main", "已从县平台收到 {0} 条更新").format(result["pulled"]), 10000
        )

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        self.sync.pause()  # a run in flight stops now; Shell.shutdown waits for it
        super().closeEvent(event)

    # --- dialogs
    def _dialog(self, name: str, dialog: QWidget) -> QWidget:
        self.dialogs[name] = dialog
        dialog.open()
        return dialog

    def _admin_only(self, action: str = "manage_users") -> bool:
        from app import roles

        if not roles.allowed(self.user.role, action):
            from ui.errors import show_error

            show_error(self, roles.refusal(action))
            return False
        return True

    def open_status(self, resident: dict[str, Any]) -> QWidget:
        from ui.status_dialog import StatusDialog

        dialog = StatusDialog(resident, self)
        return self._dialog("status", dialog)

    def open_users(self) -> QWidget | None:
        if not self._admin_only():
            return None
        from ui.users_dialog import UsersDialog

        return self._dialog("users", UsersDialog(self))

    def open_stats(self) -> QWidget:
        """The statistics screen (issue 14) as a tab of its own, opened once."""
        index = self._find_tab("stats")
        if index >= 0:
            self.tabs.setCurrentIndex(index)
            return self.tabs.widget(index)
        from app import roles
        from ui.stats_screen import StatsScreen

        screen = StatsScreen(self.tabs, can_edit_population=roles.allowed(self.user.role, "settings"),
                             can_export=roles.allowed(self.user.role, "export"))  # fmt: skip
        screen.open_resident.connect(self.open_resident)
        self._add_tab("stats", screen, tr("Main", "统计指标"))
        screen.refresh()
        return screen

    def open_activities(self) -> QWidget:
        """The health education log (issue 16, ui/activities.py) as a tab of its own, opened once."""
        index = self._find_tab("activities")
        if index >= 0:
            self.tabs.setCurrentIndex(index)
            return self.tabs.widget(index)
        from ui.activities import ActivitiesScreen

        screen = ActivitiesScreen(self.tabs)
        screen.open_editor.connect(self.open_activity_editor)
        self._add_tab("activities", screen, tr("Main", "健康教育"))
        screen.refresh()
        return screen

    def open_activity_editor(self, record: dict[str, Any] | None) -> QWidget:
        key = f"activity:{(record or {}).get('uuid', 'new')}"
        index = self._find_tab(key)
        if index >= 0:
            self.tabs.setCurrentIndex(index)
            return self.tabs.widget(index)
        from ui.activities import ActivityEditArea

        editor = ActivityEditArea(record, parent=self.tabs)

        def closed() -> None:
            self.close_widget(editor)
            self.open_activities()  # back to the log it came from

        editor.close_requested.connect(closed)
        screen = self.tabs.widget(self._find_tab("activities"))
        if screen is not None:
            editor.saved.connect(lambda _u: screen.refresh())
        self._add_tab(key, editor, tr("Main", "健康教育·{0}").format(tr("Main", "修改") if record else tr("Main", "新增")))
        return editor

    def open_audit(self) -> QWidget | None:
        if not self._admin_only("audit_log"):
            return None
        from ui.audit_dialog import AuditDialog

        return self._dialog("audit", AuditDialog(self))

    def open_settings(self) -> QWidget | None:
        if not self._admin_only("settings"):
            return None
        from ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.shell.settings, self.shell.institution_name, self)
        dialog.saved.connect(self.shell.settings_changed)
        return self._dialog("settings", dialog)

    def open_merge(self) -> QWidget | None:
        if not self._admin_only("merge"):
            return None
        from ui.merge_dialog import MergeDialog

        widget = self.tabs.currentWidget()
        survivor = widget.data.resident if isinstance(widget, ResidentView) and widget.data else None
        return self._dialog("merge", MergeDialog(survivor, self))

    def open_backup(self) -> QWidget | None:
        if not self._admin_only("backup"):
            return None
        from app import roles
        from ui.backup_dialog import BackupDialog

        dialog = BackupDialog(self.shell, self)
        dialog.findChild(QWidget, "restore").setEnabled(roles.allowed(self.user.role, "restore"))
        return self._dialog("backup", dialog)

    def open_import(self) -> QWidget:
        from ui.import_dialog import ImportDialog

        dialog = ImportDialog(self)
        dialog.imported.connect(self._imported)
        return self._dialog("import", dialog)

    def _imported(self, added: int) -> None:
        if added:
            self.sync.poke()
            self.residents.search_now()
            self.due.stale = True

    def open_export(self) -> QWidget:
        from ui.export_dialog import ExportDialog

        return self._dialog("export", ExportDialog(parent=self))

    def open_drafts(self) -> QWidget:
        from ui.drafts_dialog import DraftsDialog

        dialog = DraftsDialog(self)
        dialog.open_draft.connect(self.resume_draft)
        dialog.discarded.connect(self._draft_discarded)
        return self._dialog("drafts", dialog)

    def _draft_discarded(self, draft: dict[str, Any]) -> None:
        """A draft deleted in the drafts dialog: an editor still showing it must not save it
        again when it closes."""
        for editor in self.editors():
            if editor.draft_key() == draft["key"]:
                editor.after_discard()

    def resume_draft(self, draft: dict[str, Any]) -> None:
        """Open the form again; the editor finds its draft by the same key and restores it."""
        form, resident, record = draft["form"], draft["resident"], draft["record"]
        if form == "personal_info" and resident == "new":
            self.open_register()
            return
        if form in forms.institution_form_codes():  # the clinic's own log (issue 16)
            self.open_activities()
            if record == "new":
                self.open_activity_editor(None)
                return

            def activity(store: Store) -> dict[str, Any]:
                from app.services import activities

                return activities.get(store, record)

            DbOp(self, activity).success(self.open_activity_editor).run()
            return

        def load(store: Store) -> tuple[dict[str, Any], dict[str, Any] | None]:
            from app.services import records, residents

            r = residents.get(store, resident)
            return r, (records.get(store, record) if record != "new" else None)

        def opened(result: tuple[dict[str, Any], dict[str, Any] | None]) -> None:
            r, rec = result
            if form == "personal_info":
                self.edit_resident(r)
            else:
                self.open_editor(r, form, rec)

        DbOp(self, load).success(opened).run()

    def check_rules(self) -> None:
        """Load and validate the schedule rules table at login: a bad table (an administrator's
        rules.json) is reported at once, naming the rule and the field, not at the first list."""

        def load(store: Store) -> str:
            from app import rules

            return rules.for_store(store).name

        DbOp(self, load).run()  # a failure shows the Chinese error dialog

    def check_drafts(self) -> None:
        """Tell the user at login when unfinished forms are waiting."""

        def count(store: Store) -> int:
            from app.services import drafts

            return len(drafts.list_mine(store))

        def show(n: int) -> None:
            if n:
                self.statusBar().showMessage(
                    tr("Main", "您有 {0} 份没填完的表单，见“管理 → 我的草稿”").format(n), 30000)

        DbOp(self, count).success(show).run()

    def open_password(self) -> QWidget:
        from ui.password_dialog import PasswordDialog

        return self._dialog("password", PasswordDialog(self))

    def show_keys(self) -> None:
        from ui.errors import show_info

        show_info(self, tr("Main", "Ctrl+F 查找居民\nCtrl+N 新建档案\nCtrl+Shift+N 新增随访\n"
                                   "F5 随访提醒\nCtrl+P 打印信息卡\nCtrl+S 保存\n"
                                   "Ctrl+Enter 保存并下一位\nCtrl+L 锁定"), tr("Main", "快捷键"))  # fmt: skip

    def show_about(self) -> None:
        from app.version import __version__
        from ui.errors import show_info

        show_info(self, tr("Main", "村医 居民健康档案\n版本 {v}\n数据目录：{d}").format(
            v=__version__, d=self.shell.data_dir), tr("Main", "关于村医"))

    def focus_search(self) -> None:
        self.tabs.setCurrentWidget(self.residents)
        self.residents.search_box.setFocus()
        self.residents.search_box.selectAll()

    # --- lock and switch user
    def editors(self) -> list[EditArea]:
        return [w for i in range(self.tabs.count()) if isinstance(w := self.tabs.widget(i), EditArea)]

    def lock(self) -> None:
        if self.is_locked():
            return
        for editor in self.editors():
            editor.save_draft()
        for dialog in list(self.dialogs.values()):
            if isValid(dialog):
                dialog.close()
        self.sync.pause()
        self.lock_panel.set_lock_mode(True, self.user.name)
        self.stack.setCurrentWidget(self.lock_panel)
        self.menuBar().setEnabled(False)
        for a in self.actions_by_name.values():
            a.setProperty("wasEnabled", a.isEnabled())
            a.setEnabled(False)
        self.lock_panel.focus()
        log.info("locked")

    def is_locked(self) -> bool:
        return self.stack.currentWidget() is self.lock_panel

    def _unlocked(self, user: Any) -> None:
        if user.name != self.user.name:
            # Another person: what the previous one typed is kept as their drafts (saved at
            # lock time); their open records close so the newcomer does not see them.
            for i in range(self.tabs.count() - 1, 1, -1):
                widget = self.tabs.widget(i)
                self.tabs.removeTab(i)
                widget.deleteLater()
            self.residents.search_box.clear()
        for a in self.actions_by_name.values():
            a.setEnabled(bool(a.property("wasEnabled")))
        self.menuBar().setEnabled(True)
        self.apply_user(user)
        self.stack.setCurrentWidget(self.tabs)
        self.shell.user_changed(user)
        self.sync.begin()
        self.due.stale = True
        self.check_drafts()
        self.residents.search_now()
        log.info("unlocked")
