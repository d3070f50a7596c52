"""Completeness of the collection: which territory sent what, quarter by quarter.

Expected: for every quarter of the convention up to a cut-off, each commune the quarterly
indicators collected at the `commune` level, each structure those collected at the
`structure` level, and the EPCI those collected only at its level (ratios are computed, so
never expected). Received: the values in the store for those (indicator, territory,
quarter). The overall rate is the fiche 9 indicator "Complétude de l'outil".
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from indicators.aggregation import Territories
from indicators.catalogue import Indicator, Reference
from indicators.periods import FIRST_YEAR, Period

MATRIX_COLUMNS = ["territoire", "nom", "type", "periode", "attendus", "recus", "taux"]
COMPLETENESS_CODE = "F9_COMPLETUDE_OUTIL"


class CompletenessError(LookupError):
    """An unknown structure or sector asked as a filter; the message is French."""


def expected_indicators(ref: Reference, level: str) -> list[Indicator]:
    """The quarterly indicators a territory of this level (`commune`, `structure`, `epci`) sends."""
    out = []
    for ind in ref.indicators:
        if (
            ind.periodicite != "trimestrielle"
            or ind.is_computed
            or ref.derived_kind(ind.code)
            or ind.code == COMPLETENESS_CODE
        ):
            continue  # the completeness indicator itself is computed, never sent
        if level == "epci":
            if "epci" in ind.niveaux and not {"commune", "structure"} & set(ind.niveaux):
                out.append(ind)
        elif level in ind.niveaux:
            out.append(ind)
    return out


def groups(ref: Reference) -> list[tuple[str, str]]:
    """(code, name) of the structures and sectors a matrix can be filtered by."""
    return [(t.code, t.nom) for t in ref.territories if t.type in ("structure", "secteur")]


def group_labels(ref: Reference, territories: Territories) -> dict[str, str]:
    """Structures and sectors to filter by, code → `Secteur Nord (12 communes)`, the members
    counted in `territories` (the store's: administrators fill in the sectors)."""
    out = {}
    for code, name in groups(ref):
        n = len(territories.members.get(code, ()))
        out[code] = f"{name} ({n} commune{'s' if n > 1 else ''})"
    return out


def scope(
    ref: Reference, group: str | None = None, territories: Territories | None = None
) -> list[tuple[str, str, str]]:
    """(code, name, type) of the territories expected to send values, optionally of one group
    (the structure itself and its member communes).

    A group's members are read from `territories`: pass the store's
    (`services.territories.territories`), where administrators fill in the sectors; the
    default, the seed's memberships, knows no sector member.
    """
    every = [(t.code, t.nom, t.type) for t in ref.territories if t.type in ("epci", "commune", "structure")]
    if group is None:
        return every
    known = dict(groups(ref))
    if group not in known:
        raise CompletenessError(f"Structure ou secteur inconnu : « {group} ».")
    members_of = territories.members if territories is not None else Territories(ref).members
    members = members_of.get(group, set()) | {group}
    return [t for t in every if t[0] in members]


def expected_by_level(ref: Reference) -> dict[str, set[str]]:
    """The quarterly indicators expected from a commune, a structure and the EPCI (`niveau`
    `commune`, `structure`, `epci`; the EPCI code itself counts as `epci`)."""
    return {
        level: {i.code for i in expected_indicators(ref, level)} for level in ("commune", "structure", "epci")
    }


def completeness_matrix(
    values: pd.DataFrame,
    ref: Reference,
    quarters: Iterable[Period],
    group: str | None = None,
    territories: Territories | None = None,
    received: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per (territory, quarter): values expected, received, and the rate in %.

    Territories expecting nothing (no indicator at their level) are left out. `group`
    keeps one structure or sector, its members read from `territories` (see `scope`).
    `received`: the counts (territoire, periode, recus) of the expected values received,
    when a store has counted them (`expected_by_level` says which); else counted in `values`.
    """
    quarters = list(quarters)
    codes = [q.code for q in quarters]
    expected = expected_by_level(ref)
    territories = pd.DataFrame(scope(ref, group, territories), columns=["territoire", "nom", "type"])
    territories["niveau"] = territories["type"].where(territories["territoire"] != ref.epci, "epci")
    territories["attendus"] = territories["niveau"].map(lambda lv: len(expected.get(lv, ())))
    territories = territories[territories["attendus"] > 0]
    if territories.empty or not codes:
        return pd.DataFrame(columns=MATRIX_COLUMNS)
    grid = territories.merge(pd.DataFrame({"periode": codes}), how="cross")
    if received is not None:
        received = received[received["periode"].isin(codes)][["territoire", "periode", "recus"]]
    elif values.empty:
        received = pd.DataFrame(columns=["territoire", "periode", "recus"])
    else:
        rows = values[values["periode"].isin(codes) & values["territoire"].isin(territories["territoire"])]
        has_value = rows["valeur"].notna()
        if "valeur_texte" in rows:
            has_value |= rows["valeur_texte"].notna()
        rows = rows[has_value].merge(territories[["territoire", "niveau"]], on="territoire")
        pairs = {(lv, c) for lv, cs in expected.items() for c in cs}
        keep = [(lv, c) in pairs for lv, c in zip(rows["niveau"], rows["indicateur"], strict=True)]
        rows = rows[pd.Series(keep, index=rows.index, dtype=bool)]  # a plain [] would select no column
        received = rows.groupby(["territoire", "periode"]).agg(recus=("indicateur", "nunique")).reset_index()
    out = grid.merge(received, on=["territoire", "periode"], how="left")
    out["recus"] = out["recus"].fillna(0).astype("int64")
    out["attendus"] = out["attendus"].astype("int64")
    out["taux"] = 100.0 * out["recus"] / out["attendus"]
    order = {c: i for i, c in enumerate(codes)}
    out = out.sort_values(
        ["type", "nom", "periode"], key=lambda s: s.map(order) if s.name == "periode" else s
    )
    return out[MATRIX_COLUMNS].reset_index(drop=True)


def latest_quarter_with_data(values: pd.DataFrame, until: Period) -> Period | None:
    """The latest quarter of the convention, not after `until`, for which at least one
    value is stored (None when there is none): the data date of a review before its cut-off.
    The quarters after it are not yet collected: neither 0 % complete nor an alert."""
    if values.empty or "trimestre" not in values:
        return None
    rows = values[values["trimestre"].notna() & (values["annee"] >= FIRST_YEAR)]
    if "valeur_texte" in rows:
        rows = rows[rows["valeur"].notna() | rows["valeur_texte"].notna()]
    else:
        rows = rows[rows["valeur"].notna()]
    keys = rows["annee"].astype("int64") * 10 + rows["trimestre"].astype("int64")
    keys = keys[keys <= until.year * 10 + (until.quarter or 4)]
    if keys.empty:
        return None
    best = int(keys.max())
    return Period(best // 10, best % 10)


def overall_rate(matrix: pd.DataFrame) -> float | None:
    """Received / expected over the whole matrix, in % (None when nothing is expected).

    This is the value of the fiche 9 indicator "Complétude de l'outil".
    """
    expected = int(matrix["attendus"].sum()) if not matrix.empty else 0
    return None if expected == 0 else 100.0 * int(matrix["recus"].sum()) / expected


def rate_by_quarter(matrix: pd.DataFrame) -> pd.DataFrame:
    """Per quarter: expected, received, rate in %, and territories that sent nothing."""
    if matrix.empty:
        return pd.DataFrame(columns=["periode", "attendus", "recus", "taux", "sans_envoi"])
    grouped = (
        matrix.groupby("periode", sort=False)
        .agg(
            attendus=("attendus", "sum"),
            recus=("recus", "sum"),
            sans_envoi=("recus", lambda s: int((s == 0).sum())),
        )
        .reset_index()
    )
    grouped["taux"] = 100.0 * grouped["recus"] / grouped["attendus"]
    return grouped[["periode", "attendus", "recus", "taux", "sans_envoi"]]


def missing_territories(matrix: pd.DataFrame, quarter: Period) -> list[str]:
    """Codes of the territories that sent nothing for `quarter`."""
    if matrix.empty:
        return []
    rows = matrix[(matrix["periode"] == quarter.code) & (matrix["recus"] == 0)]
    return sorted(rows["territoire"])


def pivot(matrix: pd.DataFrame) -> pd.DataFrame:
    """Territories × quarters table of rates (%), with the territory name and type in front."""
    if matrix.empty:
        return pd.DataFrame(columns=["territoire", "nom", "type"])
    order = list(dict.fromkeys(matrix["periode"]))
    table = matrix.pivot_table(
        index=["territoire", "nom", "type"], columns="periode", values="taux", sort=False
    )
    table = table[[p for p in order if p in table.columns]].reset_index()
    table.columns.name = None
    return table
