"""Territories as the store holds them: structures from the seed, sectors edited by administrators."""

from __future__ import annotations

from db.store import Store
from db.territories import membership_pairs
from indicators.aggregation import Territories
from indicators.catalogue import Reference


def territories(store: Store, ref: Reference) -> Territories:
    """Which communes make up each structure and sector, read from the store.

    Sectors are filled in by administrators (Administration › Secteurs): reading the seed
    alone would leave them empty on every panel.
    """
    return Territories(ref, membership_pairs(store, ref.convention.code))
