"""Account rules: logins, roles and scope, the password policy, lock-out and throttling, pseudonyms.

Plain functions over plain data (no store, no Streamlit); `services/accounts.py` applies
them. The French messages users read are here.

    >>> check_password("aaaaaaaaaaaa", "marie")
    Traceback (most recent call last):
    AccountError: Ce mot de passe est trop facile à deviner...
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

import pandas as pd

from indicators.access import ROLE_LABELS, AccessDenied, Actor, Role

PASSWORD_MIN_LENGTH = 12  # CNIL recommendation for a password-only authentication
LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "seed" / "mots_de_passe_courants.txt"
DELETED_PREFIX = "compte-supprimé-"

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
DEMO_PASSWORDS = frozenset(spec["password"] for spec in DEMO_ACCOUNTS)


class AccountError(ValueError):
    """An account operation that cannot be done; the message is French."""


UserError = AccountError  # the former name, kept for callers


class AuthenticationError(AccountError):
    """Wrong login or password, or a disabled account."""


class AccountLocked(AuthenticationError):
    """Too many failures for this login from this client address: blocked until `until`.

    The same message whether the login exists or not: it tells an attacker nothing.
    """

    def __init__(self, until: datetime, attempts: int) -> None:
        self.until = until
        self.attempts = attempts
        super().__init__(
            f"Connexion bloquée jusqu'à {until:%H:%M} après {attempts} "
            f"{'échec' if attempts == 1 else 'échecs'} de connexion pour cet identifiant depuis ce poste. "
            "Réessayez après cette heure ou demandez à un administrateur de réinitialiser le mot de passe."
        )


class TooManyAttempts(AuthenticationError):
    """Too many failures from this client address: wait `seconds` before the next attempt."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        super().__init__(
            f"Trop de tentatives de connexion depuis ce poste : réessayez dans {seconds} seconde"
            f"{'s' if seconds > 1 else ''}."
        )


class SessionEnded(AccountError):
    """The account changed (password, role, disabled, deleted) since this session logged in."""


@dataclass(frozen=True)
class User:
    """One account as stored, without its password hash, seen from one convention: `role` and
    `territoires` are its rights in `convention` (role None: no rights there); `rights` holds
    them for every convention it may open ({convention: (role, territories)})."""

    login: str
    nom: str | None
    role: Role | None
    territoires: tuple[str, ...]
    active: bool
    is_demo: bool
    created_at: datetime
    session_version: int = 0
    convention: str | None = None
    rights: dict[str, tuple[Role, tuple[str, ...]]] = field(default_factory=dict)

    @property
    def conventions(self) -> tuple[str, ...]:
        """The conventions the account may open, by code."""
        return tuple(sorted(self.rights))

    @property
    def actor(self) -> Actor:
        """The `Actor` acting for this account in its convention (AccessDenied without rights there)."""
        if self.role is None:
            raise AccessDenied(
                f"Le compte « {self.login} » n'a aucun droit sur la convention {self.convention} : "
                "adressez-vous à un administrateur."
            )
        return Actor(
            login=self.login,
            role=self.role,
            territoires=frozenset(self.territoires),
            convention=self.convention,
            conventions=self.conventions,
        )

    def public(self) -> dict:
        """What the audit log may keep of the account (never the password or its hash)."""
        return {
            "nom": self.nom,
            "convention": self.convention,
            "role": self.role,
            "territoires": ",".join(self.territoires),
            "actif": self.active,
        }


# -- logins, roles, scope ---------------------------------------------------------------------
def normalize_role(text: str) -> Role:
    """The stored role for a spelling typed by a person (`chargé`, `charge`, `lecteur`...)."""
    role = _ROLE_SPELLINGS.get(str(text).strip().lower())
    if role is None:
        raise AccountError(f"Rôle « {text} » inconnu : lecteur, chargé ou administrateur.")
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
        raise AccountError(
            f"Identifiant « {login} » invalide : 2 à 40 caractères parmi a-z, 0-9, "
            "point, tiret et tiret bas, sans espace ni accent."
        )
    return clean


