"""Accounts, one function per thing a person does: create, log in, change or reset a password,
change a role, disable, delete; the first administrator; the retention of personal data.

    >>> create_user(store, SYSTEM, "mdupont", "chargé", ["62119"], password="un mot de passe long")
    >>> user = authenticate(store, "mdupont", "un mot de passe long", address="203.0.113.7")
    >>> actor_for(store, "mdupont").territoires
    frozenset({'62119'})

Passwords are hashed with argon2id (argon2-cffi); neither a password, nor its hash, nor a
login typed at a failed attempt ever reaches the audit log or the application log. Every
administrative change leaves an audit row (before → after) in the same transaction.

Logins: an unknown login is checked against a dummy hash made with the same parameters, so
that it costs the same time as a wrong password, and the answer is the same sentence. Failed
attempts are kept by digest of the login and of the client address: after
`lockout_attempts` failures within `lockout_minutes`, that login is blocked *from that
address* (checked after the password, the same for known and unknown logins); an address
past `throttle_free_attempts` failures waits 1, 2, 4... seconds (at most
`throttle_max_seconds`) before it may try again, answered without hashing anything.
A password change, a reset, a role or territory change, a disabling or a deletion ends the
account's open sessions: its stored browser sessions (`services/sessions.py`) are revoked in
the same transaction (for a deletion, under the account's pseudonym), and `session_version`
moves on, which every stored session is checked against at every page run.

Rights are per convention (table `droits`, migration 9): an account is a login, a name and a
password; in each convention it may open it has a role and, as a chargé, territories of that
convention. `convention=None` means the actor's convention, else the default one (the
settings' `convention`, else the first real convention loaded). An administrator manages the
accounts that have rights on their convention (or none yet) and grants rights on it; the
first administrator administers every convention loaded; each convention keeps at least one
active administrator once it has one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from db import sessions as db_sessions
from db import users as db_users
from db.channel import Channel, set_channel
from db.observations import record_audit
from db.store import Store
from indicators.access import (
    ROLE_LABELS,
    SYSTEM,
    AccessDenied,
    Actor,
    require_admin,
    require_convention,
)
from indicators.accounts import (
    DEMO_ACCOUNTS,
    PASSWORD_MIN_LENGTH,
    AccountError,
    AccountLocked,
    AuthenticationError,
    SessionEnded,
    TooManyAttempts,
    User,
    UserError,
    accounts_table,
    check_login,
    check_password,
    code_digest,
    digest,
    last_admin,
    lock_state,
    lock_until,
    new_pseudonym,
    new_setup_code,
    normalize_role,
    parse_territoires,
    scope_of,
    throttle_wait,
    unknown_territories,
)
from indicators.sessions import ACCOUNT_CHANGED, ACCOUNT_DELETED, RETAIN_ENDED
from services.settings import get_settings

__all__ = [
    "DEMO_ACCOUNTS",
    "PASSWORD_MIN_LENGTH",
    "AccountError",
    "AccountLocked",
    "AuthenticationError",
    "SessionEnded",
    "TooManyAttempts",
    "User",
    "UserError",
    "normalize_role",
]

log = logging.getLogger("ctg.users")

_hasher = PasswordHasher()  # argon2id, library defaults (RFC 9106 low-memory profile)
_dummy: dict[tuple, str] = {}
WRONG = "Identifiant ou mot de passe incorrect."
COMMAND_LINE_ADDRESS = "ligne de commande"
LOGIN_EVENTS = ("connexion", "verrouillage_compte")
SETUP_CODE_LOGIN = "code-installation"  # the "login" failed setup codes are counted under


def hash_password(password: str) -> str:
    """The argon2id hash of a password (salted; slow on purpose)."""
    return _hasher.hash(password)


def _dummy_hash() -> str:
    """A hash made with the current hasher's parameters, verified when the login is unknown."""
    key = (_hasher.time_cost, _hasher.memory_cost, _hasher.parallelism, _hasher.hash_len, _hasher.type)
    if key not in _dummy:
        _dummy[key] = _hasher.hash("compte inexistant, mot de passe factice")
    return _dummy[key]


def acting_on_the_page() -> None:
    """Every write of this page run is audited as coming through the pages (channel `page`)."""
    set_channel(Channel.page())


