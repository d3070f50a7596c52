"""Aggregation rules of the catalogue, applied to current values.

- over territories: `somme` adds the communes (and structures) of the area; `ratio` is
  recomputed from its aggregated numerator and denominator, never averaged; `aucune`
  only shows values given at that level;
- over time: a `stock` (places) takes the last value of a year, a `flux` (events) adds
  its quarters.

A value observed directly at a level (e.g. an EPCI figure of the diagnostic) wins over
the sum of its parts for that period: the parts may be incomplete.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from indicators.catalogue import EPCI_CODE, Indicator, Reference
from indicators.periods import parse_period

SERIES_COLUMNS = ["periode", "annee", "trimestre", "valeur", "n_territoires", "calcul"]


class Territories:
    """Which communes and structures make up a territory (EPCI, structure, sector)."""

    def __init__(self, ref: Reference, memberships: Iterable[tuple[str, str]] | None = None) -> None:
        self.types = {t.code: t.type for t in ref.territories}
        self.names = {t.code: t.nom for t in ref.territories}
        pairs = list(memberships) if memberships is not None else [
            (m.groupe, m.commune) for m in ref.memberships]
        self.members: dict[str, set[str]] = {}
        for group, commune in pairs:
            self.members.setdefault(group, set()).add(commune)

    def parts(self, code: str) -> set[str]:
        """The territories whose values add up to `code` (empty for a commune)."""
        kind = self.types.get(code)
        if kind == "epci":
            return {c for c, t in self.types.items() if t in ("commune", "structure")}
        if kind in ("secteur", "structure"):
            return set(self.members.get(code, set()))
        return set()


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=SERIES_COLUMNS)


def _period_cols(frame: pd.DataFrame) -> pd.DataFrame:
    periods = frame["periode"].map(parse_period)
    frame = frame.copy()
    frame["annee"] = periods.map(lambda p: p.year)
    frame["trimestre"] = periods.map(lambda p: p.quarter)
    frame["_key"] = periods.map(lambda p: p.sort_key)
    return frame.sort_values("_key").drop(columns="_key").reset_index(drop=True)


def _additive_series(values: pd.DataFrame, ind: Indicator, territory: str,
                     territories: Territories) -> pd.DataFrame:
    rows = values[(values["indicateur"] == ind.code) & values["valeur"].notna()]
    direct = rows[rows["territoire"] == territory][["periode", "valeur"]].copy()
    direct["n_territoires"] = 1
    direct["calcul"] = "observé"
    parts = territories.parts(territory)
    if parts and ind.agregation_territoire == "somme":
        summed = (rows[rows["territoire"].isin(parts)]
                  .groupby("periode", as_index=False)
                  .agg(valeur=("valeur", "sum"), n_territoires=("territoire", "nunique")))
        summed = summed[~summed["periode"].isin(direct["periode"])]
        summed["calcul"] = "somme"
        direct = pd.concat([direct, summed], ignore_index=True) if not summed.empty else direct
    if direct.empty:
        return _empty()
    return _period_cols(direct)[SERIES_COLUMNS]


def _lookup(series: pd.DataFrame, periode: str) -> float | None:
    """Value of `series` for a period: same period, else same year, else the latest earlier year."""
    if series.empty:
        return None
    exact = series[series["periode"] == periode]
    if not exact.empty:
        return float(exact["valeur"].iloc[-1])
    year = parse_period(periode).year
    earlier = series[series["annee"] <= year]
    if earlier.empty:
        return None
    return float(earlier["valeur"].iloc[-1])


def series(values: pd.DataFrame, ref: Reference, code: str, territory: str = EPCI_CODE,
           territories: Territories | None = None) -> pd.DataFrame:
    """The period series of one indicator for one territory, with how each value was obtained."""
    territories = territories or Territories(ref)
    ind = ref.indicator(code)
    if ind.agregation_territoire != "ratio":
        return _additive_series(values, ind, territory, territories)
    num = series(values, ref, ind.numerateur, territory, territories)  # type: ignore[arg-type]
    den = series(values, ref, ind.denominateur, territory, territories)  # type: ignore[arg-type]
    if num.empty or den.empty:
        return _empty()
    out = []
    for row in num.itertuples():
        d = _lookup(den, row.periode)
        if d is None or d == 0:
            continue
        out.append({"periode": row.periode, "annee": row.annee, "trimestre": row.trimestre,
                    "valeur": (ind.facteur or 1) * row.valeur / d,
                    "n_territoires": row.n_territoires, "calcul": "ratio"})
    return pd.DataFrame(out, columns=SERIES_COLUMNS) if out else _empty()


def yearly(period_series: pd.DataFrame, ind: Indicator) -> pd.DataFrame:
    """Yearly values of a series: last value of the year (stock) or sum of quarters (flux).

    A yearly observation wins over its quarters. `complet` says whether a flux year has its
    four quarters (or a yearly value).
    """
    if period_series.empty:
        return pd.DataFrame(columns=["annee", "valeur", "complet", "periode"])
    out = []
    for year, group in period_series.groupby("annee", sort=True):
        annual = group[group["trimestre"].isna()]
        quarters = group[group["trimestre"].notna()]
        if not annual.empty:
            out.append({"annee": year, "valeur": float(annual["valeur"].iloc[-1]), "complet": True,
                        "periode": str(year)})
        elif ind.agregation_temps == "flux":
            out.append({"annee": year, "valeur": float(quarters["valeur"].sum()),
                        "complet": quarters["trimestre"].nunique() == 4,
                        "periode": quarters["periode"].iloc[-1]})
        else:
            last = quarters.iloc[-1]
            out.append({"annee": year, "valeur": float(last["valeur"]),
                        "complet": int(last["trimestre"]) == 4, "periode": last["periode"]})
    return pd.DataFrame(out)


def yearly_ratio(values: pd.DataFrame, ref: Reference, code: str, territory: str = EPCI_CODE,
                 territories: Territories | None = None) -> pd.DataFrame:
    """Yearly values of any indicator; a ratio is recomputed from its yearly components."""
    territories = territories or Territories(ref)
    ind = ref.indicator(code)
    if ind.agregation_territoire != "ratio":
        return yearly(series(values, ref, code, territory, territories), ind)
    num = yearly_ratio(values, ref, ind.numerateur, territory, territories)  # type: ignore[arg-type]
    den = yearly_ratio(values, ref, ind.denominateur, territory, territories)  # type: ignore[arg-type]
    if num.empty or den.empty:
        return pd.DataFrame(columns=["annee", "valeur", "complet", "periode"])
    den_series = den.assign(periode=den["annee"].astype(str))
    out = []
    for row in num.itertuples():
        d = _lookup(den_series, str(row.annee))
        if d:
            out.append({"annee": row.annee, "valeur": (ind.facteur or 1) * row.valeur / d,
                        "complet": row.complet, "periode": row.periode})
    return pd.DataFrame(out, columns=["annee", "valeur", "complet", "periode"])


def value_at(values: pd.DataFrame, ref: Reference, code: str, territory: str, periode: str,
             territories: Territories | None = None) -> float | None:
    """The value of an indicator for a territory at a period (a year aggregates its quarters)."""
    period = parse_period(periode)
    if period.is_quarter:
        s = series(values, ref, code, territory, territories)
        match = s[s["periode"] == period.code]
        return None if match.empty else float(match["valeur"].iloc[0])
    y = yearly_ratio(values, ref, code, territory, territories)
    match = y[y["annee"] == period.year]
    return None if match.empty else float(match["valeur"].iloc[0])


def by_commune(values: pd.DataFrame, ref: Reference, code: str, periode: str,
               territories: Territories | None = None) -> pd.DataFrame:
    """One row per commune: its value at `periode` (None when not given), ratios recomputed."""
    territories = territories or Territories(ref)
    rows = []
    for commune in ref.communes():
        rows.append({"territoire": commune.code, "nom": commune.nom,
                     "valeur": value_at(values, ref, code, commune.code, periode, territories)})
    return pd.DataFrame(rows)
