"""The baselines of the benchmark (scripts/benchmark.py): the same figures, by the shortest road.

- `review_sql`: ONE hand-written DuckDB query giving, for one territory and one review cut-off,
  each indicator's value at the cut-off (a stock its latest value since 2026, a flux the sum
  of the cut-off year's quarters, annualised to compare), its reference (last yearly value
  before 2026) and the previous year's value, with the rules of `indicators/aggregation.py`:
  over an area the parts add up (`somme`), a value observed at the area wins for its period,
  a ratio is recomputed from each commune's paired numerator and denominator. Plus the
  completeness of the review's quarters. It reads `observations_courantes` like the product.
- `series_sql`, `communes_at_cutoff_sql`: an ambition page's chart and map of one indicator.
- `export_csv`: the values export written by DuckDB's COPY.
- `minimal_upload`: read (pandas / python-calamine), check as column operations, diff against
  the values in force and insert in one DuckDB transaction: the minimal pipeline an upload
  could be.

Nothing here is used by the application; the benchmark checks that each baseline gives the
same figures as the product before it prints a ratio.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from pathlib import Path

import duckdb
import pandas as pd

EPCI = "200072460"
FIRST_YEAR = 2026

_PARTS = """
parts as (
    select code from territoires
    where convention = $conv and type in ('commune', 'structure')
      and (select type from territoires where convention = $conv and code = $area) = 'epci'
    union
    select commune from appartenances where convention = $conv and groupe = $area),
"""

REVIEW_SQL = (
    """
with
ind as (
    select code, agregation_temps = 'flux' as flux, agregation_territoire as espace,
           numerateur, denominateur, coalesce(facteur, 1) as facteur
    from indicateurs where convention = $conv and ($codes is null or list_contains($codes, code))),
"""
    + _PARTS
    + """
cur as (
    select o.indicateur, o.territoire, o.periode, o.annee, o.trimestre, o.valeur
    from observations_courantes o
    where o.convention = $conv and o.valeur is not null and o.indicateur in (select code from ind)
      -- a baromètre result is withheld below its minimum sample size (or without one)
      and not (list_contains($questions, o.indicateur) and coalesce((
          select e.valeur from observations_courantes e
          where e.convention = o.convention and e.indicateur = o.indicateur || '_EFFECTIF'
            and e.territoire = o.territoire and e.periode = o.periode), -1) < $minimum)),
direct as (select indicateur, periode, annee, trimestre, valeur from cur where territoire = $area),
summed as (
    select c.indicateur, c.periode, any_value(c.annee) as annee, any_value(c.trimestre) as trimestre,
           sum(c.valeur) as valeur
    from cur c join parts p on p.code = c.territoire join ind i on i.code = c.indicateur and i.espace = 'somme'
    group by c.indicateur, c.periode),
den_year as (
    select r.code as ratio, c.territoire, c.annee,
           arg_max(c.valeur, c.annee * 10 + coalesce(c.trimestre, 5)) as den
    from ind r join cur c on c.indicateur = r.denominateur join parts p on p.code = c.territoire
    where r.espace = 'ratio' group by all),
num_rows as (
    select r.code as ratio, r.numerateur, c.territoire, c.periode, c.annee, c.trimestre, c.valeur
    from ind r join cur c on c.indicateur = r.numerateur join parts p on p.code = c.territoire
    where r.espace = 'ratio'),
paired as (
    select n.ratio, n.periode, any_value(n.annee) as annee, any_value(n.trimestre) as trimestre,
           sum(n.valeur) as num, sum(d.den) as den
    from num_rows n asof join den_year d
      on d.ratio = n.ratio and d.territoire = n.territoire and n.annee >= d.annee
    where d.den <> 0
      and not exists (select 1 from direct x where x.indicateur = n.numerateur and x.periode = n.periode)
    group by n.ratio, n.periode),
periods as (
    select indicateur, periode, annee, trimestre, valeur from direct
    union all
    select s.* from summed s
    where not exists (select 1 from direct d where d.indicateur = s.indicateur and d.periode = s.periode)
    union all select ratio || '~num', periode, annee, trimestre, num from paired
    union all select ratio || '~den', periode, annee, trimestre, den from paired),
