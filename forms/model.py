"""The vocabulary in which every standard form is written down as data."""

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

    def label(self, code: str) -> str | None:
        for c in self.codes:
            if c.code == code:
                return c.label
        return None

    def has(self, code: str) -> bool:
        return self.label(code) is not None


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
        return f"{self.label}（{self.key}）：{self.message}"


@dataclass
class ValidationContext:
    """Facts outside the document that rules need: the resident's sex/birth date, today."""

    today: str | None = None  # "YYYY-MM-DD"; None means the real date
    birth_date: str | None = None
    sex: str | None = None


Rule = Callable[[dict[str, Any], ValidationContext], list[FieldError]]
Compute = Callable[[dict[str, Any]], dict[str, Any]]


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

    def fields(self) -> list[Field]:
        return [f for s in self.sections for f in s.fields]

    def field(self, key: str) -> Field:
        for f in self.fields():
            if f.key == key:
                return f
        raise KeyError(key)

    def table(self, f: Field) -> CodeTable:
        if f.codes is None:
            raise KeyError(f"{f.key} has no code table")
        return self.code_tables[f.codes]
