"""Where the convention contradicts itself: every statement, with its section, and which
one the figures follow (and why).

Two kinds, both declared in `seed/`:
- figures (`observations_reference.csv`, rows sharing a `conflit` key): the row with an
  `arbitrage` is the one every computed series uses; the others are kept, shown, never
  current (see `db.migrations.m004_conflict_choice`);
- statements that are not a stored figure (`contradictions.csv`: a period, a category, a
  rounded count), with at most one statement followed, and what the dashboard does.
"""

from __future__ import annotations

import pandas as pd

from indicators.catalogue import Reference
from indicators.formatting import format_value
from indicators.periods import period_label

COLUMNS = ["conflit", "sujet", "enonce", "section", "retenu", "arbitrage", "note"]


def contradictions_frame(ref: Reference) -> pd.DataFrame:
    """One row per statement: conflit, sujet, enonce (French text), section, retenu
    (True for the statement the figures follow), arbitrage (why), note."""
    names = {t.code: t.nom for t in ref.territories}
    rows = []
    for obs in ref.observations:
        if not obs.conflit:
            continue
        ind = ref.indicator(obs.indicateur)
        rows.append(
            {
                "conflit": obs.conflit,
                "sujet": f"{ind.libelle} · {names.get(obs.territoire, obs.territoire)} · "
                f"{period_label(obs.periode)}",
                "enonce": format_value(obs.valeur, ind.unite),
                "section": obs.section,
                "retenu": obs.arbitrage is not None,
                "arbitrage": obs.arbitrage,
                "note": obs.note,
            }
        )
    for item in ref.contradictions:
        rows.append(
            {
                "conflit": item.conflit,
                "sujet": item.sujet,
                "enonce": item.enonce,
                "section": item.section,
                "retenu": item.arbitrage is not None,
                "arbitrage": item.arbitrage,
                "note": item.note,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def chosen_reason(values: pd.DataFrame, code: str, territory: str, year: int | None) -> str | None:
    """The `arbitrage` of the current value of (code, territory, year), when the convention
    contradicts itself there; None otherwise. `values`: current values (with `arbitrage`)."""
    if year is None or values.empty or "arbitrage" not in values:
        return None
    rows = values[
        (values["indicateur"] == code)
        & (values["territoire"] == territory)
        & (values["periode"].astype(str) == str(year))
        & values["arbitrage"].notna()
    ]
    return None if rows.empty else str(rows["arbitrage"].iloc[-1])