flux_codes as (
    select code from ind where flux
    union all select r.code || '~num' from ind r join ind n on n.code = r.numerateur where n.flux),
p as (
    select periods.*, annee * 10 + coalesce(trimestre, 5) as k,
           indicateur in (select code from flux_codes) as flux
    from periods),
stock_cut as (
    select indicateur, arg_max(valeur, k) as valeur, arg_max(periode, k) as periode, 1 as n
    from p where not flux and k <= $cut and annee >= $first group by indicateur),
flux_q as (
    select indicateur, sum(valeur) as valeur, arg_max(periode, k) as periode, count(distinct periode) as n
    from p where flux and k <= $cut and annee = $cut_year and annee >= $first and trimestre is not null
    group by indicateur),
flux_y as (
    select indicateur, arg_max(valeur, k) as valeur, arg_max(periode, k) as periode, 4 as n
    from p where flux and k <= $cut and annee = $cut_year and annee >= $first and trimestre is null
    group by indicateur),
cut0 as (
    select * from stock_cut union all select * from flux_y
    union all select q.* from flux_q q where q.indicateur not in (select indicateur from flux_y)),
cut as (
    select c.*, case when c.indicateur in (select code from flux_codes) and c.n between 1 and 3
                     then c.valeur * 4 / c.n else c.valeur end as comparable
    from cut0 c),
latest as (select indicateur, arg_max(valeur, k) as valeur from p where k <= $cut group by indicateur),
choice as (
    select r.code, r.facteur,
           case when cn.indicateur is not null and ld.indicateur is not null
                then r.code || '~num' else r.numerateur end as numc,
           case when cn.indicateur is not null and ld.indicateur is not null
                then r.code || '~den' else r.denominateur end as denc
    from ind r
    left join cut cn on cn.indicateur = r.code || '~num'
    left join latest ld on ld.indicateur = r.code || '~den'
    where r.espace = 'ratio'),
ratio_cut as (
    select c.code as indicateur, c.facteur * n.valeur / l.valeur as valeur, n.periode, n.n,
           c.facteur * n.comparable / l.valeur as comparable
    from choice c join cut n on n.indicateur = c.numc join latest l on l.indicateur = c.denc
    where l.valeur <> 0),
at_cut as (
    select indicateur, valeur, periode, n, comparable from cut where indicateur not like '%~%'
    union all select * from ratio_cut),
annual as (select indicateur, annee, arg_max(valeur, k) as valeur from p where trimestre is null group by all),
from_q as (
    select indicateur, annee, case when bool_or(flux) then sum(valeur) else arg_max(valeur, k) end as valeur
    from p where trimestre is not null group by all),
yearly0 as (
    select * from annual
    union all select q.* from from_q q
    where not exists (select 1 from annual a where a.indicateur = q.indicateur and a.annee = q.annee)),
ypaired as (
    select r.code as indicateur, n.annee, r.facteur * n.valeur / d.valeur as valeur
    from ind r join yearly0 n on n.indicateur = r.code || '~num'
    join yearly0 d on d.indicateur = r.code || '~den' and d.annee = n.annee
    where r.espace = 'ratio' and d.valeur <> 0),
ynum as (
    select r.code as ratio, r.facteur, n.annee, n.valeur
    from ind r join yearly0 n on n.indicateur = r.numerateur
    where r.espace = 'ratio' and n.annee not in (select annee from ypaired y where y.indicateur = r.code)),
yden as (
    select r.code as ratio, d.annee, d.valeur
    from ind r join yearly0 d on d.indicateur = r.denominateur where r.espace = 'ratio'),
yasof as (
    select n.ratio as indicateur, n.annee, n.facteur * n.valeur / d.valeur as valeur
    from ynum n asof join yden d on d.ratio = n.ratio and n.annee >= d.annee
    where d.valeur <> 0),
yearly as (
    select * from yearly0 where indicateur not like '%~%'
    union all select * from ypaired union all select * from yasof),
reference as (
    select indicateur, arg_max(valeur, annee) as reference
    from yearly where annee < $first group by indicateur),
previous as (select indicateur, valeur as annee_precedente from yearly where annee = $cut_year - 1)
select i.code as indicateur, a.valeur, a.periode as periode_valeur, a.comparable,
       r.reference, pr.annee_precedente
