"""Renders packaging/linux/cunyi.svg to the PNG (Linux .desktop) and ICO (Windows) icons.
Run by hand after changing the SVG: python packaging/make_icons.py (needs PySide6's QtSvg)."""

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

HERE = Path(__file__).resolve().parent


def render(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(HERE / "linux" / "cunyi.svg")).render(painter)
    painter.end()
    return image


if __name__ == "__main__":
    app = QGuiApplication([])
    assert render(256).save(str(HERE / "linux" / "cunyi.png"))
    assert render(256).save(str(HERE / "windows" / "cunyi.ico"))
