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


@lru_cache(maxsize=65536)
def _char_width(ch: str) -> float:
    return pdfmetrics.stringWidth(ch, FONT, 1000)


@lru_cache(maxsize=65536)
def text_width(text: str, size: float) -> float:
    """Width in points of `text` at `size`; cached because form labels repeat on every page."""
    register_font()
    return sum(_char_width(c) for c in text) * size / 1000.0
