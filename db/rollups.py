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

SQL in, raw frames out; no French, no import of `indicators/`. The same SQL runs on DuckDB and
PostgreSQL: `arg_max`, the `asof join`, the frames read as tables and the parameters go through
`db/dialect.py`.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import sqlalchemy as sa

from db import dialect
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
select c.indicateur, p.area as territoire, c.periode, min(c.annee) as annee,
       min(c.trimestre) as trimestre, sum(c.valeur) as valeur, count(distinct c.territoire) as n_territoires
from cur c join area_parts p on p.part = c.territoire
{keep}
group by c.indicateur, p.area, c.periode
"""


# Each ratio's paired components over the areas of `_areas` (`$area_scope`), for some ratios
# (`$ratio_scope`) and their components (`$components`): replaced by `_computed` before it runs;
# `$arg_max_den` and `$asof_den` are the engine's (`_pairs_sql`).
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
           $arg_max_den as den
    from ratios r join cur c on c.indicateur = r.denominateur join parts p on p.part = c.territoire
    group by r.code, p.area, c.territoire, c.annee
),
num_rows as (
    select r.code as ratio, p.area, c.territoire, c.periode, c.annee, c.trimestre, c.valeur
    from ratios r join cur c on c.indicateur = r.numerateur join parts p on p.part = c.territoire
),
paired as (
    select n.ratio, n.area, n.periode, min(n.annee) as annee, min(n.trimestre) as trimestre,
           sum(n.valeur) as num, sum(d.den) as den, count(distinct n.territoire) as n
    from num_rows n $asof_den
    where d.den <> 0
    group by n.ratio, n.area, n.periode
)
select ratio || '{NUM_SUFFIX}' as indicateur, area as territoire, periode, annee, trimestre, num as valeur,
       n as n_territoires from paired
union all
select ratio || '{DEN_SUFFIX}', area, periode, annee, trimestre, den, n from paired
"""


def _pairs_sql(conn: sa.Connection) -> str:
    """`_PAIRS` with the engine's `arg_max` and `asof join`."""
    den = dialect.arg_max(conn, "c.valeur", "c.annee * 10 + coalesce(c.trimestre, 5)")
    asof = dialect.asof_join(conn, "n", "den_year", "d", ["ratio", "area", "territoire"], "annee")
    return _PAIRS.replace("$arg_max_den", den).replace("$asof_den", asof)


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
           then 'epci' = any(string_to_array(i.niveaux, '|'))
                and not 'commune' = any(string_to_array(i.niveaux, '|'))
                and not 'structure' = any(string_to_array(i.niveaux, '|'))
           else t.niveau = any(string_to_array(i.niveaux, '|')) end
group by v.territoire, v.periode
"""


def _counts(conn: sa.Connection, convention: str, keys: pd.DataFrame | None) -> pd.DataFrame:
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
    counted = keys if keys is not None else _frame(territoire=[], periode=[])
    with dialect.registered(conn, "_counted", counted):
        return dialect.frame(conn, _COUNTS.replace("$scope", scope), {"conv": convention})


def _frame(**columns: list) -> pd.DataFrame:
    """A frame of text columns (an empty one included) to read as a table."""
    return pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()})


def _write_counts(conn: sa.Connection, convention: str, rows: pd.DataFrame) -> None:
    if rows.empty:
        return
    with dialect.registered(conn, "_counts", rows):
        dialect.run(
            conn,
            "insert into completude (convention, territoire, periode, recus) "
            "select $conv, territoire, periode, recus from _counts",
            {"conv": convention},
        )


def _computed(conn: sa.Connection, convention: str, *, pairs=None, areas=None, ratios=None) -> pd.DataFrame:
    """Rollup rows computed from the values in force (`pairs`, `areas`, `ratios` None: all)."""
    everything = pairs is None
    with (
        dialect.registered(conn, "_pairs", pairs if pairs is not None else _frame(indicateur=[], periode=[])),
        dialect.registered(conn, "_areas", _frame(area=sorted(areas or []))),
    ):
        params = {"conv": convention}
        frames = []
        if everything or not pairs.empty:
            frames.append(dialect.frame(conn, _sums_sql(None if everything else pairs), params))
        if everything or ratios:
            scope = "true" if everything else f"code in {_in(ratios)}"
            components = dialect.rows(
                conn,
                "select numerateur, denominateur from indicateurs where convention = $conv "
                f"and agregation_territoire = 'ratio' and {scope}",
                params,
            )
            if components:
                sql = (
                    _pairs_sql(conn)
                    .replace("$ratio_scope", scope)
                    .replace("$components", _in(sum(components, ())))
                )
                sql = sql.replace(
                    "$area_scope", "true" if everything else "area in (select area from _areas)"
                )
                frames.append(dialect.frame(conn, sql, params))
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True)[COLUMNS] if frames else pd.DataFrame(columns=COLUMNS)


def _insert(conn: sa.Connection, convention: str, rows: pd.DataFrame) -> None:
    if rows.empty:
        return
    with dialect.registered(conn, "_rollups", rows):
        dialect.run(
            conn,
            "insert into agregats (convention, indicateur, territoire, periode, annee, trimestre, valeur, "
            "n_territoires) select $conv, indicateur, territoire, periode, annee, trimestre, valeur, "
            "n_territoires from _rollups",
            {"conv": convention},
        )


def rebuild(conn: sa.Connection, convention: str) -> int:
    """Every rollup of the convention computed again from the values in force; rows written."""
    dialect.run(conn, "delete from agregats where convention = $conv", {"conv": convention})
    rows = _computed(conn, convention)
    _insert(conn, convention, rows)
    dialect.run(conn, "delete from completude where convention = $conv", {"conv": convention})
    _write_counts(conn, convention, _counts(conn, convention, None))
    return len(rows)


def touched_keys(conn: sa.Connection, batch_ids: Iterable[int]) -> pd.DataFrame:
    """The (indicator, territory, period) keys of some batches' values."""
    return dialect.frame(
        conn,
        "select distinct indicateur, territoire, periode from observations where batch_id = any($ids)",
        {"ids": [int(b) for b in batch_ids]},
    )


