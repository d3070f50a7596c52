"""Use cases of the demonstration data: install them (flagged everywhere), remove them in one step.

>>> install_demo(store, ref)     # values T1–T3 2026, comments, meetings, demo accounts
>>> remove_demo(store, ref)      # deletes them, and nothing else
"""

from __future__ import annotations

from dataclasses import dataclass, field

from db import observations
from db.store import Store
from indicators.access import SYSTEM, Actor, require_admin
from indicators.catalogue import Reference
from services.accounts import create_demo_accounts
from services.demo_data import demo_comments, demo_meetings, demo_observations

DEMO_NOTE = "Données de démonstration (générées, non réelles)"
DEMO_OBJECT = "données de démonstration"


@dataclass(frozen=True)
class DemoReport:
    """What `install_demo` wrote (all zero when demonstration data were already there)."""

    observations: int
    comments: int
    meetings: int
    already: bool = False
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # (login, role label, password)


def has_demo(store: Store, ref: Reference) -> bool:
    """True while demonstration data are in the store."""
    return observations.has_demo(store, ref.convention.code)


def install_demo(store: Store, ref: Reference, actor: Actor = SYSTEM, *, accounts: bool = True) -> DemoReport:
    """Write the demonstration values, comments and meetings in one transaction, flagged demo.

    Idempotent: when demonstration data exist, nothing is written. With `accounts`, the
    three demonstration accounts are (re)created too.
    """
    require_admin(actor, "chargement des données de démonstration", ref.convention.code)
    convention = ref.convention.code
    logins = create_demo_accounts(store) if accounts else []
    if observations.has_demo(store, convention):
        return DemoReport(0, 0, 0, already=True, accounts=logins)
    rows = demo_observations(ref)
    comments = demo_comments(ref)
    meetings = demo_meetings(ref)
    observations.write_demo(
        store, convention, rows, comments, meetings, author=actor.login, note=DEMO_NOTE, objet=DEMO_OBJECT
    )
    return DemoReport(len(rows), len(comments), len(meetings), accounts=logins)


def remove_demo(store: Store, ref: Reference, actor: Actor = SYSTEM) -> int:
    """Delete every demonstration row (values, comments, meetings, accounts); return rows removed."""
    require_admin(actor, "suppression des données de démonstration", ref.convention.code)
    return observations.remove_demo(store, ref.convention.code, actor=actor.login, objet=DEMO_OBJECT)