def prepare_login() -> None:
    """Make the dummy hash before the first attempt (once per process), so that even the first
    unknown login costs exactly what a wrong password does."""
    _dummy_hash()


def dummy_hash_parameters():
    """The argon2 parameters of the dummy hash (tests check they are the real hasher's)."""
    return extract_parameters(_dummy_hash())


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _conventions_in_order(conn: sa.Connection) -> list[str]:
    """The conventions loaded, the default one (settings) first, then the real ones, by code."""
    codes = db_users.convention_codes(conn)
    wanted = get_settings().convention
    return sorted(codes, key=lambda c: c != wanted)


def _default_convention(conn: sa.Connection) -> str:
    codes = _conventions_in_order(conn)
    return codes[0] if codes else ""


def _user(conn: sa.Connection, row: sa.Row, convention: str | None = None) -> User:
    """The account seen from `convention` (None: the first convention it may open, in the
    order of `_conventions_in_order`; the default one when it may open none)."""
    rights = {
        code: (role, parse_territoires(territoires))
        for code, (role, territoires) in db_users.rights(conn, row.login).items()
    }
    if convention is None:
        order = _conventions_in_order(conn)
        convention = next((c for c in order if c in rights), order[0] if order else None)
    role, territoires = rights.get(convention, (None, ())) if convention else (None, ())
    return User(
        login=row.login,
        nom=row.nom,
        role=role,
        territoires=territoires,
        active=bool(row.active),
        is_demo=bool(row.is_demo),
        created_at=row.created_at,
        session_version=int(row.session_version or 0),
        convention=convention,
        rights=rights,
    )


def _fetch_user(conn: sa.Connection, login: str, convention: str | None = None) -> User | None:
    row = db_users.fetch(conn, login)
    return _user(conn, row, convention) if row is not None else None


# -- reads -----------------------------------------------------------------------------------------
def get_user(store: Store, login: str, convention: str | None = None) -> User | None:
    """The account `login` seen from `convention` (default: the first convention it may open), or None."""
    with store.connect() as conn:
        return _fetch_user(conn, str(login).strip().lower(), convention)


def fetch_user(conn: sa.Connection, login: str, convention: str | None = None) -> User | None:
    """The account `login` read inside the caller's transaction (seen from `convention`), or None."""
    return _fetch_user(conn, str(login).strip().lower(), convention)


def list_users(
    store: Store, convention: str | None = None, administrator: Actor | None = None
) -> pd.DataFrame:
    """Every account (no password hash): login, nom, role and territoires in `convention` (None
    where it has no rights there; default: the default convention), active, is_demo, created_at.

    Given an `administrator`, only the accounts it may know of: those holding rights in a
    convention it administers, and those holding rights in none (an account of another
    convention is given rights here by its exact login, `update_user`).
    """
    return db_users.list_users(
        store, convention, administered_by=administrator.login if administrator else None
    )


def default_convention(store: Store) -> str:
    """The convention shown first: the settings' `convention`, else the first real one loaded."""
    with store.connect() as conn:
        return _default_convention(conn)


def has_admin(store: Store) -> bool:
    """True when at least one active administrator account exists."""
    return db_users.has_admin(store)


def actor_for(store: Store, login: str, convention: str | None = None) -> Actor:
    """The `Actor` of an active account in `convention` (default: the first it may open); a
    French `AccountError` for an unknown or disabled account, `AccessDenied` without rights there.

    This is how `--as LOGIN` on the command line obtains who is acting.
    """
    user = get_user(store, login, convention)
    if user is None:
        raise AccountError(f"Compte « {login} » inconnu : voir `python cli.py users list`.")
    if not user.active:
        raise AccountError(f"Le compte « {user.login} » est désactivé.")
    return user.actor


def user_in(store: Store, login: str, convention: str | None = None) -> User | None:
    """The account seen from `convention` when it may open it, else from the first convention it
    may open; None for an unknown login."""
    user = get_user(store, login)
    if user is not None and convention in user.rights:
        user = get_user(store, login, convention)
    return user


def no_convention(user: User) -> str | None:
    """Why an account may not act in any convention, or None."""
    if user.role is None:
        return f"Le compte « {user.login} » n'a de droits sur aucune convention : adressez-vous à un administrateur."
    return None


