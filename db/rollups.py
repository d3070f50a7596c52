"""Rollups: what each area's parts add up to, kept up to date in the transaction that changes them.

For each area (the EPCI: its communes and structures; a structure or a sector: its member
communes), each additive (`somme`) indicator and each period: the sum of the parts' values
in force and how many parts gave one. For each ratio R, `R~num` and `R~den`: each part's
numerator paired with its own denominator of the same year (else its latest earlier year),
summed over the parts that give both. A value observed at the area itself is not here: the
reader lets it win (`indicators.aggregation.area_periods`).

These are the rules of `indicators.aggregation.area_rollups`, computed here in SQL where the
values are; tests/test_rollups.py rebuilds every rollup from scratch and compares it with the
maintained one, and with the pandas definition, after random uploads, reverts, demonstration
data and reference reloads. Every write of values calls one of:

- `refresh(conn, convention, keys)`: the (indicator, territory, period) keys whose value in
  force may have changed (a batch written or cancelled, demonstration data removed);
- `refresh_area(conn, convention, area)`: a sector's members changed;
- `rebuild(conn, convention)`: everything (reference load, migration).

The same calls keep `completude`: per territory (EPCI, commune, structure) and quarter, how
many quarterly indicators collected at its level (not a ratio) have a value in force, a
number or a text: the counts of `indicators.completeness.completeness_matrix`.

SQL in, raw frames out; no French, no import of `indicators/`.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import sqlalchemy as sa

from db.store import Store

COLUMNS = ["indicateur", "territoire", "periode", "annee", "trimestre", "valeur", "n_territoires"]
NUM_SUFFIX, DEN_SUFFIX = "~num", "~den"

# Every (area, part) pair of a convention.
_AREA_PARTS = """
area_parts as (
    select e.code as area, t.code as part
    from territoires e join territoires t on t.convention = e.convention and t.type in ('commune', 'structure')
    where e.convention = $conv and e.type = 'epci'
    union all
    select a.groupe, a.commune from appartenances a where a.convention = $conv
)"""


def _in(values: Iterable[str]) -> str:
    """A literal SQL list (so that DuckDB filters the view of values in force before its window)."""
    return "(" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in sorted(set(values))) + ")"


def _sums_sql(pairs: pd.DataFrame | None) -> str:
    """The sums of `somme` indicators over every area (`pairs` None), or over the areas of
    `_areas` for the (indicator, period) pairs of `_pairs` (both registered by the caller)."""
    scope, keep = "", ""
    if pairs is not None:
        scope = f"and indicateur in {_in(pairs['indicateur'])} and periode in {_in(pairs['periode'])}"
        keep = (
            "where p.area in (select area from _areas) and exists (select 1 from _pairs k "
            "where k.indicateur = c.indicateur and k.periode = c.periode)"
        )
    return f"""
with {_AREA_PARTS},
cur as (
    select indicateur, territoire, periode, annee, trimestre, valeur
    from observations_courantes
    where convention = $conv and valeur is not null {scope}
      and indicateur in (select code from indicateurs where convention = $conv and agregation_territoire = 'somme')
)
select c.indicateur, p.area as territoire, c.periode, any_value(c.annee) as annee,
       any_value(c.trimestre) as trimestre, sum(c.valeur) as valeur, count(distinct c.territoire) as n_territoires
