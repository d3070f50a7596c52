"""`demo` (load demonstration data) and `demo --remove` (delete them and nothing else)."""

from __future__ import annotations

import argparse

from commands.common import fail, open_store, reference
from indicators.catalogue import SeedError
from services.demo import install_demo, remove_demo
from services.reference import install_reference


def cmd_demo(args: argparse.Namespace) -> int:
    try:
        ref = reference()
    except SeedError as exc:
        return fail(str(exc))
    with open_store() as store:
        if args.remove:
            removed = remove_demo(store, ref)
            print(
                f"Données de démonstration supprimées : {removed} ligne(s). "
                "Les autres données sont inchangées."
            )
            from commands.users import first_admin_hint

            hint = first_admin_hint(store)  # the demo administrator is gone: say how to make one
            if hint:
                print(hint)
            return 0
        install_reference(store, ref)
        report = install_demo(store, ref)
        accounts = report.accounts
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