def check_session(store: Store, login: str, version: int, convention: str | None = None) -> Actor:
    """The `Actor` of a page session still valid, in `convention` when the account may open it
    (else in the first convention it may open); `SessionEnded` when the account was disabled,
    deleted, or changed (password, role, territories) since the session logged in, or may
    open no convention."""
    user = user_in(store, login, convention)
    if user is None:
        raise SessionEnded("Ce compte n'existe plus.")
    if not user.active:
        raise SessionEnded(f"Le compte « {user.login} » est désactivé.")
    if user.session_version != version:
        raise SessionEnded(
            "Votre compte a été modifié (mot de passe, rôle ou territoires) depuis votre connexion : "
            "reconnectez-vous."
        )
    if no_convention(user):
        raise SessionEnded(no_convention(user))
    return user.actor


def locked_logins(store: Store, now: datetime | None = None) -> dict[str, datetime]:
    """Accounts blocked from some client address right now: login → end of the block."""
    settings, now = get_settings(), now or datetime.now()
    since = now - 2 * timedelta(minutes=settings.lockout_minutes)
    locked: dict[str, datetime] = {}
    with store.connect() as conn:
        for login in db_users.list_users(store)["login"]:
            for times in db_users.failures_by_address(conn, digest(login), since).values():
                until = lock_until(times, now, settings.lockout_attempts, settings.lockout_minutes)
                if until is not None:
                    locked[login] = max(until, locked.get(login, until))
    return locked


def users_overview(
    store: Store,
    names: dict[str, str] | None = None,
    convention: str | None = None,
    administrator: Actor | None = None,
) -> pd.DataFrame:
    """The accounts as shown to `administrator` in `convention` (French columns, its role and
    territory names there, « aucun droit sur cette convention » otherwise; no hash): those of
    the conventions it administers and those without rights (`list_users`)."""
    return accounts_table(list_users(store, convention, administrator), names, locked_logins(store))


# -- writes ----------------------------------------------------------------------------------------
def _audit(
    conn: sa.Connection,
    actor: str,
    action: str,
    objet: str,
    avant=None,
    apres=None,
    convention: str | None = None,
) -> None:
    """An audit row of an account change, filed under `convention` (default: the default one)."""
    record_audit(conn, convention or _default_convention(conn), actor, action, objet, avant, apres)


def _target_convention(conn: sa.Connection, actor: Actor, convention: str | None, action: str) -> str:
    """The convention a rights change applies to: `convention`, else the actor's, else the
    default one; refused outside the actor's convention, and before any convention is loaded."""
    code = convention or actor.convention or _default_convention(conn)
    if not code:
        raise AccountError("Aucune convention n'est chargée : lancez d'abord `python cli.py initialiser`.")
    if code not in db_users.convention_codes(conn):
        raise AccountError(f"Convention « {code} » inconnue de la base : lancez `python cli.py initialiser`.")
    require_convention(actor, code, action)
    return code


def _check_reach(actor: Actor, user: User, action: str) -> None:
    """An administrator bound to a convention manages the accounts that may open it (or none yet)."""
    if actor.convention is not None and user.rights and actor.convention not in user.rights:
        raise AccessDenied(
            f"Le compte « {user.login} » n'a pas de droits sur la convention {actor.convention} : "
            f"{action} par un administrateur d'une de ses conventions."
        )


