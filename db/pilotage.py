"""The steering tables: targets (`cibles`), comments, meetings (`reunions`), engagements.

SQL in, raw frames out. Every write runs in one transaction through `store.write` and
leaves its audit row in the same transaction (before → after as recorded here); who may
write, what is valid and what the audit row is called (`action`, `objet`) are decided by
the use cases (`services/pilotage.py`). Where the audit `objet` names a row created by the
write, `{id}` in it is replaced by the new row's id.

Targets keep their history: a change adds a row, the current target of (indicator,
territory, year) is the latest one (a row without value removes the target).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import sqlalchemy as sa

from db import schema
from db.observations import record_audit
from db.store import Store

TARGET_COLUMNS = ["indicateur", "territoire", "annee", "valeur"]
TARGET_HISTORY_COLUMNS = ["id", "indicateur", "territoire", "annee", "valeur", "author", "set_at"]
COMMENT_COLUMNS = ["id", "ambition", "revue", "territoire", "texte", "author", "created_at", "is_demo"]
MEETING_COLUMNS = [
    "id",
    "instance",
    "calendrier_code",
    "territoire",
    "date",
    "tenue",
    "note",
    "author",
    "created_at",
    "is_demo",
]
ENGAGEMENT_COLUMNS = ["commune", "fiche_signee", "date_signature", "elu_referent", "updated_by", "updated_at"]


# -- targets ------------------------------------------------------------------------------
def write_target(
    store: Store,
    convention: str,
    indicateur: str,
    territoire: str,
    annee: int,
    valeur: float | None,
    *,
    author: str,
    action: str,
    objet: str,
) -> bool:
    """Add a target row (`valeur=None`: a removal) unless it equals the current one.

    Return False when the value is unchanged (nothing written, no audit row).
    """

    def work(conn: sa.Connection) -> bool:
        t = schema.cibles
        before = conn.execute(
            sa.select(t.c.valeur)
            .where(
                t.c.convention == convention,
                t.c.indicateur == indicateur,
                t.c.territoire == territoire,
                t.c.annee == annee,
            )
            .order_by(t.c.id.desc())
            .limit(1)
        ).first()
        previous = before.valeur if before is not None else None
        if previous == valeur:
            return False
        conn.execute(
            t.insert().values(
                convention=convention,
                indicateur=indicateur,
                territoire=territoire,
                annee=annee,
                valeur=valeur,
                author=author,
                set_at=dt.datetime.now(),
            )
        )
        record_audit(
            conn,
            convention,
            author,
            action,
            objet,
            None if previous is None else {"valeur": previous},
            None if valeur is None else {"valeur": valeur},
        )
        return True

    return store.write(work)


def targets_frame(store: Store, convention: str) -> pd.DataFrame:
    """Current targets: one row per (indicator, territory, year) with a value."""
    return store.query_df(
        "select indicateur, territoire, annee, valeur from ("
        "  select *, row_number() over (partition by indicateur, territoire, annee "
        "                               order by id desc) as rang "
        "  from cibles where convention = $conv"
        ") as ranked where rang = 1 and valeur is not null order by indicateur, territoire, annee",
        {"conv": convention},
    )[TARGET_COLUMNS]


def target_history(store: Store, convention: str, indicateur: str | None = None) -> pd.DataFrame:
    """Every target ever set (removals have no value), newest first."""
    sql = (
        "select id, indicateur, territoire, annee, valeur, author, set_at from cibles "
        "where convention = $conv"
    )
    params: dict[str, object] = {"conv": convention}
    if indicateur:
        sql += " and indicateur = $ind"
        params["ind"] = indicateur
    return store.query_df(sql + " order by id desc", params)[TARGET_HISTORY_COLUMNS]


# -- comments -----------------------------------------------------------------------------
def insert_comment(
    store: Store,
    convention: str,
    ambition: str,
    revue: str,
    territoire: str | None,
    texte: str,
    *,
    author: str,
    action: str,
    objet: str,
    is_demo: bool = False,
) -> int:
    """Insert a comment and its audit row; return the comment's id."""

    def work(conn: sa.Connection) -> int:
        new_id = conn.execute(
            schema.commentaires.insert()
            .values(
                convention=convention,
                ambition=ambition,
                revue=revue,
                territoire=territoire,
                texte=texte,
                author=author,
                created_at=dt.datetime.now(),
                is_demo=is_demo,
            )
            .returning(schema.commentaires.c.id)
        ).scalar_one()
        record_audit(
            conn,
            convention,
            author,
            action,
            objet.replace("{id}", str(new_id)),
            None,
            {"ambition": ambition, "revue": revue, "territoire": territoire, "texte": texte},
        )
        return int(new_id)

    return store.write(work)


def _comment_fields(row: Any) -> dict[str, object]:
    return {
        "ambition": row.ambition,
        "revue": row.revue,
        "territoire": row.territoire,
        "texte": row.texte,
        "author": row.author,
    }


def comment_row(store: Store, convention: str, comment_id: int) -> dict[str, object] | None:
    """The stored fields of one comment (ambition, revue, territoire, texte, author), or None."""
    t = schema.commentaires
    with store.connect() as conn:
        row = conn.execute(sa.select(t).where(t.c.id == comment_id, t.c.convention == convention)).first()
    return None if row is None else _comment_fields(row)