def refresh(conn: sa.Connection, convention: str, keys: pd.DataFrame) -> None:
    """Compute again the rollups that the values in force of `keys` (indicateur, territoire,
    periode) feed: their (indicator, period) in every area containing their territory, and
    every period of each ratio over one of their indicators."""
    if keys.empty:
        return
    quarters = keys[keys["periode"].astype(str).str.contains("-T", regex=False)][["territoire", "periode"]]
    quarters = quarters.drop_duplicates().reset_index(drop=True)
    if not quarters.empty:
        with dialect.registered(conn, "_counted", quarters):
            dialect.run(
                conn,
                "delete from completude where convention = $conv and exists (select 1 from _counted k "
                "where k.territoire = completude.territoire and k.periode = completude.periode)",
                {"conv": convention},
            )
        _write_counts(conn, convention, _counts(conn, convention, quarters))
    with dialect.registered(conn, "_keys", keys[["indicateur", "territoire", "periode"]].drop_duplicates()):
        areas = {
            row[0]
            for row in dialect.rows(
                conn,
                f"with {_AREA_PARTS} select distinct area from area_parts "
                "where part in (select territoire from _keys)",
                {"conv": convention},
            )
        }
        pairs = dialect.frame(
            conn,
            "select distinct k.indicateur, k.periode from _keys k join indicateurs i "
            "on i.convention = $conv and i.code = k.indicateur and i.agregation_territoire = 'somme'",
            {"conv": convention},
        )
        ratios = [
            row[0]
            for row in dialect.rows(
                conn,
                "select code from indicateurs where convention = $conv and agregation_territoire = 'ratio' "
                "and (numerateur in (select indicateur from _keys) or denominateur in (select indicateur from _keys))",
                {"conv": convention},
            )
        ]
    if not areas or (pairs.empty and not ratios):
        return
    components = [r + s for r in ratios for s in (NUM_SUFFIX, DEN_SUFFIX)]
    with dialect.registered(conn, "_pairs", pairs):
        dialect.run(
            conn,
            "delete from agregats where convention = $conv and territoire = any($areas) and ("
            "indicateur = any($components) or exists (select 1 from _pairs k "
            "where k.indicateur = agregats.indicateur and k.periode = agregats.periode))",
            {"conv": convention, "areas": sorted(areas), "components": components},
        )
    _insert(conn, convention, _computed(conn, convention, pairs=pairs, areas=areas, ratios=ratios))


def refresh_area(conn: sa.Connection, convention: str, area: str) -> None:
    """Compute again every rollup of one area (its members changed)."""
    dialect.run(
        conn,
        "delete from agregats where convention = $conv and territoire = $area",
        {"conv": convention, "area": area},
    )
    pairs = dialect.frame(
        conn,
        "select distinct o.indicateur, o.periode from observations_courantes o join indicateurs i "
        "on i.convention = o.convention and i.code = o.indicateur and i.agregation_territoire = 'somme' "
        "where o.convention = $conv",
        {"conv": convention},
    )
    ratios = [
        row[0]
        for row in dialect.rows(
            conn,
            "select code from indicateurs where convention = $conv and agregation_territoire = 'ratio'",
            {"conv": convention},
        )
    ]
    _insert(conn, convention, _computed(conn, convention, pairs=pairs, areas={area}, ratios=ratios))


# -- reads -----------------------------------------------------------------------------------
def area_rows(store: Store, convention: str, area: str, indicators: list[str] | None = None) -> pd.DataFrame:
    """The rollups of one area (optionally of some indicators, ratio components included)."""
    sql = (
        "select indicateur, territoire, periode, annee, trimestre, valeur, n_territoires from agregats "
        "where convention = $conv and territoire = $area"
    )
    params: dict[str, object] = {"conv": convention, "area": area}
    if indicators is not None:
        sql += " and split_part(indicateur, '~', 1) = any($inds)"
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
    return dialect.frame(
        conn,
        "select territoire, periode, recus from completude where convention = $conv order by territoire, periode",
        {"conv": convention},
    )


def fresh_counts(conn: sa.Connection, convention: str) -> pd.DataFrame:
    """Every completeness count computed from scratch, written nowhere (for the consistency test)."""
    rows = _counts(conn, convention, None)
    return rows.sort_values(["territoire", "periode"]).reset_index(drop=True)


def stored_rows(conn: sa.Connection, convention: str) -> pd.DataFrame:
    """Every rollup row kept in the store (for the consistency test)."""
    return dialect.frame(
        conn,
        "select indicateur, territoire, periode, annee, trimestre, valeur, n_territoires from agregats "
        "where convention = $conv order by territoire, indicateur, periode",
        {"conv": convention},
    )


def fresh_rows(conn: sa.Connection, convention: str) -> pd.DataFrame:
    """Every rollup row computed from scratch, written nowhere (for the consistency test)."""
    rows = _computed(conn, convention)
    return rows.sort_values(["territoire", "indicateur", "periode"]).reset_index(drop=True)
