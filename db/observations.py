"""Append-only observations: write a batch, read current values and history, revert.

A value is never updated in place: a new batch adds rows; the current value of
(indicator, territory, period) is the latest row whose batch is `valide`. Reverting a
batch marks it `annule`, so earlier values become current again, and leaves a trace.
"""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import sqlalchemy as sa

from db import dialect, rollups, schema
from db.channel import current_channel
from db.store import Store, StoreError

OBSERVATION_COLUMNS = [
    "indicateur",
    "territoire",
    "periode",
    "annee",
    "trimestre",
    "valeur",
    "valeur_texte",
    "commentaire",
    "source_section",
    "conflit",
    "retenue",
    "arbitrage",
]


class BatchError(StoreError):
    """A batch that cannot be written or reverted (`reason`: `absent`, `not-valid`, `reference`)."""

    def __init__(self, batch_id: int, reason: str) -> None:
        super().__init__(f"batch {batch_id}: {reason}")
        self.batch_id = batch_id
        self.reason = reason


def write_batch(
    conn: sa.Connection,
    convention: str,
    rows: pd.DataFrame,
    *,
    kind: str,
    author: str,
    filename: str | None = None,
    sha256: str | None = None,
    is_demo: bool = False,
    counts: dict[str, int] | None = None,
    note: str | None = None,
    refresh_rollups: bool = True,
) -> int:
    """Insert one batch and its rows inside the caller's transaction; return the batch id.

    `rows` has the columns of OBSERVATION_COLUMNS (missing ones are left empty). The rollups
    its values feed are computed again in the same transaction (`refresh_rollups`; a caller
    that rebuilds them all afterwards passes False).
    """
    counts = counts or {}
    now = datetime.now()
    batch_id = conn.execute(
        schema.batches.insert()
        .values(
            convention=convention,
            kind=kind,
            author=author,
            created_at=now,
            filename=filename,
            sha256=sha256,
            n_rows=counts.get("rows", len(rows)),
            n_new=counts.get("new", 0),
            n_changed=counts.get("changed", 0),
            n_unchanged=counts.get("unchanged", 0),
            n_skipped=counts.get("skipped", 0),
            status="valide",
            is_demo=is_demo,
            note=note,
            **_channel_columns(),
        )
        .returning(schema.batches.c.id)
    ).scalar_one()
    frame = pd.DataFrame({c: rows[c] if c in rows else None for c in OBSERVATION_COLUMNS}, index=rows.index)
    frame = frame.astype({"valeur": "float64", "annee": "int64"})
    frame["trimestre"] = frame["trimestre"].astype("Int64")
    for col in ("valeur_texte", "commentaire", "source_section", "conflit", "retenue", "arbitrage"):
        frame[col] = frame[col].astype("object").where(frame[col].notna(), None)
    frame.insert(0, "batch_id", batch_id)
    frame.insert(0, "convention", convention)
    frame["is_demo"] = is_demo
    frame["created_at"] = now
    Store.insert_df(conn, "observations", frame.reset_index(drop=True))
    if refresh_rollups:
        rollups.refresh(conn, convention, frame[["indicateur", "territoire", "periode"]])
    return int(batch_id)


def _channel_columns() -> dict[str, str | None]:
    channel = current_channel()
    return {
        "canal": channel.name if channel else None,
        "utilisateur_systeme": channel.system_user if channel else None,
    }


def record_audit(
    conn: sa.Connection,
    convention: str,
    actor: str,
    action: str,
    objet: str,
    avant: object = None,
    apres: object = None,
) -> None:
    """Append one line to the audit log (before → after as JSON) inside the caller's transaction.

    The channel (page or command line, and the system user) comes from `db.channel`.
    """

    def dump(value: object) -> str | None:
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)

    conn.execute(
        schema.audit.insert().values(
            convention=convention,
            happened_at=datetime.now(),
            actor=actor,
            action=action,
            objet=objet,
            avant=dump(avant),
            apres=dump(apres),
            **_channel_columns(),
        )
    )


def _in(values: list[str]) -> str:
    """A literal SQL list: DuckDB then filters the view of values in force before its window."""
    return "(" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in sorted(set(values))) + ")"


