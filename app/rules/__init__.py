"""The installation's rules table: the standard's tables (forms/rules, shared with the county
server) as the clinic uses them. Which table applies also depends on the data directory (an
administrator's rules.json), and a table that cannot be used is the clinic's DataError
(RulesError): the command line exits 1 with its message, the desktop shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from app.errors import DataError
from forms import rules as shared
from forms.rules import (
    DEFAULT_TABLE,
    HERE,
    LOCAL_NAME,
    Indicator,
    Population,
    Rule,
    Table,
    TableError,
    table_path,
)

__all__ = [
    "DEFAULT_TABLE", "HERE", "LOCAL_NAME", "Indicator", "Population", "Rule", "RulesError", "Table",
    "TableError", "default", "for_area", "for_store", "load", "resolve", "table_path", "validate",
]  # fmt: skip

T = TypeVar("T")


class RulesError(DataError):
    """A rules table that cannot be used; the message names the table, the rule and the field
    (as forms.rules.TableError says them, kept in `table`, `rule`, `field`)."""

    def __init__(self, error: TableError) -> None:
        super().__init__(str(error))
        self.table, self.rule, self.field = error.table, error.rule, error.field


def _call(fn: Callable[..., T], *args: Any) -> T:
    try:
        return fn(*args)
    except TableError as e:
        raise RulesError(e) from e


def validate(raw: dict[str, Any], forms_known: set[str] | None = None) -> Table:
    return _call(shared.validate, raw, forms_known)


def resolve(data: dict[str, Any]) -> dict[str, Any]:
    return _call(shared.resolve, data)


def load(path: Path) -> Table:
    return _call(shared.load, path)


def default() -> Table:
    return _call(shared.default)


def for_area(area: str | None) -> Table:
    """The shipped table for an area code (the province's, else the national one)."""
    return _call(shared.for_area, area)


def for_store(store: Any) -> Table:
    """The table of this installation (its data directory's own, else its province's), validated
    once per file version."""
    return _call(shared.cached, table_path(store.institution.area, getattr(store, "data_dir", None)))
