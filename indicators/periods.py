"""Periods of observation: a year (`2026`) or a quarter (`2026-T3`).

The canonical code is `AAAA` or `AAAA-Tn`; the French label is `2026` or `T3 2026`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

FIRST_YEAR, LAST_YEAR = 2026, 2030

_QUARTER_PATTERNS = [
    re.compile(r"^(?P<y>\d{4})\s*[-_/ ]?\s*[TtQq](?P<q>[1-4])$"),
    re.compile(r"^[TtQq](?P<q>[1-4])\s*[-_/ ]?\s*(?P<y>\d{4})$"),
]
_YEAR_PATTERN = re.compile(r"^(?P<y>\d{4})$")


class PeriodError(ValueError):
    """A text that is not a period."""


@dataclass(frozen=True, order=True)
class Period:
    """A year (quarter None) or a quarter of a year."""

    year: int
    quarter: int | None = None

    @property
    def code(self) -> str:
        """Canonical code: `2026` or `2026-T3`."""
        return f"{self.year}" if self.quarter is None else f"{self.year}-T{self.quarter}"

    @property
    def label(self) -> str:
        """French label: `2026` or `T3 2026`."""
        return f"{self.year}" if self.quarter is None else f"T{self.quarter} {self.year}"

    @property
    def is_quarter(self) -> bool:
        return self.quarter is not None

    @property
    def end(self) -> date:
        """Last day of the period."""
        if self.quarter is None:
            return date(self.year, 12, 31)
        month = self.quarter * 3
        day = 31 if month in (3, 12) else 30
        return date(self.year, month, day)

    @property
    def sort_key(self) -> tuple[int, int]:
        """Orders a year after its four quarters (a year is known at its end)."""
        return (self.year, self.quarter or 5)

    def previous(self) -> Period:
        """The period before: the previous quarter, or the previous year."""
        if self.quarter is None:
            return Period(self.year - 1)
        if self.quarter == 1:
            return Period(self.year - 1, 4)
        return Period(self.year, self.quarter - 1)


def parse_period(text: object) -> Period:
    """Parse `2026-T3`, `T3 2026`, `2026T3`, `2026-Q3` or `2026` into a Period.

    >>> parse_period("T3 2026").code
    '2026-T3'
    """
    if isinstance(text, int | float) and not isinstance(text, bool) and float(text).is_integer():
        text = str(int(text))
    raw = str(text or "").strip()
    for pattern in _QUARTER_PATTERNS:
        match = pattern.match(raw)
        if match:
            return Period(int(match["y"]), int(match["q"]))
    match = _YEAR_PATTERN.match(raw)
    if match:
        return Period(int(match["y"]))
    raise PeriodError(f"« {raw} » n'est pas une période (attendu : 2026-T3, T3 2026 ou 2026)")


def quarters(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> list[Period]:
    """Every quarter of the convention, 2026-T1 … 2030-T4."""
    return [Period(y, q) for y in range(first_year, last_year + 1) for q in range(1, 5)]


def current_quarter(today: date) -> Period:
    """The quarter that contains `today`."""
    return Period(today.year, (today.month - 1) // 3 + 1)


def last_complete_quarter(today: date) -> Period:
    """The last quarter over before `today` (T3 2026 on 2 December 2026)."""
    return current_quarter(today).previous()


def period_label(code: str | None) -> str:
    """French label of a period code; `non renseigné` when missing."""
    if not code:
        return "non renseigné"
    try:
        return parse_period(code).label
    except PeriodError:
        return str(code)