def delete_comment(
    store: Store, convention: str, comment_id: int, *, author: str, action: str, objet: str
) -> dict[str, object] | None:
    """Delete a comment, keeping its content in the audit row; return what was deleted
    (None when there was no such comment: nothing written)."""

    def work(conn: sa.Connection) -> dict[str, object] | None:
        t = schema.commentaires
        row = conn.execute(sa.select(t).where(t.c.id == comment_id, t.c.convention == convention)).first()
        if row is None:
            return None
        conn.execute(t.delete().where(t.c.id == comment_id))
        before = _comment_fields(row)
        record_audit(conn, convention, author, action, objet, before, None)
        return before

    return store.write(work)


def comments_frame(
    store: Store, convention: str, revue: str | None = None, ambition: str | None = None
) -> pd.DataFrame:
    """Comments, newest first, optionally of one review and/or one ambition."""
    sql = (
        "select id, ambition, revue, territoire, texte, author, created_at, is_demo "
        "from commentaires where convention = $conv"
    )
    params: dict[str, object] = {"conv": convention}
    if revue:
        sql += " and revue = $revue"
        params["revue"] = revue
    if ambition:
        sql += " and ambition = $amb"
        params["amb"] = ambition
    return store.query_df(sql + " order by created_at desc, id desc", params)[COMMENT_COLUMNS]


# -- meetings -----------------------------------------------------------------------------
def insert_meeting(
    store: Store,
    convention: str,
    instance: str,
    date: dt.date,
    tenue: bool,
    calendrier_code: str | None,
    territoire: str | None,
    note: str | None,
    *,
    author: str,
    action: str,
    objet: str,
    is_demo: bool = False,
) -> int:
    """Insert a governance meeting and its audit row; return the meeting's id."""

    def work(conn: sa.Connection) -> int:
        new_id = conn.execute(
            schema.reunions.insert()
            .values(
                convention=convention,
                instance=instance,
                calendrier_code=calendrier_code,
                territoire=territoire,
                date=date,
                tenue=bool(tenue),
                note=note,
                author=author,
                created_at=dt.datetime.now(),
                is_demo=is_demo,
            )
            .returning(schema.reunions.c.id)
        ).scalar_one()
        record_audit(
            conn,
            convention,
            author,
            action,
            objet.replace("{id}", str(new_id)),
            None,
            {
                "instance": instance,
                "calendrier_code": calendrier_code,
                "territoire": territoire,
                "date": date.isoformat(),
                "tenue": bool(tenue),
                "note": note,
            },
        )
        return int(new_id)

    return store.write(work)


def delete_meeting(
    store: Store, convention: str, meeting_id: int, *, author: str, action: str, objet: str
) -> dict[str, object] | None:
    """Delete a meeting, keeping its content in the audit row; return what was deleted
    (None when there was no such meeting: nothing written)."""

    def work(conn: sa.Connection) -> dict[str, object] | None:
        t = schema.reunions
        row = conn.execute(sa.select(t).where(t.c.id == meeting_id, t.c.convention == convention)).first()
        if row is None:
            return None
        conn.execute(t.delete().where(t.c.id == meeting_id))
        before = {
            "instance": row.instance,
            "calendrier_code": row.calendrier_code,
            "territoire": row.territoire,
            "date": row.date.isoformat(),
            "tenue": row.tenue,
            "note": row.note,
        }
        record_audit(conn, convention, author, action, objet, before, None)
        return before

    return store.write(work)


def meetings_frame(store: Store, convention: str) -> pd.DataFrame:
    """Every recorded meeting, by date."""
    frame = store.query_df(
        "select id, instance, calendrier_code, territoire, date, tenue, note, author, created_at, "
        "is_demo from reunions where convention = $conv order by date, id",
        {"conv": convention},
    )
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return frame[MEETING_COLUMNS]


# -- engagements --------------------------------------------------------------------------
def write_engagement(
    store: Store,
    convention: str,
    commune: str,
    fiche_signee: bool,
    date_signature: dt.date | None,
    elu_referent: str | None,
    *,
    author: str,
    action: str,
    objet: str,
) -> bool:
    """Insert or update a commune's engagement; return False when nothing changed (nothing written)."""
    after = {
        "fiche_signee": bool(fiche_signee),
        "date_signature": date_signature.isoformat() if date_signature else None,
        "elu_referent": elu_referent,
    }

    def work(conn: sa.Connection) -> bool:
        t = schema.engagements
        row = conn.execute(sa.select(t).where(t.c.convention == convention, t.c.commune == commune)).first()
        before = (
            None
            if row is None
            else {
                "fiche_signee": bool(row.fiche_signee),
                "date_signature": row.date_signature.isoformat() if row.date_signature else None,
                "elu_referent": row.elu_referent,
            }
        )
        if before == after:
            return False
        values = {
            "fiche_signee": bool(fiche_signee),
            "date_signature": date_signature,
            "elu_referent": elu_referent,
            "updated_by": author,
            "updated_at": dt.datetime.now(),
        }
        if row is None:
            conn.execute(t.insert().values(convention=convention, commune=commune, **values))
        else:
            conn.execute(
                t.update().where(t.c.convention == convention, t.c.commune == commune).values(**values)
            )
        record_audit(conn, convention, author, action, objet, before, after)
        return True

    return store.write(work)


def engagements_frame(store: Store, convention: str) -> pd.DataFrame:
    """The engagements recorded (communes never edited have no row)."""
    frame = store.query_df(
        "select commune, fiche_signee, date_signature, elu_referent, updated_by, updated_at "
        "from engagements where convention = $conv order by commune",
        {"conv": convention},
    )
    frame["date_signature"] = pd.to_datetime(frame["date_signature"]).dt.date
    frame["date_signature"] = (
        frame["date_signature"].astype("object").where(frame["date_signature"].notna(), None)
    )
    return frame[ENGAGEMENT_COLUMNS]