def _key_filters(
    indicators: list[str] | None,
    territories: list[str] | None,
    years: tuple[int, int] | None,
    prefix: str = "",
) -> str:
    """Conditions on the key of a value (indicator, territory, period's year), to follow
    `convention = $conv`: literal lists, so that DuckDB filters before the view's window; an
    empty list selects nothing."""
    sql = ""
    if indicators is not None:
        sql += f" and {prefix}indicateur in {_in(list(indicators))}" if indicators else " and false"
    if territories is not None:
        sql += f" and {prefix}territoire in {_in(list(territories))}" if territories else " and false"
    if years is not None:
        sql += f" and {prefix}annee between {int(years[0])} and {int(years[1])}"
    return sql


def current_values(
    store: Store,
    convention: str,
    *,
    include_demo: bool = True,
    indicators: list[str] | None = None,
    territories: list[str] | None = None,
    years: tuple[int, int] | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Current value of every (indicator, territory, period), with its batch and source
    (optionally of some indicators, territories, years: a slice is read alone; an empty list
    selects nothing; `limit`: the first rows only, in indicator, territory, period order)."""
    sql = (
        "select indicateur, territoire, periode, annee, trimestre, valeur, valeur_texte, "
        "commentaire, source_section, conflit, arbitrage, is_demo, batch_id, batch_kind, batch_author, "
        "batch_at, batch_filename from observations_courantes where convention = $conv"
        + ("" if include_demo else " and not is_demo")
        + _key_filters(indicators, territories, years)
        + " order by indicateur, territoire, annee, trimestre nulls last"
    )
    if limit is not None:
        sql += f" limit {int(limit)}"
    return store.query_df(sql, {"conv": convention})


def count_current(
    store: Store,
    convention: str,
    *,
    include_demo: bool = True,
    indicators: list[str] | None = None,
    territories: list[str] | None = None,
    years: tuple[int, int] | None = None,
) -> dict[str, int]:
    """Per indicator, how many values in force the same slice as `current_values` holds.

    The value in force of a key is its latest retained observation of a valid batch (the rule
    of `observations_courantes`), found by grouping rather than by the view's window over every
    column: a count over millions of values takes a fraction of the time.
    """
    sql = (
        "select o.indicateur, count(*) as n from observations o where o.id in ("
        "select max(o.id) from observations o join batches b on b.id = o.batch_id "
        "where o.convention = $conv and b.status = 'valide' and o.retenue is not false"
        + _key_filters(indicators, territories, years, "o.")
        + " group by o.indicateur, o.territoire, o.periode)"
        + ("" if include_demo else " and not o.is_demo")
        + " group by o.indicateur"
    )
    found = store.query_df(sql, {"conv": convention})
    return {str(code): int(n) for code, n in zip(found["indicateur"], found["n"], strict=True)}


def stored_years(
    store: Store, convention: str, *, include_demo: bool = True
) -> tuple[int | None, int | None]:
    """First and last year of the values of valid batches (None, None when there is none): the
    bounds of a year filter, read without working out which values are in force."""
    found = store.query_df(
        "select min(o.annee) as first, max(o.annee) as last from observations o join batches b "
        "on b.id = o.batch_id where o.convention = $conv and b.status = 'valide' and o.retenue is not false"
        + ("" if include_demo else " and not o.is_demo"),
        {"conv": convention},
    )
    first, last = found["first"].iloc[0], found["last"].iloc[0]
    return (None if pd.isna(first) else int(first), None if pd.isna(last) else int(last))


def in_force_where(condition: str) -> str:
    """The values in force (columns of `observations` plus `batch_kind`) among the observations
    meeting `condition` (SQL over `o`, the observation, and `b`, its batch; `$conv` bound).

    The rule of the view `observations_courantes` (db/migrations.py): the latest retained
    observation of a valid batch for its (indicator, territory, period). Asked through the view,
    a filter on a column that is not part of that key is applied after its window over every
    value; here only the rows meeting `condition` are checked for a later one.
    """
    return (
        "(select o.*, b.kind as batch_kind from observations o join batches b on b.id = o.batch_id "
        f"where o.convention = $conv and b.status = 'valide' and o.retenue is not false and ({condition}) "
        "and not exists (select 1 from observations o2 join batches b2 on b2.id = o2.batch_id "
        "where o2.convention = o.convention and o2.indicateur = o.indicateur and o2.territoire = o.territoire "
        "and o2.periode = o.periode and o2.id > o.id and b2.status = 'valide' and o2.retenue is not false)) "
        "as in_force"
    )


def source_pairs(store: Store, convention: str) -> tuple[pd.DataFrame, list[str]]:
    """Per indicator, its first two distinct source sections in the order of `current_values`
    (indicateur, source_section), and the indicators some territory uploaded (`depot`, `saisie`)."""
    pairs = store.query_df(
        "with ranked as (select indicateur, source_section, row_number() over (partition by indicateur "
        "order by territoire, annee, trimestre nulls last) as k from "
        + in_force_where("o.source_section is not null")
        + "), "
        "firsts as (select indicateur, source_section, min(k) as k from ranked group by indicateur, source_section) "
        "select indicateur, source_section from (select indicateur, source_section, k, row_number() over "
        "(partition by indicateur order by k) as n from firsts) as numbered where n <= 2 order by indicateur, k",
        {"conv": convention},
    )
    return pairs, deposited_indicators(store, convention)


def deposited_indicators(store: Store, convention: str) -> list[str]:
    """The indicators of which some value in force was uploaded (`depot`, `saisie`).

    Deposits are most of the values: instead of checking each, the latest deposit of each
    indicator is checked first (in force: the indicator is deposited); only the indicators
    whose latest deposit was superseded are checked value by value.
    """
    kinds = "b.kind in ('depot', 'saisie')"
    latest = store.query_df(
        "with last as (select o.indicateur, max(o.id) as id from observations o join batches b "
        f"on b.id = o.batch_id where o.convention = $conv and {kinds} and b.status = 'valide' "
        "and o.retenue is not false group by o.indicateur), "
        "rows as (select o.id, o.indicateur, o.territoire, o.periode from observations o join last l on l.id = o.id) "
        "select r.indicateur, not exists (select 1 from observations o2 join batches b2 on b2.id = o2.batch_id "
        "where o2.convention = $conv and o2.indicateur = r.indicateur and o2.territoire = r.territoire "
        "and o2.periode = r.periode and o2.id > r.id and b2.status = 'valide' and o2.retenue is not false) "
        "as en_vigueur from rows r",
        {"conv": convention},
    )
    found = set(latest.loc[latest["en_vigueur"].astype(bool), "indicateur"])
    unsure = sorted(set(latest["indicateur"]) - found)
    if unsure:
        rows = in_force_where(f"{kinds} and o.indicateur in {_in(unsure)}")
        found |= set(
            store.query_df(f"select distinct indicateur from {rows}", {"conv": convention})["indicateur"]
        )
    return sorted(found)


def any_demo_in_force(store: Store, convention: str) -> bool:
    """True when some value in force is a demonstration value."""
    rows = in_force_where("o.is_demo")
    return bool(
        store.query_df(f"select exists (select 1 from {rows}) as oui", {"conv": convention})["oui"].iloc[0]
    )


def latest_quarter(store: Store, convention: str, first_year: int, until_key: int) -> int | None:
    """The latest quarter (year × 10 + quarter) from `first_year`, not after `until_key`, with a
    value (a number or a text); None when there is none."""
    rows = in_force_where(
        f"o.trimestre is not null and o.annee >= {int(first_year)} "
        f"and o.annee * 10 + o.trimestre <= {int(until_key)} and (o.valeur is not null or o.valeur_texte is not null)"
    )
    found = store.query_df(f"select max(annee * 10 + trimestre) as k from {rows}", {"conv": convention})[
        "k"
    ].iloc[0]
    return None if pd.isna(found) else int(found)


CURRENT_FOR_SQL = (
    "select indicateur, territoire, periode, valeur, valeur_texte, commentaire, batch_id "
    "from observations_courantes where convention = $conv and indicateur = any($inds)"
)
CURRENT_FOR_COLUMNS = [
    "indicateur",
    "territoire",
    "periode",
    "valeur",
    "valeur_texte",
    "commentaire",
    "batch_id",
]


def _current_where(
    sql: str, convention: str, indicators: list[str], territories: list[str] | None
) -> tuple[str, dict[str, object]]:
    params: dict[str, object] = {"conv": convention, "inds": list(indicators)}
    if territories is not None:
        sql += " and territoire = any($ters)"
        params["ters"] = list(territories)
    return sql, params


def current_for(
    store: Store | None,
    convention: str,
    indicators: list[str],
    conn: sa.Connection | None = None,
    territories: list[str] | None = None,
) -> pd.DataFrame:
    """Current values (and their batch) of the given indicators (of the given territories
    only, when `territories` is given).

    Inside a write transaction, pass its connection as `conn` (the store is not used).
    """
    if not indicators or (territories is not None and not territories):
        return pd.DataFrame(columns=CURRENT_FOR_COLUMNS)
    sql, params = _current_where(CURRENT_FOR_SQL, convention, indicators, territories)
    if conn is not None:
        return dialect.frame(conn, sql, params)
    return store.query_df(sql, params)


# What changes whenever the values in force of these keys change: a new value in force has
# the largest id yet (the maximum moves); a reverted batch gives back older, smaller ids or
# none (the sum falls, or the count). Exact for the store's writes, computed in the database.
CURRENT_FINGERPRINT_SQL = (
    "select count(*) as n, coalesce(sum(id), 0) as s, coalesce(max(id), 0) as m "
    "from observations_courantes where convention = $conv and indicateur = any($inds)"
)


def current_fingerprint(
    conn: sa.Connection, convention: str, indicators: list[str], territories: list[str] | None = None
) -> tuple[int, int, int]:
    """(rows, sum of ids, last id) of the current values of the given indicators (and
    territories): equal fingerprints mean the same values in force."""
    sql, params = _current_where(CURRENT_FINGERPRINT_SQL, convention, indicators, territories)
    n, total, last = dialect.rows(conn, sql, params)[0]
    return int(n), int(total), int(last)


def current_with_fingerprint(
    store: Store, convention: str, indicators: list[str], territories: list[str] | None = None
) -> tuple[pd.DataFrame, tuple[int, int, int]]:
    """The current values of the given indicators (and territories) and their fingerprint,
    read in one transaction (the same snapshot)."""

    def run() -> tuple[pd.DataFrame, tuple[int, int, int]]:
        with store.engine.connect() as conn:
            if dialect.is_postgresql(conn):
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                frame = current_for(None, convention, indicators, conn=conn, territories=territories)
                return frame, current_fingerprint(conn, convention, indicators, territories)

    return store._retry(run)


def conflicts(store: Store, convention: str) -> pd.DataFrame:
    """Every reference figure on which the convention contradicts itself (both values), with
    which one the figures use (`retenue`) and why (`arbitrage`)."""
    return store.query_df(
        "select o.conflit, o.indicateur, o.territoire, o.periode, o.valeur, o.source_section, "
        "coalesce(o.retenue, false) as retenue, o.arbitrage "
        "from observations o join batches b on b.id = o.batch_id "
        "where o.convention = $conv and b.status = 'valide' and o.conflit is not null "
        "order by o.conflit, o.id",
        {"conv": convention},
    )


def value_history(
    store: Store, convention: str, indicateur: str, territoire: str, periode: str
) -> pd.DataFrame:
    """Every value ever written for one (indicator, territory, period), newest first."""
    return store.query_df(
        "select o.id, o.valeur, o.valeur_texte, o.commentaire, o.source_section, o.created_at, "
        "b.id as batch_id, b.kind, b.author, b.filename, b.sha256, b.status, o.is_demo "
        "from observations o join batches b on b.id = o.batch_id "
        "where o.convention = $conv and o.indicateur = $ind and o.territoire = $ter "
        "and o.periode = $per order by o.id desc",
        {"conv": convention, "ind": indicateur, "ter": territoire, "per": periode},
    )


def list_batches(store: Store, convention: str) -> pd.DataFrame:
    """Every batch, newest first."""
    return store.query_df(
        "select id, kind, author, created_at, filename, sha256, n_rows, n_new, n_changed, "
        "n_unchanged, n_skipped, status, is_demo, reverts_batch, status_changed_at, "
        "status_changed_by, note from batches where convention = $conv order by id desc",
        {"conv": convention},
    )


def revert_batch(store: Store, convention: str, batch_id: int, actor: str, objet: str | None = None) -> None:
    """Mark a batch `annule`: its values stop being current, earlier ones come back."""

    def work(conn: sa.Connection) -> None:
        row = conn.execute(
            sa.select(schema.batches).where(
                schema.batches.c.id == batch_id, schema.batches.c.convention == convention
            )
        ).first()
        if row is None:
            raise BatchError(batch_id, "absent")
        if row.status != "valide":
            raise BatchError(batch_id, "not-valid")
        if row.kind == "reference":
            raise BatchError(batch_id, "reference")
        conn.execute(
            schema.batches.update()
            .where(schema.batches.c.id == batch_id)
            .values(status="annule", status_changed_at=datetime.now(), status_changed_by=actor)
        )
        rollups.refresh(conn, convention, rollups.touched_keys(conn, [batch_id]))
        record_audit(
            conn,
            convention,
            actor,
            "annulation_depot",
            objet or f"lot {batch_id}",
            {"status": "valide"},
            {"status": "annule"},
        )

    store.write(work)


def write_demo(
    store: Store,
    convention: str,
    rows: pd.DataFrame,
    comments: pd.DataFrame,
    meetings: pd.DataFrame,
    *,
    author: str,
    note: str,
    objet: str = "demo",
) -> None:
    """Write demonstration values, comments and meetings, all flagged `is_demo`, in one transaction."""

    def work(conn: sa.Connection) -> None:
        write_batch(
            conn,
            convention,
            rows,
            kind="demo",
            author=author,
            is_demo=True,
            counts={"rows": len(rows), "new": len(rows)},
            note=note,
        )
        now = datetime.now()
        if not comments.empty:
            Store.insert_df(
                conn, "commentaires", comments.assign(convention=convention, created_at=now, is_demo=True)
            )
        if not meetings.empty:
            Store.insert_df(
                conn, "reunions", meetings.assign(convention=convention, created_at=now, is_demo=True)
            )
        record_audit(
            conn,
            convention,
            author,
            "chargement_demo",
            objet,
            None,
            {"observations": len(rows), "commentaires": len(comments), "reunions": len(meetings)},
        )

    store.write(work)


def has_demo(store: Store, convention: str) -> bool:
    """True while demonstration data are in the store."""
    return bool(
        store.scalar("select count(*) from batches where convention = :c and is_demo", {"c": convention})
    )


def remove_demo(store: Store, convention: str, actor: str = "cli", objet: str = "demo") -> int:
    """Delete every demonstration row (observations, batches, comments, meetings); return rows removed."""

    def work(conn: sa.Connection) -> int:
        removed = 0
        touched = pd.DataFrame(
            conn.execute(
                sa.select(
                    schema.observations.c.indicateur,
                    schema.observations.c.territoire,
                    schema.observations.c.periode,
                )
                .where(
                    schema.observations.c.convention == convention, schema.observations.c.is_demo.is_(True)
                )
                .distinct()
            ).fetchall(),
            columns=["indicateur", "territoire", "periode"],
        )
        for table in (schema.observations, schema.batches, schema.commentaires, schema.reunions):
            result = conn.execute(
                table.delete().where(table.c.convention == convention, table.c.is_demo.is_(True))
            )
            removed += result.rowcount or 0
        demo_logins = sa.select(schema.utilisateurs.c.login).where(schema.utilisateurs.c.is_demo.is_(True))
        conn.execute(schema.droits.delete().where(schema.droits.c.login.in_(demo_logins)))
        removed += (
            conn.execute(schema.utilisateurs.delete().where(schema.utilisateurs.c.is_demo.is_(True))).rowcount
            or 0
        )
        rollups.refresh(conn, convention, touched)
        record_audit(
            conn,
            convention,
            actor,
            "suppression_demo",
            objet,
            None,
            {"lignes_supprimees": removed},
        )
        return removed

    return store.write(work)
