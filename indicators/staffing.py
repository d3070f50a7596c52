"""The chargés de coopération per employer (commune, SIVOM, CABBALR): ETP and headcount.

They are yearly observations (`CCT_ETP`, `CCT_EFFECTIF`, Annexe 7): CTG 1 dated 2021,
CTG 2 from 2026, each year replaceable by an upload (an ETP « en cours » is simply not
given yet). These helpers read them for the commune page and the overview.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from indicators.periods import FIRST_YEAR

ETP_CODE, HEADCOUNT_CODE = "CCT_ETP", "CCT_EFFECTIF"
COLUMNS = ["territoire", "annee", "ctg", "etp", "effectif"]


def staffing_frame(values: pd.DataFrame, territories: Iterable[str] | None = None) -> pd.DataFrame:
    """One row per (employer, year) with its ETP and headcount (NaN when not given) and the
    convention it belongs to (`CTG 1` before 2026, `CTG 2` after). Direct values only."""
    if values.empty:
        return pd.DataFrame(columns=COLUMNS)
    rows = values[values["indicateur"].isin([ETP_CODE, HEADCOUNT_CODE]) & values["trimestre"].isna()]
    if territories is not None:
        rows = rows[rows["territoire"].isin(set(territories))]
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    table = rows.pivot_table(
        index=["territoire", "annee"], columns="indicateur", values="valeur", aggfunc="last"
    )
    table = table.reindex(columns=[ETP_CODE, HEADCOUNT_CODE]).reset_index()
    table.columns.name = None
    table = table.rename(columns={ETP_CODE: "etp", HEADCOUNT_CODE: "effectif"})
    table["annee"] = table["annee"].astype("int64")
    table["ctg"] = table["annee"].map(lambda y: "CTG 1" if y < FIRST_YEAR else "CTG 2")
    return table[COLUMNS].sort_values(["territoire", "annee"]).reset_index(drop=True)


@dataclass(frozen=True)
class Team:
    """The chargés of some employers in one year: ETP given, people, employers, ETP not given."""

    year: int | None
    etp: float
    people: int
    employers: int
    pending: int  # employers whose headcount is known but whose ETP is not (« en cours »)


def latest_team(frame: pd.DataFrame, since: int = FIRST_YEAR) -> Team:
    """The team of the latest year since `since` (CTG 2 by default)."""
    rows = frame[frame["annee"] >= since]
    if rows.empty:
        return Team(None, 0.0, 0, 0, 0)
    year = int(rows["annee"].max())
    rows = rows[rows["annee"] == year]
    return Team(
        year=year,
        etp=float(rows["etp"].sum(skipna=True)),
        people=int(rows["effectif"].sum(skipna=True)),
        employers=int(len(rows)),
        pending=int((rows["etp"].isna() & rows["effectif"].notna()).sum()),
    )
