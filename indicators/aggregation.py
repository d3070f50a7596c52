"""Aggregation rules of the catalogue, applied to current values.

- over territories: `somme` adds the communes (and structures) of the area; `ratio` is
  recomputed from its aggregated numerator and denominator, never averaged; `aucune`
  only shows values given at that level;
- over time: a `stock` (places) takes the last value of a year, a `flux` (events) adds
  its quarters.

A value observed directly at a level (e.g. an EPCI figure of the diagnostic) wins over
the sum of its parts for that period: the parts may be incomplete.

What an area's parts add up to (`area_rollups`: sums, and the paired components of each
ratio) is kept up to date by the store at every write (db/rollups.py, the same rules in SQL);
`area_periods` and `series_of` apply the rules above to an area's own values and those
rollups, whichever computed them.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from indicators.catalogue import Indicator, Reference
from indicators.periods import Period, parse_period

SERIES_COLUMNS = ["periode", "annee", "trimestre", "valeur", "n_territoires", "calcul"]


class Territories:
    """Which communes and structures make up a territory (EPCI, structure, sector)."""

    def __init__(self, ref: Reference, memberships: Iterable[tuple[str, str]] | None = None) -> None:
        self.types = {t.code: t.type for t in ref.territories}
        self.names = {t.code: t.nom for t in ref.territories}
        pairs = (
            list(memberships) if memberships is not None else [(m.groupe, m.commune) for m in ref.memberships]
        )
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


def _additive(direct: pd.DataFrame, rollups: pd.DataFrame, ind: Indicator) -> pd.DataFrame:
    """The period series of an additive indicator: observed at the territory, else the sum of
    its parts (`somme` indicators over an area)."""
    if direct.empty:
        frame = pd.DataFrame({"periode": pd.Series(dtype=object), "valeur": pd.Series(dtype="float64")})
    else:
        frame = direct[(direct["indicateur"] == ind.code) & direct["valeur"].notna()][
            ["periode", "valeur"]
        ].copy()
    frame["n_territoires"] = 1
    frame["calcul"] = "observé"
    if ind.agregation_territoire == "somme" and not rollups.empty:
        summed = rollups[rollups["indicateur"] == ind.code][["periode", "valeur", "n_territoires"]]
        summed = summed[~summed["periode"].isin(frame["periode"])].assign(calcul="somme")
        frame = pd.concat([frame, summed], ignore_index=True) if not summed.empty else frame
    if frame.empty:
        return _empty()
    return _period_cols(frame)[SERIES_COLUMNS]


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


NUM_SUFFIX, DEN_SUFFIX = "~num", "~den"  # paired components of a ratio over an area


def paired_parts(values: pd.DataFrame, ind: Indicator, parts: set[str]) -> pd.DataFrame:
    """Per numerator period, the ratio's components summed over the `parts` that give both.

    A commune that reports its numerator is paired with its own denominator (same year,
    else its latest earlier year); a commune missing either is left out of both sums, so an
    unknown numerator never counts as zero. Columns: periode, num, den, n_territoires.
    """
    columns = ["periode", "num", "den", "n_territoires"]
    if values.empty or not parts:
        return pd.DataFrame(columns=columns)
    rows = values[values["valeur"].notna() & values["territoire"].isin(parts)]
    num = rows[rows["indicateur"] == ind.numerateur][["territoire", "periode", "valeur"]]
    den = rows[rows["indicateur"] == ind.denominateur][["territoire", "periode", "valeur"]]
    if num.empty or den.empty:
        return pd.DataFrame(columns=columns)
    keys = {p: parse_period(p) for p in set(num["periode"]) | set(den["periode"])}
    num = num.assign(annee=num["periode"].map(lambda p: keys[p].year).astype("int64"))
    den = den.assign(
        annee=den["periode"].map(lambda p: keys[p].year).astype("int64"),
        _key=den["periode"].map(lambda p: keys[p].sort_key),
    )
    den = (
        den.sort_values("_key")
        .groupby(["territoire", "annee"], as_index=False)["valeur"]
        .last()
        .rename(columns={"valeur": "den"})
        .sort_values("annee")
    )
    matched = pd.merge_asof(num.sort_values("annee"), den, on="annee", by="territoire")
    matched = matched[matched["den"].notna() & (matched["den"] != 0)]
    if matched.empty:
        return pd.DataFrame(columns=columns)
    out = matched.groupby("periode", as_index=False).agg(
        num=("valeur", "sum"), den=("den", "sum"), n_territoires=("territoire", "nunique")
    )
    return out[columns]


ROLLUP_COLUMNS = ["indicateur", "periode", "annee", "trimestre", "valeur", "n_territoires"]


def area_rollups(
    values: pd.DataFrame,
    ref: Reference,
    area: str,
    territories: Territories | None = None,
    codes: Iterable[str] | None = None,
) -> pd.DataFrame:
    """What the parts of `area` add up to, per indicator and period (empty for a commune).

    - a `somme` indicator: the sum of its parts' values and how many parts gave one;
    - a ratio R: `R~num` and `R~den`, each part's numerator paired with its own denominator
      (`paired_parts`), summed, and how many parts gave both.
    A value observed at the area itself is not here: `area_periods` and `series_of` let it
    win. This is the definition of the rollups the store keeps (db/rollups.py). `codes`: only
    these indicators (and the ratios over them). Columns: ROLLUP_COLUMNS.
    """
    territories = territories or Territories(ref)
    parts = territories.parts(area)
    if not parts or values.empty:
        return pd.DataFrame(columns=ROLLUP_COLUMNS)
    wanted = set(codes) if codes is not None else None
    numeric = values[values["valeur"].notna() & values["territoire"].isin(parts)]
    summed_codes = [
        i.code
        for i in ref.indicators
        if i.agregation_territoire == "somme" and (wanted is None or i.code in wanted)
    ]
    rows = numeric[numeric["indicateur"].isin(summed_codes)]
    frames = [
        rows.groupby(["indicateur", "periode"], as_index=False).agg(
            valeur=("valeur", "sum"), n_territoires=("territoire", "nunique")
        )
    ]
    for ind in ref.indicators:
        if not ind.is_computed or (
            wanted is not None and not {ind.code, ind.numerateur, ind.denominateur} & wanted
        ):
            continue
        paired = paired_parts(numeric, ind, parts)
        for suffix, column in ((NUM_SUFFIX, "num"), (DEN_SUFFIX, "den")):
            frames.append(
                pd.DataFrame(
                    {
                        "indicateur": ind.code + suffix,
                        "periode": paired["periode"],
                        "valeur": paired[column],
                        "n_territoires": paired["n_territoires"],
                    }
                )
            )
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=ROLLUP_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    periods = {p: parse_period(p) for p in out["periode"].unique()}
    out["annee"] = out["periode"].map(lambda p: periods[p].year).astype("int64")
    out["trimestre"] = out["periode"].map(lambda p: periods[p].quarter).astype("float64")
    out["valeur"] = out["valeur"].astype("float64")
    out["n_territoires"] = out["n_territoires"].astype("int64")
    return out[ROLLUP_COLUMNS].sort_values(["indicateur", "annee", "trimestre"]).reset_index(drop=True)


def series(
    values: pd.DataFrame,
    ref: Reference,
    code: str,
    territory: str | None = None,
    territories: Territories | None = None,
) -> pd.DataFrame:
    """The period series of one indicator for one territory (default: the EPCI), with how each value was obtained."""
    territory = territory or ref.epci
    territories = territories or Territories(ref)
    ind = ref.indicator(code)
    codes = {code, ind.numerateur, ind.denominateur} - {None}
    direct = values[(values["territoire"] == territory) & values["indicateur"].isin(codes)]
    return series_of(direct, area_rollups(values, ref, territory, territories, codes), ref, code)


def series_of(direct: pd.DataFrame, rollups: pd.DataFrame, ref: Reference, code: str) -> pd.DataFrame:
    """The period series of one indicator from a territory's own values (`direct`) and its
    rollups (`area_rollups`, or the store's): observed wins, then the sum of the parts; a
    ratio pairs each part's components, or divides what is observed at the territory."""
    ind = ref.indicator(code)
    if ind.agregation_territoire != "ratio":
        return _additive(direct, rollups, ind)
    num = _additive(direct, rollups, ref.indicator(ind.numerateur))  # type: ignore[arg-type]
    den = _additive(direct, rollups, ref.indicator(ind.denominateur))  # type: ignore[arg-type]
    out = []
    paired = _paired_rollups(rollups, ind.code)
    if not paired.empty:
        # Observed at the area itself wins; otherwise each commune's components are paired.
        observed = set(num[num["calcul"] == "observé"]["periode"]) if not num.empty else set()
        paired = paired[~paired["periode"].isin(observed)]
        num = num[num["periode"].isin(observed)] if not num.empty else num
        for row in paired.itertuples():
            period = parse_period(row.periode)
            out.append(
                {
                    "periode": row.periode,
                    "annee": period.year,
                    "trimestre": period.quarter,
                    "valeur": (ind.facteur or 1) * row.num / row.den,
                    "n_territoires": row.n_territoires,
                    "calcul": "ratio",
                }
            )
    if num.empty or den.empty:
        return _period_cols(pd.DataFrame(out))[SERIES_COLUMNS] if out else _empty()
    for row in num.itertuples():
        d = _lookup(den, row.periode)
        if d is None or d == 0:
            continue
        out.append(
            {
                "periode": row.periode,
                "annee": row.annee,
                "trimestre": row.trimestre,
                "valeur": (ind.facteur or 1) * row.valeur / d,
                "n_territoires": row.n_territoires,
                "calcul": "ratio",
            }
        )
    return _period_cols(pd.DataFrame(out))[SERIES_COLUMNS] if out else _empty()


def _paired_rollups(rollups: pd.DataFrame, code: str) -> pd.DataFrame:
    """A ratio's paired components from rollups: periode, num, den, n_territoires."""
    columns = ["periode", "num", "den", "n_territoires"]
    if rollups.empty:
        return pd.DataFrame(columns=columns)
    num = rollups[rollups["indicateur"] == code + NUM_SUFFIX][["periode", "valeur", "n_territoires"]]
    den = rollups[rollups["indicateur"] == code + DEN_SUFFIX][["periode", "valeur"]]
    if num.empty or den.empty:
        return pd.DataFrame(columns=columns)
    merged = num.rename(columns={"valeur": "num"}).merge(den.rename(columns={"valeur": "den"}), on="periode")
    return merged[columns]


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
            out.append(
                {
                    "annee": year,
                    "valeur": float(annual["valeur"].iloc[-1]),
                    "complet": True,
                    "periode": str(year),
                }
            )
        elif ind.agregation_temps == "flux":
            out.append(
                {
                    "annee": year,
                    "valeur": float(quarters["valeur"].sum()),
                    "complet": quarters["trimestre"].nunique() == 4,
                    "periode": quarters["periode"].iloc[-1],
                }
            )
        else:
            last = quarters.iloc[-1]
            out.append(
                {
                    "annee": year,
                    "valeur": float(last["valeur"]),
                    "complet": int(last["trimestre"]) == 4,
                    "periode": last["periode"],
                }
            )
    return pd.DataFrame(out)


def yearly_ratio(
    values: pd.DataFrame,
    ref: Reference,
    code: str,
    territory: str | None = None,
    territories: Territories | None = None,
) -> pd.DataFrame:
    """Yearly values of any indicator; a ratio is recomputed from its yearly components."""
    territory = territory or ref.epci
    territories = territories or Territories(ref)
    ind = ref.indicator(code)
    if ind.agregation_territoire != "ratio":
        return yearly(series(values, ref, code, territory, territories), ind)
    num = yearly_ratio(values, ref, ind.numerateur, territory, territories)  # type: ignore[arg-type]
    den = yearly_ratio(values, ref, ind.denominateur, territory, territories)  # type: ignore[arg-type]
    if territories.parts(territory) and not num.empty:
        # Over an area: the same pairing of each commune's components as the panels use.
        subset = values[values["indicateur"].isin([ind.numerateur, ind.denominateur])]
        rates = yearly_all(territory_periods(subset, ref, territory, territories), ref)
        rates = rates[rates["indicateur"] == code][["annee", "valeur"]]
        merged = rates.merge(num[["annee", "complet", "periode"]], on="annee", how="left")
        merged["complet"] = merged["complet"].fillna(True).astype(bool)
        return merged[["annee", "valeur", "complet", "periode"]].reset_index(drop=True)
    if num.empty or den.empty:
        return pd.DataFrame(columns=["annee", "valeur", "complet", "periode"])
    den_series = den.assign(periode=den["annee"].astype(str))
    out = []
    for row in num.itertuples():
        d = _lookup(den_series, str(row.annee))
        if d:
            out.append(
                {
                    "annee": row.annee,
                    "valeur": (ind.facteur or 1) * row.valeur / d,
                    "complet": row.complet,
                    "periode": row.periode,
                }
            )
    return pd.DataFrame(out, columns=["annee", "valeur", "complet", "periode"])


def value_at(
    values: pd.DataFrame,
    ref: Reference,
    code: str,
    territory: str,
    periode: str,
    territories: Territories | None = None,
) -> float | None:
    """The value of an indicator for a territory at a period (a year aggregates its quarters)."""
    period = parse_period(periode)
    if period.is_quarter:
        s = series(values, ref, code, territory, territories)
        match = s[s["periode"] == period.code]
        return None if match.empty else float(match["valeur"].iloc[0])
    y = yearly_ratio(values, ref, code, territory, territories)
    match = y[y["annee"] == period.year]
    return None if match.empty else float(match["valeur"].iloc[0])


def by_commune(
    values: pd.DataFrame, ref: Reference, code: str, periode: str, territories: Territories | None = None
) -> pd.DataFrame:
    """One row per commune: its value at `periode` (None when not given), ratios recomputed."""
    territories = territories or Territories(ref)
    rows = []
    for commune in ref.communes():
        rows.append(
            {
                "territoire": commune.code,
                "nom": commune.nom,
                "valeur": value_at(values, ref, code, commune.code, periode, territories),
            }
        )
    return pd.DataFrame(rows)


# -- Vectorised reads at a review cut-off (many territories at once) ---------------------

CUTOFF_COLUMNS = ["territoire", "valeur", "periode", "n_periodes"]


def _sort_keys(frame: pd.DataFrame) -> pd.Series:
    """Order key of each row's period (a year after its quarters), from annee/trimestre."""
    if "annee" in frame and "trimestre" in frame and frame["annee"].notna().all():
        quarter = pd.to_numeric(frame["trimestre"], errors="coerce").fillna(5)
        return frame["annee"].astype("int64") * 10 + quarter.astype("int64")
    keys = frame["periode"].map(lambda p: parse_period(p).sort_key)
    return keys.map(lambda k: k[0] * 10 + k[1]).astype("int64")


def in_set(series: pd.Series, values: Iterable[object]) -> pd.Series:
    """`series.isin(values)`, each distinct value of the series looked up once in a set: pandas
    compares its Arrow strings with a large list one element at a time (35 000 commune codes:
    a quarter of a second)."""
    wanted = set(values)
    codes, uniques = pd.factorize(series)
    uniques = np.asarray(uniques, dtype=object)  # Arrow strings are slow to walk one by one
    found = np.fromiter((u in wanted for u in uniques), dtype=bool, count=len(uniques))
    return pd.Series(np.append(found, False)[codes], index=series.index)  # -1 (missing): False


def period_frame(values: pd.DataFrame, code: str, codes: Iterable[str] | None = None) -> pd.DataFrame:
    """Direct numeric rows of one indicator (optionally for some territories) with period keys.

    Columns: territoire, periode, annee, trimestre, valeur, _key.
    """
    rows = values[(values["indicateur"] == code) & values["valeur"].notna()]
    if codes is not None:
        rows = rows[in_set(rows["territoire"], codes)]
    frame = rows[["territoire", "periode", "valeur"]].copy()
    if frame.empty:
        return frame.assign(
            annee=pd.Series(dtype="int64"),
            trimestre=pd.Series(dtype="float64"),
            _key=pd.Series(dtype="int64"),
        )
    if "annee" in rows and "trimestre" in rows:
        frame["annee"] = rows["annee"].astype("int64")
        frame["trimestre"] = pd.to_numeric(rows["trimestre"], errors="coerce")
    else:
        periods = frame["periode"].map(parse_period)
        frame["annee"] = periods.map(lambda p: p.year).astype("int64")
        frame["trimestre"] = periods.map(lambda p: p.quarter).astype("float64")
    frame["_key"] = _sort_keys(frame)
    return frame


def _cutoff_key(cutoff: Period) -> int:
    return cutoff.year * 10 + (cutoff.quarter or 5)


def latest_at(frame: pd.DataFrame, cutoff: Period) -> pd.DataFrame:
    """Per territory, the latest value at or before `cutoff`, whatever its year."""
    rows = frame[frame["_key"] <= _cutoff_key(cutoff)].sort_values("_key")
    if rows.empty:
        return pd.DataFrame(columns=CUTOFF_COLUMNS)
    last = rows.groupby("territoire", as_index=False).last()
    return last.assign(n_periodes=1)[CUTOFF_COLUMNS]


def at_cutoff(frame: pd.DataFrame, ind: Indicator, cutoff: Period, since_year: int) -> pd.DataFrame:
    """Per territory, the value of `ind` at a review cut-off, from periods since `since_year`.

    A stock takes its latest value in [since_year, cutoff]; a flux adds the quarters of the
    cut-off's year up to the cut-off (a yearly value counts only when the cut-off is a year).
    `n_periodes` is the number of quarters added (4 for a yearly value).
    """
    key = _cutoff_key(cutoff)
    rows = frame[(frame["_key"] <= key) & (frame["annee"] >= since_year)].sort_values("_key")
    if rows.empty:
        return pd.DataFrame(columns=CUTOFF_COLUMNS)
    if ind.agregation_temps == "stock":
        last = rows.groupby("territoire", as_index=False).last()
        return last.assign(n_periodes=1)[CUTOFF_COLUMNS]
    rows = rows[rows["annee"] == cutoff.year]
    if rows.empty:
        return pd.DataFrame(columns=CUTOFF_COLUMNS)
    annual = rows[rows["trimestre"].isna()]
    quarters = rows[rows["trimestre"].notna()]
    out = quarters.groupby("territoire", as_index=False).agg(
        valeur=("valeur", "sum"), periode=("periode", "last"), n_periodes=("periode", "nunique")
    )
    if not annual.empty:
        yearly_rows = annual.groupby("territoire", as_index=False).last().assign(n_periodes=4)
        out = pd.concat(
            [out[~out["territoire"].isin(yearly_rows["territoire"])], yearly_rows[CUTOFF_COLUMNS]],
            ignore_index=True,
        )
    return out[CUTOFF_COLUMNS]


def by_commune_at(
    values: pd.DataFrame, ref: Reference, code: str, cutoff: Period, since_year: int
) -> pd.DataFrame:
    """Every commune's value of `code` at a review cut-off, vectorised; ratios recomputed.

    Columns: territoire, nom, valeur (None when not given), periode. A ratio divides the
    commune's numerator at the cut-off by its latest known denominator (any earlier year).
    """
    listed = ref.communes()
    communes = pd.DataFrame({"territoire": [c.code for c in listed], "nom": [c.nom for c in listed]})
    codes = set(communes["territoire"])
    ind = ref.indicator(code)
    if ind.agregation_territoire == "ratio":
        num = at_cutoff(
            period_frame(values, ind.numerateur, codes),  # type: ignore[arg-type]
            ref.indicator(ind.numerateur),
            cutoff,
            since_year,
        )  # type: ignore[arg-type]
        den = latest_at(period_frame(values, ind.denominateur, codes), cutoff)  # type: ignore[arg-type]
        merged = num.merge(den[["territoire", "valeur"]], on="territoire", suffixes=("", "_den"))
        merged = merged[merged["valeur_den"].astype(float) > 0]
        merged["valeur"] = (ind.facteur or 1) * merged["valeur"].astype(float) / merged["valeur_den"]
        found = merged[CUTOFF_COLUMNS]
    else:
        found = at_cutoff(period_frame(values, code, codes), ind, cutoff, since_year)
    out = communes.merge(found[["territoire", "valeur", "periode"]], on="territoire", how="left")
    out["valeur"] = out["valeur"].astype("float64")
    return out


# -- Every indicator of one territory at once (vectorised, for panels) -------------------


def territory_periods(
    values: pd.DataFrame, ref: Reference, territory: str, territories: Territories | None = None
) -> pd.DataFrame:
    """The period series of every additive indicator for one territory, in one frame.

    Same rules as `series`: a value observed at the territory wins, for that period, over
    the sum of its parts (`somme` indicators only). Columns: indicateur, territoire,
    periode, annee, trimestre, valeur, _key. Ratios are not in it (see `yearly_all`), but
    over an area their paired components are, as `CODE~num` and `CODE~den` rows
    (`paired_parts`), which `yearly_all` and `cutoff_all` use and never return.
    """
    territories = territories or Territories(ref)
    direct = values[values["territoire"] == territory] if not values.empty else values
    return area_periods(direct, area_rollups(values, ref, territory, territories), ref, territory)


def area_periods(direct: pd.DataFrame, rollups: pd.DataFrame, ref: Reference, territory: str) -> pd.DataFrame:
    """`territory_periods` from a territory's own values (`direct`) and its rollups
    (`area_rollups`, or the store's): what is observed at the territory wins for its period,
    over the sum of the parts and over a ratio's paired components."""
    cols = ["indicateur", "periode", "valeur"]
    own = direct[direct["valeur"].notna()][cols] if not direct.empty else pd.DataFrame(columns=cols)
    frames = [own]
    if not rollups.empty:
        pseudo = rollups["indicateur"].str.contains("~", regex=False)
        summed = rollups[~pseudo]
        known = set(zip(own["indicateur"], own["periode"], strict=True))
        keep = [(i, p) not in known for i, p in zip(summed["indicateur"], summed["periode"], strict=True)]
        frames.append(summed[keep][cols])
        for ind in ref.indicators:
            if not ind.is_computed:
                continue
            observed = set(own[own["indicateur"] == ind.numerateur]["periode"])
            for suffix in (NUM_SUFFIX, DEN_SUFFIX):
                rows = rollups[rollups["indicateur"] == ind.code + suffix]
                frames.append(rows[~rows["periode"].isin(observed)][cols])
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(
            columns=["indicateur", "periode", "valeur", "annee", "trimestre", "_key", "territoire"]
        )
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].copy()
    periods = {p: parse_period(p) for p in frame["periode"].unique()}
    frame["valeur"] = frame["valeur"].astype("float64")
    frame["annee"] = frame["periode"].map(lambda p: periods[p].year).astype("int64")
    frame["trimestre"] = frame["periode"].map(lambda p: periods[p].quarter).astype("float64")
    frame["_key"] = frame["annee"] * 10 + frame["trimestre"].fillna(5).astype("int64")
    frame["territoire"] = territory
    return frame.sort_values(["indicateur", "_key"]).reset_index(drop=True)


