"""Accounts in the store: SQL in, rows and frames out (the rules are in `indicators/accounts.py`,
the use cases in `services/accounts.py`).

Tables: `utilisateurs` (one row per account, the argon2 hash of its password, its session
version), `droits` (an account's role and territories in each convention), `echecs_connexion` (failed logins by digest of the login and of the client
address, for throttling), `code_installation` (the digest of the one-time code printed by
`cli.py init` while no administrator exists). Every function taking `conn` runs inside the
caller's transaction.
"""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import sqlalchemy as sa

from db import schema
from db.store import Store

USER_COLUMNS = ["login", "nom", "role", "territoires", "active", "is_demo", "created_at", "session_version"]
_users = schema.utilisateurs
_rights = schema.droits
_failures = schema.echecs_connexion
_codes = schema.code_installation


# -- accounts ---------------------------------------------------------------------------------------
def fetch(conn: sa.Connection, login: str) -> sa.Row | None:
    """The row of account `login` (password hash included), or None."""
    return conn.execute(sa.select(_users).where(_users.c.login == login)).first()


def get_row(store: Store, login: str) -> sa.Row | None:
    """The row of account `login`, or None."""
    with store.connect() as conn:
        return fetch(conn, login)


def list_users(
    store: Store, convention: str | None = None, *, administered_by: str | None = None
) -> pd.DataFrame:
    """Every account (no password hash) with its role and territories in `convention` (None
    where it has no rights there; default: the default convention), administrators first.

    `administered_by`: only the accounts holding rights in a convention that this login
    administers, and those holding rights in none.
    """
    with store.connect() as conn:
        code = convention or default_convention(conn)
    d = _rights
    theirs, admin = _rights.alias("theirs"), _rights.alias("admin")
    query = (
        sa.select(
            _users.c.login,
            _users.c.nom,
            d.c.role,
            d.c.territoires,
            _users.c.active,
            _users.c.is_demo,
            _users.c.created_at,
            _users.c.session_version,
        )
        .select_from(_users.outerjoin(d, sa.and_(d.c.login == _users.c.login, d.c.convention == code)))
        .where(
            sa.true()
            if administered_by is None
            else sa.or_(
                sa.exists().where(
                    theirs.c.login == _users.c.login,
                    admin.c.convention == theirs.c.convention,
                    admin.c.login == administered_by,
                    admin.c.role == "administrateur",
                ),
                ~sa.exists().where(theirs.c.login == _users.c.login),
            )
        )
        .order_by(
            sa.case(
                (d.c.role == "administrateur", 0),
                (d.c.role == "charge", 1),
                (d.c.role == "lecteur", 2),
                else_=3,
            ),
            _users.c.login,
        )
    )
    with store.connect() as conn:
        frame = pd.DataFrame(conn.execute(query).fetchall(), columns=USER_COLUMNS)
    return frame if not frame.empty else pd.DataFrame(columns=USER_COLUMNS)


# -- rights per convention ------------------------------------------------------------------------
def rights(conn: sa.Connection, login: str) -> dict[str, tuple[str, str]]:
    """{convention: (role, territories comma-separated)} of account `login`."""
    rows = conn.execute(
        sa.select(_rights.c.convention, _rights.c.role, _rights.c.territoires).where(_rights.c.login == login)
    )
    return {code: (role, territoires or "") for code, role, territoires in rows}


def set_rights(conn: sa.Connection, login: str, convention: str, role: str, territoires: str) -> None:
    """Give account `login` this role (and territories) in `convention`, replacing any earlier."""
    drop_rights(conn, login, convention)
    conn.execute(
        _rights.insert().values(login=login, convention=convention, role=role, territoires=territoires)
    )


def drop_rights(conn: sa.Connection, login: str, convention: str | None = None) -> int:
    """Remove the rights of `login` in `convention` (every convention when None); return how many."""
    query = _rights.delete().where(_rights.c.login == login)
    if convention is not None:
        query = query.where(_rights.c.convention == convention)
    return conn.execute(query).rowcount or 0