def create_user(
    store: Store,
    actor: Actor,
    login: str,
    role: str,
    territoires: str | Iterable[str] | None = None,
    *,
    password: str,
    nom: str | None = None,
    is_demo: bool = False,
    now: datetime | None = None,
    convention: str | None = None,
) -> User:
    """Create an account (administrators only) with its rights in `convention` (default: the
    actor's, else the default one); the password is stored as an argon2 hash. The first
    administrator created while none exists administers every convention loaded."""
    require_admin(actor, "création d'un compte")
    login = check_login(login)
    stored_role = normalize_role(role)
    codes = scope_of(stored_role, parse_territoires(territoires))
    check_password(password, login, demo=is_demo)
    hashed = hash_password(password)
    now = now or datetime.now()

    def work(conn: sa.Connection) -> User:
        code = _target_convention(conn, actor, convention, "création d'un compte")
        if db_users.fetch(conn, login) is not None:
            raise AccountError(f"Le compte « {login} » existe déjà.")
        unknown_territories(codes, db_users.territory_codes(conn, code))
        first = stored_role == "administrateur" and convention is None and not db_users.count_admins(conn)
        db_users.insert(
            conn,
            login=login,
            nom=(nom or "").strip() or None,
            role=stored_role,
            territoires=",".join(codes),
            password_hash=hashed,
            active=True,
            is_demo=is_demo,
            failed_attempts=0,
            created_at=now,
            session_version=0,
        )
        for target in db_users.convention_codes(conn) if first else [code]:
            db_users.set_rights(conn, login, target, stored_role, ",".join(codes))
        if stored_role == "administrateur":
            db_users.drop_setup_codes(conn)
        user = _fetch_user(conn, login, code)
        _audit(conn, actor.login, "creation_compte", f"compte {login}", None, user.public(), code)
        return user

    user = store.write(work)
    log.info("Compte %s créé (rôle %s) par %s.", login, stored_role, actor.login)
    return user


def create_first_admin(
    store: Store, login: str, password: str, nom: str | None = None, now: datetime | None = None
) -> User:
    """Create the first administrator (command line, secrets.toml); refused once one exists."""
    return _first_admin(store, login, password, nom, now=now, code=None)


def issue_setup_code(store: Store, hours: int = 24, now: datetime | None = None) -> str | None:
    """A new one-time code for the first administrator, valid `hours` (None once one exists).

    `cli.py initialiser` prints it; the login page asks for it. Only its digest is stored.
    """
    now = now or datetime.now()
    code = new_setup_code()

    def work(conn: sa.Connection) -> bool:
        if db_users.count_admins(conn):
            return False
        db_users.replace_setup_code(conn, code_digest(code), now, now + timedelta(hours=hours))
        return True

    return code if store.write(work) else None


def create_first_admin_with_code(
    store: Store,
    code: str,
    login: str,
    password: str,
    nom: str | None = None,
    *,
    address: str,
    now: datetime | None = None,
) -> User:
    """Create the first administrator from the login page, with the code `cli.py initialiser` printed.

    A wrong code counts as a failed login of this client address (throttled the same way).
    """
    now = now or datetime.now()
    _throttle(store, address, now)
    try:
        return _first_admin(store, login, password, nom, now=now, code=code)
    except AccessDenied:
        _record_failure(store, SETUP_CODE_LOGIN, address, now)
        raise


def _first_admin(
    store: Store, login: str, password: str, nom: str | None, *, now: datetime | None, code: str | None
) -> User:
    login = check_login(login)
    check_password(password, login)
    hashed = hash_password(password)
    now = now or datetime.now()

    def work(conn: sa.Connection) -> User:
        if db_users.count_admins(conn):
            raise AccessDenied("Un compte administrateur existe déjà : connectez-vous avec lui.")
        if not db_users.convention_codes(conn):
            raise AccountError(
                "Aucune convention n'est chargée : lancez d'abord `python cli.py initialiser`."
            )
        if code is not None and not db_users.take_setup_code(conn, code_digest(code), now):
            raise AccessDenied(
                "Code d'installation incorrect ou expiré : `python cli.py initialiser` en affiche un nouveau "
                "sur le serveur."
            )
        if db_users.fetch(conn, login) is not None:
            raise AccountError(f"Le compte « {login} » existe déjà.")
        db_users.insert(
            conn,
            login=login,
            nom=(nom or "").strip() or None,
            role="administrateur",
            territoires="",
            password_hash=hashed,
            active=True,
            is_demo=False,
            failed_attempts=0,
            created_at=now,
            session_version=0,
        )
        for target in db_users.convention_codes(conn):  # the first administrator: every convention
            db_users.set_rights(conn, login, target, "administrateur", "")
        db_users.drop_setup_codes(conn)
        user = _fetch_user(conn, login)
        _audit(conn, login, "creation_premier_administrateur", f"compte {login}", None, user.public())
        return user

    user = store.write(work)
    log.info("Premier administrateur %s créé.", login)
    return user


