"""Gather what a review shows: read the store once per slice, compute the figures once.

    >>> figures = gather_review(store, ref, "annuelle-2026")

The figures themselves (`indicators.figures.ReviewFigures`) are the one place every page,
the bilan and the PNG read from. They read the values through `StoreSource`: each figure
asks the store for its own slice (a territory's values, an indicator's values, an area's
rollups kept up to date at every write: db/rollups.py), never for every value, so that a
page's time and memory do not grow with the communes it does not show.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable

import pandas as pd

from db import observations, pilotage, rollups
from db.store import Store
from indicators import completeness as completeness_rules
from indicators.aggregation import Territories
from indicators.catalogue import Reference
from indicators.engagement import commune_engagements
from indicators.figures import ReviewFigures
from indicators.periods import FIRST_YEAR, Period
from indicators.review import Review, as_of, get_review, sections_found
from indicators.surveys import publishable, sample_size_codes
from services.territories import territories as store_territories

__all__ = ["ReviewFigures", "StoreSource", "gather_review"]


class StoreSource:
    """The values in force as the figures read them, slice by slice, from the store (as shown:
    a baromètre result below its minimum sample size withheld, indicators.surveys)."""

    def __init__(self, store: Store, ref: Reference) -> None:
        self.store = store
        self.ref = ref
        self.convention = ref.convention.code
        self._sizes = sample_size_codes(ref)

    def of_territories(self, codes: Iterable[str]) -> pd.DataFrame:
        values = observations.current_values(self.store, self.convention, territories=list(codes))
        return publishable(values, self.ref)

    def batch(self) -> contextlib.AbstractContextManager[None]:
        return self.store.reading()

    def of_indicators(self, codes: Iterable[str]) -> pd.DataFrame:
        wanted = list(dict.fromkeys(codes))
        sizes = [self._sizes[c] for c in wanted if c in self._sizes]  # publishable needs them
        values = observations.current_values(self.store, self.convention, indicators=wanted + sizes)
        values = publishable(values, self.ref)
        return values[values["indicateur"].isin(wanted)].reset_index(drop=True) if sizes else values

    def rollups(self, area: str, codes: Iterable[str] | None = None) -> pd.DataFrame:
        return rollups.area_rows(self.store, self.convention, area, None if codes is None else list(codes))

    def sources(self) -> dict[str, list[str]]:
        pairs, deposits = observations.source_pairs(self.store, self.convention)
        return sections_found(pairs, deposits)

    def everything(self) -> pd.DataFrame:
        return publishable(observations.current_values(self.store, self.convention), self.ref)

    def any_demo(self) -> bool:
        return observations.any_demo_in_force(self.store, self.convention)

    def latest_quarter(self, until: Period) -> Period | None:
        """The latest quarter with data, not after `until` (indicators.review.data_date)."""
        key = observations.latest_quarter(
            self.store, self.convention, FIRST_YEAR, until.year * 10 + (until.quarter or 4)
        )
        return None if key is None else Period(key // 10, key % 10)

    def completeness(self, quarters: list[Period], territories: Territories) -> pd.DataFrame:
        """The review's completeness matrix, from the counts the store keeps at every write."""
        received = rollups.received(self.store, self.convention, [q.code for q in quarters])
        return completeness_rules.completeness_matrix(
            pd.DataFrame(), self.ref, quarters, territories=territories, received=received
        )


def gather_review(
    store: Store, ref: Reference, revue: str | Review, *, today: dt.date | None = None
) -> ReviewFigures:
    """Read what review `revue` needs from the store and compute its figures once."""
    with store.reading():  # one connection for its dozen queries (DuckDB opens its file once)
        review = revue if isinstance(revue, Review) else get_review(revue)
        convention = ref.convention.code
        today = today or dt.date.today()
        source = StoreSource(store, ref)
        # Before its cut-off is over, a review is « provisoire », at the latest quarter with data.
        review = as_of(review, pd.DataFrame(), today, latest=source.latest_quarter)
        territories = store_territories(store, ref)
        figures = ReviewFigures(
            ref=ref,
            review=review,
            today=today,
            source=source,
            territories=territories,
            targets=pilotage.targets_frame(store, convention),
            meetings=pilotage.meetings_frame(store, convention),
            comments=pilotage.comments_frame(store, convention, revue=review.code),
            engagements=commune_engagements(ref, pilotage.engagements_frame(store, convention)),
            completeness=source.completeness(review.quarters(), territories),
            demo=observations.has_demo(store, convention),
        )
        return figures.finish()
