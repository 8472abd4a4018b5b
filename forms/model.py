"""The vocabulary in which every standard form is written down as data.

Paper layout hints (read by the PDF renderer and, where useful, the Qt editor generator).

``FormDef.layout``: "sheet" (one document fills one or more A4 pages), "columns" (one visit per
column; ``visits_per_page`` columns per page, fields are the rows: a code field's options are
printed once in its row label, each visit column holds only the □ box(es)), "card" (85.6 x 54
mm, two sides).

``FormDef.paper`` (form-level):
    header: list of what is printed above the table: "name" (姓名) and "record_no8"
        (编号 □□□-□□□□□, last 8 digits) on every form but the cover, which prints all 17 itself.
    instructions: short 填表说明 text printed under the table (optional).
    stubs: True for 双向转诊单 (each slip is printed with its 存根 above a cut line).
    sides: for "card": the section keys printed on the front and on the back.

``Section.layout``:
    role: "header" = fields printed in the line(s) above/at the top of the table (体检日期, 责任医生
        …), not a labelled block; absent = an ordinary block whose label is the left-hand column.
    columns: how many label/value pairs a sheet row holds (personal_info 基本信息: 2; default 1).
    label: printed block label when it differs from the section label.
    side: "front" | "back" (card only).
    applies_when: {key: code}: the block is printed only when the document has that code
        (双向转诊单: 转出单 when referral_type == "1", 回转单 when "2").
    stub_of / stub: the referral stub blocks (存根) printed above a dashed cut line.
    tcm_questions: the questions x five answer columns grid of 老年人中医药健康管理服务记录表
        (each code field one row; its `bands` replace the column headings' words in its cells);
        the value is the five explanations printed under the headings (根本不/从来没有 ...).
    tcm_results: the nine constitution columns of the same form (体质辨识, 保健指导), fields
        grouped by their `tcm_type`.

``Field.layout``:
    row: fields with the same row id share one printed row, in definition order.
    join: text printed between this field and the previous one of its row (blood pressure "/").
    pair / pair_role: follow-up "现值/目标值" cells: both fields of a pair go in one cell,
        pair_role "now" first, then "/", then "target".
    boxes: number of □ boxes for a code / multicode field (multi: the boxes are separated by "/";
        codes beyond the printed boxes are written after them). Default 1 for "code".
    box_width: characters per box (2 for two-digit codes such as 民族 "01" or 文化程度 "10").
    options: "inline" (default: "1男 2女 …" printed before the box(es)), "none" (the value only,
        e.g. follow-up columns where the options are printed once in the row label), "check"
        (card: a □ before each option, ticked when chosen).
    lines: printed text lines for long free text.
    rows: printed rows for a "list" field (e.g. 住院史 2 rows); items beyond them continue on
        an extra line/page, they are never dropped.
    prefix / suffix: words printed around the value ("每日", "次").
    applies_to: "female" | "male": sex-specific items (妇科, 前列腺).
    star: True = printed with "*" after the label (健康体检表: not a free item for everyone).
    signature: True = a signature line (随访医生签名, 医生签字 …): printed as a line to sign on,
        with the stored name (if any) written on it.
    Also understood by the PDF renderer (forms/pdf), for definitions that need them:
    group (the left-hand group label of a field; a label "既往史·手术" means group 既往史, label
    手术), label (printed label when it differs from the field label), print (False = not
    printed), mask (True = an identity number hidden but its last 4 digits when asked),
    digits (a value printed one character per □, that many boxes), width ("half" | "full"),
    inline (True = printed after the previous field in the same cell).

    short: a shorter paper label where the full label does not fit (column forms).
    bands: five texts printed in a scale question's answer cells instead of the scale words
        (中医体质 question 9: BMI bands, 14: colds a year, 28: waist bands).
    tcm_type: the constitution column a result field belongs to (中医体质辨识).
    derived_from: the key of a measurement from which the form's compute step answers this
        field when it is given (中医体质 question 9 from "bmi"); the editor shows the answer as
        it will be saved.
    digit_groups: a number printed one digit per □, grouped (封面 编号: [6, 3, 3, 5]).
    at: the columns (slot codes, see FormDef.slot_field) where the paper has this cell; the
        others print "——" (not examined at that age) and the form refuses a value there.
    slot_row: fields sharing one printed row of a slotted column form, each at its own `at`
        columns (可疑佝偻病体征: "1无 2颅骨软化" at 3月龄, "1肋串珠 …" at 6 and 8月龄): the
        code means different things per column, so each list is its own field. The row label
        is the first member's `short` (or label); the options print in each column's cell.
    slot_codes: {slot: table name}: the same codes printed with other words in that column
        (中医药健康管理服务 3传授摩腹和捏脊方法 at 6月龄, 3传授按揉四神聪穴方法 at 30月龄).
    style: dates: "年月日" = printed as "____年__月__日" (default: the same, except list rows,
        which print YYYY-MM-DD or YYYY-MM as stored).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

FieldType = Literal[
    "text",  # free text (max_length applies)
    "int",  # whole number (min/max apply)
    "decimal",  # number with `decimals` places (min/max apply)
    "date",  # "YYYY-MM-DD"
    "code",  # one code of `codes` (single choice)
    "multicode",  # list of codes of `codes` (multi choice, `exclusive` codes stand alone)
    "list",  # list of items, each a dict of `item_fields` plus its own "id"
    "bool",
]


@dataclass(frozen=True)
class Code:
    """One option of a code table, printed on paper as f"{code}{label}" (e.g. "1男")."""

    code: str
    label: str


@dataclass(frozen=True)
class CodeTable:
    """A named list of options. `exclusive` codes (typically "1无") exclude every other code in a
    multi choice; `other_code` is the option whose free text goes to the field "<key>_other"."""

    name: str
    codes: tuple[Code, ...]
    exclusive: tuple[str, ...] = ()
    other_code: str | None = None
    # Index built once: every code of every imported document is looked up here.
    _labels: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for c in reversed(self.codes):  # the first of a repeated code wins, as a scan would
            self._labels[c.code] = c.label

    def label(self, code: str) -> str | None:
        return self._labels.get(code) if isinstance(code, str) else None

    def has(self, code: str) -> bool:
        return self.label(code) is not None


# The measurements a field may be named as (Field.measure): systolic and diastolic blood pressure
# (mmHg), fasting blood glucose (mmol/L), body weight (kg), length or height (cm: lying before 2
# years, standing after, as the child forms record it) and head circumference (cm), which the
# growth evaluation of children asks for. At most one field per form each.
MEASURES = ("sbp", "dbp", "glucose", "weight", "height", "head")


@dataclass(frozen=True)
class Field:
    """One field of a form. `key` is the stable JSON key (stored, synced, used by other parts)."""

    key: str
    label: str
    type: FieldType
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    decimals: int | None = None
    max_length: int | None = None
    codes: str | None = None  # name of a CodeTable of the form's edition
    required: bool = False
    computed: bool = False  # filled by the form's compute step; input is recomputed
    item_fields: tuple[Field, ...] = ()  # for type "list"
    hint: str = ""  # short help shown under the field / in documentation
    layout: Mapping[str, Any] = field(default_factory=dict)  # paper layout hints (free form)
    # Additions (after the contract was first published):
    allow_future: bool = False  # dates: a future date is allowed (next visit)
    precision: Literal["day", "month"] = "day"  # dates: "month" also accepts "YYYY-MM"
    pattern: str | None = None  # text: regular expression the whole value must match
    pattern_hint: str = ""  # text: what the pattern allows, in Chinese (for messages/docs)
    format: Literal["id_number"] | None = None  # text: checked with forms.idnumber
    max_items: int | None = None  # multicode: most codes (paper boxes)
    multiline: bool = False  # text: a long free text (editor: multi-line; paper: `lines`)
    # A measurement other parts ask for by name (MEASURES: the resident's trend charts and
    # visit summaries), whichever form and key holds it.
    measure: str | None = None
    # dates: False for another person's date on the resident's form (the parents' birth dates
    # on 新生儿家庭访视记录表), which is not bounded by the resident's own birth date.
    of_resident: bool = True

    @property
    def is_multi(self) -> bool:
        return self.type == "multicode"

    def item_field(self, key: str) -> Field:
        for f in self.item_fields:
            if f.key == key:
                return f
        raise KeyError(key)


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    fields: tuple[Field, ...]
    layout: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FieldError:
    """One validation failure, named by the field's Chinese label and key."""

    key: str
    label: str
    message: str

    def __str__(self) -> str:
        # What a person reads names the field by its label only; scripts read `key`, or keyed().
        return f"{self.label}：{self.message}"

    def keyed(self) -> str:
        """The message with the JSON key, for the command line and files scripts read."""
        return f"{self.label}（{self.key}）：{self.message}"


