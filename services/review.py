"""Gather what a review shows: read the store once, compute the figures once.

    >>> figures = gather_review(store, ref, "annuelle-2026")

The figures themselves (`indicators.figures.ReviewFigures`) are the one place every page,
the bilan and the PNG read from.
"""

from __future__ import annotations

import datetime as dt

from db import observations, pilotage
from db.store import Store
from indicators import completeness as completeness_rules
from indicators.catalogue import Reference
from indicators.engagement import commune_engagements
from indicators.figures import ReviewFigures
from indicators.review import Review, as_of, get_review
from indicators.surveys import publishable
from services.territories import territories as store_territories

__all__ = ["ReviewFigures", "gather_review"]


def gather_review(
    store: Store, ref: Reference, revue: str | Review, *, today: dt.date | None = None
) -> ReviewFigures:
    """Read what review `revue` needs from the store and compute its figures once."""
    review = revue if isinstance(revue, Review) else get_review(revue)
    convention = ref.convention.code
    today = today or dt.date.today()
    # A baromètre result below its minimum sample size is withheld (indicators.surveys).
    values = publishable(observations.current_values(store, convention), ref)
    # Before its cut-off is over, a review is « provisoire », at the latest quarter with data.
    review = as_of(review, values, today)
    territories = store_territories(store, ref)
    figures = ReviewFigures(
        ref=ref,
        review=review,
        today=today,
        values=values,
        territories=territories,
        targets=pilotage.targets_frame(store, convention),
        meetings=pilotage.meetings_frame(store, convention),
        comments=pilotage.comments_frame(store, convention, revue=review.code),
        engagements=commune_engagements(ref, pilotage.engagements_frame(store, convention)),
        completeness=completeness_rules.completeness_matrix(values, ref, review.quarters()),
        demo=observations.has_demo(store, convention),
    )
    return figures.finish()