def _change(
    store: Store,
    actor: Actor,
    login: str,
    action: str,
    values: dict,
    check=None,
    *,
    bump_session: bool | None = None,
    keep_session: str | None = None,
) -> User:
    """Update one account and audit before → after, in one transaction.

    When the change bumps the session version, the account's stored sessions end in the same
    transaction, except `keep_session` (one's own password change), carried over to the new version.
    """
    login = str(login).strip().lower()
    now = datetime.now()

    def work(conn: sa.Connection) -> User:
        before = _fetch_user(conn, login, actor.convention)
        if before is None:
            raise AccountError(f"Compte « {login} » inconnu.")
        if actor.login != login:
            _check_reach(actor, before, action.replace("_", " "))
        if check is not None:
            check(conn, before)
        bump = bump_session(before) if callable(bump_session) else bool(bump_session)
        db_users.update(conn, login, bump_session=bump, **values)
        after = _fetch_user(conn, login, actor.convention)
        if bump:
            db_sessions.revoke_account(conn, login, now, ACCOUNT_CHANGED, besides=keep_session)
            if keep_session is not None:
                db_sessions.set_version(conn, keep_session, login, after.session_version)
        avant, apres = before.public(), after.public()
        if action == "reinitialisation_mot_de_passe":
            avant, apres = {"mot_de_passe": "ancien"}, {"mot_de_passe": "modifié"}
        if "password_hash" in values or action == "reactivation_compte":
            db_users.clear_failures(conn, digest(login))  # lifts the lock-out from every address
        _audit(conn, actor.login, action, f"compte {login}", avant, apres, actor.convention)
        return after

    user = store.write(work)
    log.info("%s : compte %s, par %s.", action, login, actor.login)
    return user


def _keep_one_admin(
    conn: sa.Connection, before: User, *, leaving: bool, convention: str | None = None
) -> None:
    """Refuse to leave a convention without an active administrator (`convention`, or each
    convention the account administers)."""
    if not before.active:
        return
    for code, (role, _) in before.rights.items():
        if role == "administrateur" and convention in (None, code):
            last_admin(db_users.count_admins(conn, besides=before.login, convention=code), leaving=leaving)


def disable_user(store: Store, actor: Actor, login: str) -> User:
    """Disable an account (administrators only) and end its sessions; the last administrator stays."""
    require_admin(actor, "désactivation d'un compte")
    return _change(
        store,
        actor,
        login,
        "desactivation_compte",
        {"active": False},
        lambda conn, u: _keep_one_admin(conn, u, leaving=True),
        bump_session=True,
    )


def enable_user(store: Store, actor: Actor, login: str) -> User:
    """Re-enable an account and lift its lock-out (administrators only)."""
    require_admin(actor, "réactivation d'un compte")
    return _change(store, actor, login, "reactivation_compte", {"active": True})


def update_user(
    store: Store,
    actor: Actor,
    login: str,
    *,
    role: str | None = None,
    territoires: str | Iterable[str] | None = None,
    nom: str | None = None,
    convention: str | None = None,
) -> User:
    """Set the role and territories of an account in `convention` (default: the actor's, else
    the default one), giving it rights there if it had none, or change its name
    (administrators of that convention only).

    A change of role or territories ends the account's open sessions.
    """
    require_admin(actor, "modification d'un compte")
    login = str(login).strip().lower()
    new_role_asked = normalize_role(role) if role is not None else None

    def work(conn: sa.Connection) -> User:
        code = _target_convention(conn, actor, convention, "modification d'un compte")
        before = _fetch_user(conn, login, code)
        if before is None:
            raise AccountError(f"Compte « {login} » inconnu.")
        new_role = new_role_asked or before.role
        if new_role is None:
            raise AccountError(
                f"Le compte « {login} » n'a pas de droits sur la convention {code} : choisissez son rôle."
            )
        codes = parse_territoires(territoires) if territoires is not None else before.territoires
        codes = scope_of(new_role, codes)
        unknown_territories(codes, db_users.territory_codes(conn, code))
        if before.role == "administrateur":
            _keep_one_admin(conn, before, leaving=new_role != "administrateur", convention=code)
        changed = before.role != new_role or before.territoires != codes
        if changed:
            db_users.set_rights(conn, login, code, new_role, ",".join(codes))
        values: dict = {"nom": nom.strip() or None} if nom is not None else {}
        if values or changed:
            db_users.update(conn, login, bump_session=changed, **values)
        if changed:  # its stored browser sessions end in the same transaction
            db_sessions.revoke_account(conn, login, datetime.now(), ACCOUNT_CHANGED)
        after = _fetch_user(conn, login, code)
        _audit(
            conn, actor.login, "modification_compte", f"compte {login}", before.public(), after.public(), code
        )
        return after

    user = store.write(work)
    log.info("modification_compte : compte %s, par %s.", login, actor.login)
    return user


