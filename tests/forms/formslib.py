"""Shared helpers for the forms tests (a plain module: no conftest, so names never clash)."""

from __future__ import annotations

from forms import FieldError, ValidationContext
from forms.examples import context


def ctx() -> ValidationContext:
    return ValidationContext(**context())


def keys(errors: list[FieldError]) -> list[str]:
    return [e.key for e in errors]


def only(errors: list[FieldError], key: str) -> FieldError:
    """The single error on key (fails, showing every error, if there is not exactly one)."""
    hits = [e for e in errors if e.key == key]
    assert len(hits) == 1, [str(e) for e in errors]
    return hits[0]
