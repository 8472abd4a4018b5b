"""The one font every PDF uses: the bundled WenQuanYi Micro Hei, embedded as a TrueType subset."""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT = "CunyiCJK"
FONT_FILE = Path(__file__).resolve().parent.parent / "fonts" / "wqy-microhei.ttc"

_lock = threading.Lock()
_registered = False


def register_font() -> str:
    """Register the CJK font with reportlab once per process and return its name.

    Parsing the 5 MB collection costs ~0.3 s, so it happens once; subfont 0 is the proportional
    "WenQuanYi Micro Hei" (1 is the monospaced variant). Every piece of text, Latin digits
    included, is drawn with it so that no standard (unembedded) font ends up in the PDF.
    """
    global _registered
    if _registered:
        return FONT
    with _lock:
        if not _registered:
            pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE), subfontIndex=0))
            _registered = True
    return FONT


# Superscript digits the font lacks (×10⁹/L); drawn as small raised digits instead of a blank.
SUPERSCRIPTS = {"⁰": "0", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9"}
SUPER_SCALE = 0.62


@lru_cache(maxsize=65536)
def _char_width(ch: str) -> float:
    if ch in SUPERSCRIPTS:
        return pdfmetrics.stringWidth(SUPERSCRIPTS[ch], FONT, 1000) * SUPER_SCALE
    return pdfmetrics.stringWidth(ch, FONT, 1000)


@lru_cache(maxsize=65536)
def text_width(text: str, size: float) -> float:
    """Width in points of `text` at `size`; cached because form labels repeat on every page."""
    register_font()
    return sum(_char_width(c) for c in text) * size / 1000.0


def draw_text(c, x: float, y: float, s: str, size: float) -> None:
    """drawString with the font, raising the superscript digits it has no glyph for."""
    if not any(ch in SUPERSCRIPTS for ch in s):
        c.setFont(FONT, size)
        c.drawString(x, y, s)
        return
    run = ""
    for ch in s + "\0":
        if ch in SUPERSCRIPTS or ch == "\0":
            if run:
                c.setFont(FONT, size)
                c.drawString(x, y, run)
                x += text_width(run, size)
                run = ""
            if ch != "\0":
                c.setFont(FONT, size * SUPER_SCALE)
                c.drawString(x, y + size * 0.42, SUPERSCRIPTS[ch])
                x += text_width(ch, size)
        else:
            run += ch