@dataclass
class ValidationContext:
    """Facts outside the document that rules need: the resident's sex/birth date, today."""

    today: str | None = None  # "YYYY-MM-DD"; None means the real date
    birth_date: str | None = None
    sex: str | None = None
    # Additions: a final record (not a draft) must hold its form's core items; False where the
    # status is not known (the county server, the editor while typing), so only the saving
    # service enforces them. record_no: the resident's 17-digit number (cover and card).
    final: bool = False
    record_no: str | None = None


Rule = Callable[[dict[str, Any], ValidationContext], list[FieldError]]
Compute = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class CrossRule:
    """A Rule with a Chinese sentence saying what it checks (shown by `cunyi forms show`).
    The function only sees values that already passed the per-field checks, except list
    fields: a list is passed on even when some item failed, so item-level rules must check
    each value they read (isinstance, parse_date) before using it."""

    text: str
    fn: Rule
    fields: tuple[str, ...] = ()  # keys it reads: skipped when one of them already has an error

    def __call__(self, doc: dict[str, Any], ctx: ValidationContext) -> list[FieldError]:
        return self.fn(doc, ctx)


@dataclass(frozen=True)
class FormDef:
    """A standard form of one edition: sections of fields, code tables, rules, paper layout."""

    code: str
    title: str
    edition: str
    sections: tuple[Section, ...]
    code_tables: Mapping[str, CodeTable]
    rules: tuple[Rule, ...] = ()
    compute: tuple[Compute, ...] = ()
    # "sheet": one document per page set (personal_info, health_exam);
    # "columns": one visit per column, several visits per page (follow-ups).
    layout: Literal["sheet", "columns", "card"] = "sheet"
    visits_per_page: int = 1
    insert_only: bool = False  # clinical visit records: created once, corrected per field
    # Additions (after the contract was first published):
    paper: Mapping[str, Any] = field(default_factory=dict)  # form-level paper hints (see top)
    edition_label: str = ""  # e.g. "2017年第三版"
    # "columns" forms whose paper columns are fixed ages (满月, 3, 6, 8月龄 …): the key of the
    # required code field naming the column of each record. Its code table, in order, gives the
    # columns (visits_per_page to a sheet) and their headings; a record prints in its column
    # whatever its date, the later of two records for one column wins, and columns without a
    # record print blank, as on paper.
    slot_field: str | None = None
    # Index built once (validation looks fields up by key for every value of every document).
    _by_key: dict[str, Field] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_key.update((f.key, f) for s in self.sections for f in s.fields)

    def slots(self) -> tuple[str, ...]:
        """The column codes of a slotted column form, in paper order (empty otherwise)."""
        if not self.slot_field:
            return ()
        return tuple(c.code for c in self.table(self.field(self.slot_field)).codes)

    def fields(self) -> list[Field]:
        return [f for s in self.sections for f in s.fields]

    def field(self, key: str) -> Field:
        return self._by_key[key]

    def has_field(self, key: str) -> bool:
        return key in self._by_key

    def measures(self) -> dict[str, str]:
        """Measurement name (MEASURES) -> the key of the field holding it in this form."""
        return {f.measure: f.key for f in self.fields() if f.measure}

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)

    def table(self, f: Field) -> CodeTable:
        if f.codes is None:
            raise KeyError(f"{f.key} has no code table")
        return self.code_tables[f.codes]
