"""Browser sessions in the store: SQL in, rows out (the rules are in `indicators/sessions.py`,
the use cases in `services/sessions.py`).

Table `sessions`: one row per logged-in browser session, holding the digests of its cookie
token and of its one-time ticket, never the token itself. Every function taking `conn` runs
inside the caller's transaction. Portable SQLAlchemy Core (DuckDB and PostgreSQL alike).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from db import schema
from db.store import Store

_sessions = schema.sessions


def insert(conn: sa.Connection, **values: object) -> None:
    """Insert one session row."""
    conn.execute(_sessions.insert().values(**values))


def fetch(conn: sa.Connection, session_id: str) -> sa.Row | None:
    """The session `session_id`, or None."""
    return conn.execute(sa.select(_sessions).where(_sessions.c.id == session_id)).first()


def fetch_by_token(conn: sa.Connection, token_digest: str) -> sa.Row | None:
    """The session whose cookie token has this digest, or None."""
    return conn.execute(sa.select(_sessions).where(_sessions.c.token_digest == token_digest)).first()


def get(store: Store, session_id: str) -> sa.Row | None:
    """The session `session_id`, or None (its own read connection)."""
    with store.connect() as conn:
        return fetch(conn, session_id)


def get_by_token(store: Store, token_digest: str) -> sa.Row | None:
    """The session of a cookie token digest, or None (its own read connection)."""
    with store.connect() as conn:
        return fetch_by_token(conn, token_digest)


def take_ticket(conn: sa.Connection, ticket_digest: str, now: datetime) -> sa.Row | None:
    """The live session whose ticket has this digest and has not expired, or None."""
    return conn.execute(
        sa.select(_sessions).where(
            _sessions.c.ticket_digest == ticket_digest,
            _sessions.c.ticket_expires_at > now,
            _sessions.c.revoked_at.is_(None),
        )
    ).first()


def set_token(conn: sa.Connection, session_id: str, token_digest: str) -> None:
    """Attach the cookie token (its digest) and forget the ticket: it cannot be used twice."""
    conn.execute(
        _sessions.update()
        .where(_sessions.c.id == session_id)
        .values(token_digest=token_digest, ticket_digest=None, ticket_expires_at=None)
    )


def touch(conn: sa.Connection, session_id: str, now: datetime, expires_at: datetime) -> None:
    """Note activity: `last_seen` now, the end pushed back to `expires_at`."""
    conn.execute(
        _sessions.update()
        .where(_sessions.c.id == session_id, _sessions.c.revoked_at.is_(None))
        .values(last_seen=now, expires_at=expires_at)
    )


def set_version(conn: sa.Connection, session_id: str, login: str, version: int) -> None:
    """Carry a session of `login` over to the account's new session version (one's own password change)."""
    conn.execute(
        _sessions.update()
        .where(_sessions.c.id == session_id, _sessions.c.login == login)
        .values(session_version=version)
    )


def revoke(conn: sa.Connection, session_id: str, now: datetime, reason: str) -> int:
    """End one session; return how many rows ended (0 when it had already ended)."""
    return (
        conn.execute(
            _sessions.update()
            .where(_sessions.c.id == session_id, _sessions.c.revoked_at.is_(None))
            .values(revoked_at=now, end_reason=reason, ticket_digest=None, ticket_expires_at=None)
        ).rowcount
        or 0
    )


def revoke_account(
    conn: sa.Connection, login: str, now: datetime, reason: str, *, besides: str | None = None
) -> int:
    """End every live session of an account (but `besides`); return how many."""
    query = _sessions.update().where(_sessions.c.login == login, _sessions.c.revoked_at.is_(None))
    if besides is not None:
        query = query.where(_sessions.c.id != besides)
    values = {"revoked_at": now, "end_reason": reason, "ticket_digest": None, "ticket_expires_at": None}
    return conn.execute(query.values(**values)).rowcount or 0


def end_deleted_account(conn: sa.Connection, login: str, pseudonym: str, now: datetime, reason: str) -> int:
    """End every session of a deleted account, its login replaced by the account's pseudonym
    (the rows go with the next purge); return how many rows."""
    values = {"login": pseudonym, "ticket_digest": None, "ticket_expires_at": None}
    ended = (
        conn.execute(
            _sessions.update()
            .where(_sessions.c.login == login, _sessions.c.revoked_at.is_(None))
            .values(revoked_at=now, end_reason=reason, **values)
        ).rowcount
        or 0
    )
    conn.execute(_sessions.update().where(_sessions.c.login == login).values(**values))
    return ended


def purge(conn: sa.Connection, ended_before: datetime) -> int:
    """Delete the sessions that expired or were revoked before `ended_before`; return how many."""
    ended = sa.or_(_sessions.c.expires_at < ended_before, _sessions.c.revoked_at < ended_before)
    return conn.execute(_sessions.delete().where(ended)).rowcount or 0


def live_count(conn: sa.Connection, login: str, now: datetime) -> int:
    """How many sessions of an account are live (not revoked, not expired)."""
    query = sa.select(sa.func.count()).where(
        _sessions.c.login == login, _sessions.c.revoked_at.is_(None), _sessions.c.expires_at > now
    )
    return int(conn.execute(query).scalar() or 0)
