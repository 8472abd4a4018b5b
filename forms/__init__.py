"""The standard forms of the National Basic Public Health Service Standard, as data.

Public API (used by app/, ui/, sync/server; keep these names stable):
    get_form(code, edition=None) -> FormDef
    form_codes() -> list[str]
    resident_form_codes() / institution_form_codes() -> list[str]  (FormDef.subject)
    validate(code, doc, ctx=None, edition=None) -> list[FieldError]
    prepare(code, doc, ctx=None, edition=None) -> dict  (computed fields filled)
"""

from forms.model import (
    Code,
    CodeTable,
    Field,
    FieldError,
    FormDef,
    Section,
    ValidationContext,
)
from forms.registry import (
    CURRENT_EDITION,
    UnknownForm,
    form_codes,
    get_form,
    institution_form_codes,
    resident_form_codes,
)
from forms.validate import prepare, validate

__all__ = [
    "CURRENT_EDITION",
    "Code",
    "CodeTable",
    "Field",
    "FieldError",
    "FormDef",
    "Section",
    "UnknownForm",
    "ValidationContext",
    "form_codes",
    "get_form",
    "institution_form_codes",
    "prepare",
    "resident_form_codes",
    "validate",
]
