"""User accounts: creation, roles and territories, passwords (argon2), lock-out, the acting `Actor`.

    >>> create_user(store, SYSTEM, "mdupont", "chargé", ["62119"], password="un mot de passe long")
    >>> user = authenticate(store, "mdupont", "un mot de passe long")
    >>> actor_for(store, "mdupont").territoires
    frozenset({'62119'})

Passwords are hashed with argon2id (argon2-cffi); neither a password nor its hash ever
reaches the audit log or the logs. Every administrative change (creation, role,
territories, activation, password reset) leaves an audit row with before → after, in the
same transaction as the change. After `lockout_attempts` failures in a row an account is
locked for `lockout_minutes` (both in Settings); the clock is injectable (`now=`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from db import schema
from db.observations import record_audit
from db.store import Store
from indicators.access import ROLE_LABELS, SYSTEM, AccessDenied, Actor, Role, require_admin
from services.settings import get_settings

log = logging.getLogger("ctg.users")

PASSWORD_MIN_LENGTH = 12  # CNIL recommendation for a password-only authentication
LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")

_hasher = PasswordHasher()  # argon2id, library defaults (RFC 9106 low-memory profile)
# Verified against when the login is unknown, so that the answer takes the same time.
_DUMMY_HASH = _hasher.hash("compte inexistant, mot de passe factice")

_ROLE_SPELLINGS: dict[str, Role] = {
    "lecteur": "lecteur",
    "lectrice": "lecteur",
    "copil": "lecteur",
    "charge": "charge",
    "chargé": "charge",
    "chargée": "charge",
    "chargee": "charge",
    "administrateur": "administrateur",
    "administratrice": "administrateur",
    "admin": "administrateur",
}

# Demonstration accounts: clearly labelled (is_demo), documented passwords, removed with the demo data.
DEMO_ACCOUNTS: list[dict] = [
    {
        "login": "demo-admin",
        "nom": "Administrateur (démonstration)",
        "role": "administrateur",
        "territoires": [],
        "password": "demo-admin-ctg",
    },
    {
        "login": "demo-charge",
        "nom": "Chargée de coopération Béthune (démonstration)",
        "role": "charge",
        "territoires": ["62119"],
        "password": "demo-charge-ctg",
    },
    {
        "login": "demo-copil",
        "nom": "Membre du COPIL (démonstration)",
        "role": "lecteur",
        "territoires": [],
        "password": "demo-copil-ctg",
    },
]


class UserError(ValueError):
    """An account operation that cannot be done; the message is French."""


class AuthenticationError(UserError):
    """Wrong login or password, or a disabled account."""


class AccountLocked(AuthenticationError):
    """Too many failures in a row: the account is locked until `until`."""

    def __init__(self, until: datetime, attempts: int) -> None:
        self.until = until
        self.attempts = attempts
        super().__init__(
            f"Compte verrouillé jusqu'à {until:%H:%M} après {attempts} "
            f"{'échec' if attempts == 1 else 'échecs'} de connexion. Réessayez après cette heure ou demandez à un "
            "administrateur de réinitialiser le mot de passe."
        )


@dataclass(frozen=True)
class User:
    """One account as stored, without its password hash."""

    login: str
    nom: str | None
    role: Role
    territoires: tuple[str, ...]
    active: bool
    is_demo: bool
    failed_attempts: int
    locked_until: datetime | None
    created_at: datetime

    @property
    def actor(self) -> Actor:
        """The `Actor` acting for this account."""
        return Actor(login=self.login, role=self.role, territoires=frozenset(self.territoires))

    def public(self) -> dict:
        """What the audit log may keep of the account (never the password or its hash)."""
        return {
            "nom": self.nom,
            "role": self.role,
            "territoires": ",".join(self.territoires),
            "actif": self.active,
        }


# -- parsing ------------------------------------------------------------------------------
def normalize_role(text: str) -> Role:
    """The stored role for a spelling typed by a person (`chargé`, `charge`, `lecteur`...)."""
    role = _ROLE_SPELLINGS.get(str(text).strip().lower())
    if role is None:
        raise UserError(f"Rôle « {text} » inconnu : lecteur, chargé ou administrateur.")
    return role


def parse_territoires(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Territory codes from `62119,62126` or a list, trimmed, deduplicated, sorted."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(sorted({str(item).strip() for item in items if str(item).strip()}))


def check_login(login: str) -> str:
    """The login, lower-cased, or a French error when it is not a plain identifier."""
    clean = str(login).strip().lower()
    if not LOGIN_PATTERN.match(clean):
        raise UserError(
            f"Identifiant « {login} » invalide : 2 à 40 caractères parmi a-z, 0-9, "
            "point, tiret et tiret bas, sans espace ni accent."
        )
    return clean


def check_password(password: str, login: str | None = None) -> None:
    """Refuse a password that is too short or equal to the login (message in French)."""
    if not isinstance(password, str) or len(password) < PASSWORD_MIN_LENGTH:
        raise UserError(f"Le mot de passe doit compter au moins {PASSWORD_MIN_LENGTH} caractères.")
    if login and password.strip().lower() == login.lower():
        raise UserError("Le mot de passe ne peut pas être l'identifiant.")


def hash_password(password: str) -> str:
    """The argon2id hash of a password (salted; slow on purpose)."""
    return _hasher.hash(password)


# -- reads --------------------------------------------------------------------------------
def _row_to_user(row: sa.Row) -> User:
    return User(
        login=row.login,
        nom=row.nom,
        role=row.role,
        territoires=parse_territoires(row.territoires),
        active=bool(row.active),
        is_demo=bool(row.is_demo),
        failed_attempts=int(row.failed_attempts or 0),
        locked_until=row.locked_until,
        created_at=row.created_at,
    )


def _fetch(conn: sa.Connection, login: str) -> sa.Row | None:
    return conn.execute(sa.select(schema.utilisateurs).where(schema.utilisateurs.c.login == login)).first()


def get_user(store: Store, login: str) -> User | None:
    """The account `login`, or None."""
    with store.connect() as conn:
        row = _fetch(conn, str(login).strip().lower())
    return _row_to_user(row) if row is not None else None


def list_users(store: Store) -> pd.DataFrame:
    """Every account (no password hash), administrators first, then by login."""
    with store.connect() as conn:
        rows = conn.execute(sa.select(schema.utilisateurs).order_by(schema.utilisateurs.c.login)).all()
    users = [_row_to_user(r) for r in rows]
    order = {"administrateur": 0, "charge": 1, "lecteur": 2}
    users.sort(key=lambda u: (order.get(u.role, 3), u.login))
    return pd.DataFrame(
        [
            {
                "login": u.login,
                "nom": u.nom,
                "role": u.role,
                "territoires": ",".join(u.territoires),
                "active": u.active,
                "is_demo": u.is_demo,
                "failed_attempts": u.failed_attempts,
                "locked_until": u.locked_until,
                "created_at": u.created_at,
            }
            for u in users
        ],
        columns=[
            "login",
            "nom",
            "role",
            "territoires",
            "active",
            "is_demo",
            "failed_attempts",
            "locked_until",
            "created_at",
        ],
    )


def has_admin(store: Store) -> bool:
    """True when at least one active administrator account exists."""
    return bool(store.scalar("select count(*) from utilisateurs where role = 'administrateur' and active"))


def actor_for(store: Store, login: str) -> Actor:
    """The `Actor` of an active account; a French `UserError` for an unknown or disabled one.

    This is how `--as LOGIN` on the command line and the pages obtain who is acting.
    """
    user = get_user(store, login)
    if user is None:
        raise UserError(f"Compte « {login} » inconnu : voir `python cli.py users list`.")
    if not user.active:
        raise UserError(f"Le compte « {user.login} » est désactivé.")
    return user.actor


# -- writes -------------------------------------------------------------------------------
def _convention(conn: sa.Connection) -> str:
    # Accounts serve every convention of the store; the audit row is filed under the loaded one.
    code = conn.execute(
        sa.select(schema.conventions.c.code).order_by(schema.conventions.c.loaded_at.desc())
    ).scalar()
    return code or ""


def _check_territoires(conn: sa.Connection, codes: tuple[str, ...]) -> None:
    known = {r[0] for r in conn.execute(sa.select(schema.territoires.c.code).distinct())}
    if not known:
        return  # reference not loaded yet: nothing to check against
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise UserError("Territoire(s) inconnu(s) du référentiel : " + ", ".join(unknown) + ".")


def _scope(role: Role, territoires: tuple[str, ...]) -> tuple[str, ...]:
    if role == "charge" and not territoires:
        raise UserError(
            "Un compte chargé de coopération doit avoir au moins un territoire "
            "(codes INSEE séparés par des virgules, par exemple 62119,62126)."
        )
    return territoires if role == "charge" else ()


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
) -> User:
    """Create an account (administrators only); the password is stored as an argon2 hash."""
    require_admin(actor, "création d'un compte")
    login = check_login(login)
    stored_role = normalize_role(role)
    codes = _scope(stored_role, parse_territoires(territoires))
    check_password(password, login)
    digest = hash_password(password)
    now = now or datetime.now()

    def work(conn: sa.Connection) -> User:
        if _fetch(conn, login) is not None:
            raise UserError(f"Le compte « {login} » existe déjà.")
        _check_territoires(conn, codes)
        conn.execute(
            schema.utilisateurs.insert().values(
                login=login,
                nom=(nom or "").strip() or None,
                role=stored_role,
                territoires=",".join(codes),
                password_hash=digest,
                active=True,
                is_demo=is_demo,
                failed_attempts=0,
                locked_until=None,
                created_at=now,
            )
        )
        user = _row_to_user(_fetch(conn, login))
        record_audit(
            conn, _convention(conn), actor.login, "creation_compte", f"compte {login}", None, user.public()
        )
        return user

    user = store.write(work)
    log.info("Compte %s créé (rôle %s) par %s.", login, stored_role, actor.login)
    return user


def create_first_admin(
    store: Store, login: str, password: str, nom: str | None = None, now: datetime | None = None
) -> User:
    """Create the first administrator; refused once any active administrator exists."""
    login = check_login(login)
    check_password(password, login)
    digest = hash_password(password)
    now = now or datetime.now()

    def work(conn: sa.Connection) -> User:
        admins = conn.execute(
            sa.text("select count(*) from utilisateurs where role = 'administrateur' and active")
        ).scalar()
        if admins:
            raise AccessDenied("Un compte administrateur existe déjà : connectez-vous avec lui.")
        if _fetch(conn, login) is not None:
            raise UserError(f"Le compte « {login} » existe déjà.")
        conn.execute(
            schema.utilisateurs.insert().values(
                login=login,
                nom=(nom or "").strip() or None,
                role="administrateur",
                territoires="",
                password_hash=digest,
                active=True,
                is_demo=False,
                failed_attempts=0,
                locked_until=None,
                created_at=now,
            )
        )
        user = _row_to_user(_fetch(conn, login))
        record_audit(
            conn,
            _convention(conn),
            login,
            "creation_premier_administrateur",
            f"compte {login}",
            None,
            user.public(),
        )
        return user

    user = store.write(work)
    log.info("Premier administrateur %s créé.", login)
    return user


def _change(
    store: Store, actor: Actor, login: str, action: str, label: str, values: dict, check=None
) -> User:
    """Update one account and audit before → after, in one transaction."""
    login = str(login).strip().lower()

    def work(conn: sa.Connection) -> User:
        row = _fetch(conn, login)
        if row is None:
            raise UserError(f"Compte « {login} » inconnu.")
        before = _row_to_user(row)
        if check is not None:
            check(conn, before)
        conn.execute(
            schema.utilisateurs.update().where(schema.utilisateurs.c.login == login).values(**values)
        )
        after = _row_to_user(_fetch(conn, login))
        avant, apres = before.public(), after.public()
        if action == "reinitialisation_mot_de_passe":
            avant = {"mot_de_passe": "ancien", "verrouille": before.locked_until is not None}
            apres = {"mot_de_passe": "modifié", "verrouille": False}
        record_audit(conn, _convention(conn), actor.login, action, f"compte {login}", avant, apres)
        return after

    user = store.write(work)
    log.info("%s : compte %s, par %s.", label, login, actor.login)
    return user


def _keep_one_admin(conn: sa.Connection, before: User, *, leaving: bool) -> None:
    if leaving and before.role == "administrateur" and before.active:
        others = conn.execute(
            sa.text(
                "select count(*) from utilisateurs where role = 'administrateur' and active and login <> :l"
            ),
            {"l": before.login},
        ).scalar()
        if not others:
            raise UserError("Impossible : c'est le dernier compte administrateur actif.")


def disable_user(store: Store, actor: Actor, login: str) -> User:
    """Disable an account (administrators only); the last active administrator stays."""
    require_admin(actor, "désactivation d'un compte")
    return _change(
        store,
        actor,
        login,
        "desactivation_compte",
        "Désactivation",
        {"active": False},
        lambda conn, u: _keep_one_admin(conn, u, leaving=True),
    )


def enable_user(store: Store, actor: Actor, login: str) -> User:
    """Re-enable an account and clear its lock-out (administrators only)."""
    require_admin(actor, "réactivation d'un compte")
    return _change(
        store,
        actor,
        login,
        "reactivation_compte",
        "Réactivation",
        {"active": True, "failed_attempts": 0, "locked_until": None},
    )


def update_user(
    store: Store,
    actor: Actor,
    login: str,
    *,
    role: str | None = None,
    territoires: str | Iterable[str] | None = None,
    nom: str | None = None,
) -> User:
    """Change the role, the territories or the name of an account (administrators only)."""
    require_admin(actor, "modification d'un compte")
    current = get_user(store, login)
    if current is None:
        raise UserError(f"Compte « {login} » inconnu.")
    new_role = normalize_role(role) if role is not None else current.role
    codes = parse_territoires(territoires) if territoires is not None else current.territoires
    codes = _scope(new_role, codes)
    values: dict = {"role": new_role, "territoires": ",".join(codes)}
    if nom is not None:
        values["nom"] = nom.strip() or None

    def check(conn: sa.Connection, before: User) -> None:
        _check_territoires(conn, codes)
        _keep_one_admin(conn, before, leaving=new_role != "administrateur")

    return _change(store, actor, login, "modification_compte", "Modification", values, check)


def set_password(store: Store, actor: Actor, login: str, password: str) -> User:
    """Set a new password (an administrator, or the account holder); clears the lock-out."""
    login = str(login).strip().lower()
    if not actor.is_admin and actor.login != login:
        raise AccessDenied(f"Le compte « {actor.login} » ne peut changer que son propre mot de passe.")
    check_password(password, login)
    digest = hash_password(password)
    return _change(
        store,
        actor,
        login,
        "reinitialisation_mot_de_passe",
        "Nouveau mot de passe",
        {"password_hash": digest, "failed_attempts": 0, "locked_until": None},
    )


# -- authentication -----------------------------------------------------------------------
def authenticate(store: Store, login: str, password: str, *, now: datetime | None = None) -> User:
    """The account when the password is right; otherwise a French `AuthenticationError`.

    Unknown login and wrong password give the same message. After
    `Settings.lockout_attempts` failures in a row the account is locked for
    `Settings.lockout_minutes` (`AccountLocked`, checked before the password).
    """
    return _authenticate(store, login, password, now=now, record_login=True)


def change_own_password(
    store: Store, actor: Actor, current: str, new: str, *, now: datetime | None = None
) -> User:
    """Change one's own password after checking the current one (failures count toward lock-out)."""
    check_password(new, actor.login)
    if new == current:
        raise UserError("Le nouveau mot de passe doit différer de l'actuel.")
    try:
        _authenticate(store, actor.login, current, now=now, record_login=False)
    except AccountLocked:
        raise
    except AuthenticationError as exc:
        raise AuthenticationError("Mot de passe actuel incorrect.") from exc
    return set_password(store, actor, actor.login, new)


