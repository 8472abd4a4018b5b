"""The clinical edit area (GNUmed's contract): new/edit mode, validate top-down, save,
save-and-next for a round of follow-ups, and drafts kept in the encrypted database."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

import forms
from forms.model import FieldError
from ui.form_editor import FormEditor, context_for
from ui.qt import (
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QPushButton,
    QShortcut,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
    tr,
)
from ui.resident_model import SEX, age_on
from ui.tasks import DbOp

if TYPE_CHECKING:
    from app.store import Store

log = logging.getLogger("cunyi.ui.editor")
DRAFT_DELAY_MS = 1500


def draft_key(form: str, resident_uuid: str | None, record_uuid: str | None) -> str:
    return f"{form}:{resident_uuid or 'new'}:{record_uuid or 'new'}"


def resident_line(resident: dict[str, Any]) -> str:
    age = age_on(resident.get("birth_date"))
    parts = [
        resident.get("name") or "",
        SEX.get(resident.get("sex") or "", ""),
        f"{age}岁" if age is not None else "",
        tr("Editor", "档案编号 {0}").format(resident["record_no"]) if resident.get("record_no")
        else tr("Editor", "（保存后生成档案编号）"),
    ]
    return "  ".join(p for p in parts if p)


class EditArea(QWidget):
    """Base of every form tab. Subclasses override `_save_new`/`_save_update` (run on the DB
    worker) when the document is not a plain record."""

    saved = Signal(str)  # resident uuid
    next_requested = Signal(str)  # the next resident of the round
    close_requested = Signal()
    confirmed = False  # the current save was confirmed (see ask_confirmation)
    _then_next = False

    def __init__(
        self,
        form_code: str,
        resident: dict[str, Any] | None,
        record: dict[str, Any] | None = None,
        *,
        round_ids: list[str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.form = forms.get_form(form_code, (record or {}).get("edition"))
        self.resident = resident
        self.record = record
        self.mode = "edit" if record else "new"
        self.round_ids = list(round_ids or [])
        self.dirty = False
        self.saving = False
        self.setObjectName(f"editor_{form_code}")
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        self.title = QLabel(self)
        self.title.setObjectName("editorTitle")
        self._set_title(tr("Editor", "（修改）") if record else tr("Editor", "（新增）"))
        column.addWidget(self.title)
        self.banner = QLabel(self)
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.setVisible(False)
        column.addWidget(self.banner)
        self._top = QVBoxLayout()
        column.addLayout(self._top)
        self.editor = FormEditor(self.form, context_for(resident, dt.date.today().isoformat()), self)
        self.editor.changed.connect(self._changed)
        column.addWidget(self.editor, 1)
        buttons = QHBoxLayout()
        self.save_button = QPushButton(tr("Editor", "保存 (Ctrl+S)"), self)
        self.save_button.setObjectName("saveButton")
        self.save_button.clicked.connect(lambda: self.save(then_next=False))
        self.next_button = QPushButton(tr("Editor", "保存并下一位 (Ctrl+Enter)"), self)
        self.next_button.setObjectName("saveNextButton")
        self.next_button.clicked.connect(lambda: self.save(then_next=True))
        self.next_button.setVisible(self.next_uuid() is not None)
        self.close_button = QPushButton(tr("Editor", "关闭（保留草稿）"), self)
        self.close_button.setObjectName("closeButton")
        self.close_button.clicked.connect(self.close_requested)
        self.edit_button = QPushButton(tr("Editor", "修改"), self)
        self.edit_button.setObjectName("editButton")
        self.edit_button.setToolTip(tr("Editor", "更正这份已保存的记录（每次修改都留有历史）"))
        self.edit_button.clicked.connect(self.start_editing)
        self.discard_button = QPushButton(tr("Editor", "放弃草稿"), self)
        self.discard_button.setObjectName("discardButton")
        self.discard_button.setToolTip(tr("Editor", "删除这次没有保存的内容"))
        self.discard_button.clicked.connect(self.discard_draft)
        self.discard_button.setVisible(False)
        buttons.addWidget(self.discard_button)
        buttons.addStretch(1)
        for b in (self.edit_button, self.save_button, self.next_button, self.close_button):
            b.setMinimumHeight(32)
            buttons.addWidget(b)
        column.addLayout(buttons)
        QShortcut(QKeySequence("Ctrl+S"), self, lambda: self.save(then_next=False))
        QShortcut(QKeySequence("Ctrl+Return"), self, lambda: self.save(then_next=True))
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.save_draft)
        # A saved record opens for reading: a stray key press must not start a correction.
        self.set_read_only((record or {}).get("status") == "final")
        self.load_initial()

    # --- reading and correcting an old record
    def _set_title(self, mode: str) -> None:
        self.title.setText(f"<b style='font-size:13pt'>{self.form.title}{mode}</b>　"
                           f"{resident_line(self.resident or {})}")  # fmt: skip

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        if self.record:
            self._set_title(tr("Editor", "（查看）") if read_only else tr("Editor", "（修改）"))
        self.editor.set_read_only(read_only)
        self.edit_button.setVisible(read_only)
        self.save_button.setVisible(not read_only)
        self.next_button.setVisible(not read_only and self.next_uuid() is not None)
        self.close_button.setText(tr("Editor", "关闭") if read_only else tr("Editor", "关闭（保留草稿）"))
        if read_only:
            self.show_banner(tr("Editor", "这是已保存的记录，只能查看；要更正请点“修改”。"), "info")
        elif self.banner.text().startswith(tr("Editor", "这是已保存的记录")):
            self.show_banner("")

    def start_editing(self) -> None:
        self.set_read_only(False)
        first = next(iter(self.editor.widgets.values()), None)
        if first is not None:
            first.focus_input()

    # --- identity
    @property
    def resident_uuid(self) -> str | None:
        return (self.resident or {}).get("uuid")

    def draft_key(self) -> str:
        return draft_key(self.form.code, self.resident_uuid, (self.record or {}).get("uuid"))

    def next_uuid(self) -> str | None:
        if self.resident_uuid in self.round_ids:
            i = self.round_ids.index(self.resident_uuid)
            return self.round_ids[i + 1] if i + 1 < len(self.round_ids) else None
        return None

    # --- loading: the saved document, then a draft on top if one was left
    def initial_document(self) -> dict[str, Any]:
        if self.record:
            return dict(self.record.get("doc") or {})
        return {"visit_date": dt.date.today().isoformat()} if self._has("visit_date") else {}

    def _has(self, key: str) -> bool:
        return key in {f.key for f in self.form.fields()}

    def load_initial(self) -> None:
        self.editor.load(self.initial_document())
        key = self.draft_key()

        def load(store: Store) -> Any:
            from app.services import drafts

            return drafts.load(store, key)

        DbOp(self, load).success(self._draft_loaded).run()
        from app.services.records import SIGNED_BY_SAVER  # loaded by the worker already

        if self.mode == "new" and self.form.code in SIGNED_BY_SAVER:
            # After the draft (one worker, in order): a draft's own signer is kept.
            DbOp(self, lambda store: store.user.display_name).success(self._default_signer).run()

    def _default_signer(self, name: str) -> None:
        """随访医生 is the logged-in user unless already filled in; not an edit (no draft)."""
        if name and self._has("doctor") and not self.editor.widgets["doctor"].value():
            doc = self.editor.document()
            doc["doctor"] = name
            self.editor.load(doc)

    def _draft_loaded(self, doc: dict[str, Any] | None) -> None:
        if doc and not self.dirty:
            if self.read_only:
                self.set_read_only(False)  # the correction was under way: go on with it
            self.editor.load(doc)
            self.dirty = True
            self.discard_button.setVisible(True)
            self.show_banner(tr("Editor", "已恢复上次未保存的内容（草稿）。"), "info")

    # --- drafts
    def _changed(self) -> None:
        self.dirty = True
        self.discard_button.setVisible(True)
        self._draft_timer.start()

    def discard_draft(self) -> None:
        """Throw away what was typed and not saved (after asking): a new form closes, a
        correction goes back to the saved record."""
        from ui import errors

        if not errors.confirm(self, tr("Editor", "放弃这份草稿吗？没有保存的内容将被删除，不能恢复。"),
                              tr("Editor", "放弃草稿")):  # fmt: skip
            return
        self._draft_timer.stop()
        self.dirty = False
        key = self.draft_key()

        def drop(store: Store) -> None:
            from app.services import drafts

            drafts.discard(store, key)

        DbOp(self, drop).success(lambda _r: self.after_discard()).run()

    def after_discard(self) -> None:
        """The draft is gone from storage: a new form closes, a correction shows the saved
        record again."""
        self._draft_timer.stop()
        self.dirty = False
        self.discard_button.setVisible(False)
        if self.mode == "new":
            self.close_requested.emit()
            return
        self.editor.load(self.initial_document())
        self.dirty = False
        self.set_read_only((self.record or {}).get("status") == "final")
        if not self.read_only:
            self.show_banner(tr("Editor", "草稿已放弃，显示的是保存的内容。"), "info")

    def save_draft(self) -> None:
        """Keep what is typed (encrypted, in the database) so a closed window or a power cut
        loses nothing."""
        self._draft_timer.stop()
        if not self.dirty or self.saving:
            return
        key, form, doc = self.draft_key(), self.form.code, self.editor.document()

        def put(store: Store) -> None:
            from app.services import drafts

            drafts.save(store, key, form, doc)

        DbOp(None, put).run()

    # --- validation and saving
    def show_banner(self, text: str, kind: str = "error") -> None:
        colour = {"error": "#fdecea; color:#b71c1c", "info": "#e8f1fb; color:#0d47a1",
                  "ok": "#e8f5e9; color:#1b5e20"}[kind]  # fmt: skip
        self.banner.setStyleSheet(f"background:{colour}; padding:6px; border-radius:4px;")
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    def show_errors(self, errors: list[FieldError]) -> None:
        top = self.editor.show_errors(errors)
        more = len(errors) - 1
        text = str(top) if top else ""
        if more > 0:
            text += tr("Editor", "（另有 {0} 处需要修改，已用红框标出）").format(more)
        self.show_banner(text, "error")

    def save(self, then_next: bool = False, *, confirmed: bool = False) -> None:
        if self.saving or self.read_only:
            return
        # Read by the save functions: True once the doctor answered 仍然保存 (ConfirmDialog).
        self.confirmed, self._then_next = confirmed, then_next
        self.editor.refresh_computed()
        errors = self.editor.validate()
        if errors:
            self.show_errors(errors)
            return
        self.saving = True
        self.save_button.setEnabled(False)
        doc = self.editor.document()
        key = self.draft_key()
        fn = self._save_update(doc) if self.mode == "edit" else self._save_new(doc)

        def run(store: Store) -> Any:
            from app.services import drafts

            return drafts.save_then_discard(store, key, fn)

        DbOp(self, run).success(lambda r: self._saved(r, then_next)).failure(self._failed).run()

    def _save_new(self, doc: dict[str, Any]):  # noqa: ANN202 - returns a worker function
        resident, form, confirmed = self.resident_uuid, self.form.code, self.confirmed

        def fn(store: Store) -> Any:
            from app.services import records

            return records.add(store, resident, form, doc, confirmed=confirmed)

        return fn

    def _save_update(self, doc: dict[str, Any]):  # noqa: ANN202
        uuid = self.record["uuid"]
        old = self.record.get("doc") or {}
        patch = {k: v for k, v in doc.items() if old.get(k) != v}
        patch.update({k: None for k in old if k not in doc and not self._computed(k)})
        confirmed = self.confirmed

        def fn(store: Store) -> Any:
            from app.services import records

            return records.update(store, uuid, patch, confirmed=confirmed)

        return fn

    def _computed(self, key: str) -> bool:
        try:
            return self.form.field(key).computed
        except KeyError:
            return False

    def _saved(self, result: Any, then_next: bool) -> None:
        self.saving = False
        self.dirty = False
        self._draft_timer.stop()
        self.save_button.setEnabled(True)
        self.discard_button.setVisible(False)
        log.info("form saved")
        self.after_save(result)
        self.saved.emit(self.resident_uuid or "")
        nxt = self.next_uuid()
        if then_next and nxt:
            self.next_requested.emit(nxt)
        self.close_requested.emit()

    def after_save(self, result: Any) -> None:
        """Hook for subclasses (registration learns the new resident's uuid here)."""

    def _failed(self, exc: BaseException) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        warnings = getattr(exc, "warnings", None)  # record_warnings.NeedsConfirmation
        if warnings:
            self.ask_confirmation(warnings)
            return
        errors = getattr(exc, "errors", None)
        if errors:
            self.show_errors(errors)
            return
        from ui.errors import show_error

        show_error(self, exc)

    # --- confirmation of an unusual record (issue 11)
    def ask_confirmation(self, warnings: list[Any]) -> None:
        """Name the reasons; 仍然保存 saves again confirmed, 返回修改 marks the fields."""
        from ui.confirm_dialog import ConfirmDialog

        dialog = ConfirmDialog(warnings, self)
        self.confirm_dialog = dialog
        then_next = self._then_next
        dialog.accepted.connect(lambda: self.save(then_next, confirmed=True))
        # After the dialog has given the focus back (to the save button), take it to the field.
        back = [w.as_error() for w in warnings]
        dialog.rejected.connect(lambda: QTimer.singleShot(0, lambda: self.show_errors(back)))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
