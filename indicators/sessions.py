"""Session rules: the secrets a browser session is made of, when a session is still valid, and
the French sentence a refused one gets. Plain functions over plain data (no store, no
Streamlit); `services/sessions.py` applies them.

A session has two secrets, both random (`secrets.token_urlsafe`) and stored as sha256 digests
only (they are long and random, never chosen by a person: a fast digest is enough):
- a one-time **ticket**, valid `TICKET_SECONDS`, that the page hands to the browser right after
  the password was checked, and that the browser exchanges once for
- the **token**, carried in an HttpOnly cookie, that brings the login back at a reload, in a new
  tab, after a restart or on another app process, until `Settings.session_minutes` of inactivity.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from indicators.accounts import User

COOKIE_NAME = "ctg_session"
TICKET_SECONDS = 60  # the browser exchanges the ticket at once; a minute is plenty
RETAIN_ENDED = timedelta(days=1)  # an ended session's row is deleted a day later (purge_expired)
TOUCH_SECONDS = 60  # `last_seen` is written at most once a minute per session (one write, not one per click)

LOGOUT = "logout"
ACCOUNT_CHANGED = "account_changed"
ACCOUNT_DELETED = "account_deleted"
REASONS = (LOGOUT, ACCOUNT_CHANGED, ACCOUNT_DELETED)

UNKNOWN = "Votre session n'est plus valide : reconnectez-vous."
CLOSED = "Cette session a été fermée (déconnexion) : reconnectez-vous."
CHANGED = "Votre compte a été modifié (mot de passe, rôle ou territoires) depuis votre connexion : reconnectez-vous."
GONE = "Ce compte n'existe plus."


def new_secret() -> str:
    """A cookie token or a ticket: 32 random bytes, URL-safe text (43 characters)."""
    return secrets.token_urlsafe(32)


def new_session_id() -> str:
    """The id of a session row: random, known to the server only (never sent to the browser)."""
    return secrets.token_urlsafe(16)


def secret_digest(secret: str) -> str:
    """How a token or a ticket is stored: its sha256, in hexadecimal."""
    return hashlib.sha256(str(secret).encode("utf-8", "surrogatepass")).hexdigest()


def expiry(now: datetime, minutes: int) -> datetime:
    """When a session seen at `now` ends without further activity."""
    return now + timedelta(minutes=minutes)


def expired_message(minutes: int) -> str:
    return f"Votre session a expiré après {minutes} minutes d'inactivité : reconnectez-vous."


def refusal(
    *,
    user: User | None,
    session_version: int,
    revoked_at: datetime | None,
    end_reason: str | None,
    expires_at: datetime,
    now: datetime,
    minutes: int,
) -> str | None:
    """Why a stored session may not act any more (a French sentence), or None when it may.

    The account comes first (deleted, disabled), then the revocation, the account's session
    version (bumped by a password change, a reset, a role or territory change, a disabling),
    then the inactivity timeout.
    """
    if user is None or end_reason == ACCOUNT_DELETED:
        return GONE
    if not user.active:
        return f"Le compte « {user.login} » est désactivé."
    if revoked_at is not None:
        return CLOSED if end_reason == LOGOUT else CHANGED
    if user.session_version != session_version:
        return CHANGED
    if expires_at <= now:
        return expired_message(minutes)
    return None


def needs_touch(last_seen: datetime, now: datetime, minutes: int) -> bool:
    """True when `last_seen` is old enough to be written again: a minute, or a tenth of the
    timeout when it is shorter than ten minutes."""
    return now - last_seen >= timedelta(seconds=min(TOUCH_SECONDS, minutes * 6))