def remove_rights(store: Store, actor: Actor, login: str, convention: str | None = None) -> User:
    """Withdraw an account's rights on `convention` (default: the actor's, else the default one):
    it can no longer open it; its open sessions end. Administrators of that convention only."""
    require_admin(actor, "retrait des droits d'un compte")
    login = str(login).strip().lower()

    def work(conn: sa.Connection) -> User:
        code = _target_convention(conn, actor, convention, "retrait des droits d'un compte")
        before = _fetch_user(conn, login, code)
        if before is None:
            raise AccountError(f"Compte « {login} » inconnu.")
        if before.role is None:
            raise AccountError(f"Le compte « {login} » n'a pas de droits sur la convention {code}.")
        _keep_one_admin(conn, before, leaving=True, convention=code)
        db_users.drop_rights(conn, login, code)
        db_users.update(conn, login, bump_session=True)
        db_sessions.revoke_account(conn, login, datetime.now(), ACCOUNT_CHANGED)
        after = _fetch_user(conn, login, code)
        _audit(conn, actor.login, "retrait_droits", f"compte {login}", before.public(), after.public(), code)
        return after

    user = store.write(work)
    log.info("retrait_droits : compte %s, par %s.", login, actor.login)
    return user


def set_password(
    store: Store, actor: Actor, login: str, password: str, *, keep_session: str | None = None
) -> User:
    """Set a new password (an administrator, or the account holder): lifts the lock-out and
    ends the account's open sessions (but `keep_session`, the page's own when one changes
    one's own password)."""
    login = str(login).strip().lower()
    if not actor.is_admin and actor.login != login:
        raise AccessDenied(f"Le compte « {actor.login} » ne peut changer que son propre mot de passe.")
    check_password(password, login)
    hashed = hash_password(password)
    return _change(
        store,
        actor,
        login,
        "reinitialisation_mot_de_passe",
        {"password_hash": hashed},
        bump_session=True,
        keep_session=keep_session if actor.login == login else None,
    )


def change_own_password(
    store: Store,
    actor: Actor,
    current: str,
    new: str,
    *,
    address: str = COMMAND_LINE_ADDRESS,
    now: datetime | None = None,
    keep_session: str | None = None,
) -> User:
    """Change one's own password after checking the current one (failures count like logins).

    Other sessions of the account end; the stored session `keep_session` (the page's own) stays.
    """
    check_password(new, actor.login)
    if new == current:
        raise AccountError("Le nouveau mot de passe doit différer de l'actuel.")
    try:
        _authenticate(store, actor.login, current, address=address, now=now, record_login=False)
    except (AccountLocked, TooManyAttempts):
        raise
    except AuthenticationError as exc:
        raise AuthenticationError("Mot de passe actuel incorrect.") from exc
    return set_password(store, actor, actor.login, new, keep_session=keep_session)


def delete_user(store: Store, actor: Actor, login: str) -> str:
    """Delete an account (administrators only): its login is replaced by a pseudonym wherever
    the audit trail names it (journal, batches, comments, targets, meetings, engagements),
    its name is removed from the journal's states, its sessions end. Returns the pseudonym.

    The last active administrator cannot be deleted, nor can an administrator delete their
    own account from the page.
    """
    require_admin(actor, "suppression d'un compte")
    login = str(login).strip().lower()
    if login == actor.login:
        raise AccountError(
            "Vous ne pouvez pas supprimer votre propre compte : demandez-le à un autre administrateur."
        )
    pseudonym = new_pseudonym()

    def work(conn: sa.Connection) -> str:
        before = _fetch_user(conn, login, actor.convention)
        if before is None:
            raise AccountError(f"Compte « {login} » inconnu.")
        _check_reach(actor, before, "suppression")
        _keep_one_admin(conn, before, leaving=True)
        db_users.rename_author(conn, login, pseudonym)
        for entry in db_users.audit_rows(conn, objet=f"compte {login}"):
            db_users.set_audit_row(
                conn,
                entry.id,
                objet=f"compte {pseudonym}",
                avant=_without_name(entry.avant),
                apres=_without_name(entry.apres),
            )
        db_users.clear_failures(conn, digest(login))
        db_sessions.end_deleted_account(conn, login, pseudonym, datetime.now(), ACCOUNT_DELETED)
        db_users.delete(conn, login)
        _audit(
            conn,
            actor.login,
            "suppression_compte",
            f"compte {pseudonym}",
            {"role": before.role, "territoires": ",".join(before.territoires)},
            None,
            actor.convention,
        )
        return pseudonym

    result = store.write(work)
    log.info("Compte supprimé (pseudonyme %s) par %s.", result, actor.login)
    return result