from ind i
left join at_cut a on a.indicateur = i.code
left join reference r on r.indicateur = i.code
left join previous pr on pr.indicateur = i.code
order by i.code
"""
)

COMPLETENESS_SQL = """
with
expected as (
    select code, niveaux from indicateurs
    where convention = $conv and periodicite = 'trimestrielle' and agregation_territoire <> 'ratio'
      and not list_contains($derived, code)),
scope as (
    select t.code, case when t.code = $epci then 'epci' else t.type end as niveau
    from territoires t where t.convention = $conv and t.type in ('epci', 'commune', 'structure')),
pairs as (
    select s.code as territoire, e.code as indicateur from scope s join expected e
      on (s.niveau = 'epci' and e.niveaux like '%epci%' and e.niveaux not like '%commune%'
          and e.niveaux not like '%structure%')
      or (s.niveau <> 'epci' and list_contains(string_split(e.niveaux, '|'), s.niveau))),
attendus as (select territoire, count(*) as n from pairs group by territoire),
recus as (
    select o.territoire, o.periode, count(distinct o.indicateur) as n
    from observations_courantes o join pairs p on p.territoire = o.territoire and p.indicateur = o.indicateur
    where o.convention = $conv and list_contains($quarters, o.periode)
      and (o.valeur is not null or o.valeur_texte is not null)
    group by all)
select
    100.0 * (select coalesce(sum(n), 0) from recus) / ((select sum(n) from attendus) * len($quarters)) as taux,
    (select count(*) from attendus a
      where not exists (select 1 from recus r where r.territoire = a.territoire and r.periode = $cutoff))
      as sans_envoi
"""

SERIES_SQL = (
    "with "
    + _PARTS.strip().rstrip(",")
    + """,
cur as (
    select territoire, periode, annee, trimestre, valeur from observations_courantes
    where convention = $conv and indicateur = $code and valeur is not null),
direct as (select periode, annee, trimestre, valeur from cur where territoire = $area),
summed as (
    select periode, any_value(annee) as annee, any_value(trimestre) as trimestre, sum(valeur) as valeur
    from cur join parts on parts.code = cur.territoire
    where (select agregation_territoire from indicateurs where convention = $conv and code = $code) = 'somme'
    group by periode)
select periode, valeur from (
    select * from direct union all select * from summed where periode not in (select periode from direct))
order by annee, coalesce(trimestre, 5)
"""
)

COMMUNES_AT_CUTOFF_SQL = """
with rows as (
    select o.territoire, o.annee, o.trimestre, o.valeur, o.annee * 10 + coalesce(o.trimestre, 5) as k
    from observations_courantes o join territoires t
      on t.convention = o.convention and t.code = o.territoire and t.type = 'commune'
    where o.convention = $conv and o.indicateur = $code and o.valeur is not null
      and o.annee >= $first and o.annee * 10 + coalesce(o.trimestre, 5) <= $cut)
select t.code as territoire,
       case when $flux then (select sum(valeur) from rows r where r.territoire = t.code and r.annee = $cut_year
                                                                  and r.trimestre is not null)
            else (select arg_max(valeur, k) from rows r where r.territoire = t.code) end as valeur
