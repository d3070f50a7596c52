"""Facts the charts need about the values, decided once: which communes a map names, and
whether a figure shows demonstration (generated) values.

    >>> largest_communes(values, ref, 8)          # INSEE codes, most populous first
    >>> shows_demo(values, ref, "PE_CAPACITE_THEORIQUE")
"""

from __future__ import annotations

import pandas as pd

from indicators.catalogue import Reference

POPULATION_CODE = "POP_MUNICIPALE"


def largest_communes(values: pd.DataFrame, ref: Reference, n: int = 8) -> list[str]:
    """The `n` most populous communes (latest municipal population known), largest first.

    Falls back on the catalogue's order when no population is known.
    """
    communes = [c.code for c in ref.communes()]
    if values.empty or POPULATION_CODE not in ref.by_code:
        return communes[:n]
    pop = values[(values["indicateur"] == POPULATION_CODE) & values["territoire"].isin(communes)]
    pop = pop[pop["valeur"].notna()].sort_values("periode").drop_duplicates("territoire", keep="last")
    ranked = list(pop.sort_values("valeur", ascending=False)["territoire"])
    return (ranked + [c for c in communes if c not in ranked])[:n]


def shows_demo(values: pd.DataFrame, ref: Reference, code: str) -> bool:
    """True when a chart of `code` draws at least one demonstration value (its own values, or
    those of its numerator and denominator for a ratio)."""
    if values.empty or "is_demo" not in values:
        return False
    ind = ref.indicator(code)
    codes = {code, ind.numerateur, ind.denominateur} - {None}
    rows = values[values["indicateur"].isin(codes)]
    return bool(rows["is_demo"].fillna(False).astype(bool).any())


def any_demo(values: pd.DataFrame) -> bool:
    """True when any value is a demonstration value (a chart over every indicator)."""
    return bool(
        not values.empty and "is_demo" in values and values["is_demo"].fillna(False).astype(bool).any()
    )