def scope_of(role: Role, territoires: tuple[str, ...]) -> tuple[str, ...]:
    """The territories an account of `role` keeps: a chargé needs at least one, others none."""
    if role == "charge" and not territoires:
        raise AccountError(
            "Un compte chargé de coopération doit avoir au moins un territoire "
            "(codes INSEE séparés par des virgules, par exemple 62119,62126)."
        )
    return territoires if role == "charge" else ()


def unknown_territories(codes: Sequence[str], known: set[str]) -> None:
    """Refuse codes absent from the reference (nothing to check before the reference is loaded)."""
    unknown = [c for c in codes if known and c not in known]
    if unknown:
        raise AccountError("Territoire(s) inconnu(s) du référentiel : " + ", ".join(unknown) + ".")


def last_admin(active_admins_besides: int, *, leaving: bool) -> None:
    """Refuse to disable, demote or delete the last active administrator."""
    if leaving and active_admins_besides == 0:
        raise AccountError("Impossible : c'est le dernier compte administrateur actif.")


# -- password policy -----------------------------------------------------------------------------
@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The list of common passwords shipped in seed/mots_de_passe_courants.txt (lower case)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
)
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_SEQUENCES = (
    "01234567890123456789012345678901234567890",
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
    "azertyuiopqsdfghjklmwxcvbnazertyuiopqsdfghjklmwxcvbn",
    "qwertyuiopasdfghjklzxcvbnmqwertyuiopasdfghjklzxcvbnm",
    "1234567890azertyuiopqsdfghjklm",
    "1234567890qwertyuiopasdfghjkl",
)


def _candidates(password: str) -> set[str]:
    low = password.strip().lower()
    core = _EDGES.sub("", low)
    forms = {low, core, low.translate(_LEET), _EDGES.sub("", low.translate(_LEET)), core.translate(_LEET)}
    forms |= {f.replace(" ", "").replace("-", "").replace("_", "").replace(".", "") for f in set(forms)}
    return {f for f in forms if f}


def check_password(password: str, login: str | None = None, *, demo: bool = False) -> None:
    """Refuse a weak password with a French message: fewer than 12 characters, the login, a
    common password (seed/mots_de_passe_courants.txt), a run of keys, or a public demo password.

    `demo=True` lets the demonstration accounts keep their documented passwords.
    """
    if not isinstance(password, str) or len(password) < PASSWORD_MIN_LENGTH:
        raise AccountError(f"Le mot de passe doit compter au moins {PASSWORD_MIN_LENGTH} caractères.")
    if not demo and password in DEMO_PASSWORDS:
        raise AccountError(
            "Ce mot de passe est celui d'un compte de démonstration, publié dans la documentation : "
            "choisissez-en un autre."
        )
    candidates = _candidates(password)
    if login and login.lower() in candidates | {c.rstrip("0123456789") for c in candidates}:
        raise AccountError("Le mot de passe ne peut pas être l'identifiant.")
    low = password.lower()
    weak = (
        len(set(low)) < 5
        or any(low in seq or low in seq[::-1] for seq in _SEQUENCES)
        or candidates & common_passwords()
    )
    if weak and not demo:
        raise AccountError(
            "Ce mot de passe est trop facile à deviner (mot de passe courant, suite de touches ou "
            "caractère répété) : choisissez par exemple une phrase de quatre ou cinq mots."
        )


# -- failed logins: lock-out per login and client address, throttling per address ----------------
def digest(text: str) -> str:
    """A short one-way key for a login or an address as typed (what the failure log and the
    application log keep, never the text itself: a password is often typed as a login)."""
    return hashlib.sha256(str(text).encode("utf-8", "surrogatepass")).hexdigest()[:24]


def lock_state(
    failures: Sequence[datetime], now: datetime, attempts: int, minutes: int
) -> tuple[datetime, int] | None:
    """(end of the block, failures counted) when `attempts` failures (for one login, from one
    address) fell within `minutes` of each other and the last of them is less than `minutes`
    old; None otherwise. A block served restarts the count (failures during it are not kept).

    Callers pass the failures of the last 2 × `minutes`.
    """
    window = timedelta(minutes=minutes)
    times = sorted(failures)
    best: tuple[datetime, int] | None = None
    for index, last in enumerate(times):
        count = sum(1 for t in times[: index + 1] if last - t < window)
        if count >= attempts and now < last + window:
            if best is None or last + window > best[0]:
                best = (last + window, count)
    return best