def _without_name(state: object) -> object:
    import json

    if not isinstance(state, str):
        return state
    try:
        data = json.loads(state)
    except ValueError:
        return state
    if isinstance(data, dict) and "nom" in data:
        data["nom"] = None
    return data


# -- authentication ------------------------------------------------------------------------------
def authenticate(
    store: Store,
    login: str,
    password: str,
    *,
    address: str = COMMAND_LINE_ADDRESS,
    now: datetime | None = None,
) -> User:
    """The account when the password is right; otherwise a French `AuthenticationError`.

    `address` is the client's (the page passes `st.context.ip_address`). Unknown login and
    wrong password give the same answer after the same work.
    """
    return _authenticate(store, login, password, address=address, now=now, record_login=True)


def _throttle(store: Store, address: str, now: datetime) -> None:
    settings = get_settings()
    with store.connect() as conn:
        times = db_users.failures(
            conn, since=now - timedelta(minutes=settings.lockout_minutes), address_key=digest(address)
        )
    wait = throttle_wait(
        times, now, settings.throttle_free_attempts, settings.throttle_max_seconds, settings.lockout_minutes
    )
    if wait:
        log.warning("Tentatives de connexion ralenties pour une adresse (%s s).", wait)
        raise TooManyAttempts(wait)


def _record_failure(store: Store, login: str, address: str, now: datetime) -> None:
    store.write(lambda conn: db_users.record_failure(conn, digest(login), digest(address), now))


def _authenticate(
    store: Store, login: str, password: str, *, address: str, now: datetime | None, record_login: bool
) -> User:
    settings = get_settings()
    now = now or datetime.now()
    login = str(login or "").strip().lower()
    login_key, address_key = digest(login), digest(address)
    window = timedelta(minutes=settings.lockout_minutes)
    _throttle(store, address, now)  # before any hashing: a throttled address costs nothing

    row = db_users.get_row(store, login) if login else None
    right = _verify(row.password_hash if row is not None else _dummy_hash(), password)
    right = right and row is not None

    def work(conn: sa.Connection) -> tuple[User | None, Exception | None]:
        # The lock-out is checked after the password, the same way whether the login exists.
        earlier = db_users.failures(
            conn, since=now - 2 * window, login_key=login_key, address_key=address_key
        )
        blocked = lock_state(earlier, now, settings.lockout_attempts, settings.lockout_minutes)
        if blocked is not None:
            return None, AccountLocked(*blocked)
        if not right:
            db_users.record_failure(conn, login_key, address_key, now)
            blocked = lock_state([*earlier, now], now, settings.lockout_attempts, settings.lockout_minutes)
            if blocked is not None:
                # The same write whether the login exists or not (the same time to answer).
                objet = f"compte {login}" if row is not None else "identifiant inconnu"
                _audit(
                    conn,
                    login if row is not None else "anonyme",
                    "verrouillage_compte",
                    objet,
                    None,
                    {"echecs": blocked[1], "bloque_jusqua": f"{blocked[0]:%d/%m/%Y %H:%M}"},
                )
                return None, AccountLocked(*blocked)
            return None, AuthenticationError(WRONG)
        user = _user(conn, row)
        if not user.active:
            return None, AuthenticationError(
                f"Le compte « {login} » est désactivé ; adressez-vous à un administrateur."
            )
        if user.role is None:
            return None, AuthenticationError(
                f"Le compte « {login} » n'a de droits sur aucune convention ; adressez-vous à un administrateur."
            )
        db_users.clear_failures(conn, login_key, address_key)
        if _hasher.check_needs_rehash(row.password_hash):
            db_users.update(conn, login, password_hash=_hasher.hash(password))
        if record_login:
            _audit(conn, login, "connexion", f"compte {login}")
        return user, None

    user, error = store.write(work)
    if error is not None:
        # Never the login as typed: it is often a password typed in the wrong field.
        log.warning("Échec de connexion (identifiant %s…) : %s", login_key[:8], type(error).__name__)
        raise error
    log.info("Connexion de %s.", login)
    return user


