"""Print preview of a PDF made in memory (QtPdf), then printing through the system dialog."""

from __future__ import annotations

import logging

from ui import printing
from ui.printing import PdfBytes, print_pdf
from ui.qt import (
    QDialog,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QPdfView,
    QPushButton,
    QShortcut,
    Qt,
    QVBoxLayout,
    QWidget,
    tr,
)

log = logging.getLogger("cunyi.ui.preview")


class PreviewDialog(QDialog):
    """Shows the pages; 打印 opens the system print dialog at 300 dpi. (app.services.printing
    already wrote who printed what to the audit trail when it made the PDF.)"""

    def __init__(self, pdf: bytes, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preview")
        self.setWindowTitle(tr("Preview", "打印预览 — {0}").format(title))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.pdf = PdfBytes(pdf)
        self.printed = 0
        column = QVBoxLayout(self)
        self.view = QPdfView(self)
        self.view.setObjectName("pdfView")
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setDocument(self.pdf.document)
        column.addWidget(self.view, 1)
        row = QHBoxLayout()
        self.pages = QLabel(tr("Preview", "共 {0} 页").format(self.pdf.page_count()), self)
        self.pages.setObjectName("pageCount")
        row.addWidget(self.pages)
        row.addStretch(1)
        self.print_button = QPushButton(tr("Preview", "打印… (Ctrl+P)"), self)
        self.print_button.setObjectName("printButton")
        self.print_button.setDefault(True)
        self.print_button.clicked.connect(self.print_now)
        close = QPushButton(tr("Preview", "关闭"), self)
        close.clicked.connect(self.close)
        row.addWidget(self.print_button)
        row.addWidget(close)
        column.addLayout(row)
        QShortcut(QKeySequence("Ctrl+P"), self, self.print_now)
        self.resize(900, 700)
        self.finished.connect(lambda *_: self.pdf.close())

    def print_now(self) -> None:
        printer = printing.ask_printer(self, self.windowTitle())
        if printer is None:
            return
        self.printed = print_pdf(printer, self.pdf)
        log.info("printed %d pages", self.printed)


def show_preview(parent: QWidget | None, pdf: bytes, title: str) -> PreviewDialog:
    dialog = PreviewDialog(pdf, title, parent)
    dialog.open()
    return dialog