def lock_until(failures: Sequence[datetime], now: datetime, attempts: int, minutes: int) -> datetime | None:
    """The end of the block in force (see `lock_state`), or None."""
    state = lock_state(failures, now, attempts, minutes)
    return state[0] if state else None


def throttle_wait(
    failures: Sequence[datetime], now: datetime, free: int, cap_seconds: int, minutes: int
) -> int:
    """Seconds a client address must still wait before its next attempt (0: it may try now).

    The first `free` failures within `minutes` cost nothing; then each one doubles the wait
    after the last (1 s, 2 s, 4 s... up to `cap_seconds`). It only slows that address: an
    attacker cannot keep an administrator out from elsewhere.
    """
    window = timedelta(minutes=minutes)
    recent = sorted(f for f in failures if now - f < window)
    extra = len(recent) - free
    if extra < 0:
        return 0
    wait = min(2**extra, cap_seconds)
    remaining = (recent[-1] + timedelta(seconds=wait) - now).total_seconds()
    return max(0, int(remaining + 0.999))


# -- deletion and one-time setup code --------------------------------------------------------------
def new_pseudonym() -> str:
    """The name a deleted account leaves in the audit trail (random: nothing leads back to it)."""
    return DELETED_PREFIX + secrets.token_hex(4)


def new_setup_code() -> str:
    """A one-time code for the first administrator: 4 groups of 5 letters and digits (about 100 bits)."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(20))
    return "-".join(raw[i : i + 5] for i in range(0, 20, 5))


def code_digest(code: str) -> str:
    """How a one-time code is stored (sha256: the code is random and long, never chosen)."""
    return hashlib.sha256(code.strip().lower().replace(" ", "").encode()).hexdigest()


# -- what administrators see -----------------------------------------------------------------------
OVERVIEW_COLUMNS = ["Identifiant", "Nom", "Rôle", "Territoires", "État", "Démonstration", "Créé le"]
NO_RIGHTS = "aucun droit sur cette convention"


def accounts_table(
    frame: pd.DataFrame,
    names: dict[str, str] | None = None,
    locked: dict[str, datetime] | None = None,
) -> pd.DataFrame:
    """Every account as shown to an administrator: French columns, territory names, no hash.

    `frame` has the columns of `db.users.list_users`; `locked` maps a login to the end of a
    lock-out in force (from some client address).
    """
    names, locked = names or {}, locked or {}
    if frame.empty:
        return pd.DataFrame(columns=OVERVIEW_COLUMNS)

    def scope(text: str) -> str:
        codes = parse_territoires(text)
        return ", ".join(f"{names.get(c, c)} ({c})" for c in codes) if codes else "tous (lecture)"

    def state(login: str, active: bool) -> str:
        parts = ["actif" if active else "désactivé"]
        if login in locked:
            parts.append(f"connexion bloquée jusqu'au {locked[login]:%d/%m à %H:%M} (échecs)")
        return " · ".join(parts)

    return pd.DataFrame(
        {
            "Identifiant": frame["login"],
            "Nom": frame["nom"].astype("object").where(frame["nom"].notna(), "—"),
            "Rôle": [ROLE_LABELS.get(r, NO_RIGHTS) for r in frame["role"]],
            "Territoires": [
                scope(t) if r == "charge" else "tous" if r in ROLE_LABELS else "—"
                for t, r in zip(frame["territoires"], frame["role"], strict=True)
            ],
            "État": [state(lg, bool(a)) for lg, a in zip(frame["login"], frame["active"], strict=True)],
            "Démonstration": frame["is_demo"].map({True: "oui", False: "non"}),
            "Créé le": pd.to_datetime(frame["created_at"]).dt.strftime("%d/%m/%Y"),
        }
    )[OVERVIEW_COLUMNS]
