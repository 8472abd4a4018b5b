"""Inline flow of text, underlined blanks and □ code boxes, wrapped into a cell like handwriting on paper."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from reportlab.pdfgen.canvas import Canvas

from forms.pdf.fonts import draw_centred, draw_text, text_width

SIZE = 8.0  # body text, points
LEAD = 11.5  # line height: a box (BOX) plus a little air
BOX = 10.0  # side of one □ code box
PAD = 2.5  # cell padding

# Tokens are plain tuples so that layouts of identical option texts can be cached across pages:
#   ("t", text)            text, may break at spaces and between CJK characters
#   ("o", text)            one option ("2轻度依赖"): never broken unless wider than the whole line
#   ("x", quadrants)       the dentition cross (齿列): four strings, upper right/left, lower
#                          right/left of the patient, written in the quadrants as on paper
#   ("u", text, min_width)  underlined blank, filled with text when given (handwriting line)
#   ("b", chars)           one □ box holding `chars` (a code such as "2" or "10", or "")
#   ("d", text)            a run of one-character boxes (digits of a number or date), no breaks
#   ("s", text)            short text such as a unit or "/" separator (no break inside)
#   ("g", text)            text that stays on the line of the box before it (card check boxes)
#   ("br",)                hard line break
Token = tuple


def _box_w(chars: str) -> float:
    return BOX if len(chars) <= 1 else max(BOX, text_width(chars, SIZE) + 3)


CROSS_W = 46.0  # the dentition cross: two quadrants of three or four tooth numbers
CROSS_H = 2 * LEAD - 1  # a line holding the cross is this tall


def token_width(tok: Token, size: float = SIZE) -> float:
    kind = tok[0]
    if kind in ("t", "s", "g", "o"):
        return text_width(tok[1], size)
    if kind == "x":
        return CROSS_W
    if kind == "u":
        return max(tok[2], text_width(tok[1], size) + 4)
    if kind == "b":
        return _box_w(tok[1])
    if kind == "d":
        return BOX * len(tok[1])
    return 0.0


NO_LINE_START = set("、，。；：！？）》」』】,.;:!?)")  # Chinese line-breaking rule (禁则)


def _split_text(text: str, size: float, room: float, width: float) -> tuple[str, str]:
    """Longest head of `text` that fits `room`, breaking after a space or a CJK character."""
    best = 0
    w = 0.0
    for i, ch in enumerate(text):
        w += text_width(ch, size)
        if w > room:
            break
        nxt = text[i + 1] if i + 1 < len(text) else ""
        breakable = ch == " " or ord(ch) > 0x2E80 or (nxt != "" and ord(nxt) > 0x2E80)
        if breakable and nxt not in NO_LINE_START:  # 、，。 never begin a line
            best = i + 1
        if i + 1 == len(text):
            best = i + 1
    if best == 0 and room >= width:  # one long Latin word: cut it anywhere
        w = 0.0
        for i, ch in enumerate(text):
            w += text_width(ch, size)
            if w > room:
                best = max(1, i)
                break
    return text[:best], text[best:].lstrip(" ")


Line = tuple[tuple[float, Token], ...]


@lru_cache(maxsize=8192)
def layout(tokens: tuple[Token, ...], width: float, size: float = SIZE) -> tuple[Line, ...]:
    """Place tokens on lines of `width`; returns lines of (x, token) pieces."""
    lines: list[list[tuple[float, Token]]] = [[]]
    x = 0.0
    for i, tok in enumerate(tokens):
        if tok[0] == "br":
            lines.append([])
            x = 0.0
            continue
        if tok[0] == "o":
            fits_line = text_width(tok[1].rstrip(), size) <= width
            if fits_line:
                if x > 0 and x + text_width(tok[1].rstrip(), size) > width + 0.01:
                    lines.append([])
                    x = 0.0
                lines[-1].append((x, tok))
                x += text_width(tok[1], size)
                continue
            tok = ("t", tok[1])  # wider than a whole line: it has to break somewhere
        if tok[0] == "t":
            text = tok[1]
            while text:
                room = width - x
                w = text_width(text, size)
                if w <= room:
                    lines[-1].append((x, ("t", text)))
                    x += w
                    break
                head, text = _split_text(text, size, room, width)
                if head.strip():
                    lines[-1].append((x, ("t", head)))
                if not head and x == 0:  # nothing fits even on an empty line: force one char
                    lines[-1].append((x, ("t", text[0])))
                    text = text[1:]
                lines.append([])
                x = 0.0
            continue
        w = token_width(tok, size)
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        need = w + (token_width(nxt, size) if nxt is not None and nxt[0] == "g" else 0.0)
        if x + need > width + 0.01 and x > 0 and tok[0] != "g":
            lines.append([])
            x = 0.0
        lines[-1].append((x, tok))
        x += w
    return tuple(tuple(line) for line in lines if line) or ((),)


def line_width(line: Line, size: float = SIZE) -> float:
    if not line:
        return 0.0
    x, tok = line[-1]
    if tok[0] == "o":  # an option's trailing gap is air, not ink
        return x + text_width(tok[1].rstrip(), size)
    return x + token_width(tok, size)


def line_height(line: Line, size: float = SIZE) -> float:
    """A line with a box keeps the box's height; smaller text lines close up with their size."""
    if any(tok[0] == "x" for _x, tok in line):
        return CROSS_H
    if size < SIZE and not any(tok[0] in ("b", "d") for _x, tok in line):
        return LEAD * size / SIZE
    return LEAD


