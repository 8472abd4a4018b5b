"""Which forms exist, by code and edition."""

from __future__ import annotations

from forms.model import FormDef

CURRENT_EDITION = "2017"

_FORMS: dict[tuple[str, str], FormDef] = {}


class UnknownForm(LookupError):
    def __init__(self, code: str, edition: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.edition = edition

    def __str__(self) -> str:
        return f"未知表单代码：{self.code}" + (f"（{self.edition}版）" if self.edition else "")


def register(form: FormDef) -> FormDef:
    _FORMS[(form.code, form.edition)] = form
    return form


def _load() -> None:
    # Definitions register themselves on import; importing here keeps one place that lists them.
    from forms import definitions  # noqa: F401


def get_form(code: str, edition: str | None = None) -> FormDef:
    _load()
    key = (code, edition or CURRENT_EDITION)
    if key not in _FORMS:
        raise UnknownForm(code, edition)
    return _FORMS[key]


def form_codes() -> list[str]:
    _load()
    return sorted({code for code, _ in _FORMS})