def _flux_codes(ref: Reference) -> set[str]:
    flux = {i.code for i in ref.indicators if i.agregation_temps == "flux"}
    return flux | {i.code + NUM_SUFFIX for i in ref.indicators if i.is_computed and i.numerateur in flux}


def yearly_all(periods: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    """Yearly values of every indicator from `territory_periods`, ratios recomputed.

    Same rules as `yearly`/`yearly_ratio`: a yearly value wins over quarters; otherwise a
    flux adds its quarters and a stock takes the last one; a ratio divides the yearly
    numerator by the denominator of that year or, failing that, of the latest earlier year.
    Columns: indicateur, annee, valeur.
    """
    if periods.empty:
        return pd.DataFrame(columns=["indicateur", "annee", "valeur"])
    flux = _flux_codes(ref)
    annual = (
        periods[periods["trimestre"].isna()].groupby(["indicateur", "annee"], as_index=False)["valeur"].last()
    )
    quarters = periods[periods["trimestre"].notna()]
    is_flux = quarters["indicateur"].isin(flux)
    summed = quarters[is_flux].groupby(["indicateur", "annee"], as_index=False)["valeur"].sum()
    last = quarters[~is_flux].groupby(["indicateur", "annee"], as_index=False)["valeur"].last()
    from_quarters = pd.concat([summed, last], ignore_index=True)
    known = set(zip(annual["indicateur"], annual["annee"], strict=True))
    keep = [
        (i, a) not in known for i, a in zip(from_quarters["indicateur"], from_quarters["annee"], strict=True)
    ]
    out = pd.concat([annual, from_quarters[keep]], ignore_index=True)
    ratios = []
    for ind in ref.indicators:
        if not ind.is_computed:
            continue
        pnum = out[out["indicateur"] == ind.code + NUM_SUFFIX]
        pden = out[out["indicateur"] == ind.code + DEN_SUFFIX][["annee", "valeur"]]
        paired = pnum.merge(pden, on="annee", suffixes=("", "_den"))
        paired = paired[paired["valeur_den"] != 0]
        if not paired.empty:
            ratios.append(
                pd.DataFrame(
                    {
                        "indicateur": ind.code,
                        "annee": paired["annee"],
                        "valeur": (ind.facteur or 1) * paired["valeur"] / paired["valeur_den"],
                    }
                )
            )
        num = out[out["indicateur"] == ind.numerateur].sort_values("annee")
        num = num[~num["annee"].isin(paired["annee"])]  # the numerator observed at the area itself
        den = out[out["indicateur"] == ind.denominateur].sort_values("annee")
        if num.empty or den.empty:
            continue
        merged = pd.merge_asof(num, den[["annee", "valeur"]], on="annee", suffixes=("", "_den"))
        merged = merged[merged["valeur_den"].notna() & (merged["valeur_den"] != 0)]
        if not merged.empty:
            ratios.append(
                pd.DataFrame(
                    {
                        "indicateur": ind.code,
                        "annee": merged["annee"],
                        "valeur": (ind.facteur or 1) * merged["valeur"] / merged["valeur_den"],
                    }
                )
            )
    out = pd.concat([out, *ratios], ignore_index=True) if ratios else out
    out = out[~out["indicateur"].str.contains("~", regex=False)]
    return out.sort_values(["indicateur", "annee"]).reset_index(drop=True)


def cutoff_all(periods: pd.DataFrame, ref: Reference, cutoff: Period, since_year: int) -> pd.DataFrame:
    """Every indicator's value at a review cut-off, from `territory_periods` (same rule as
    `at_cutoff`), ratios recomputed with the latest known denominator.

    Columns: indicateur, valeur, periode, n_periodes, comparable (a flux of fewer than four
    quarters annualised, to compare with yearly values).
    """
    columns = ["indicateur", "valeur", "periode", "n_periodes", "comparable"]
    if periods.empty:
        return pd.DataFrame(columns=columns)
    flux = _flux_codes(ref)
    # at_cutoff groups by "territoire": group by indicator instead.
    frame = periods.assign(territoire=periods["indicateur"])
    is_flux = frame["indicateur"].isin(flux)
    stock_ind = next((i for i in ref.indicators if i.agregation_temps == "stock"), None)
    flux_ind = next((i for i in ref.indicators if i.agregation_temps == "flux"), None)
    parts = []
    if stock_ind is not None:
        parts.append(at_cutoff(frame[~is_flux], stock_ind, cutoff, since_year))
    if flux_ind is not None:
        parts.append(at_cutoff(frame[is_flux], flux_ind, cutoff, since_year))
    out = (
        pd.concat([p for p in parts if not p.empty], ignore_index=True)
        if any(not p.empty for p in parts)
        else pd.DataFrame(columns=CUTOFF_COLUMNS)
    )
    out = out.rename(columns={"territoire": "indicateur"})
    out["valeur"] = out["valeur"].astype("float64")
    out["n_periodes"] = out["n_periodes"].astype("int64")
    annualise = out["indicateur"].isin(flux) & (out["n_periodes"] > 0) & (out["n_periodes"] < 4)
    out["comparable"] = out["valeur"].where(~annualise, out["valeur"] * 4 / out["n_periodes"].clip(lower=1))
    latest = latest_at(frame, cutoff).rename(columns={"territoire": "indicateur"}).set_index("indicateur")
    ratios = []
    for ind in ref.indicators:
        if not ind.is_computed:
            continue
        num = out[out["indicateur"] == ind.code + NUM_SUFFIX]
        den_code = ind.code + DEN_SUFFIX
        if num.empty or den_code not in latest.index:  # no paired parts: observed at the area
            num = out[out["indicateur"] == ind.numerateur]
            den_code = ind.denominateur
        if num.empty or den_code not in latest.index:
            continue
        den = float(latest.loc[den_code, "valeur"])
        if not den:
            continue
        factor = ind.facteur or 1
        row = num.iloc[0]
        ratios.append(
            {
                "indicateur": ind.code,
                "valeur": factor * row["valeur"] / den,
                "periode": row["periode"],
                "n_periodes": row["n_periodes"],
                "comparable": factor * row["comparable"] / den,
            }
        )
    if ratios:
        out = pd.concat([out, pd.DataFrame(ratios)], ignore_index=True)
    out = out[~out["indicateur"].str.contains("~", regex=False)]
    return out[columns].reset_index(drop=True)
