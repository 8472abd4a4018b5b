"""Start-up: `python -m ui`, the bundled font and Qt's Chinese catalogue, the one Qt shim."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_python_m_ui_help():
    out = subprocess.run([sys.executable, "-m", "ui", "--help"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)  # fmt: skip
    assert out.returncode == 0
    assert "--data-dir" in out.stdout and "数据目录" in out.stdout


def test_font_and_translation_loaded(qapp):
    from ui.app import load_qt_translations, register_font
    from ui.qt import QFontDatabase, QMessageBox

    family = register_font(qapp)
    assert family and "WenQuanYi" in family
    assert qapp.font().family() == family
    assert QFontDatabase.families().count(family) >= 1
    assert load_qt_translations(qapp)
    box = QMessageBox(QMessageBox.Icon.Question, "t", "t",
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)  # fmt: skip
    assert box.button(QMessageBox.StandardButton.Cancel).text() == "取消"


def test_only_the_shim_imports_pyside6():
    offenders = []
    for path in (ROOT / "ui").rglob("*.py"):
        if path.name == "qt.py":
            continue
        if re.search(r"^\s*(from|import)\s+(PySide6|shiboken6)", path.read_text("utf-8"), re.M):
            offenders.append(path.name)
    assert offenders == []
