"""Use case: the coherence checks of a review (validation rules over the stored values)."""

from __future__ import annotations

import pandas as pd

from db.observations import current_values
from db.store import Store
from indicators.aggregation import Territories
from indicators.catalogue import Reference
from indicators.review import Review
from indicators.rules import store_violations


def coherence_report(store: Store, ref: Reference, review: Review) -> pd.DataFrame:
    """Every violation of the validation rules in the current values up to the review's
    cut-off (communes and structures as given, the agglomeration as the panels show it)."""
    values = current_values(store, ref.convention.code)
    return store_violations(values, ref, review.cutoff, Territories(ref))
