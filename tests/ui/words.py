"""The check every "no internal words" test shares: a text a user reads holds no field key,
English word, code, "None", True/False or UTC ISO time."""

from __future__ import annotations

import re

# Words that are the user's own vocabulary on a Chinese clinic form, not our internals.
ALLOWED = {"BMI", "mmHg", "mmol", "kg", "cm", "ID", "PDF", "QR", "A4", "HbA1c", "KB", "MB", "CSV", "XLSX"}
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d|\d\d:\d\d(:\d\d)?(\.\d+)?(Z|[+-]\d\d:\d\d)")


def internal_words(text: str) -> list[str]:
    """What in `text` a village doctor should never have to read."""
    found = [w for w in _WORD.findall(text) if w not in ALLOWED]
    found += [m.group(0) for m in _ISO_TIME.finditer(text)]
    return found


def assert_plain(texts: list[str] | str) -> None:
    for text in [texts] if isinstance(texts, str) else texts:
        assert not internal_words(text), f"internal words {internal_words(text)} in {text!r}"
