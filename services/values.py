"""Reads of the values in force, for the pages and the command line that show or template them.

>>> values = current_values(store, ref)
>>> rows, table = values_tables(store, ref, include_demo=True)     # page Données
"""

from __future__ import annotations

import pandas as pd

from db import observations
from db.store import Store
from indicators.catalogue import Reference
from indicators.pilotage_view import conflicts_table, values_table
from indicators.reference_view import baseline_table
from indicators.surveys import publishable, survey_table
from reports.template import template_bytes
from services.exports import export_frame


def current_values(store: Store, ref: Reference, *, include_demo: bool = True) -> pd.DataFrame:
    """The value in force of every (indicator, territory, period) of the convention."""
    return observations.current_values(store, ref.convention.code, include_demo=include_demo)


def conflicts(store: Store, ref: Reference) -> pd.DataFrame:
    """Every reference figure on which the convention contradicts itself (both values)."""
    return observations.conflicts(store, ref.convention.code)


def conflicts_shown(ref: Reference) -> pd.DataFrame:
    """Every point on which the convention contradicts itself, each statement with its
    section and the one the figures follow (French table)."""
    return conflicts_table(ref)


def surveys_shown(store: Store, ref: Reference) -> pd.DataFrame:
    """Every question of the baromètres, each year: result, respondents, published or why not."""
    return survey_table(current_values(store, ref), ref)


def batches(store: Store, ref: Reference) -> pd.DataFrame:
    """Every batch of the convention, newest first (raw columns)."""
    return observations.list_batches(store, ref.convention.code)


def values_tables(store: Store, ref: Reference, include_demo: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The export rows and their French display (same index), for the page Données."""
    rows = export_frame(store, ref, include_demo)
    shown = publishable(rows, ref)  # small survey samples withheld on screen, kept in the export
    return rows, values_table(shown, batches(store, ref))


def baselines(store: Store, ref: Reference) -> pd.DataFrame:
    """The convention's indicators with their baselines and sources (page Référentiel)."""
    return baseline_table(ref, current_values(store, ref))


def upload_template(store: Store, ref: Reference, territories: list[str], periode: str, suffix: str) -> bytes:
    """The upload template of territories × period (`.csv` or `.xlsx`), with the last known values."""
    return template_bytes(ref, territories, periode, current_values(store, ref), suffix)
