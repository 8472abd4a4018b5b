"""The fonts every PDF uses: the bundled WenQuanYi Micro Hei, embedded as a TrueType subset, and
for the rare characters it lacks (CJK Extension A and B-F, common in names: 䶮 𬌗 𠮷) the bundled
Hanazono Mincho subsets, chosen character by character. A character no bundled font can draw
stops the print (UnprintableText) instead of going to paper as a blank."""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

from forms.model import FieldError

FONT = "CunyiCJK"
FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FONT_FILE = FONT_DIR / "wqy-microhei.ttc"
# Tried in order for a character the main font lacks; registered only when first needed (the
# Extension B-F file is 30 MB and most prints never touch it). See forms/fonts/ORIGIN.md.
FALLBACKS: tuple[tuple[str, Path], ...] = (
    ("CunyiExtA", FONT_DIR / "HanaMinA-ext.ttf"),
    ("CunyiExtB", FONT_DIR / "HanaMinB-ext.ttf"),
)


class UnprintableText(ValueError):
    """Text holds characters no bundled font can draw (private-use, unassigned, emoji ...).

    `errors` name the fields when the check ran on the data before printing (check_printable);
    a character met while drawing, outside any field, names only itself."""

    def __init__(self, chars: list[str], errors: list[FieldError] | None = None) -> None:
        self.chars = chars
        self.errors = errors or [FieldError("text", "打印内容", bad_chars_message(chars))]
        super().__init__("；".join(str(e) for e in self.errors))


def bad_chars_message(chars: list[str]) -> str:
    shown = "、".join(f"“{c}”（U+{ord(c):04X}）" for c in chars)
    return f"含无法打印的字符{shown}，请改为可打印的字或写明读音后再打印"


def _utf16_to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ToUnicode CMap with characters beyond the BMP written as UTF-16 surrogate
    pairs, as the PDF reference requires: reportlab prints the bare code point ("<2C317>"), so
    copy-paste, search and pdftotext gave back the wrong character for 𬌗 𠮷. BMP entries are
    written exactly as reportlab writes them, so ordinary PDFs stay byte-identical."""
    out = _reportlab_cmap(fontname, subset)
    for i, v in enumerate(subset):
        if v > 0xFFFF:
            units = chr(v).encode("utf-16-be").hex().upper()
            out = out.replace(f"<{i:02X}> <{v:04X}>", f"<{i:02X}> <{units}>", 1)
    return out


_reportlab_cmap = ttfonts.makeToUnicodeCMap
ttfonts.makeToUnicodeCMap = _utf16_to_unicode_cmap  # looked up by name when a subset is written

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


_fallbacks_registered: set[str] = set()


def _face(name: str):
    if name != FONT and name not in _fallbacks_registered:
        with _lock:
            if name not in _fallbacks_registered:
                path = dict(FALLBACKS)[name]
                pdfmetrics.registerFont(TTFont(name, str(path)))
                _fallbacks_registered.add(name)
    return pdfmetrics.getFont(name).face


def _draws(face, ch: str) -> bool:
    """The font maps `ch` to a glyph with an outline (an empty glyph prints as nothing)."""
    glyph = face.charToGlyph.get(ord(ch))
    return glyph is not None and face.glyphPos[glyph + 1] != face.glyphPos[glyph]


@lru_cache(maxsize=65536)
def font_for(ch: str) -> str | None:
    """The first bundled font that draws `ch`, or None when none does."""
    register_font()
    if ch.isspace() or ch in SUPERSCRIPTS or _draws(_face(FONT), ch):
        return FONT
    if ord(ch) < 0x2E80:  # below the CJK blocks: the fallbacks hold only ideographs
        return None
    for name, _path in FALLBACKS:
        if _draws(_face(name), ch):
            return name
    return None


@lru_cache(maxsize=65536)
def font_runs(text: str) -> tuple[tuple[str, str], ...]:
    """`text` split into (font, piece) runs by which font draws each character; raises
    UnprintableText when a character has no font at all."""
    runs: list[tuple[str, str]] = []
    bad: list[str] = []
    for ch in text:
        font = font_for(ch)
        if font is None:
            bad.append(ch)
            continue
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + ch)
        else:
            runs.append((font, ch))
    if bad:
        raise UnprintableText(list(dict.fromkeys(bad)))
    return tuple(runs)


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
    font = font_for(ch)
    if font is None:
        raise UnprintableText([ch])
    return pdfmetrics.stringWidth(ch, font, 1000)


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
    runs = font_runs(s)
    t = getattr(c, "_cunyi_text", None)
    if t is None:
        for font, piece in runs:
            c.setFont(font, size)
            c.drawString(x, y, piece)
            x += pdfmetrics.stringWidth(piece, font, size)
        c.setFont(FONT, size)
        return
    t.setTextOrigin(x, y)
    for font, piece in runs:  # each Tj moves the text position on: the runs follow each other
        if c._cunyi_size != (font, size):
            t.setFont(font, size)
            c._cunyi_size = (font, size)
        _text_out(c, t, piece, size)


def _text_out(c, t, s: str, size: float) -> None:
    """t.textOut(s), memoised per document: encoding a string into font-subset runs is most of
    a page's render time and the labels and option lists repeat on every resident's pages.
    The PDF code of a string depends only on the string, the font, the size and the subset
    selected before it (subset assignment is fixed per document once made), which is the key. Falls
    back to textOut if reportlab's text object ever stops looking as expected."""
    cache = getattr(c, "_cunyi_fmt", None)
    if cache is None or not hasattr(t, "_curSubset") or not hasattr(t, "_formatText"):
        t.textOut(s)
        return
    key = (s, t._fontname, size, t._curSubset)
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
    """Characters of `text` no bundled font can draw (private-use or unassigned code points,
    emoji, CJK Extension G and later): the print stops naming them instead of leaving a blank."""
    out: list[str] = []
    for ch in dict.fromkeys(text.translate(BLANK_GLYPHS)):
        if font_for(ch) is None:
            out.append(ch)
    return out
