"""`demo` (load demonstration data) and `demo --remove` (delete them and nothing else)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from commands.common import fail, open_store, reference
from db.observations import has_demo, record_audit, remove_demo, write_batch
from db.store import Store
from indicators.access import SYSTEM, Actor, require_admin
from indicators.catalogue import Reference, SeedError
from services.accounts import create_demo_accounts
from services.demo_data import demo_comments, demo_meetings, demo_observations


@dataclass(frozen=True)
class DemoReport:
    """What `install_demo` wrote (all zero when demonstration data were already there)."""

    observations: int
    comments: int
    meetings: int
    already: bool = False


def install_demo(store: Store, ref: Reference, actor: Actor = SYSTEM) -> DemoReport:
    """Write the demonstration values, comments and meetings in one transaction, flagged demo.

    Idempotent: when demonstration data exist, nothing is written.
    """
    require_admin(actor, "chargement des données de démonstration")
    convention = ref.convention.code
    if has_demo(store, convention):
        return DemoReport(0, 0, 0, already=True)
    rows = demo_observations(ref)
    comments = demo_comments(ref)
    meetings = demo_meetings(ref)

    def work(conn: sa.Connection) -> DemoReport:
        write_batch(
            conn,
            convention,
            rows,
            kind="demo",
            author=actor.login,
            is_demo=True,
            counts={"rows": len(rows), "new": len(rows)},
            note="Données de démonstration (générées, non réelles)",
        )
        now = datetime.now()
        if not comments.empty:
            Store.insert_df(
                conn, "commentaires", comments.assign(convention=convention, created_at=now, is_demo=True)
            )
        if not meetings.empty:
            Store.insert_df(
                conn, "reunions", meetings.assign(convention=convention, created_at=now, is_demo=True)
            )
        record_audit(
            conn,
            convention,
            actor.login,
            "chargement_demo",
            "données de démonstration",
            None,
            {"observations": len(rows), "commentaires": len(comments), "reunions": len(meetings)},
        )
        return DemoReport(len(rows), len(comments), len(meetings))

    return store.write(work)


def cmd_demo(args: argparse.Namespace) -> int:
    try:
        ref = reference()
    except SeedError as exc:
        return fail(str(exc))
    with open_store() as store:
        if args.remove:
            removed = remove_demo(store, ref.convention.code, actor=SYSTEM.login)
            print(
                f"Données de démonstration supprimées : {removed} ligne(s). "
                "Les autres données sont inchangées."
            )
            from commands.users import first_admin_hint

            hint = first_admin_hint(store)  # the demo administrator is gone: say how to make one
            if hint:
                print(hint)
            return 0
        from db.reference import load_reference_into

        load_reference_into(store, ref)
        report = install_demo(store, ref)
        accounts = create_demo_accounts(store)
    if report.already:
        print(
            "Des données de démonstration sont déjà présentes : rien à faire "
            "(`python cli.py demo --remove` pour les supprimer)."
        )
    else:
        print(
            f"Données de démonstration chargées : {report.observations} valeurs (T1 à T3 2026), "
            f"{report.comments} commentaires, {report.meetings} réunions. Elles sont signalées "
            "par un bandeau sur chaque page ; `python cli.py demo --remove` les supprime."
        )
    print(
        "Comptes de démonstration (identifiant / mot de passe) : "
        + " ; ".join(f"{login} / {password} ({role})" for login, role, password in accounts)
        + "."
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo", help="charge des données de démonstration (T1 à T3 2026), ou les supprime avec --remove"
    )
    p.add_argument(
        "--remove", action="store_true", help="supprime les données de démonstration, et rien d'autre"
    )
    p.set_defaults(func=cmd_demo)
