"""The sync panel: where this installation stands with the county platform (address, queue, last
success, progress with cancel, 立即同步), the changes the platform refused (with the reason and
重试) and the conflicts, each shown side by side (original, this computer, the platform) with one
click to keep either value or another one. A resolution is an ordinary change: the next sync
sends it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ui.admin_common import message_label
from ui.qt import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    tr,
)
from ui.sync_auto import SyncController, when_text
from ui.tasks import DbOp

if TYPE_CHECKING:
    from sync.status_rows import ConflictRow, QuarantineRow

CONFLICT_HINT = ("同一项目在本机和县平台（或其他机构）被改成了不同的值。"
                 "请核实后选择保留哪一个，或填写正确的值；处理结果会在下次同步时上传。")  # fmt: skip
QUARANTINE_HINT = (
    "这些修改被县平台拒收，其余修改不受影响。请按原因核对档案后点“重试”，或联系乡镇卫生院。"
)
CONFLICT_COLUMNS = ("居民", "档案编号", "项目", "原值", "一方的值", "另一方的值")
QUARANTINE_COLUMNS = ("修改时间", "居民", "内容", "县平台拒收的原因")


def _table(parent: QWidget, name: str, headers: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setObjectName(name)
    table.setHorizontalHeaderLabels([tr("Sync", h) for h in headers])
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setWordWrap(True)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class SyncPanel(QDialog):

    def __init__(self, controller: SyncController, admin: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("syncPanel")
        self.setWindowTitle(tr("Sync", "县平台同步"))
        self.controller = controller
        self.admin = admin
        self.conflicts: list[ConflictRow] = []
        self.quarantine: list[QuarantineRow] = []
        column = QVBoxLayout(self)
        column.addWidget(self._build_server())
        column.addWidget(self._build_status())
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._build_conflicts(), "")
        self.tabs.addTab(self._build_quarantine(), "")
        column.addWidget(self.tabs, 1)
        close = QPushButton(tr("Sync", "关闭"), self)
        close.clicked.connect(self.close)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(close)
        column.addLayout(row)
        controller.changed.connect(self.show_state)
        controller.finished.connect(lambda _r: self.reload())
        self.resize(1000, 620)
        self._fill(([], []))  # empty until the lists arrive from the DB worker
        self.show_state()
        self.reload()

    # --- building
    def _build_server(self) -> QGroupBox:
        box = QGroupBox(tr("Sync", "县平台"), self)
        row = QHBoxLayout(box)
        self.server_label = QLabel(box)
        self.server_label.setObjectName("serverLabel")
        self.server_label.setWordWrap(True)
        row.addWidget(self.server_label, 1)
        self.enroll_button = QPushButton(box)
        self.enroll_button.setObjectName("enrollOpen")
        self.enroll_button.clicked.connect(self.open_enroll)
        self.enroll_button.setEnabled(self.admin)
        if not self.admin:
            self.enroll_button.setToolTip(tr("Sync", "注册本机需要管理员权限"))
        row.addWidget(self.enroll_button)
        return box

    def _build_status(self) -> QGroupBox:
        box = QGroupBox(tr("Sync", "同步状态"), self)
        grid = QGridLayout(box)
        self.link_label = QLabel(box)
        self.last_label = QLabel(box)
        self.queue_label = QLabel(box)
        self.queue_label.setObjectName("queueLabel")
        for i, label in enumerate((self.link_label, self.last_label, self.queue_label)):
            grid.addWidget(label, 0, i)
        self.progress = QProgressBar(box)
        self.progress.setObjectName("syncProgress")
        self.progress.setTextVisible(True)
        self.progress_text = QLabel(box)
        self.cancel_button = QPushButton(tr("Sync", "取消"), box)
        self.cancel_button.setObjectName("cancelSync")
        self.cancel_button.clicked.connect(self.controller.cancel)
        self.sync_button = QPushButton(tr("Sync", "立即同步"), box)
        self.sync_button.setObjectName("syncNow")
        self.sync_button.clicked.connect(self.controller.sync_now)
        row = QHBoxLayout()
        row.addWidget(self.progress, 1)
        row.addWidget(self.progress_text, 1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.sync_button)
        grid.addLayout(row, 1, 0, 1, 3)
        self.message = message_label(box)
        grid.addWidget(self.message, 2, 0, 1, 3)
        self.notice = QLabel(box)
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("color: #166534;")
        grid.addWidget(self.notice, 3, 0, 1, 3)
        return box

    def _build_conflicts(self) -> QWidget:
        page = QWidget(self)
        column = QVBoxLayout(page)
        self.conflict_hint = QLabel(page)
        self.conflict_hint.setWordWrap(True)
        column.addWidget(self.conflict_hint)
        self.conflict_table = _table(page, "conflictTable", CONFLICT_COLUMNS)
        for i, width in enumerate((90, 150, 150, 170, 170)):
            self.conflict_table.setColumnWidth(i, width)
        self.conflict_table.itemSelectionChanged.connect(self._conflict_selected)
        column.addWidget(self.conflict_table, 1)
        row = QHBoxLayout()
        self.take_mine = QPushButton(tr("Sync", "用本机的"), page)
        self.take_mine.setObjectName("takeMine")
        self.take_mine.clicked.connect(lambda: self.resolve(take="mine"))
        self.take_theirs = QPushButton(tr("Sync", "用县平台的"), page)
        self.take_theirs.setObjectName("takeTheirs")
        self.take_theirs.clicked.connect(lambda: self.resolve(take="theirs"))
        row.addWidget(self.take_mine)
        row.addWidget(self.take_theirs)
        row.addSpacing(24)
        row.addWidget(QLabel(tr("Sync", "或改为"), page))
        self.other = QStackedWidget(page)
        self.other_text = QLineEdit(page)
        self.other_text.setObjectName("otherValue")
        self.other_choice = QComboBox(page)
        self.other_choice.setObjectName("otherChoice")
        self.other.addWidget(self.other_text)
        self.other.addWidget(self.other_choice)
        self.other.setMinimumWidth(220)
        row.addWidget(self.other, 1)
        self.take_other = QPushButton(tr("Sync", "用这个值"), page)
        self.take_other.setObjectName("takeOther")
        self.take_other.clicked.connect(self._resolve_other)
        row.addWidget(self.take_other)
        column.addLayout(row)
        self.conflict_message = message_label(page)
        column.addWidget(self.conflict_message)
        return page

    def _build_quarantine(self) -> QWidget:
        page = QWidget(self)
        column = QVBoxLayout(page)
        self.quarantine_hint = QLabel(page)
        self.quarantine_hint.setWordWrap(True)
        column.addWidget(self.quarantine_hint)
        self.quarantine_table = _table(page, "quarantineTable", QUARANTINE_COLUMNS)
        for i, width in enumerate((130, 100, 110)):
            self.quarantine_table.setColumnWidth(i, width)
        column.addWidget(self.quarantine_table, 1)
        row = QHBoxLayout()
        self.retry_button = QPushButton(tr("Sync", "重试"), page)
        self.retry_button.setObjectName("retryQuarantined")
        self.retry_button.setToolTip(tr("Sync", "把被拒收的修改重新放回待上传队列"))
        self.retry_button.clicked.connect(self.retry)
        row.addWidget(self.retry_button)
        row.addStretch(1)
        column.addLayout(row)
        return page

    # --- state
    def show_state(self) -> None:
        s = self.controller.state
        if s.enrolled:
            text = tr("Sync", "地址：{0}").format(s.server or "")
            if s.institution:
                text += tr("Sync", "　　本机登记为：{0}（{1}）").format(
                    s.institution.get("name", ""), s.institution.get("area", "")
                )
            self.server_label.setText(text)
            self.enroll_button.setText(tr("Sync", "重新注册…"))
        else:
            self.server_label.setText(
                tr("Sync", "本机尚未注册到县平台：注册后才能上传和下载档案。")
            )
            self.enroll_button.setText(tr("Sync", "注册本机…"))
        link = {True: "已连接", False: "未连接", None: "未知"}[s.reachable]
        self.link_label.setText(tr("Sync", "连接：{0}").format(tr("Sync", link)))
        self.last_label.setText(tr("Sync", "上次成功同步：{0}").format(when_text(s.last_success)))
        self.queue_label.setText(tr("Sync", "待上传：{0} 条").format(s.queue))
        self.sync_button.setEnabled(s.enrolled and not s.running)
        self.cancel_button.setEnabled(s.running)
        self.progress.setVisible(s.running)
        if s.running:
            pct = s.percent
            if pct is None:
                self.progress.setRange(0, 0)  # busy: a download's size is not known
                text = tr("Sync", "正在下载：已收到 {0} 条").format(s.done) if s.phase in (
                    "pull", "snapshot") else tr("Sync", "正在连接……")  # fmt: skip
            else:
                self.progress.setRange(0, 100)
                self.progress.setValue(pct)
                text = tr("Sync", "正在上传：{0}/{1} 条").format(s.done, s.total)
            self.progress_text.setText(text)
        else:
            r = s.last_result
            self.progress_text.setText(
                tr("Sync", "最近一次：上传 {0} 条，下载 {1} 条").format(r["pushed"], r["pulled"])
                if r
                else ""
            )
        self.message.setText(s.error or "")
        self.message.setVisible(bool(s.error))
        self.notice.setVisible(bool(self.notice.text()))
        self.tabs.setTabText(0, tr("Sync", "冲突待处理（{0}）").format(s.conflicts))
        self.tabs.setTabText(1, tr("Sync", "被隔离的修改（{0}）").format(s.quarantined))

    def reload(self) -> None:
        from sync import status_rows

        DbOp(self, lambda store: (status_rows.conflict_rows(store), status_rows.quarantine_rows(store))) \
            .success(self._fill).run()  # fmt: skip

    def _fill(self, rows: tuple[list[ConflictRow], list[QuarantineRow]]) -> None:
        self.conflicts, self.quarantine = rows
        t = self.conflict_table
        t.setRowCount(len(self.conflicts))
        for i, c in enumerate(self.conflicts):
            cells = (c.name or tr("Sync", "（未知居民）"), c.record_no or "", c.label,
                     c.original_text, f"{c.mine_text}（{c.mine_label}）",
                     f"{c.theirs_text}（{c.theirs_label}）")  # fmt: skip
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                t.setItem(i, col, item)
        t.resizeRowsToContents()
        if self.conflicts:
            t.selectRow(0)
        self._conflict_selected()
        q = self.quarantine_table
        q.setRowCount(len(self.quarantine))
        for i, r in enumerate(self.quarantine):
            for col, text in enumerate((r.when, r.name, r.what, r.reason)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                q.setItem(i, col, item)
        q.resizeRowsToContents()
        self.retry_button.setEnabled(bool(self.quarantine))
        self.conflict_hint.setText(
            tr("Sync", CONFLICT_HINT if self.conflicts else "目前没有冲突。")
        )
        self.quarantine_hint.setText(
            tr("Sync", QUARANTINE_HINT if self.quarantine else "没有被县平台拒收的修改。")
        )
        self.tabs.setTabText(0, tr("Sync", "冲突待处理（{0}）").format(len(self.conflicts)))
        self.tabs.setTabText(1, tr("Sync", "被隔离的修改（{0}）").format(len(self.quarantine)))

    # --- conflicts
    def current_conflict(self) -> ConflictRow | None:
        row = self.conflict_table.currentRow()
        return self.conflicts[row] if 0 <= row < len(self.conflicts) else None

    def _conflict_selected(self) -> None:
        c = self.current_conflict()
        for w in (self.take_mine, self.take_theirs):
            w.setEnabled(c is not None)
        # Named by whose value it is from here ("本机", "乙村卫生室"), not the server's roles.
        self.take_mine.setText(tr("Sync", "用{0}的").format(c.mine_label if c else "本机"))
        self.take_theirs.setText(tr("Sync", "用{0}的").format(c.theirs_label if c else "县平台"))
        options = c.options if c else None
        self.other_choice.clear()
        self.other_text.clear()
        if options:
            for code, label in options:
                self.other_choice.addItem(label, code)
            self.other.setCurrentWidget(self.other_choice)
        else:
            self.other.setCurrentWidget(self.other_text)
            self.other_text.setPlaceholderText(
                "" if c is None
                else tr("Sync", "填写正确的值") if options == []
                else tr("Sync", "此项只能在两个值中选一个")
            )  # fmt: skip
        self.other.setEnabled(options is not None)
        self.take_other.setEnabled(options is not None)

    def _resolve_other(self) -> None:
        c = self.current_conflict()
        if c is None:
            return
        if c.options:
            self.resolve(value=self.other_choice.currentData())
        else:
            text = self.other_text.text().strip()
            if not text:
                self.conflict_message.setText(tr("Sync", "{0}：请先填写新的值").format(c.label))
                self.other_text.setFocus()
                return
            self.resolve(value_text=text)

    def resolve(
        self, take: str | None = None, value: Any = None, value_text: str | None = None
    ) -> None:
        c = self.current_conflict()
        if c is None:
            return
        from sync.resolve import resolve

        cid = c.id
        self.conflict_message.setText("")
        # The result names the residents whose views show the settled value (ui/changes.py).
        DbOp(self, lambda store: resolve(store, cid, take=take, value=value, value_text=value_text)) \
            .success(lambda _r: self.reload()).failure(lambda e: self.conflict_message.setText(_message(e))).run()  # fmt: skip

    # --- quarantine and enrollment
    def retry(self) -> None:
        from sync.status_rows import requeue_all

        def done(n: int) -> None:
            self._notify(tr("Sync", "已把 {0} 条修改放回待上传队列，下次同步时重新上传").format(n))
            self.controller.poke()
            self.reload()

        DbOp(self, requeue_all).success(done).run()

    def _notify(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def open_enroll(self) -> QDialog:
        from ui.enroll_dialog import EnrollDialog

        dialog = EnrollDialog(self.controller.state.server, self)
        dialog.enrolled.connect(self._enrolled)
        self.enroll_dialog = dialog
        dialog.open()
        return dialog

    def _enrolled(self, out: dict[str, Any]) -> None:
        inst = out.get("institution") or {}
        self._notify(
            tr("Sync", "已注册：{0}（{1}）").format(inst.get("name", ""), inst.get("area", ""))
        )
        self.controller.state.error = None
        self.controller.refresh(probe=True)


def _message(exc: BaseException) -> str:
    from ui.errors import user_message

    return user_message(exc)