def convention_codes(conn: sa.Connection) -> list[str]:
    """Every convention loaded: the real ones first, then the demonstration ones, by code."""
    c = schema.conventions
    rows = conn.execute(
        sa.select(c.c.code).order_by(sa.func.coalesce(c.c.demonstration, sa.false()), c.c.code)
    )
    return [row[0] for row in rows]


def default_convention(conn: sa.Connection) -> str:
    """The first real convention loaded ("" before any is)."""
    codes = convention_codes(conn)
    return codes[0] if codes else ""


def insert(conn: sa.Connection, **values: object) -> None:
    """Insert one account."""
    conn.execute(_users.insert().values(**values))


def update(conn: sa.Connection, login: str, *, bump_session: bool = False, **values: object) -> None:
    """Update one account; `bump_session` ends its open sessions (session_version + 1)."""
    if bump_session:
        values["session_version"] = _users.c.session_version + 1
    conn.execute(_users.update().where(_users.c.login == login).values(**values))


def delete(conn: sa.Connection, login: str) -> None:
    """Delete one account row and its rights."""
    drop_rights(conn, login)
    conn.execute(_users.delete().where(_users.c.login == login))


def delete_demo(conn: sa.Connection) -> int:
    """Delete the demonstration accounts and their rights; return how many."""
    demo = sa.select(_users.c.login).where(_users.c.is_demo.is_(True))
    conn.execute(_rights.delete().where(_rights.c.login.in_(demo)))
    return conn.execute(_users.delete().where(_users.c.is_demo.is_(True))).rowcount or 0


def count_admins(conn: sa.Connection, *, besides: str | None = None, convention: str | None = None) -> int:
    """Active accounts administering `convention` (any convention when None), other than `besides`."""
    query = (
        sa.select(sa.func.count(sa.distinct(_users.c.login)))
        .select_from(_users.join(_rights, _rights.c.login == _users.c.login))
        .where(_rights.c.role == "administrateur", _users.c.active.is_(True))
    )
    if besides is not None:
        query = query.where(_users.c.login != besides)
    if convention is not None:
        query = query.where(_rights.c.convention == convention)
    return int(conn.execute(query).scalar() or 0)


def has_admin(store: Store) -> bool:
    """True when at least one active administrator account exists."""
    with store.connect() as conn:
        return count_admins(conn) > 0


def demo_logins(store: Store) -> set[str]:
    """Logins of the active demonstration accounts."""
    return set(store.query_df("select login from utilisateurs where is_demo and active")["login"])


def territory_codes(conn: sa.Connection, convention: str) -> set[str]:
    """Every territory code of a convention's reference (empty before it is loaded)."""
    t = schema.territoires
    return {r[0] for r in conn.execute(sa.select(t.c.code).where(t.c.convention == convention).distinct())}


# -- failed logins ------------------------------------------------------------------------------------
def record_failure(conn: sa.Connection, login_key: str, address_key: str, at: datetime) -> None:
    """Remember one failed attempt (digests only)."""
    conn.execute(
        _failures.insert().values(cle_identifiant=login_key, cle_adresse=address_key, happened_at=at)
    )


def failures(
    conn: sa.Connection, *, since: datetime, login_key: str | None = None, address_key: str | None = None
) -> list[datetime]:
    """Times of the failures since `since`, for one login key and/or one address key."""
    query = sa.select(_failures.c.happened_at).where(_failures.c.happened_at >= since)
    if login_key is not None:
        query = query.where(_failures.c.cle_identifiant == login_key)
    if address_key is not None:
        query = query.where(_failures.c.cle_adresse == address_key)
    return [row[0] for row in conn.execute(query.order_by(_failures.c.happened_at))]


