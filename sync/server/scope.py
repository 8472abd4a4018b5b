"""Jurisdiction: what a device may see and write, derived only from the server's own records."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, true

from sync.server.models import Feed


@dataclass(frozen=True)
class Scope:
    level: str  # village | township | county
    area: str  # the institution's 12-digit area code

    def contains(self, area: str) -> bool:
        if self.level == "village":
            return area == self.area
        if self.level == "township":
            return area[:9] == self.area[:9]
        return area[:6] == self.area[:6]

    def feed_filter(self) -> ColumnElement[bool]:
        if self.level == "village":
            return Feed.area == self.area
        if self.level == "township":
            return Feed.township == self.area[:9]
        return true()

    def area_for_village(self, village: str) -> str:
        """The 12-digit area of a village given by its 3-digit segment, in this scope's township."""
        return self.area[:9] + village