from cur c join area_parts p on p.part = c.territoire
{keep}
group by c.indicateur, p.area, c.periode
"""


# Each ratio's paired components over the areas of `_areas` (`$area_scope`), for some ratios
# (`$ratio_scope`) and their components (`$components`): replaced by `_computed` before it runs.
_PAIRS = f"""
with {_AREA_PARTS},
ratios as (
    select code, numerateur, denominateur from indicateurs
    where convention = $conv and agregation_territoire = 'ratio' and $ratio_scope
),
parts as (select * from area_parts where $area_scope),
cur as (
    select indicateur, territoire, periode, annee, trimestre, valeur
    from observations_courantes
    where convention = $conv and valeur is not null
      and indicateur in $components
),
den_year as (
    select r.code as ratio, p.area, c.territoire, c.annee,
           arg_max(c.valeur, c.annee * 10 + coalesce(c.trimestre, 5)) as den
    from ratios r join cur c on c.indicateur = r.denominateur join parts p on p.part = c.territoire
    group by all
),
num_rows as (
    select r.code as ratio, p.area, c.territoire, c.periode, c.annee, c.trimestre, c.valeur
    from ratios r join cur c on c.indicateur = r.numerateur join parts p on p.part = c.territoire
),
paired as (
    select n.ratio, n.area, n.periode, any_value(n.annee) as annee, any_value(n.trimestre) as trimestre,
           sum(n.valeur) as num, sum(d.den) as den, count(distinct n.territoire) as n
    from num_rows n asof join den_year d
      on d.ratio = n.ratio and d.area = n.area and d.territoire = n.territoire and n.annee >= d.annee
    where d.den <> 0
    group by n.ratio, n.area, n.periode
)
select ratio || '{NUM_SUFFIX}' as indicateur, area as territoire, periode, annee, trimestre, num as valeur,
       n as n_territoires from paired
union all
select ratio || '{DEN_SUFFIX}', area, periode, annee, trimestre, den, n from paired
"""


# Per (territory, quarter) of `_counted` (all when `$all`), the quarterly indicators received.
_COUNTS = """
with levels as (
    select code, case when type = 'epci' then 'epci' else type end as niveau from territoires
    where convention = $conv and type in ('epci', 'commune', 'structure')
),
collected as (
    select code, niveaux from indicateurs
    where convention = $conv and periodicite = 'trimestrielle' and agregation_territoire <> 'ratio'
)
select v.territoire, v.periode, count(distinct v.indicateur) as recus
from observations_courantes v
join levels t on t.code = v.territoire
join collected i on i.code = v.indicateur
where v.convention = $conv and v.trimestre is not null $scope
  and (v.valeur is not null or v.valeur_texte is not null)
  and case when t.niveau = 'epci'
           then list_contains(string_split(i.niveaux, '|'), 'epci')
                and not list_contains(string_split(i.niveaux, '|'), 'commune')
                and not list_contains(string_split(i.niveaux, '|'), 'structure')
           else list_contains(string_split(i.niveaux, '|'), t.niveau) end
