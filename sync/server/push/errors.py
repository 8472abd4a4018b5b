"""What a refused change raises inside the push: a Chinese reason and a code for the client."""

from __future__ import annotations


class Rejected(Exception):
    def __init__(self, reason: str, code: str = "invalid") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
