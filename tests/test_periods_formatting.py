"""Periods and French formatting."""

from __future__ import annotations

from datetime import date

import pytest

from indicators.formatting import format_change, format_number, format_value
from indicators.periods import Period, PeriodError, current_quarter, parse_period, period_label, quarters

NB = "\u202f"


@pytest.mark.parametrize("text", ["2026-T3", "T3 2026", "2026T3", "2026-Q3", "2026 t3", "t3-2026"])
def test_quarter_spellings(text):
    assert parse_period(text) == Period(2026, 3)


def test_year_and_errors():
    assert parse_period("2026").code == "2026"
    assert parse_period(2027).code == "2027"
    with pytest.raises(PeriodError, match="n'est pas une période"):
        parse_period("2026-T5")


def test_labels_and_calendar():
    assert period_label("2026-T3") == "T3 2026"
    assert period_label(None) == "non renseigné"
    assert len(quarters()) == 20
    assert current_quarter(date(2026, 11, 29)) == Period(2026, 4)
    assert Period(2026, 1).previous() == Period(2025, 4)
    assert Period(2026, 4).end == date(2026, 12, 31)


def test_french_numbers():
    assert format_value(110021.39, "euros") == f"110{NB}021,39{NB}€"
    assert format_value(12.5, "pourcentage") == f"12,5{NB}%"
    assert format_number(1075) == f"1{NB}075"
    assert format_number(1234.5) == f"1{NB}234,5"
    assert format_value(float("nan"), "nombre") == "non renseigné"
    assert format_value(None, "euros") == "non renseigné"
    assert format_change(-3, "nombre") == "−3"
    assert format_change(2.5, "pourcentage") == f"+2,5{NB}pt"
