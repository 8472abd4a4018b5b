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


# Characters WenQuanYi Micro Hei maps to an empty glyph (they would print as nothing), written
# with look-alikes instead; found by scanning the font's loca table for zero-length glyphs.
BLANK_GLYPHS = str.maketrans(
    {
        "\u2103": "°C",
        "\u2109": "°F",
        "\u2164": "V",
        "\u2169": "X",
        "\u223c": "~",
        "\u212b": "\u00c5",
    }
)

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
    return sum(_char_width(c) for c in text.translate(BLANK_GLYPHS)) * size / 1000.0


def begin_page_text(c) -> None:
    """Collect the page's text in one PDF text object: reportlab's drawString makes a text
    object per call, ~40 % of a form page's render time. Only for pages drawn without
    coordinate transforms (the text is emitted when the page ends, above the rulings)."""
    c._cunyi_text = c.beginText()
    c._cunyi_size = None
    if not hasattr(c, "_cunyi_fmt"):
        c._cunyi_fmt = {}


def end_page_text(c) -> None:
    t = getattr(c, "_cunyi_text", None)
    if t is not None:
        c.drawText(t)
        c._cunyi_text = None


def _out(c, x: float, y: float, s: str, size: float) -> None:
    t = getattr(c, "_cunyi_text", None)
    if t is None:
        c.setFont(FONT, size)
        c.drawString(x, y, s)
        return
    if c._cunyi_size != size:
        t.setFont(FONT, size)
        c._cunyi_size = size
    t.setTextOrigin(x, y)
    _text_out(c, t, s, size)


def _text_out(c, t, s: str, size: float) -> None:
    """t.textOut(s), memoised per document: encoding a string into font-subset runs is most of
    a page's render time and the labels and option lists repeat on every resident's pages.
    The PDF code of a string depends only on the string, the size and the subset selected
    before it (subset assignment is fixed per document once made), which is the key. Falls
    back to textOut if reportlab's text object ever stops looking as expected."""
    cache = getattr(c, "_cunyi_fmt", None)
    if cache is None or not hasattr(t, "_curSubset") or not hasattr(t, "_formatText"):
        t.textOut(s)
        return
    key = (s, size, t._curSubset)
    hit = cache.get(key)
    if hit is None:
        if len(cache) > 20000:  # bounded: a village booklet has few distinct strings per chunk
            cache.clear()
        hit = cache[key] = (t._formatText(s), t._curSubset)
    else:
        t._curSubset = hit[1]
    t._code.append(hit[0])


def draw_centred(c, x: float, y: float, s: str, size: float) -> None:
    draw_text(c, x - text_width(s, size) / 2, y, s, size)


def draw_text(c, x: float, y: float, s: str, size: float) -> None:
    """Text in the font, with look-alikes for blank glyphs and raised superscript digits."""
    s = s.translate(BLANK_GLYPHS)
    if not any(ch in SUPERSCRIPTS for ch in s):
        _out(c, x, y, s, size)
        return
    run = ""
    for ch in s + "\0":
        if ch in SUPERSCRIPTS or ch == "\0":
            if run:
                _out(c, x, y, run, size)
                x += text_width(run, size)
                run = ""
            if ch != "\0":
                _out(c, x, y + size * 0.42, SUPERSCRIPTS[ch], size * SUPER_SCALE)
                x += text_width(ch, size)
        else:
            run += ch


def unprintable(text: str) -> list[str]:
    """Characters of `text` the bundled font cannot draw (rare name characters outside GBK,
    emoji): the app can warn before printing instead of letting a blank go to paper."""
    register_font()
    face = pdfmetrics.getFont(FONT).face
    out: list[str] = []
    for ch in dict.fromkeys(text.translate(BLANK_GLYPHS)):
        if ch.isspace() or ch in SUPERSCRIPTS:
            continue
        glyph = face.charToGlyph.get(ord(ch))
        if glyph is None or face.glyphPos[glyph + 1] == face.glyphPos[glyph]:
            out.append(ch)
    return out