def failures_by_address(conn: sa.Connection, login_key: str, since: datetime) -> dict[str, list[datetime]]:
    """The failures of one login key since `since`, grouped by address key."""
    rows = conn.execute(
        sa.select(_failures.c.cle_adresse, _failures.c.happened_at).where(
            _failures.c.cle_identifiant == login_key, _failures.c.happened_at >= since
        )
    )
    grouped: dict[str, list[datetime]] = {}
    for address, at in rows:
        grouped.setdefault(address, []).append(at)
    return grouped


def clear_failures(conn: sa.Connection, login_key: str, address_key: str | None = None) -> None:
    """Forget the failures of a login (from one address, or from all)."""
    query = _failures.delete().where(_failures.c.cle_identifiant == login_key)
    if address_key is not None:
        query = query.where(_failures.c.cle_adresse == address_key)
    conn.execute(query)


def purge_failures(conn: sa.Connection, before: datetime) -> int:
    """Delete failures older than `before`; return how many."""
    return conn.execute(_failures.delete().where(_failures.c.happened_at < before)).rowcount or 0


# -- one-time setup code ------------------------------------------------------------------------------
def replace_setup_code(conn: sa.Connection, code_digest: str, now: datetime, expires: datetime) -> None:
    """Keep one setup code: the new one replaces any earlier."""
    conn.execute(_codes.delete())
    conn.execute(_codes.insert().values(digest=code_digest, created_at=now, expires_at=expires))


def take_setup_code(conn: sa.Connection, code_digest: str, now: datetime) -> bool:
    """Consume the setup code if it matches and has not expired; True when it did."""
    deleted = conn.execute(
        _codes.delete().where(_codes.c.digest == code_digest, _codes.c.expires_at > now)
    ).rowcount
    return bool(deleted)


def drop_setup_codes(conn: sa.Connection) -> None:
    """Forget every setup code (an administrator exists)."""
    conn.execute(_codes.delete())


# -- personal data in the audit trail ----------------------------------------------------------------
_AUTHOR_COLUMNS = (
    ("audit", "actor"),
    ("batches", "author"),
    ("batches", "status_changed_by"),
    ("commentaires", "author"),
    ("cibles", "author"),
    ("reunions", "author"),
    ("engagements", "updated_by"),
)


def rename_author(conn: sa.Connection, login: str, pseudonym: str) -> int:
    """Replace `login` by `pseudonym` wherever a row names its author; return rows changed."""
    changed = 0
    for table, column in _AUTHOR_COLUMNS:
        named = schema.metadata.tables[table].c[column]
        changed += (
            conn.execute(named.table.update().where(named == login).values({column: pseudonym})).rowcount or 0
        )
    return changed


def audit_rows(
    conn: sa.Connection,
    *,
    objet: str | None = None,
    action: str | None = None,
    before: datetime | None = None,
) -> list[sa.Row]:
    """Audit rows (id, action, objet, avant, apres, happened_at) matching the filters."""
    a = schema.audit
    query = sa.select(a.c.id, a.c.action, a.c.objet, a.c.avant, a.c.apres, a.c.happened_at)
    if objet is not None:
        query = query.where(a.c.objet == objet)
    if action is not None:
        query = query.where(a.c.action == action)
    if before is not None:
        query = query.where(a.c.happened_at < before)
    return list(conn.execute(query.order_by(a.c.id)))


def set_audit_row(conn: sa.Connection, row_id: int, *, objet: str, avant: object, apres: object) -> None:
    """Rewrite the object and the before/after states of one audit row (pseudonymisation, retention)."""

    def dump(value: object) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False, default=str)

    conn.execute(
        schema.audit.update()
        .where(schema.audit.c.id == row_id)
        .values(objet=objet, avant=dump(avant), apres=dump(apres))
    )


def delete_audit(conn: sa.Connection, actions: tuple[str, ...], before: datetime) -> int:
    """Delete the audit rows of these actions older than `before`; return how many."""
    a = schema.audit
    return conn.execute(a.delete().where(a.c.action.in_(actions), a.c.happened_at < before)).rowcount or 0
