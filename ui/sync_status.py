"""The sync item of the main window's status bar: one line saying where this installation stands
with the county platform; clicking it opens the sync panel."""

from __future__ import annotations

from ui.qt import Qt, QToolButton, QWidget, tr
from ui.sync_auto import SyncController, SyncState, when_text

WARN = "color: #b45309;"  # amber: something waits for a person
ERROR = "color: #b91c1c;"


def status_parts(s: SyncState) -> list[str]:
    if not s.enrolled:
        return [tr("Sync", "未注册县平台")]
    if s.running:
        pct = s.percent
        head = (tr("Sync", "正在同步 {0}%").format(pct) if pct is not None
                else tr("Sync", "正在同步…"))  # fmt: skip
    elif s.reachable is False:
        head = tr("Sync", "未连接县平台")
    elif s.error:  # until a run succeeds; the panel says why
        head = tr("Sync", "同步未完成")
    elif s.last_success:
        head = tr("Sync", "上次同步 {0}").format(when_text(s.last_success))
    else:
        head = tr("Sync", "尚未同步")
    parts = [head]
    if s.queue:
        parts.append(tr("Sync", "待上传 {0} 条").format(s.queue))
    if s.conflicts:
        parts.append(tr("Sync", "有 {0} 个冲突待处理").format(s.conflicts))
    if s.quarantined:
        parts.append(tr("Sync", "{0} 条被隔离").format(s.quarantined))
    return parts


class SyncStatus(QToolButton):
    def __init__(self, controller: SyncController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.setAutoRaise(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(tr("Sync", "与县平台同步：点击查看详情"))
        self.controller = controller
        controller.changed.connect(self.update_text)
        self.update_text()

    def update_text(self) -> None:
        s = self.controller.state
        self.setText("｜".join(status_parts(s)))
        if s.conflicts or s.quarantined:
            self.setStyleSheet(WARN)
        elif s.enrolled and (s.reachable is False or s.error):
            self.setStyleSheet(ERROR)
        else:
            self.setStyleSheet("")
