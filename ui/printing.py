"""Printing: the system print dialog at 300 dpi, PDF pages onto a printer, plain text pages."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from ui.qt import (
    QBuffer,
    QByteArray,
    QDialog,
    QFont,
    QImage,
    QIODevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfDocument,
    QPrintDialog,
    QPrinter,
    QRect,
    QSize,
    Qt,
    QWidget,
    tr,
)

log = logging.getLogger("cunyi.ui.printing")
DPI = 300  # HighResolution (1200 dpi) makes a 4 MB job of one A4 page


def new_printer() -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.PrinterResolution)
    printer.setResolution(DPI)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setFullPage(True)  # the PDFs carry their own margins, as on the paper form
    return printer


def ask_printer(parent: QWidget | None, title: str = "") -> QPrinter | None:
    """The system print dialog. Tests replace this function with one returning a PDF printer."""
    printer = new_printer()
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(title or tr("Print", "打印"))
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return printer


class PdfBytes:
    """A PDF held in memory and opened by QtPdf: printouts carry personal data, so they are never
    written to temp files."""

    def __init__(self, data: bytes) -> None:
        self.data = QByteArray(data)
        self.buffer = QBuffer(self.data)
        self.buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument()
        self.document.load(self.buffer)
        if self.document.status() != QPdfDocument.Status.Ready:
            raise RuntimeError("pdf not loadable")

    def page_count(self) -> int:
        return self.document.pageCount()

    def close(self) -> None:
        self.document.close()
        self.buffer.close()


def print_pdf(printer: QPrinter, pdf: PdfBytes, pages: Iterable[int] | None = None) -> int:
    """Draw the pages of a PDF onto the printer (Qt cannot send a PDF file to a printer itself).
    Returns the number of pages printed."""
    doc = pdf.document
    painter = QPainter()
    if not painter.begin(printer):
        raise RuntimeError("printer not ready")
    count = 0
    try:
        for i in pages if pages is not None else range(doc.pageCount()):
            if count:
                printer.newPage()
            rect = printer.pageLayout().fullRectPixels(printer.resolution())
            target = QRect(0, 0, rect.width(), rect.height())
            image = doc.render(i, QSize(target.width(), target.height()))
            # render() gives a transparent image: paper is white.
            page = QImage(image.size(), QImage.Format.Format_RGB32)
            page.fill(Qt.GlobalColor.white)
            p = QPainter(page)
            p.drawImage(0, 0, image)
            p.end()
            painter.drawImage(target, page)
            count += 1
    finally:
        painter.end()
    log.info("printed %d pages", count)
    return count


def print_text_page(printer: QPrinter, title: str, lines: list[str]) -> None:
    """A plain page (the recovery code sheet): a title and lines of text."""
    painter = QPainter()
    if not painter.begin(printer):
        raise RuntimeError("printer not ready")
    try:
        dpi = printer.resolution()
        mm = dpi / 25.4
        x, y = int(25 * mm), int(30 * mm)
        painter.setFont(QFont(QFont().family(), 18, QFont.Weight.Bold))
        painter.drawText(x, y, title)
        y += int(15 * mm)
        for line in lines:
            big = line.replace("-", "").replace(" ", "").isalnum() and len(line) > 12
            painter.setFont(QFont("monospace" if big else QFont().family(), 16 if big else 12))
            painter.drawText(x, y, line)
            y += int((12 if big else 9) * mm)
    finally:
        painter.end()