def _authenticate(
    store: Store, login: str, password: str, *, now: datetime | None, record_login: bool
) -> User:
    settings = get_settings()
    now = now or datetime.now()
    login = str(login or "").strip().lower()
    wrong = "Identifiant ou mot de passe incorrect."

    def work(conn: sa.Connection) -> tuple[User | None, Exception | None]:
        row = _fetch(conn, login) if login else None
        if row is None:
            _verify(_DUMMY_HASH, password)
            return None, AuthenticationError(wrong)
        user = _row_to_user(row)
        table = schema.utilisateurs
        where = table.c.login == login
        if user.locked_until is not None and now < user.locked_until:
            return None, AccountLocked(user.locked_until, user.failed_attempts)
        failures = 0 if user.locked_until is not None else user.failed_attempts  # lock served
        if not _verify(row.password_hash, password):
            failures += 1
            if failures >= settings.lockout_attempts:
                until = now + timedelta(minutes=settings.lockout_minutes)
                conn.execute(table.update().where(where).values(failed_attempts=failures, locked_until=until))
                record_audit(
                    conn,
                    _convention(conn),
                    login,
                    "verrouillage_compte",
                    f"compte {login}",
                    {"echecs": failures - 1},
                    {"echecs": failures, "verrouille_jusqua": f"{until:%d/%m/%Y %H:%M}"},
                )
                return None, AccountLocked(until, failures)
            conn.execute(table.update().where(where).values(failed_attempts=failures, locked_until=None))
            return None, AuthenticationError(wrong)
        if not user.active:
            return None, AuthenticationError(
                f"Le compte « {login} » est désactivé ; adressez-vous à un administrateur."
            )
        values: dict = {"failed_attempts": 0, "locked_until": None}
        if _hasher.check_needs_rehash(row.password_hash):
            values["password_hash"] = _hasher.hash(password)
        conn.execute(table.update().where(where).values(**values))
        if record_login:
            record_audit(conn, _convention(conn), login, "connexion", f"compte {login}")
        return _row_to_user(_fetch(conn, login)), None

    user, error = store.write(work)
    if error is not None:
        log.warning("Échec de connexion pour « %s » : %s", login, type(error).__name__)
        raise error
    log.info("Connexion de %s.", login)
    return user


