"""Writing laid-out pages to a PDF: one canvas, the CJK font, compression, numbering."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from forms.pdf.fonts import FONT, begin_page_text, end_page_text, register_font
from forms.pdf.page import PageContext, PageDrawer

Out = Any  # a filesystem path (str / PathLike) or a binary file object


# Compressed streams stay binary: ASCII85 on top of Flate only adds 25 % size and, in pure
# Python, ~10 % of the render time of a booklet.
rl_config.useA85 = 0


def new_canvas(out: Out | IO[bytes], pagesize: tuple[float, float] = A4, title: str = "") -> Canvas:
    register_font()
    if hasattr(out, "__fspath__"):
        out = str(out.__fspath__())  # reportlab takes str paths or file objects only
    # invariant=1 keeps output byte-identical for the same input (no timestamps or random ids),
    # so reprints compare equal and tests are stable
    c = Canvas(
        out,
        pagesize=pagesize,
        pageCompression=1,
        invariant=1,
        initialFontName=FONT,
        initialFontSize=9,
    )
    c.setTitle(title)
    c.setCreator("村医 Cunyi")
    c.setProducer("村医 Cunyi")
    return c


def draw_pages(c: Canvas, drawers: Sequence[PageDrawer], *, first_numbered: int = 1) -> None:
    """Draw pages numbered "第 n 页 共 m 页" within `drawers`; pages before `first_numbered`
    (a cover) count but carry no number."""
    m = len(drawers)
    for i, draw in enumerate(drawers, start=1):
        begin_page_text(c)
        draw(c, PageContext(i, m, numbered=i >= first_numbered))
        end_page_text(c)
        c.showPage()


def write_pages(out: Out, drawers: Sequence[PageDrawer], title: str = "") -> int:
    c = new_canvas(out, title=title)
    draw_pages(c, drawers)
    c.save()
    return len(drawers)
