"""Use cases of the exports of a review: the bilan PDF and one chart as a PNG.

    >>> bilan = build_bilan(store, ref, "mi-parcours")       # Bilan: pdf bytes, pages, timings
    >>> png = indicator_png(store, ref, "PE_PLACES_EAJE")    # 1600 × 900 image

Both read the review's figures from `services.review.gather_review`, the same as the
panels, so the document and the screens cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import time

from db.store import Store
from indicators.catalogue import Reference
from indicators.figures import ReviewFigures
from indicators.review import ReviewError, current_review, get_review
from reports.bilan import Bilan, BilanError, indicator_figure, make_bilan
from reports.charts import load_geojson
from reports.render import figure_png
from services.review import gather_review

__all__ = ["Bilan", "BilanError", "build_bilan", "bilan_for", "communes_geojson", "indicator_png"]


def communes_geojson(ref: Reference) -> dict | None:
    """The communes' polygons shipped in the convention's seed folder (None when absent: the
    bilan draws no map)."""
    path = ref.geojson_path()
    return load_geojson(path) if path is not None and path.exists() else None


def bilan_for(figures: ReviewFigures, *, started: float | None = None) -> Bilan:
    """The bilan of figures already gathered (the panels' own, when a page asks)."""
    return make_bilan(figures, geojson=communes_geojson(figures.ref), started=started)


def build_bilan(store: Store, ref: Reference, revue: str, *, today: dt.date | None = None) -> Bilan:
    """Build the bilan PDF of review `revue` (`mi-parcours`, `annuelle-2026` … `annuelle-2030`)."""
    started = time.perf_counter()
    try:
        review = get_review(revue)
    except ReviewError as exc:
        raise BilanError(str(exc)) from None
    return bilan_for(gather_review(store, ref, review, today=today), started=started)


def indicator_png(
    store: Store,
    ref: Reference,
    code: str,
    *,
    territory: str | None = None,
    revue: str | None = None,
    width: int = 1600,
    height: int | None = 900,
) -> bytes:
    """One indicator's time series (targets, cut-off) as a PNG, from the review's figures."""
    try:
        review = get_review(revue) if revue else current_review(dt.date.today())
    except ReviewError as exc:
        raise BilanError(str(exc)) from None
    figures = gather_review(store, ref, review)
    return figure_png(indicator_figure(figures, code, territory), width, height)