group by v.territoire, v.periode
"""


def _counts(raw, convention: str, keys: pd.DataFrame | None) -> pd.DataFrame:
    """Completeness counts computed from the values in force (`keys` None: all; else the
    (territoire, periode) pairs of `keys`)."""
    scope = ""
    if keys is not None:
        if keys.empty:
            return pd.DataFrame(columns=["territoire", "periode", "recus"])
        scope = (
            f"and v.territoire in {_in(keys['territoire'])} and v.periode in {_in(keys['periode'])} "
            "and exists (select 1 from _counted k where k.territoire = v.territoire and k.periode = v.periode)"
        )
    raw.register("_counted", keys if keys is not None else pd.DataFrame({"territoire": [], "periode": []}))
    try:
        return raw.execute(_COUNTS.replace("$scope", scope), {"conv": convention}).df()
    finally:
        raw.unregister("_counted")


def _write_counts(raw, convention: str, rows: pd.DataFrame) -> None:
    if rows.empty:
        return
    raw.register("_counts", rows)
    try:
        raw.execute(
            "insert into completude (convention, territoire, periode, recus) "
            "select $conv, territoire, periode, recus from _counts",
            {"conv": convention},
        )
    finally:
        raw.unregister("_counts")


def _raw(conn: sa.Connection):
    return conn.connection.dbapi_connection  # duckdb_engine's wrapper, inside the caller's transaction


def _computed(raw, convention: str, *, pairs=None, areas=None, ratios=None) -> pd.DataFrame:
    """Rollup rows computed from the values in force (`pairs`, `areas`, `ratios` None: all)."""
    everything = pairs is None
    raw.register("_pairs", pairs if pairs is not None else pd.DataFrame({"indicateur": [], "periode": []}))
    raw.register("_areas", pd.DataFrame({"area": sorted(areas or [])}, dtype=object))
    try:
        params = {"conv": convention}
        frames = []
        if everything or not pairs.empty:
            frames.append(raw.execute(_sums_sql(None if everything else pairs), params).df())
        if everything or ratios:
            scope = "true" if everything else f"code in {_in(ratios)}"
            components = raw.execute(
                "select numerateur, denominateur from indicateurs where convention = $conv "
                f"and agregation_territoire = 'ratio' and {scope}",
                params,
            ).fetchall()
            if components:
                sql = _PAIRS.replace("$ratio_scope", scope).replace("$components", _in(sum(components, ())))
                sql = sql.replace(
                    "$area_scope", "true" if everything else "area in (select area from _areas)"
                )
                frames.append(raw.execute(sql, params).df())
    finally:
        raw.unregister("_pairs")
        raw.unregister("_areas")
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True)[COLUMNS] if frames else pd.DataFrame(columns=COLUMNS)


def _insert(raw, convention: str, rows: pd.DataFrame) -> None:
    if rows.empty:
        return
    raw.register("_rollups", rows)
    try:
        raw.execute(
            "insert into agregats (convention, indicateur, territoire, periode, annee, trimestre, valeur, "
            "n_territoires) select $conv, indicateur, territoire, periode, annee, trimestre, valeur, "
            "n_territoires from _rollups",
            {"conv": convention},
        )
    finally:
        raw.unregister("_rollups")


def rebuild(conn: sa.Connection, convention: str) -> int:
    """Every rollup of the convention computed again from the values in force; rows written."""
    raw = _raw(conn)
    raw.execute("delete from agregats where convention = $conv", {"conv": convention})
    rows = _computed(raw, convention)
    _insert(raw, convention, rows)
    raw.execute("delete from completude where convention = $conv", {"conv": convention})
    _write_counts(raw, convention, _counts(raw, convention, None))
    return len(rows)


def touched_keys(conn: sa.Connection, batch_ids: Iterable[int]) -> pd.DataFrame:
    """The (indicator, territory, period) keys of some batches' values."""
    return (
        _raw(conn)
        .execute(
            "select distinct indicateur, territoire, periode from observations where list_contains($ids, batch_id)",
            {"ids": [int(b) for b in batch_ids]},
        )
        .df()
    )


def refresh(conn: sa.Connection, convention: str, keys: pd.DataFrame) -> None:
    """Compute again the rollups that the values in force of `keys` (indicateur, territoire,
    periode) feed: their (indicator, period) in every area containing their territory, and
    every period of each ratio over one of their indicators."""
    if keys.empty:
        return
    raw = _raw(conn)
    quarters = keys[keys["periode"].astype(str).str.contains("-T", regex=False)][["territoire", "periode"]]
    quarters = quarters.drop_duplicates().reset_index(drop=True)
    if not quarters.empty:
        raw.register("_counted", quarters)
        try:
            raw.execute(
                "delete from completude where convention = $conv and exists (select 1 from _counted k "
                "where k.territoire = completude.territoire and k.periode = completude.periode)",
                {"conv": convention},
            )
        finally:
            raw.unregister("_counted")
        _write_counts(raw, convention, _counts(raw, convention, quarters))
    raw.register("_keys", keys[["indicateur", "territoire", "periode"]].drop_duplicates())
    try:
        areas = {
            row[0]
            for row in raw.execute(
                f"with {_AREA_PARTS} select distinct area from area_parts "
                "where part in (select territoire from _keys)",
                {"conv": convention},
            ).fetchall()
        }
        pairs = raw.execute(
            "select distinct k.indicateur, k.periode from _keys k join indicateurs i "
            "on i.convention = $conv and i.code = k.indicateur and i.agregation_territoire = 'somme'",
            {"conv": convention},
        ).df()
        ratios = [
            row[0]
            for row in raw.execute(
                "select code from indicateurs where convention = $conv and agregation_territoire = 'ratio' "
                "and (numerateur in (select indicateur from _keys) or denominateur in (select indicateur from _keys))",
                {"conv": convention},
            ).fetchall()
        ]
    finally:
        raw.unregister("_keys")
    if not areas or (pairs.empty and not ratios):
        return
    components = [r + s for r in ratios for s in (NUM_SUFFIX, DEN_SUFFIX)]
    raw.register("_pairs", pairs)
    try:
        raw.execute(
            "delete from agregats where convention = $conv and list_contains($areas, territoire) and ("
            "list_contains($components, indicateur) or exists (select 1 from _pairs k "
            "where k.indicateur = agregats.indicateur and k.periode = agregats.periode))",
            {"conv": convention, "areas": sorted(areas), "components": components},
        )
    finally:
        raw.unregister("_pairs")
    _insert(raw, convention, _computed(raw, convention, pairs=pairs, areas=areas, ratios=ratios))


