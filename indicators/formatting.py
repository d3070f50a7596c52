"""French formatting of numbers, amounts and rates (`1 234,5`, `110 021,39 €`, `12,5 %`)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

NBSP = "\u202f"  # narrow no-break space, the French thousands separator
MISSING = "non renseigné"


def is_missing(value: object) -> bool:
    """True for None and NaN (a text or a number is not missing)."""
    if value is None:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def format_number(value: object, decimals: int | None = None, sep: str = NBSP) -> str:
    """Format a number the French way; integers without decimals unless asked.

    >>> format_number(1234.5)
    '1\u202f234,5'
    """
    if is_missing(value):
        return MISSING
    if isinstance(value, str):
        return value
    number = float(value)  # type: ignore[arg-type]
    if decimals is None:
        decimals = 0 if number.is_integer() else (1 if abs(number) >= 100 else 2)
        if decimals and round(number, decimals) == round(number, 0) and abs(number) >= 100:
            decimals = 0
    text = f"{number:,.{decimals}f}"
    if decimals:
        text = text.rstrip("0").rstrip(".") if decimals > 2 else text
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", sep).replace("-", "−")


def format_value(value: object, unite: str, sep: str = NBSP) -> str:
    """Format a value with its unit: euros with 2 decimals, rates with one, counts plain."""
    if is_missing(value):
        return MISSING
    if isinstance(value, str):
        return value
    if unite == "euros":
        return f"{format_number(value, 2, sep)}{sep}€"
    if unite in ("pourcentage",):
        return f"{format_number(value, 1, sep)}{sep}%"
    if unite == "taux_100":
        return format_number(value, 1, sep)
    if unite == "etp":
        return f"{format_number(value, 2, sep)}{sep}ETP"
    return format_number(value, None, sep)


def format_change(delta: object, unite: str, sep: str = NBSP) -> str:
    """Format a signed change (`+12`, `−3,5 %`); `non renseigné` when unknown."""
    if is_missing(delta):
        return MISSING
    sign = "+" if float(delta) > 0 else ""  # type: ignore[arg-type]
    if unite == "pourcentage":
        return f"{sign}{format_number(delta, 1, sep)}{sep}pt"
    return sign + format_value(delta, unite, sep)


UNIT_LABELS = {
    "nombre": "nombre",
    "euros": "€",
    "pourcentage": "%",
    "taux_100": "pour 100 enfants",
    "etp": "ETP",
    "habitants": "habitants",
    "texte": "texte",
    "jalon": "jalon (oui/non/date)",
}


def unit_label(unite: str) -> str:
    """French label of a unit code."""
    return UNIT_LABELS.get(unite, unite)


def format_file_size(size: int) -> str:
    """A file size the French way: `512 octets`, `8,5 Ko`, `2,3 Mo` (1 Ko = 1 024 octets)."""
    if size < 1024:
        return f"{format_number(size)} octets"
    value, unit = (size / 1024, "Ko") if size < 1024 * 1024 else (size / 1024 / 1024, "Mo")
    return f"{format_number(round(value, 1), 1).removesuffix(',0')}{NBSP}{unit}"


# -- formulas on the way out ----------------------------------------------------------------------
# A cell starting with one of these is run as a formula by Excel or LibreOffice (OWASP "CSV
# injection"); tab and carriage return too, as some spreadsheets strip them before parsing.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(text: object) -> bool:
    """True for a text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`...)."""
    return isinstance(text, str) and text.startswith(FORMULA_PREFIXES)


def neutralise(value: object) -> object:
    """The value with an apostrophe before a text that a spreadsheet would run as a formula.

    The one rule every export (CSV, XLSX) and the upload apply; numbers, dates and other
    texts are returned unchanged.

    >>> neutralise('=HYPERLINK("http://x";"rapport")')
    '\\'=HYPERLINK("http://x";"rapport")'
    """
    return "'" + value if is_formula_like(value) else value


def neutralise_frame(frame):
    """A copy of a DataFrame whose texts (cells and column names) can no longer run as formulas.

    Every writer of a CSV or an XLSX export calls this one function (values, comments, file
    names, logins, audit, validation report, template).
    """
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if series.dtype.kind in "biufcmM":  # numbers, booleans and dates cannot be formulas
            continue
        # each distinct text is checked once: an export repeats its labels, codes and sources
        codes, uniques = pd.factorize(series)
        uniques = np.asarray(uniques, dtype=object)  # Arrow strings are slow to walk one by one
        flags = np.fromiter((is_formula_like(u) for u in uniques), dtype=bool, count=len(uniques))
        mask = pd.Series(np.append(flags, False)[codes], index=series.index)  # -1 (missing): False
        if mask.any():
            out[column] = series.where(~mask, "'" + series.astype(str))
    out.columns = [neutralise(c) for c in out.columns]
    return out