def _verify(digest: str, password: str) -> bool:
    try:
        return _hasher.verify(digest, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# -- demonstration ------------------------------------------------------------------------
def demo_accounts(store: Store) -> list[tuple[str, str, str]]:
    """The demonstration accounts present and active: (login, role label, public password)."""
    present = store.query_df("select login from utilisateurs where is_demo and active")
    logins = set(present["login"])
    return [
        (spec["login"], ROLE_LABELS[spec["role"]], spec["password"])
        for spec in DEMO_ACCOUNTS
        if spec["login"] in logins
    ]


def create_demo_accounts(store: Store, actor: Actor = SYSTEM) -> list[tuple[str, str, str]]:
    """Create the demonstration accounts (is_demo) not yet present; return (login, role, password).

    Their passwords are public (docs/comptes.md); `remove_demo` deletes them.
    """
    require_admin(actor, "création des comptes de démonstration")
    created = []
    for spec in DEMO_ACCOUNTS:
        if get_user(store, spec["login"]) is None:
            create_user(
                store,
                actor,
                spec["login"],
                spec["role"],
                spec["territoires"],
                password=spec["password"],
                nom=spec["nom"],
                is_demo=True,
            )
        created.append((spec["login"], ROLE_LABELS[spec["role"]], spec["password"]))
    return created


def users_overview(store: Store, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Every account as shown to an administrator: French columns, territory names, no hash."""
    names = names or {}
    df = list_users(store)
    columns = ["Identifiant", "Nom", "Rôle", "Territoires", "État", "Démonstration", "Créé le"]
    if df.empty:
        return pd.DataFrame(columns=columns)

    def scope(text: str) -> str:
        codes = parse_territoires(text)
        return ", ".join(f"{names.get(c, c)} ({c})" for c in codes) if codes else "tous (lecture)"

    now = datetime.now()

    def state(row) -> str:
        parts = ["actif" if row.active else "désactivé"]
        locked = row.locked_until
        if locked is not None and not pd.isna(locked) and locked > now:
            parts.append(f"verrouillé jusqu'au {locked:%d/%m à %H:%M}")
        elif row.failed_attempts:
            parts.append(f"{row.failed_attempts} échec{'s' if row.failed_attempts > 1 else ''} de connexion")
        return " · ".join(parts)

    return pd.DataFrame(
        {
            "Identifiant": df["login"],
            "Nom": df["nom"].astype("object").where(df["nom"].notna(), "—"),
            "Rôle": df["role"].map(ROLE_LABELS),
            "Territoires": [
                scope(t) if r == "charge" else "tous"
                for t, r in zip(df["territoires"], df["role"], strict=True)
            ],
            "État": [state(row) for row in df.itertuples()],
            "Démonstration": df["is_demo"].map({True: "oui", False: "non"}),
            "Créé le": pd.to_datetime(df["created_at"]).dt.strftime("%d/%m/%Y"),
        }
    )[columns]
