"""Errors a user or administrator can act on; str(e) is the Chinese message they see."""

from __future__ import annotations

from collections.abc import Sequence

from forms.model import FieldError


class CunyiError(Exception):
    """Base of expected errors: the CLI prints the message and exits with `exit_code`."""

    exit_code = 1

    def cli_text(self) -> str:
        """The message as the command line prints it (str(e) is the desktop's)."""
        return str(self)


class UsageError(CunyiError):
    exit_code = 2


class InvalidInput(CunyiError):
    """Input refused; `errors` names every bad field. Nothing was saved."""

    exit_code = 3

    def __init__(self, errors: Sequence[FieldError] | FieldError) -> None:
        self.errors = [errors] if isinstance(errors, FieldError) else list(errors)
        super().__init__("；".join(str(e) for e in self.errors))

    def cli_text(self) -> str:
        # Scripts that write JSON for `cunyi` need the key of each bad field as well.
        return "；".join(e.keyed() for e in self.errors)

    @classmethod
    def field(cls, key: str, label: str, message: str) -> InvalidInput:
        return cls(FieldError(key, label, message))


class DuplicateResident(InvalidInput):
    """The resident looks like one already registered; `existing` lists their summaries."""

    def __init__(self, error: FieldError, existing: list[dict]) -> None:
        super().__init__(error)
        self.existing = existing


class AuthError(CunyiError):
    exit_code = 4


class NotFound(CunyiError):
    exit_code = 5


class DataError(CunyiError):
    """The data directory is missing, damaged or of another installation."""

    exit_code = 1
