"""Groupings of communes: structures (from the seed) and sectors (edited by administrators).

The convention names Nord/Sud/Est/Ouest sectors and bassins de vie without listing their
communes: the sectors exist, empty, and an administrator fills them in.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from db import schema
from db.observations import record_audit
from db.reference import ADMIN_SECTION
from db.store import Store
from indicators.access import Actor, require_admin


class TerritoryError(ValueError):
    """An invalid grouping edit; the message is French."""


def memberships(store: Store, convention: str) -> pd.DataFrame:
    """Every (groupe, commune) pair of the convention, with the group's type and name."""
    return store.query_df(
        "select a.groupe, g.nom as nom_groupe, g.type as type_groupe, a.commune, c.nom as nom_commune, "
        "a.section from appartenances a "
        "join territoires g on g.convention = a.convention and g.code = a.groupe "
        "join territoires c on c.convention = a.convention and c.code = a.commune "
        "where a.convention = $conv order by a.groupe, c.nom",
        {"conv": convention},
    )


def membership_pairs(store: Store, convention: str) -> list[tuple[str, str]]:
    """(groupe, commune) pairs, for `indicators.aggregation.Territories`."""
    frame = memberships(store, convention)
    return list(zip(frame["groupe"], frame["commune"], strict=True))


def set_sector_members(store: Store, convention: str, sector: str, communes: list[str], actor: Actor) -> None:
    """Replace the communes of a sector (administrators only), with an audit trace."""
    require_admin(actor, "modifier un secteur")

    def work(conn: sa.Connection) -> None:
        t = schema.territoires
        kinds = dict(conn.execute(sa.select(t.c.code, t.c.type).where(t.c.convention == convention)).all())
        if kinds.get(sector) != "secteur":
            raise TerritoryError(f"« {sector} » n'est pas un secteur de la convention.")
        unknown = [c for c in communes if kinds.get(c) != "commune"]
        if unknown:
            raise TerritoryError(f"Commune(s) inconnue(s) : {', '.join(unknown)}.")
        a = schema.appartenances
        before = sorted(
            r[0]
            for r in conn.execute(
                sa.select(a.c.commune).where(a.c.convention == convention, a.c.groupe == sector)
            )
        )
        conn.execute(a.delete().where(a.c.convention == convention, a.c.groupe == sector))
        if communes:
            conn.execute(
                a.insert(),
                [
                    {"convention": convention, "groupe": sector, "commune": c, "section": ADMIN_SECTION}
                    for c in sorted(set(communes))
                ],
            )
        record_audit(
            conn, convention, actor.login, "modification_secteur", sector, before, sorted(set(communes))
        )

    store.write(work)
