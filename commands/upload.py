"""Quarterly upload from the command line: `modele`, `deposer`, `historique`, `annuler`, `valeur`.

`deposer` prints the validation report on stdout and exits 0 when the file is accepted
(or a clean dry run), 2 when it is refused (nothing written).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from commands.common import fail, open_store, reference
from db.store import Store, StoreError
from indicators.access import SYSTEM, AccessDenied, Actor
from indicators.catalogue import SeedError
from indicators.periods import PeriodError, parse_period
from indicators.upload import size_issue
from reports.template import TemplateError
from services.settings import get_settings
from services.uploads import (
    STATUS_UNCHANGED,
    ImportResult,
    RevertRefused,
    batch_history,
    import_file,
    revert_import,
    value_trail,
)
from services.values import upload_template

EXIT_REJECTED = 2
PREVIEW_LIMIT = 40


def resolve_actor(store: Store, login: str | None, convention: str | None = None) -> Actor:
    """Who acts for `--as LOGIN`: an active account of the store, with its rights in
    `convention` (refused without any there); SYSTEM when `--as` is absent.

    The one place the command line turns a login into an `Actor` (services/accounts.actor_for).
    `--as` lends the account's rights, not its identity: the audit trail records the channel
    « ligne de commande » and the system user who ran the command beside the login.
    """
    if not login:
        return SYSTEM
    from services.accounts import actor_for  # raises AccountError (French)

    return actor_for(store, login, convention)


def _table(frame: pd.DataFrame) -> str:
    return frame.to_string(index=False) if not frame.empty else "(aucune ligne)"


def print_result(result: ImportResult, ref, *, dry_run: bool) -> None:
    """The report as printed on stdout: summary, errors, warnings, then what changes."""
    plan = result.plan
    report = plan.report
    print(f"Fichier : {plan.filename} (sha256 {plan.sha256[:12]})")
    print(f"Lecture : {report.summary()}")
    if report.errors:
        print(f"\nErreurs ({len(report.errors)}) : le fichier est refusé en entier, rien n'a été écrit.")
        for issue in report.errors:
            where = ", ".join(
                p
                for p in (
                    f"ligne {issue.line}" if issue.line else "",
                    f"colonne {issue.column}" if issue.column else "",
                )
                if p
            )
            print(f"  - {where + ' : ' if where else ''}{issue.message} [{issue.kind}]")
    if report.warnings:
        print(f"\nAvertissements ({len(report.warnings)}) : valeurs acceptées, à vérifier.")
        for issue in report.warnings:
            print(f"  - ligne {issue.line}, colonne {issue.column} : {issue.message} [{issue.kind}]")
    if report.valid:
        changes = plan.preview(ref, changes_only=True, limit=PREVIEW_LIMIT)  # only what is printed
        total = int((plan.diff["statut"] != STATUS_UNCHANGED).sum()) if not plan.diff.empty else 0
        if not changes.empty:
            print(f"\n{'Valeurs qui seraient écrites' if dry_run else 'Valeurs écrites'} ({total}) :")
            print(_table(changes))
            if total > PREVIEW_LIMIT:
                print(f"… et {total - PREVIEW_LIMIT} autre(s).")
    print(f"\n{result.message}")


def read_bounded(path: Path, max_bytes: int) -> bytes | None:
    """The file's bytes, or None when it is larger than `max_bytes` (then nothing is read:
    its size comes from the file system, and at most max_bytes + 1 bytes are ever read)."""
    if path.stat().st_size > max_bytes:
        return None
    with path.open("rb") as handle:
        data = handle.read(max_bytes + 1)
    return None if len(data) > max_bytes else data


def cmd_import(args: argparse.Namespace) -> int:
    path = Path(args.fichier)
    if not path.is_file():
        return fail(f"fichier introuvable : {path}")
    max_bytes = get_settings().upload_max_bytes
    data = read_bounded(path, max_bytes)
    if data is None:
        issue = size_issue(max(path.stat().st_size, max_bytes + 1), max_bytes)
        print(f"Fichier : {path.name}")
        print("\nErreurs (1) : le fichier est refusé en entier, rien n'a été écrit.")
        print(f"  - {issue.message} [{issue.kind}]")
        return EXIT_REJECTED
    try:
        ref = reference()
        with open_store() as store:
            actor = resolve_actor(store, args.as_login, ref.convention.code)
            result = import_file(store, ref, data, path.name, actor, dry_run=args.dry_run)
    except (
        AccessDenied,
        SeedError,
        RevertRefused,
        StoreError,
        ValueError,
    ) as exc:  # ValueError: unknown login
        return fail(str(exc), EXIT_REJECTED)
    print_result(result, ref, dry_run=args.dry_run)
    return 0 if result.plan.accepted else EXIT_REJECTED


def cmd_template(args: argparse.Namespace) -> int:
    out = Path(args.out)
    codes = [c.strip() for item in args.territoire for c in item.split(",") if c.strip()]
    try:
        ref = reference()
        with open_store() as store:
            data = upload_template(store, ref, codes, args.periode, out.suffix)
    except (TemplateError, SeedError) as exc:
        return fail(str(exc))
    out.write_bytes(data)
    print(
        f"Modèle écrit : {out} ({len(data)} octets) pour {', '.join(codes)}, "
        f"{parse_period(args.periode).label}."
    )
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    ref = reference()
    with open_store() as store:
        frame = batch_history(store, ref.convention.code)
    if args.limite:
        frame = frame.head(args.limite)
    print(_table(frame))
    return 0


def cmd_revert(args: argparse.Namespace) -> int:
    ref = reference()
    try:
        with open_store() as store:
            actor = resolve_actor(store, args.as_login, ref.convention.code)
            message = revert_import(store, ref, args.lot, actor)
    except (AccessDenied, RevertRefused, ValueError) as exc:
        return fail(str(exc))
    print(message)
    return 0


def cmd_value(args: argparse.Namespace) -> int:
    ref = reference()
    if args.indicateur not in ref.by_code:
        return fail(f"indicateur {args.indicateur} inconnu.")
    try:
        periode = parse_period(args.periode).code
    except PeriodError as exc:
        return fail(str(exc))
    with open_store() as store:
        frame = value_trail(store, ref, args.indicateur, args.territoire, periode)
    print(f"{args.indicateur} · {args.territoire} · {parse_period(periode).label}")
    print(_table(frame))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "modele", aliases=["template"], help="écrit le modèle de dépôt d'un territoire et d'une période"
    )
    p.add_argument(
        "--territoire",
        required=True,
        action="append",
        help="code INSEE ou de structure (répétable, ou séparés par des virgules)",
    )
    p.add_argument("--periode", required=True, help="2026-T3 (indicateurs trimestriels) ou 2026 (annuels)")
    p.add_argument(
        "--out",
        required=True,
        help="fichier de sortie : .csv (;, UTF-8 BOM), .xlsx (Excel) ou .ods (LibreOffice)",
    )
    p.set_defaults(func=cmd_template)

    p = sub.add_parser(
        "deposer",
        aliases=["import"],
        help="dépose un fichier CSV, TSV, XLSX ou ODS (code 0 accepté, 2 refusé ou base occupée)",
    )
    p.add_argument("fichier", help="fichier .csv, .tsv, .xlsx ou .ods")
    p.add_argument(
        "--dry-run", action="store_true", help="essai à blanc : rapport et aperçu, rien n'est écrit"
    )
    p.add_argument(
        "--as",
        dest="as_login",
        metavar="LOGIN",
        help="agit avec les droits de ce compte, sans son mot de passe ; le journal note la ligne de "
        "commande et l'utilisateur système (défaut : système)",
    )
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("historique", help="liste les dépôts (auteur, fichier, nombres, statut)")
    p.add_argument("--limite", type=int, default=0, help="n'affiche que les N derniers")
    p.set_defaults(func=cmd_history)

    p = sub.add_parser(
        "annuler", help="annule un dépôt (administrateurs) : les valeurs précédentes reviennent"
    )
    p.add_argument("lot", type=int, help="numéro du dépôt (voir historique)")
    p.add_argument("--as", dest="as_login", metavar="LOGIN", help="compte de l'administrateur")
    p.set_defaults(func=cmd_revert)

    p = sub.add_parser("valeur", help="historique d'une valeur (indicateur, territoire, période)")
    p.add_argument("--indicateur", required=True)
    p.add_argument("--territoire", required=True)
    p.add_argument("--periode", required=True)
    p.set_defaults(func=cmd_value)
