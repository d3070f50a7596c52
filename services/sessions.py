"""Browser sessions that outlive a page, one function per step of a login's life:

    >>> user = authenticate(store, "mdupont", "un mot de passe long", address="203.0.113.7")
    >>> opened = open_session(store, user)            # the page keeps opened.session_id
    >>> token = exchange_ticket(store, opened.ticket)   # the HTTP route sets it as the cookie
    >>> live = resume(store, token)                     # a reload, a new tab, another process
    >>> close_session(store, session_id=live.session_id)  # logout

The store keeps one row per session (table `sessions`, migration 8) with the digests of its
secrets, its account's session version, `last_seen` and `expires_at` (pushed back by
`Settings.session_minutes` at each page run), and its revocation. A password change or
reset, a role or territory change, a disabling or a deletion ends the account's sessions in
the same transaction (`services/accounts.py`); a stored session is also
refused whenever the account's session version moved on. Any app process reading the same
store honours the same sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from db import sessions as db_sessions
from db.store import Store
from indicators.access import Actor
from indicators.accounts import SessionEnded, User
from indicators.sessions import (
    LOGOUT,
    TICKET_SECONDS,
    UNKNOWN,
    expiry,
    needs_touch,
    new_secret,
    new_session_id,
    refusal,
    secret_digest,
)
from services.accounts import fetch_user, get_user, no_convention, user_in
from services.settings import get_settings


@dataclass(frozen=True)
class Opened:
    """A session just opened: its id (kept by the server) and its one-time ticket (for the browser)."""

    session_id: str
    ticket: str


@dataclass(frozen=True)
class Live:
    """A session allowed to act: who, which row, and whether its ticket still waits for the browser."""

    actor: Actor
    session_id: str
    waiting_ticket: bool


def open_session(store: Store, user: User, now: datetime | None = None) -> Opened:
    """Record a new session for an account whose password was just checked; its ticket is
    valid `TICKET_SECONDS` and can be exchanged once for the cookie token."""
    now = now or datetime.now()
    opened = Opened(session_id=new_session_id(), ticket=new_secret())
    minutes = get_settings().session_minutes
    store.write(
        lambda conn: db_sessions.insert(
            conn,
            id=opened.session_id,
            login=user.login,
            token_digest=None,
            ticket_digest=secret_digest(opened.ticket),
            ticket_expires_at=now + timedelta(seconds=TICKET_SECONDS),
            session_version=user.session_version,
            created_at=now,
            last_seen=now,
            expires_at=expiry(now, minutes),
        )
    )
    return opened


def exchange_ticket(store: Store, ticket: str, now: datetime | None = None) -> str | None:
    """The cookie token of the session whose one-time ticket this is, or None (unknown,
    already used, expired, or the session may no longer act). Only the token's digest is stored."""
    if not isinstance(ticket, str) or not 20 <= len(ticket) <= 100:
        return None
    now = now or datetime.now()
    minutes = get_settings().session_minutes
    token = new_secret()

    def work(conn: sa.Connection) -> bool:
        row = db_sessions.take_ticket(conn, secret_digest(ticket), now)
        if row is None or _refusal(row, fetch_user(conn, row.login), now, minutes) is not None:
            return False
        db_sessions.set_token(conn, row.id, secret_digest(token))
        db_sessions.touch(conn, row.id, now, expiry(now, minutes))
        return True

    return token if store.write(work) else None


def resume(store: Store, token: str, now: datetime | None = None, *, convention: str | None = None) -> Live:
    """The session a cookie token belongs to, if it may still act (its `last_seen` refreshed);
    otherwise `SessionEnded` with the French reason (expired, closed, account changed...)."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise SessionEnded(UNKNOWN)
    row = db_sessions.get_by_token(store, secret_digest(token))
    if row is None:
        raise SessionEnded(UNKNOWN)
    return _live(store, row, now or datetime.now(), convention)


def check_session(
    store: Store, session_id: str, now: datetime | None = None, *, convention: str | None = None
) -> Live:
    """The session of a page still open, if it may still act (its `last_seen` refreshed);
    otherwise `SessionEnded` with the French reason. Called at every page run."""
    row = db_sessions.get(store, session_id)
    if row is None:
        raise SessionEnded(UNKNOWN)
    return _live(store, row, now or datetime.now(), convention)


def close_session(
    store: Store, *, session_id: str | None = None, token: str | None = None, now: datetime | None = None
) -> bool:
    """Log out: end the session named by its id or by its cookie token. True when one ended."""
    now = now or datetime.now()

    def work(conn: sa.Connection) -> int:
        ended = 0
        if session_id:
            ended += db_sessions.revoke(conn, session_id, now, LOGOUT)
        if isinstance(token, str) and token:
            row = db_sessions.fetch_by_token(conn, secret_digest(token))
            if row is not None:
                ended += db_sessions.revoke(conn, row.id, now, LOGOUT)
        return ended

    return store.write(work) > 0


def can_act(store: Store, token: str, now: datetime | None = None) -> bool:
    """True when the session of a cookie token may still act (nothing is written)."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return False
    row = db_sessions.get_by_token(store, secret_digest(token))
    if row is None:
        return False
    now = now or datetime.now()
    return _refusal(row, get_user(store, row.login), now, get_settings().session_minutes) is None


def live_sessions(store: Store, login: str, now: datetime | None = None) -> int:
    """How many sessions of an account may still act (administrators, tests)."""
    with store.connect() as conn:
        return db_sessions.live_count(conn, str(login).strip().lower(), now or datetime.now())


def _refusal(row: sa.Row, user: User | None, now: datetime, minutes: int) -> str | None:
    return refusal(
        user=user,
        session_version=int(row.session_version),
        revoked_at=row.revoked_at,
        end_reason=row.end_reason,
        expires_at=row.expires_at,
        now=now,
        minutes=minutes,
    )


def _live(store: Store, row: sa.Row, now: datetime, convention: str | None = None) -> Live:
    """The session's account acting in `convention` when it may open it (else in the first
    convention it may open), or `SessionEnded` with the French reason."""
    minutes = get_settings().session_minutes
    user = user_in(store, row.login, convention)
    reason = _refusal(row, user, now, minutes) or (no_convention(user) if user is not None else None)
    if reason is not None:
        raise SessionEnded(reason)
    if needs_touch(row.last_seen, now, minutes):
        store.write(lambda conn: db_sessions.touch(conn, row.id, now, expiry(now, minutes)))
    waiting = row.token_digest is None and row.ticket_digest is not None and row.ticket_expires_at > now
    return Live(actor=user.actor, session_id=row.id, waiting_ticket=waiting)
