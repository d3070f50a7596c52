"""Groupings of communes: structures (from the seed) and sectors (edited by administrators).

SQL in, raw frames out. Who may edit a sector and what is valid is decided by
`services/territories.py`; the write and its audit row run in one transaction here.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from db import schema
from db.observations import record_audit
from db.reference import ADMIN_SECTION
from db.store import Store


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


def territory_types(store: Store, convention: str) -> dict[str, str]:
    """Code → type (`epci`, `commune`, `structure`, `secteur`) of every stored territory."""
    frame = store.query_df(
        "select code, type from territoires where convention = $conv", {"conv": convention}
    )
    return dict(zip(frame["code"], frame["type"], strict=True))


def replace_members(
    store: Store, convention: str, group: str, communes: list[str], *, author: str, action: str, objet: str
) -> tuple[list[str], list[str]]:
    """Replace the communes of a group (stored as an administrator's edit) with its audit row.

    Return the sorted members before and after.
    """
    after = sorted(set(communes))

    def work(conn: sa.Connection) -> tuple[list[str], list[str]]:
        a = schema.appartenances
        before = sorted(
            r[0]
            for r in conn.execute(
                sa.select(a.c.commune).where(a.c.convention == convention, a.c.groupe == group)
            )
        )
        conn.execute(a.delete().where(a.c.convention == convention, a.c.groupe == group))
        if after:
            conn.execute(
                a.insert(),
                [
                    {"convention": convention, "groupe": group, "commune": c, "section": ADMIN_SECTION}
                    for c in after
                ],
            )
        record_audit(conn, convention, author, action, objet, before, after)
        return before, after

    return store.write(work)