from territoires t where t.convention = $conv and t.type = 'commune'
order by t.code
"""

EXPORT_SQL = """
copy (
    select o.indicateur, i.libelle, o.territoire, t.nom as nom_territoire, o.periode,
           replace(cast(o.valeur as varchar), '.', ',') as valeur,
           o.valeur_texte, i.unite, coalesce(o.source_section, 'Dépôt de ' || o.batch_author) as source,
           o.batch_id as lot, case when o.is_demo then 'oui' else 'non' end as demonstration
    from observations_courantes o
    join indicateurs i on i.convention = o.convention and i.code = o.indicateur
    left join territoires t on t.convention = o.convention and t.code = o.territoire
    where o.convention = '{conv}'
    order by o.indicateur, o.territoire, o.annee, o.trimestre nulls last
) to '{path}' (header, delimiter ';')
"""


def connect(path: Path, *, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=read_only)


def cutoff_params(cutoff_year: int, cutoff_quarter: int) -> dict[str, object]:
    return {"cut": cutoff_year * 10 + cutoff_quarter, "cut_year": cutoff_year, "first": FIRST_YEAR}


def review_sql(
    con: duckdb.DuckDBPyConnection,
    convention: str,
    area: str,
    cutoff: tuple[int, int],
    codes: list[str] | None = None,
    surveys: tuple[list[str], int] = ([], 0),
) -> pd.DataFrame:
    """Each indicator's value at the cut-off, reference and previous year for `area`.

    `surveys`: the baromètre question codes and the minimum sample size of a published result.
    """
    questions, minimum = surveys
    params = {
        "conv": convention,
        "area": area,
        "codes": codes,
        "questions": questions,
        "minimum": minimum,
        **cutoff_params(*cutoff),
    }
    return con.execute(REVIEW_SQL, params).df()


def completeness_sql(
    con: duckdb.DuckDBPyConnection, convention: str, cutoff: tuple[int, int], derived: list[str]
) -> tuple[float, int]:
    """The completeness rate of the review's quarters and the territories silent at the cut-off."""
    year, quarter = cutoff
    quarters = [
        f"{y}-T{q}"
        for y in range(FIRST_YEAR, year + 1)
        for q in range(1, 5)
        if y * 10 + q <= year * 10 + quarter
    ]
    row = con.execute(
        COMPLETENESS_SQL,
        {
            "conv": convention,
            "epci": EPCI,
            "derived": derived,
            "quarters": quarters,
            "cutoff": f"{year}-T{quarter}",
        },
    ).fetchone()
    return float(row[0]), int(row[1])


def series_sql(con: duckdb.DuckDBPyConnection, convention: str, code: str, area: str = EPCI) -> pd.DataFrame:
    """The period series of one additive indicator for `area` (observed wins over the sum)."""
    return con.execute(SERIES_SQL, {"conv": convention, "code": code, "area": area}).df()


def communes_at_cutoff_sql(
    con: duckdb.DuckDBPyConnection, convention: str, code: str, cutoff: tuple[int, int], flux: bool
) -> pd.DataFrame:
    """Every commune's value of one additive indicator at the cut-off (None when not given)."""
    params = {"conv": convention, "code": code, "flux": flux, **cutoff_params(*cutoff)}
    return con.execute(COMMUNES_AT_CUTOFF_SQL, params).df()


def values_page_sql(
    con: duckdb.DuckDBPyConnection, convention: str, territory: str | None, limit: int
) -> tuple[pd.DataFrame, int]:
    """The first `limit` values in force (of one territory) and how many there are."""
    where = "convention = $conv" + (" and territoire = $ter" if territory else "")
    params = {"conv": convention, **({"ter": territory} if territory else {})}
    rows = con.execute(
        f"select indicateur, territoire, periode, valeur, valeur_texte, batch_id from observations_courantes "
        f"where {where} order by indicateur, territoire, annee, trimestre nulls last limit {int(limit)}",
        params,
    ).df()
    count = con.execute(f"select count(*) from observations_courantes where {where}", params).fetchone()[0]
    return rows, int(count)


def export_csv(con: duckdb.DuckDBPyConnection, convention: str, target: Path) -> bytes:
    """The values in force with label, territory name, unit and source, as a `;` CSV (UTF-8, BOM)."""
    con.execute(EXPORT_SQL.format(conv=convention.replace("'", "''"), path=str(target).replace("'", "''")))
    return b"\xef\xbb\xbf" + target.read_bytes()


# -- the minimal upload pipeline ---------------------------------------------------------------
_PERIOD = re.compile(r"^(\d{4})(?:-?[TQ]([1-4]))?$")
_YES, _NO = {"oui", "1"}, {"non", "0"}


