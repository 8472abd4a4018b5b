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


def _load() -> None:
    # On first use, not at import: building every form costs ~20 ms, which a
    # process that never looks up a form (the county server's push, the CLI's help) need not pay.
    if _FORMS:
        return
    from forms import definitions

    # Filled in one step: another thread must not find some forms and miss the others.
    _FORMS.update({(form.code, form.edition): form for form in definitions.build_all()})


def get_form(code: str, edition: str | None = None) -> FormDef:
    """The definition of a form in an edition (default: the current one); "2011" means "2009"."""
    found = _FORMS.get((code, edition or CURRENT_EDITION))
    if found is not None:  # once loaded; an alias is never registered, so it takes the long way
        return found
    from forms.codes import canonical_edition

    _load()
    key = (code, canonical_edition(edition or CURRENT_EDITION))
    if key not in _FORMS:
        raise UnknownForm(code, edition)
    return _FORMS[key]


def form_codes() -> list[str]:
    _load()
    return sorted({code for code, _ in _FORMS})


def resident_form_codes() -> list[str]:
    """The forms of a resident's record (what resident views, booklets and choosers offer)."""
    _load()
    return sorted({code for (code, _), f in _FORMS.items() if f.subject == "resident"})


def institution_form_codes() -> list[str]:
    """The clinic's own forms, not tied to a resident (健康教育活动记录表)."""
    _load()
    return sorted({code for (code, _), f in _FORMS.items() if f.subject == "institution"})


def editions(code: str) -> list[str]:
    """The editions a form is defined in, newest first."""
    _load()
    found = sorted((e for c, e in _FORMS if c == code), reverse=True)
    if not found:
        raise UnknownForm(code)
    return found