def draw_line(c: Canvas, line: Line, x0: float, baseline: float, size: float = SIZE) -> None:
    """Draw one laid-out line; boxes sit on the baseline and extend one box height up.
    Adjacent text pieces are drawn as one string (they were placed edge to edge): each
    drawString costs a PDF text object, and option lists come as one piece per option."""
    run_x, run = 0.0, ""
    for x, tok in line:
        kind = tok[0]
        if kind in ("t", "s", "g", "o"):
            if not run:
                run_x = x
            run += tok[1]
            continue
        if run:
            draw_text(c, x0 + run_x, baseline, run, size)
            run = ""
        if kind == "u":
            w = token_width(tok, size)
            c.line(x0 + x + 1, baseline - 1.5, x0 + x + w - 1, baseline - 1.5)
            if tok[1]:
                draw_text(c, x0 + x + 2, baseline, tok[1], size)
        elif kind == "b":
            _draw_box(c, x0 + x, baseline, _box_w(tok[1]), tok[1])
        elif kind == "d":
            for i, ch in enumerate(tok[1]):
                _draw_box(c, x0 + x + i * BOX, baseline, BOX, "" if ch == " " else ch)
        elif kind == "x":
            _draw_cross(c, x0 + x, baseline, tok[1])
    if run:
        draw_text(c, x0 + run_x, baseline, run, size)


def _draw_box(c: Canvas, x: float, baseline: float, w: float, chars: str) -> None:
    c.rect(x + 0.8, baseline - 2.2, w - 1.6, BOX - 1.4, stroke=1, fill=0)
    if chars:
        draw_centred(c, x + w / 2, baseline, chars, SIZE)


def _draw_cross(c: Canvas, x: float, baseline: float, quads: tuple[str, ...]) -> None:
    """齿列 as the paper draws it: a cross whose quadrants hold the tooth positions, seen from
    the examiner (the patient's right upper jaw top left)."""
    mid = baseline + BOX / 2 - 2.2  # the middle of the line, where a box's centre would be
    half = CROSS_H / 2 - 1.5
    cx = x + CROSS_W / 2
    c.line(x + 1, mid, x + CROSS_W - 1, mid)
    c.line(cx, mid - half, cx, mid + half)
    small = 6.5
    ur, ul, lr, ll = (list(quads) + ["", "", "", ""])[:4]
    for s, left, upper in (
        (ur, True, True),
        (ul, False, True),
        (lr, True, False),
        (ll, False, False),
    ):
        if not s:
            continue
        size = min(small, small * (CROSS_W / 2 - 3) / max(text_width(s, small), 0.1))
        w = text_width(s, size)
        tx = cx - 1.5 - w if left else cx + 1.5
        ty = mid + 1.8 if upper else mid - size - 0.2
        draw_text(c, tx, ty, s, size)


