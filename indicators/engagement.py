"""The communes' engagement (Annexe 8): fiche d'engagement signed, élu référent CTG named.

One count for every page, the bilan and the « élus référents » indicator of ambition 8:
a commune has an élu référent when Administration › Engagements names one.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from indicators.catalogue import Reference

ENGAGEMENT_COLUMNS = ["commune", "fiche_signee", "date_signature", "elu_referent", "updated_by", "updated_at"]


@dataclass(frozen=True)
class EngagementCounts:
    """How many communes signed their fiche and named an élu référent, out of how many."""

    communes: int
    fiches_signees: int
    elus_referents: int


def _named(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def commune_engagements(ref: Reference, engagements: pd.DataFrame) -> pd.DataFrame:
    """Every commune of the EPCI with its engagement (not signed, no élu when never recorded)."""
    listed = ref.communes()  # built by column: 35 000 dicts take a tenth of a second
    base = pd.DataFrame({"commune": [c.code for c in listed], "nom": [c.nom for c in listed]})
    if base.empty:
        return pd.DataFrame(columns=["commune", "nom", *ENGAGEMENT_COLUMNS[1:]])
    merged = base.merge(engagements, on="commune", how="left")
    merged["fiche_signee"] = merged["fiche_signee"].astype("boolean").fillna(False).astype(bool)
    for col in ("date_signature", "elu_referent", "updated_by", "updated_at"):
        merged[col] = merged[col].astype("object").where(merged[col].notna(), None)
    merged["elu_referent"] = pd.Series(  # object: a list would become a string column with NaN
        [e.strip() if _named(e) else None for e in merged["elu_referent"]], index=merged.index, dtype=object
    )
    return merged


def engagement_counts(table: pd.DataFrame) -> EngagementCounts:
    """Counts over `commune_engagements` (one row per commune)."""
    return EngagementCounts(
        communes=len(table),
        fiches_signees=int(table["fiche_signee"].astype(bool).sum()) if len(table) else 0,
        elus_referents=sum(1 for e in table["elu_referent"] if _named(e)) if len(table) else 0,
    )


def has_elu_referent(table: pd.DataFrame, commune: str) -> bool:
    """True when the commune has named its élu référent."""
    rows = table[table["commune"] == commune]
    return bool(len(rows)) and _named(rows.iloc[0]["elu_referent"])