def _read(data: bytes, filename: str) -> pd.DataFrame:
    if filename.lower().endswith(".xlsx"):
        try:
            from python_calamine import CalamineWorkbook

            rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
        except ImportError:  # python-calamine not installed: openpyxl, read-only
            from openpyxl import load_workbook

            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            rows = [
                ["" if c is None else c for c in row]
                for row in book.worksheets[0].iter_rows(values_only=True)
            ]
        header = [str(c).strip().lower() for c in rows[0]]
        frame = pd.DataFrame(rows[1:], columns=header)
        for col in frame.columns:
            numbers = frame[col].map(lambda v: isinstance(v, float) and v.is_integer())
            frame[col] = frame[col].where(
                ~numbers, frame[col].map(lambda v: str(int(v)) if isinstance(v, float) else v)
            )
        return frame.astype(str).replace({"nan": "", "None": ""})
    return pd.read_csv(io.BytesIO(data), sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")


def minimal_upload(path: Path, data: bytes, filename: str, convention: str, today: dt.date) -> dict[str, int]:
    """Read, check, diff and write an upload with column operations; return what it counted.

    Checks: known territory and indicator, not a ratio, level collected, period well formed,
    within the convention and started, periodicity, number (French or English decimals),
    integer, bounds, jalon, formulas neutralised, duplicates (same value kept once, two
    values refused), « valeur suspecte » warnings against the previous period.
    """
    con = connect(path, read_only=False)
    try:
        frame = _read(data, filename)
        frame = frame.reindex(
            columns=["territoire", "indicateur", "periode", "valeur", "commentaire"], fill_value=""
        )
        cat = con.execute(
            "select code, niveaux, periodicite, type, unite, agregation_territoire, min, max, entier "
            "from indicateurs where convention = $c",
            {"c": convention},
        ).df()
        kinds = dict(
            con.execute(
                "select code, type from territoires where convention = $c", {"c": convention}
            ).fetchall()
        )
        ter = frame["territoire"].str.strip()
        code = frame["indicateur"].str.strip().str.upper()
        raw = frame["valeur"].astype(str).str.strip()
        period = frame["periode"].str.strip().str.upper().str.extract(_PERIOD)
        year = pd.to_numeric(period[0], errors="coerce")
        quarter = pd.to_numeric(period[1], errors="coerce")
        info = cat.set_index("code").reindex(code)
        info.index = frame.index
        level = ter.map(kinds)
        pairs = {
            (lv, c) for c, levels in zip(cat["code"], cat["niveaux"], strict=True) for lv in levels.split("|")
        }
        start_month = (quarter.fillna(1) - 1) * 3 + 1
        errors = (
            level.isna()
            | info["type"].isna()
            | (info["agregation_territoire"] == "ratio")
            | ~pd.Series([(lv, c) in pairs for lv, c in zip(level, code, strict=True)], index=frame.index)
            | year.isna()
            | (year < FIRST_YEAR)
            | (year > 2030)
            | (year * 100 + start_month > today.year * 100 + today.month)
            | ((info["periodicite"] == "trimestrielle") & quarter.isna())
            | ((info["periodicite"] != "trimestrielle") & quarter.notna())
        )
        filled = raw != ""
        numeric = info["type"].isin(["quantitatif", "barometre"])
        text = raw.str.replace(r"[\s\u202f\u00a0€%]", "", regex=True)
        text = text.where(
            ~text.str.contains(","), text.str.replace(".", "", regex=False).str.replace(",", ".")
        )
        number = pd.to_numeric(text.where(numeric & filled), errors="coerce")
        errors |= numeric & filled & number.isna()
        errors |= numeric & filled & info["entier"].fillna(False).astype(bool) & (number % 1 != 0)
        errors |= numeric & filled & info["min"].notna() & (number < info["min"])
        errors |= numeric & filled & info["max"].notna() & (number > info["max"])
        is_jalon = info["type"] == "jalon"
        lowered = raw.str.lower()
        as_date = pd.to_datetime(raw.where(is_jalon & filled), format="%d/%m/%Y", errors="coerce")
        errors |= is_jalon & filled & ~lowered.isin(_YES | _NO) & as_date.isna()
        valeur = number.where(numeric)
        valeur = valeur.where(~is_jalon, lowered.isin(_NO).map({True: 0.0, False: 1.0}))
        texte = pd.Series(None, index=frame.index, dtype=object)
        texte = texte.where(
            ~is_jalon, lowered.where(lowered.isin(_YES | _NO), as_date.dt.strftime("%d/%m/%Y"))
        )
        is_text = info["type"] == "qualitatif"
        texte = texte.where(~is_text, raw.where(~raw.str[:1].isin(["=", "+", "-", "@"]), "'" + raw))
        rows = pd.DataFrame(
            {
                "indicateur": code,
                "territoire": ter,
                "periode": year.astype("Int64").astype(str)
                + quarter.map(lambda q: "" if pd.isna(q) else f"-T{int(q)}"),
                "annee": year,
                "trimestre": quarter.astype("Int64"),
                "valeur": valeur,
                "valeur_texte": texte,
                "commentaire": frame["commentaire"].where(frame["commentaire"].str.strip() != "", None),
            }
        )
        if errors.any():
            return {"errors": int(errors.sum())}
        rows = rows[filled].drop_duplicates(["indicateur", "territoire", "periode", "valeur", "valeur_texte"])
        if rows.duplicated(["indicateur", "territoire", "periode"]).any():
            return {"errors": int(rows.duplicated(["indicateur", "territoire", "periode"]).sum())}
        current = con.execute(
            "select indicateur, territoire, periode, valeur as ancienne_valeur, valeur_texte as ancien_texte, "
            "commentaire as ancien_commentaire from observations_courantes "
            "where convention = $c and list_contains($i, indicateur)",
            {"c": convention, "i": sorted(set(rows["indicateur"]))},
        ).df()
        previous = pd.Series(  # the previous period: last year, or the quarter before
            [
                str(int(y) - 1)
                if pd.isna(q)
                else (f"{int(y)}-T{int(q) - 1}" if q > 1 else f"{int(y) - 1}-T4")
                for y, q in zip(rows["annee"], rows["trimestre"], strict=True)
            ],
            index=rows.index,
        )
        before = current.rename(columns={"periode": "precedente", "ancienne_valeur": "valeur_precedente"})[
            ["indicateur", "territoire", "precedente", "valeur_precedente"]
        ]
        checked = rows.assign(precedente=previous).merge(
            before, on=["indicateur", "territoire", "precedente"], how="left"
        )
        warnings = int(
            (
                (checked["valeur"] > 3 * checked["valeur_precedente"]) & (checked["valeur_precedente"] > 0)
            ).sum()
        )
        diff = rows.merge(current, on=["indicateur", "territoire", "periode"], how="left", indicator=True)
        exists = diff["_merge"] == "both"
        new_v, old_v = diff["valeur"].astype("float64"), diff["ancienne_valeur"].astype("float64")
        same = (
            (new_v.isna() & old_v.isna()) | ((new_v - old_v).abs() <= 1e-9 * old_v.abs().clip(lower=1))
        ) & (
            (diff["valeur_texte"].isna() & diff["ancien_texte"].isna())
            | (diff["valeur_texte"] == diff["ancien_texte"])
        )
        same &= diff["commentaire"].isna() | (diff["commentaire"] == diff["ancien_commentaire"])
        counts = {
            "new": int((~exists).sum()),
            "changed": int((exists & ~same).sum()),
            "unchanged": int((exists & same).sum()),
            "warnings": warnings,
        }
        to_write = diff[~(exists & same)][
            [
                "indicateur",
                "territoire",
                "periode",
                "annee",
                "trimestre",
                "valeur",
                "valeur_texte",
                "commentaire",
            ]
        ]
        if to_write.empty:
            return counts
        sha = hashlib.sha256(data).hexdigest()
        con.begin()
        batch = con.execute(
            "insert into batches (convention, kind, author, created_at, filename, sha256, n_rows, n_new, "
            "n_changed, n_unchanged, n_skipped, status, is_demo) values ($c, 'depot', 'mesure', now(), $f, $s, "
            "$n, $new, $changed, $unchanged, 0, 'valide', false) returning id",
            {
                "c": convention,
                "f": filename,
                "s": sha,
                "n": len(frame),
                **{k: counts[k] for k in ("new", "changed", "unchanged")},
            },
        ).fetchone()[0]
        con.register("_rows", to_write)
        con.execute(
            "insert into observations (convention, batch_id, indicateur, territoire, periode, annee, trimestre, "
            "valeur, valeur_texte, commentaire, is_demo, created_at) select $c, $b, indicateur, territoire, "
            "periode, annee, trimestre, valeur, valeur_texte, commentaire, false, now() from _rows",
            {"c": convention, "b": batch},
        )
        con.execute(
            "insert into audit (convention, happened_at, actor, action, objet, apres) "
            "values ($c, now(), 'mesure', 'depot', $o, $a)",
            {"c": convention, "o": f"dépôt {batch}", "a": str(counts)},
        )
        con.commit()
        return counts
    finally:
        con.close()