@dataclass
class Flow:
    """Cell content: tokens flowing left to right; `right` tokens are pinned to the right edge
    of the last line (where the paper forms put the □ answer boxes)."""

    tokens: tuple[Token, ...]
    right: tuple[Token, ...] = ()
    size: float = SIZE
    align: str = "left"  # left | center
    min_lines: int = 0  # room left for handwriting under long free text

    def _lines(self, width: float) -> tuple[tuple[Line, ...], Line, bool]:
        inner = max(width - 2 * PAD, 10.0)
        body = layout(self.tokens, inner, self.size) if self.tokens else ((),)
        if not self.right:
            return body, (), False
        rline = layout(self.right, inner, self.size)[0]
        rw = line_width(rline, self.size)
        own_line = line_width(body[-1], self.size) + rw + 4 > inner
        return body, rline, own_line

    def _used(self, body: tuple[Line, ...], own_line: bool) -> float:
        return sum(line_height(line, self.size) for line in body) + (LEAD if own_line else 0.0)

    def height(self, width: float) -> float:
        body, _rline, own_line = self._lines(width)
        used = self._used(body, own_line)
        return max(used, self.min_lines * LEAD) + 2 * PAD - 2

    def draw(self, c: Canvas, x: float, top: float, width: float, height: float) -> None:
        body, rline, own_line = self._lines(width)
        used = self._used(body, own_line)
        if self.min_lines * LEAD > used:  # long text starts at the top of its writing space
            height = used + 2 * PAD
        # vertically centred like text in a table cell
        y = top - (height - used) / 2 + 3.2
        inner = width - 2 * PAD
        last_h = LEAD
        for line in body:
            last_h = line_height(line, self.size)
            y -= last_h if last_h <= LEAD else last_h / 2 + LEAD / 2 - 1
            dx = (inner - line_width(line, self.size)) / 2 if self.align == "center" else 0.0
            draw_line(c, line, x + PAD + dx, y, self.size)
            if last_h > LEAD:
                y -= last_h / 2 - LEAD / 2 + 1
        if rline:
            if own_line:
                y -= LEAD
            elif last_h > LEAD:  # boxes after the cross sit on the cross's middle line
                y += last_h / 2 - LEAD / 2 + 1
            rx = x + PAD + inner - line_width(rline, self.size)
            draw_line(c, rline, rx, y, self.size)


@dataclass
class Vertical:
    """A section label written top to bottom, as in the narrow left column of the paper forms."""

    text: str
    size: float = 9.0

    def height(self, width: float) -> float:
        # one column as on paper; a long label takes as many as the cell is wide enough for,
        # so it needs no tall rows
        cols = 1 if len(self.text) <= 6 else max(1, int((width - 2) // (self.size + 1)))
        return -(-len(self.text) // cols) * (self.size + 2) + 2 * PAD

    def fit(self, width: float, height: float) -> tuple[int, float]:
        """Columns and character size that keep the label inside its cell: a section continued
        on a short piece of the next page still shows its label there, smaller if need be."""
        n = max(len(self.text), 1)
        best = (1, 0.0)
        for cols in range(1, 5):
            per_col = -(-n // cols)
            size = min(self.size, (height - 2 * PAD) / per_col - 2, width / cols - 1.5)
            if size > best[1] + 0.01:
                best = (cols, size)
            if size >= self.size:
                break
        return best

    def draw(self, c: Canvas, x: float, top: float, width: float, height: float) -> None:
        cols, size = self.fit(width, height)
        if size <= 0:
            return
        step = size + 2
        chars = list(self.text)
        per_col = -(-len(chars) // cols)
        col_w = width / cols
        for ci in range(cols):
            part = chars[ci * per_col : (ci + 1) * per_col]
            y = top - (height - len(part) * step) / 2 - size
            cx = x + col_w * (ci + 0.5)
            for ch in part:
                draw_centred(c, cx, y, ch, size)
                y -= step


def text(s: str, size: float = SIZE, align: str = "left") -> Flow:
    return Flow((("t", s),) if s else (), size=size, align=align)