def refresh_area(conn: sa.Connection, convention: str, area: str) -> None:
    """Compute again every rollup of one area (its members changed)."""
    raw = _raw(conn)
    raw.execute(
        "delete from agregats where convention = $conv and territoire = $area",
        {"conv": convention, "area": area},
    )
    pairs = raw.execute(
        "select distinct o.indicateur, o.periode from observations_courantes o join indicateurs i "
        "on i.convention = o.convention and i.code = o.indicateur and i.agregation_territoire = 'somme' "
        "where o.convention = $conv",
        {"conv": convention},
    ).df()
    ratios = [
        row[0]
        for row in raw.execute(
            "select code from indicateurs where convention = $conv and agregation_territoire = 'ratio'",
            {"conv": convention},
        ).fetchall()
    ]
    _insert(raw, convention, _computed(raw, convention, pairs=pairs, areas={area}, ratios=ratios))


# -- reads -----------------------------------------------------------------------------------
def area_rows(store: Store, convention: str, area: str, indicators: list[str] | None = None) -> pd.DataFrame:
    """The rollups of one area (optionally of some indicators, ratio components included)."""
    sql = (
        "select indicateur, territoire, periode, annee, trimestre, valeur, n_territoires from agregats "
        "where convention = $conv and territoire = $area"
    )
    params: dict[str, object] = {"conv": convention, "area": area}
    if indicators is not None:
        sql += " and list_contains($inds, split_part(indicateur, '~', 1))"
        params["inds"] = list(indicators)
    return store.query_df(sql + " order by indicateur, annee, trimestre nulls last", params)


def received(store: Store, convention: str, quarters: list[str]) -> pd.DataFrame:
    """Per (territory, quarter) of `quarters`, the quarterly indicators received (territoire,
    periode, recus; a territory that sent nothing has no row)."""
    if not quarters:
        return pd.DataFrame(columns=["territoire", "periode", "recus"])
    return store.query_df(
        f"select territoire, periode, recus from completude where convention = $conv and periode in {_in(quarters)}",
        {"conv": convention},
    )


def stored_counts(conn: sa.Connection, convention: str) -> pd.DataFrame:
    """Every completeness count kept in the store (for the consistency test)."""
    return (
        _raw(conn)
        .execute(
            "select territoire, periode, recus from completude where convention = $conv order by territoire, periode",
            {"conv": convention},
        )
        .df()
    )


def fresh_counts(conn: sa.Connection, convention: str) -> pd.DataFrame:
    """Every completeness count computed from scratch, written nowhere (for the consistency test)."""
    rows = _counts(_raw(conn), convention, None)
    return rows.sort_values(["territoire", "periode"]).reset_index(drop=True)


def stored_rows(conn: sa.Connection, convention: str) -> pd.DataFrame:
    """Every rollup row kept in the store (for the consistency test)."""
    return (
        _raw(conn)
        .execute(
            "select indicateur, territoire, periode, annee, trimestre, valeur, n_territoires from agregats "
            "where convention = $conv order by territoire, indicateur, periode",
            {"conv": convention},
        )
        .df()
    )


def fresh_rows(conn: sa.Connection, convention: str) -> pd.DataFrame:
    """Every rollup row computed from scratch, written nowhere (for the consistency test)."""
    rows = _computed(_raw(conn), convention)
    return rows.sort_values(["territoire", "indicateur", "periode"]).reset_index(drop=True)
