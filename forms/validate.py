"""Validation of a form document against its definition (placeholder until the forms issue)."""

from __future__ import annotations

from typing import Any

from forms.model import FieldError, ValidationContext


def validate(
    code: str, doc: Any, ctx: ValidationContext | None = None, edition: str | None = None
) -> list[FieldError]:
    if not isinstance(doc, dict):
        return [FieldError("$", "表单内容", "必须是 JSON 对象")]
    return []


def prepare(
    code: str, doc: dict[str, Any], ctx: ValidationContext | None = None, edition: str | None = None
) -> dict[str, Any]:
    return dict(doc)