# -- retention of personal data -----------------------------------------------------------------------
def purge_expired(store: Store, now: datetime | None = None) -> dict[str, int]:
    """Apply the retention period (`Settings.retention_months`): delete login events older
    than it, drop the text of comments deleted longer ago than it, forget failed attempts
    and ended sessions older than a day. Returns the counts (run by `cli.py initialiser`,
    `cli.py purger`, each login)."""
    settings, now = get_settings(), now or datetime.now()
    cutoff = now - timedelta(days=round(30.44 * settings.retention_months))

    def work(conn: sa.Connection) -> dict[str, int]:
        events = db_users.delete_audit(conn, LOGIN_EVENTS, cutoff)
        texts = 0
        for deleted in db_users.audit_rows(conn, action="suppression_commentaire", before=cutoff):
            for entry in db_users.audit_rows(conn, objet=deleted.objet):
                avant, apres = _drop_text(entry.avant), _drop_text(entry.apres)
                if (avant, apres) != (entry.avant, entry.apres):
                    db_users.set_audit_row(conn, entry.id, objet=entry.objet, avant=avant, apres=apres)
                    texts += 1
        failures = db_users.purge_failures(conn, now - timedelta(days=1))
        sessions = db_sessions.purge(conn, now - RETAIN_ENDED)
        return {"connexions": events, "textes_commentaires": texts, "echecs": failures, "sessions": sessions}

    return store.write(work)


RETAINED_TEXT = "[texte effacé : délai de conservation écoulé]"


def _drop_text(state: object) -> object:
    import json

    if not isinstance(state, str):
        return state
    try:
        data = json.loads(state)
    except ValueError:
        return state
    if isinstance(data, dict) and data.get("texte") not in (None, RETAINED_TEXT):
        data["texte"] = RETAINED_TEXT
        return json.dumps(data, ensure_ascii=False)
    return state


# -- demonstration ------------------------------------------------------------------------------------
def demo_accounts(store: Store) -> list[tuple[str, str, str]]:
    """The demonstration accounts present and active: (login, role label, public password)."""
    logins = db_users.demo_logins(store)
    return [
        (spec["login"], ROLE_LABELS[spec["role"]], spec["password"])
        for spec in DEMO_ACCOUNTS
        if spec["login"] in logins
    ]


def create_demo_accounts(store: Store, actor: Actor = SYSTEM) -> list[tuple[str, str, str]]:
    """Create the demonstration accounts (is_demo) not yet present; return (login, role, password).

    The administrator and the COPIL reader may open every convention loaded (the convention
    selector shows), the chargé the conventions holding its territories. Their passwords are
    public (docs/comptes.md); `remove_demo` deletes them.
    """
    require_admin(actor, "création des comptes de démonstration")
    with store.connect() as conn:
        conventions = db_users.convention_codes(conn)
        territories = {code: db_users.territory_codes(conn, code) for code in conventions}
    if actor.convention is not None:
        conventions = [actor.convention]
    created = []
    for spec in DEMO_ACCOUNTS:
        wanted = [c for c in conventions if set(spec["territoires"]) <= territories[c]]
        user = get_user(store, spec["login"])
        for code in wanted:
            if user is None:
                user = create_user(
                    store,
                    actor,
                    spec["login"],
                    spec["role"],
                    spec["territoires"],
                    password=spec["password"],
                    nom=spec["nom"],
                    is_demo=True,
                    convention=code,
                )
            elif user.is_demo and code not in user.rights:
                user = update_user(
                    store,
                    actor,
                    spec["login"],
                    role=spec["role"],
                    territoires=spec["territoires"],
                    convention=code,
                )
        created.append((spec["login"], ROLE_LABELS[spec["role"]], spec["password"]))
    return created
