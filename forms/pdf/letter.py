"""双向转诊单 in the letter layout of the paper: the 存根 (stub, kept by the sending clinic) above
a dashed cut line, then the 转出单 or 回转单 worded as a letter to the receiving institution."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import Any

from reportlab.pdfgen.canvas import Canvas

from forms.model import FormDef
from forms.pdf import values as V
from forms.pdf.flow import draw_line, layout, token_width
from forms.pdf.fonts import draw_centred, text_width
from forms.pdf.page import (
    CONTENT_W,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    PAGE_H,
    PAGE_W,
    PageContext,
    PageDrawer,
    draw_footer,
)

SIZE = 10.5  # letter text
STEP = 21.0  # line pitch: room to write by hand on the blanks
TITLE = 15.0
OUT, BACK = "1", "2"
# Free-text parts of each slip: (key, label); an empty part gets ruled lines to write on.
PARTS = {
    OUT: (
        ("initial_impression", "初步印象"),
        ("present_history", "主要现病史（转出原因）"),
        ("past_history", "主要既往史"),
        ("treatment", "治疗经过"),
    ),
    BACK: (
        ("main_results", "主要检查结果"),
        ("treatment_plan", "治疗经过、下一步治疗方案及康复建议"),
    ),
}
EMPTY_PART_LINES = 3

Op = Callable[[Canvas], None]


class Letter:
    """Lines laid out top to bottom, starting a new page when one is full."""

    def __init__(self, continued_title: str) -> None:
        self.pages: list[list[Op]] = [[]]
        self.y = PAGE_H - MARGIN_TOP
        self.continued_title = continued_title

    def room(self, h: float) -> None:
        if self.y - h < MARGIN_BOTTOM + 24:
            self.pages.append([])
            self.y = PAGE_H - MARGIN_TOP
            self.title(self.continued_title)

    def op(self, fn: Op) -> None:
        self.pages[-1].append(fn)

    def title(self, text: str) -> None:
        self.room(TITLE + 14)
        y = self.y - TITLE
        self.op(lambda c: draw_centred(c, PAGE_W / 2, y, text, TITLE))
        self.y -= TITLE + 14

    def flow(self, tokens: tuple, indent: float = 0.0, right: bool = False) -> None:
        """Tokens wrapped to the page width, a line pitch apart; `right` sets them flush right."""
        for line in layout(tokens, CONTENT_W - indent, SIZE):
            self.room(STEP)
            x = MARGIN_X + indent
            if right and line:
                last_x, last = line[-1]
                x = MARGIN_X + CONTENT_W - last_x - token_width(last, SIZE)
            y = self.y - SIZE - 4
            self.op(functools.partial(draw_line, line=line, x0=x, baseline=y, size=SIZE))
            self.y -= STEP

    def ruled(self, n: int) -> None:
        for _ in range(n):
            self.room(STEP)
            y = self.y - SIZE - 5.5
            self.op(functools.partial(_rule, y=y))
            self.y -= STEP

    def gap(self, h: float) -> None:
        self.y -= h

    def cut_line(self) -> None:
        self.room(30)
        y = self.y - 15

        def draw(c: Canvas) -> None:
            c.saveState()
            c.setDash(4, 3)
            c.line(MARGIN_X - 20, y, MARGIN_X + CONTENT_W + 20, y)
            c.setDash()
            label = "（沿此线剪开）"
            w = text_width(label, 8)
            c.setFillGray(1)
            c.rect(PAGE_W / 2 - w / 2 - 3, y - 5, w + 6, 11, stroke=0, fill=1)
            c.setFillGray(0)
            draw_centred(c, PAGE_W / 2, y - 3, label, 8)
            c.restoreState()

        self.op(draw)
        self.y -= 30


def _blank(value: Any, width: float) -> tuple:
    """A filled-in blank: the value on a line, at least `width` wide."""
    return ("u", "" if V.blank(value) else str(value), width)


def _date_tokens(value: Any) -> tuple:
    y, m, d = (str(value).split("-") + ["", "", ""])[:3] if value else ("", "", "")
    return (_blank(y, 36), ("s", "年"), _blank(m, 22), ("s", "月"), _blank(d, 22), ("s", "日"))


def _age(doc: dict[str, Any], resident: dict[str, Any]) -> str:
    if not V.blank(doc.get("age")):
        return str(doc["age"])
    born, on = str(resident.get("birth_date") or ""), str(doc.get("visit_date") or "")
    try:
        b, d = date.fromisoformat(born[:10]), date.fromisoformat(on[:10])
    except ValueError:
        return ""
    return str(d.year - b.year - ((d.month, d.day) < (b.month, b.day)))


def _signature_block(w: Letter, doc: dict[str, Any]) -> None:
    w.flow((("s", "转诊医生（签字）："), _blank(doc.get("referring_doctor"), 110)), right=True)
    w.flow((("s", "联系电话："), _blank(doc.get("doctor_phone"), 110)), right=True)
    w.flow((_blank(doc.get("from_institution"), 150), ("s", "（机构名称）")), right=True)
    w.flow(_date_tokens(doc.get("visit_date")), right=True)


def letter_pages(form: FormDef, doc: dict[str, Any], resident: dict[str, Any]) -> list[PageDrawer]:
    """The pages of one 双向转诊单 (转出 by default when the kind is not known)."""
    kind = BACK if str(doc.get("referral_type")) == BACK else OUT
    slip_title = str((form.paper.get("slip_title") or {}).get(kind) or form.title)
    sex_table = form.code_tables.get("sex")
    sex = sex_table.label(str(doc.get("sex"))) if sex_table and doc.get("sex") else ""
    age = _age(doc, resident)
    w = Letter(slip_title + "（续）")

    w.title("存  根")
    w.flow((("s", "患者姓名"), _blank(doc.get("name"), 80), ("s", " 性别"), _blank(sex, 30),
            ("s", " 年龄"), _blank(age, 30), ("s", " 档案编号"),
            _blank(resident.get("record_no"), 150)))  # fmt: skip
    w.flow((("s", "家庭住址"), _blank(doc.get("address"), 250), ("s", " 联系电话"),
            _blank(doc.get("phone"), 100)))  # fmt: skip
    if kind == BACK:
        w.flow((("s", "住院病案号"), _blank(doc.get("inpatient_no"), 120)))
    move = "转入" if kind == OUT else "转回"
    w.flow((("s", "于"), *_date_tokens(doc.get("visit_date")), ("t", f"因病情需要，{move}"),
            _blank(doc.get("to_institution"), 100), ("s", "单位"),
            _blank(doc.get("to_department"), 60), ("s", "科室"),
            _blank(doc.get("receiving_doctor"), 50), ("s", "接诊医生。")))  # fmt: skip
    w.flow((("s", "转诊医生（签字）："), _blank(doc.get("referring_doctor"), 110)), right=True)
    w.flow(_date_tokens(doc.get("visit_date")), right=True)
    w.cut_line()

    w.title(slip_title)
    w.flow((_blank(doc.get("to_institution"), 150), ("s", "（机构名称）：")))
    sentence: tuple[Any, ...]
    if kind == OUT:
        sentence = (("s", "现有患者"), _blank(doc.get("name"), 70), ("s", " 性别"),
                    _blank(sex, 30), ("s", " 年龄"), _blank(age, 30),
                    ("t", " 因病情需要，需转入贵单位，请予以接诊。"))  # fmt: skip
    else:
        sentence = (("s", "现有患者"), _blank(doc.get("name"), 70),
                    ("t", " 因病情需要，现转回贵单位，请予以接诊。"))  # fmt: skip
    w.flow(sentence, indent=2 * SIZE)
    if kind == BACK:
        w.flow((("s", "诊断结果"), _blank(doc.get("diagnosis"), 200), ("s", " 住院病案号"),
                _blank(doc.get("inpatient_no"), 100)))  # fmt: skip
    for key, label in PARTS[kind]:
        value = doc.get(key)
        if V.blank(value):
            w.flow((("s", f"{label}："),))
            w.ruled(EMPTY_PART_LINES)
        else:  # the text, then the room the paper leaves for the part
            tokens = (("s", f"{label}："), ("t", str(value)))
            w.flow(tokens)
            w.gap(STEP * max(0, EMPTY_PART_LINES - len(layout(tokens, CONTENT_W, SIZE))))
        w.gap(4)
    w.gap(8)
    _signature_block(w, doc)

    def drawer(ops: list[Op]) -> PageDrawer:
        def draw(c: Canvas, ctx: PageContext) -> None:
            for op in ops:
                op(c)
            draw_footer(c, ctx)

        return draw

    return [drawer(ops) for ops in w.pages]


def _rule(c: Canvas, y: float) -> None:
    c.line(MARGIN_X, y, MARGIN_X + CONTENT_W, y)
