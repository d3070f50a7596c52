"""Who may do what: roles and territorial scope, checked where writes happen.

Roles: `lecteur` (reads every panel and the bilan), `charge` (uploads values and writes
comments for the assigned territories only), `administrateur` (everything). Every write
function of `indicators/` and `db/` takes the acting `Actor` and calls these checks; the
user interface hiding a button is only a convenience.

Rights are per convention: an account has a role (and a chargé's territories) in each
convention it may open, and an `Actor` carries the rights of one convention (`convention`).
A write into another convention is refused (`require_convention`), whatever the role.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from indicators.labels import ROLE_LABELS

Role = Literal["lecteur", "charge", "administrateur"]


class AccessDenied(PermissionError):
    """An action the actor's role or territories do not allow; the message is French."""


@dataclass(frozen=True)
class Actor:
    """The person (or process) acting: login, role and the territories they may write."""

    login: str
    role: Role
    territoires: frozenset[str] = field(default_factory=frozenset)
    # The convention these rights are on; None for the command line's SYSTEM and for actors
    # built by hand (tests), which act in whatever convention they are given.
    convention: str | None = None
    # Every convention the account may open (the convention selector), this one included.
    conventions: tuple[str, ...] = ()

    @property
    def is_admin(self) -> bool:
        return self.role == "administrateur"

    @property
    def may_write(self) -> bool:
        """True for the roles that write values or comments (not the COPIL readers)."""
        return self.role != "lecteur"

    def may_write_territory(self, code: str) -> bool:
        """True when the actor may write values for this territory."""
        return self.is_admin or (self.role == "charge" and code in self.territoires)


# The command line run by whoever holds the machine (init, demo): acts as administrator.
SYSTEM = Actor(login="systeme", role="administrateur")


def require_convention(actor: Actor, convention: str, action: str) -> None:
    """Refuse `action` in `convention` to an actor whose rights are on another convention."""
    if actor.convention is not None and actor.convention != convention:
        raise AccessDenied(
            f"Le compte « {actor.login} » agit dans la convention {actor.convention} : "
            f"{action} refusée dans la convention {convention}."
        )


def require_admin(actor: Actor, action: str, convention: str | None = None) -> None:
    """Refuse `action` unless the actor is an administrator (of `convention`, when given)."""
    if convention is not None:
        require_convention(actor, convention, action)
    if not actor.is_admin:
        raise AccessDenied(
            f"Action réservée aux administrateurs : {action} "
            f"(compte « {actor.login} », rôle {ROLE_LABELS[actor.role]})."
        )


def require_writer(actor: Actor, action: str, convention: str | None = None) -> None:
    """Refuse `action` to readers (and, when given, outside the actor's `convention`)."""
    if convention is not None:
        require_convention(actor, convention, action)
    if not actor.may_write:
        raise AccessDenied(f"Le compte « {actor.login} » est en lecture seule : {action} impossible.")


def require_territory(actor: Actor, code: str, action: str = "saisie", convention: str | None = None) -> None:
    """Refuse a write for a territory outside the actor's scope (or the actor's convention)."""
    require_writer(actor, action, convention)
    if not actor.may_write_territory(code):
        raise AccessDenied(
            f"Le territoire {code} n'est pas dans le périmètre du compte "
            f"« {actor.login} » : {action} refusée."
        )
