"""Reads of the values in force, for the pages and the command line that show or template them.

>>> values = current_values(store, ref)
>>> page = values_page(store, ref, include_demo=True, territoires=["62119"])  # page Données
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from db import observations
from db.store import Store
from indicators.catalogue import Reference
from indicators.pilotage_view import conflicts_table, filtered_indicators, values_table, year_span
from indicators.reference_view import baseline_table
from indicators.surveys import publishable, sample_size_codes, survey_table
from reports.template import template_bytes
from services.exports import export_rows

# The page Données shows at most this many values (the browser receives each one: the
# agglomeration holds some 13 000 in 2026, all shown); the
# exports hold them all.
DISPLAY_LIMIT = 50_000


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


@dataclass(frozen=True)
class ValuesPage:
    """What the page Données shows of the values in force that pass its filters."""

    rows: (
        pd.DataFrame
    )  # export rows (services.exports), the first `limit` in indicator, territory, period order
    display: pd.DataFrame  # the same rows in French (values_table), survey samples withheld
    matching: int  # values in force passing the filters

    @property
    def cut(self) -> bool:
        """True when some matching values are not shown (the limit was reached)."""
        return self.matching > len(self.rows)


def values_count(store: Store, ref: Reference, include_demo: bool) -> int:
    """How many values are in force (with or without the demonstration values)."""
    return sum(observations.count_current(store, ref.convention.code, include_demo=include_demo).values())


def values_years(store: Store, ref: Reference, include_demo: bool) -> tuple[int, int]:
    """The bounds of the page Données' year filter."""
    return year_span(*observations.stored_years(store, ref.convention.code, include_demo=include_demo))


def values_page(
    store: Store,
    ref: Reference,
    *,
    include_demo: bool,
    fiches: list[str] | None = None,
    indicateurs: list[str] | None = None,
    territoires: list[str] | None = None,
    annees: tuple[int, int] | None = None,
    limit: int = DISPLAY_LIMIT,
) -> ValuesPage:
    """The values in force passing the filters of the page Données (empty filter: all), read
    from the store as a slice: how many there are per indicator, then the first `limit` rows
    from the first indicators only (sorting every value of a large store takes seconds)."""
    conv = ref.convention.code
    codes = filtered_indicators(ref, fiches, indicateurs)
    where = {"include_demo": include_demo, "territories": territoires or None, "years": annees}
    with store.reading():
        counts = observations.count_current(store, conv, indicators=codes, **where)
        first, running = [], 0
        for code in sorted(counts):  # the rows' order: indicator first
            first.append(code)
            running += counts[code]
            if running >= limit:
                break
        read = first if running >= limit else codes  # every indicator: no list to check
        values = observations.current_values(store, conv, indicators=read, limit=limit, **where)
        rows = export_rows(values, ref)
        shown = _publishable_slice(store, ref, rows, include_demo)
        display = values_table(shown, batches(store, ref))
    return ValuesPage(rows=rows, display=display, matching=sum(counts.values()))


def _publishable_slice(store: Store, ref: Reference, rows: pd.DataFrame, include_demo: bool) -> pd.DataFrame:
    """`publishable` over a slice of export rows: the sample sizes of its survey results are
    read too when the slice does not hold them."""
    sizes_of = sample_size_codes(ref)
    results = rows[rows["indicateur"].isin(sizes_of)]
    missing = sorted({sizes_of[c] for c in results["indicateur"].unique()} - set(rows["indicateur"]))
    if results.empty or not missing:
        return publishable(rows, ref)
    sizes = observations.current_values(
        store,
        ref.convention.code,
        include_demo=include_demo,
        indicators=missing,
        territories=sorted(results["territoire"].unique()),
    )
    extra = export_rows(sizes, ref)
    extra.index = range(len(rows), len(rows) + len(extra))
    both = publishable(pd.concat([rows.reset_index(drop=True), extra]), ref)
    return both.iloc[: len(rows)].set_axis(rows.index)


def baselines(store: Store, ref: Reference) -> pd.DataFrame:
    """The convention's indicators with their baselines and sources (page Référentiel)."""
    return baseline_table(ref, current_values(store, ref))


def upload_template(store: Store, ref: Reference, territories: list[str], periode: str, suffix: str) -> bytes:
    """The upload template of territories × period (`.csv` or `.xlsx`), with the last known values."""
    return template_bytes(ref, territories, periode, current_values(store, ref), suffix)
