"""Rare name characters (CJK Extension A, B-F) render in widgets from the bundled fallback fonts."""

from __future__ import annotations

from PySide6.QtGui import QTextLayout  # test-only: the layout's glyph runs name the font used

from tests.ui.helpers import screenshot

RARE = {"䶮": "HanaMinA", "𬌗": "HanaMinB", "𠮷": "HanaMinB"}


def _fonts_drawing(text: str, font) -> dict[str, str]:
    """Which font family Qt lays out each character of `text` in, counting only real glyphs
    (a character no font has gets glyph 0, the box, and is left out)."""
    out: dict[str, str] = {}
    for ch in text:
        layout = QTextLayout(ch, font)
        layout.beginLayout()
        layout.createLine()
        layout.endLayout()
        for run in layout.glyphRuns():
            if any(run.glyphIndexes()):
                out[ch] = run.rawFont().familyName()
    return out


def test_rare_name_characters_render_in_a_label(qapp, qtbot) -> None:
    from ui.app import register_font
    from ui.qt import QLabel

    family = register_font(qapp)
    label = QLabel("姓名：王䶮𬌗𠮷")
    qtbot.addWidget(label)
    label.resize(300, 40)
    label.show()
    drawn = _fonts_drawing(label.text(), label.font())
    assert drawn["王"] == family
    for ch, fallback in RARE.items():
        assert drawn.get(ch) == fallback, (ch, drawn)
    # a widget naming the main family itself still falls back (substitution)
    from ui.qt import QFont

    assert _fonts_drawing("䶮𠮷", QFont(family, 10)) == {"䶮": "HanaMinA", "𠮷": "HanaMinB"}
    screenshot(label, "rare-name-label")
