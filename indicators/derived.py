"""Indicators the application computes from what it already holds, never uploaded.

`seed/indicateurs_calcules.csv` names them and how they are computed:
- `completude` (F9_COMPLETUDE_OUTIL, fiche 9): the share of expected values received;
- `engagements` (AT_ELUS_REFERENTS, ambition 8): the communes that named an élu référent
  CTG (Administration › Engagements).

Their value for a territory at a review comes from `derived_values`, the one place the
panels, the commune page, the bilan and the PNG read it from; an upload naming them is
refused (`indicateur-calcule`), so that no second figure can exist.
"""

from __future__ import annotations

import pandas as pd

from indicators.aggregation import Territories, in_set
from indicators.catalogue import Reference
from indicators.completeness import overall_rate
from indicators.engagement import engagement_counts

DERIVED_FROM = {
    "completude": "la complétude des envois (page Complétude)",
    "engagements": "les engagements des communes (page Engagements des communes)",
}


def is_derived(ref: Reference, code: str) -> bool:
    """True for an indicator the application computes (see the module docstring)."""
    return ref.derived_kind(code) is not None


def derived_source(ref: Reference, code: str) -> str:
    """Where a derived indicator comes from, in French (for messages)."""
    return DERIVED_FROM.get(ref.derived_kind(code) or "", "l'application")


def derived_values(
    ref: Reference,
    territory: str,
    territories: Territories,
    completeness: pd.DataFrame,
    engagements: pd.DataFrame,
) -> dict[str, float | None]:
    """The derived indicators of `territory` at a review.

    `completeness`: the review's matrix (indicators.completeness.completeness_matrix);
    `engagements`: one row per commune (indicators.engagement.commune_engagements).
    The agglomeration's completeness is the rate over every expected value; a commune's or
    a structure's, over its own; a group's élus référents, the count over its communes.
    """
    kind = territories.types.get(territory)
    if kind == "epci":
        rows, communes = completeness, set(engagements["commune"])
    elif kind == "commune":
        rows, communes = completeness[completeness["territoire"] == territory], {territory}
    else:
        members = territories.parts(territory)
        rows = completeness[in_set(completeness["territoire"], members | {territory})]
        communes = {c for c in members if territories.types.get(c) == "commune"}
    counts = engagement_counts(engagements[in_set(engagements["commune"], communes)])
    by_kind = {
        "completude": overall_rate(rows) if len(rows) else None,
        "engagements": float(counts.elus_referents) if communes else None,
    }
    return {d.code: by_kind[d.calcul] for d in ref.derived}
