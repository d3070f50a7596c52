"""Territories as the store holds them: structures from the seed, sectors edited by administrators.

>>> groups = territories(store, ref)        # what every panel aggregates and filters by
>>> set_sector_members(store, ref, admin, "SECTEUR_NORD", ["62119", "62178"])
"""

from __future__ import annotations

import pandas as pd

from db import territories as db
from db.store import Store
from indicators.access import Actor, require_admin
from indicators.aggregation import Territories
from indicators.catalogue import Reference


class TerritoryError(ValueError):
    """An invalid grouping edit; the message is French."""


def territories(store: Store, ref: Reference) -> Territories:
    """Which communes make up each structure and sector, read from the store.

    Sectors are filled in by administrators (Administration › Secteurs): reading the seed
    alone would leave them empty on every panel.
    """
    return Territories(ref, db.membership_pairs(store, ref.convention.code))


def memberships(store: Store, ref: Reference) -> pd.DataFrame:
    """Every (groupe, commune) pair with the group's type and name and the pair's source section."""
    return db.memberships(store, ref.convention.code)


def set_sector_members(store: Store, ref: Reference, actor: Actor, sector: str, communes: list[str]) -> None:
    """Replace the communes of a sector (administrators only), with an audit trace."""
    require_admin(actor, "modifier un secteur", ref.convention.code)
    convention = ref.convention.code
    kinds = db.territory_types(store, convention)
    if kinds.get(sector) != "secteur":
        raise TerritoryError(f"« {sector} » n'est pas un secteur de la convention.")
    unknown = [c for c in communes if kinds.get(c) != "commune"]
    if unknown:
        raise TerritoryError(f"Commune(s) inconnue(s) : {', '.join(unknown)}.")
    db.replace_members(
        store, convention, sector, communes, author=actor.login, action="modification_secteur", objet=sector
    )
