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

from db import schema
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
) -> int:
    """Insert one batch and its rows inside the caller's transaction; return the batch id.

    `rows` has the columns of OBSERVATION_COLUMNS (missing ones are left empty).
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


def current_values(
    store: Store, convention: str, *, include_demo: bool = True, indicators: list[str] | None = None
) -> pd.DataFrame:
    """Current value of every (indicator, territory, period), with its batch and source."""
    sql = (
        "select indicateur, territoire, periode, annee, trimestre, valeur, valeur_texte, "
        "commentaire, source_section, conflit, arbitrage, is_demo, batch_id, batch_kind, batch_author, "
        "batch_at, batch_filename from observations_courantes where convention = $conv"
    )
    params: dict[str, object] = {"conv": convention}
    if not include_demo:
        sql += " and not is_demo"
    if indicators:
        sql += " and list_contains($inds, indicateur)"
        params["inds"] = list(indicators)
    return store.query_df(sql + " order by indicateur, territoire, annee, trimestre nulls last", params)


CURRENT_FOR_SQL = (
    "select indicateur, territoire, periode, valeur, valeur_texte, commentaire, batch_id "
    "from observations_courantes where convention = $conv and list_contains($inds, indicateur)"
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


def current_for(store: Store | None, convention: str, indicators: list[str], raw_conn=None) -> pd.DataFrame:
    """Current values (and their batch) of the given indicators.

    Inside a write transaction, pass its DBAPI connection as `raw_conn` (the store is not used).
    """
    if not indicators:
        return pd.DataFrame(columns=CURRENT_FOR_COLUMNS)
    params = {"conv": convention, "inds": list(indicators)}
    if raw_conn is not None:
        return raw_conn.execute(CURRENT_FOR_SQL, params).df()
    return store.query_df(CURRENT_FOR_SQL, params)


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
        for table in (schema.observations, schema.batches, schema.commentaires, schema.reunions):
            result = conn.execute(
                table.delete().where(table.c.convention == convention, table.c.is_demo.is_(True))
            )
            removed += result.rowcount or 0
        removed += (
            conn.execute(schema.utilisateurs.delete().where(schema.utilisateurs.c.is_demo.is_(True))).rowcount
            or 0
        )
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
