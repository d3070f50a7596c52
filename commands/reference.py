"""`initialiser` (create or upgrade the store, load the reference) and `exporter` (current values)."""

from __future__ import annotations

import argparse
from pathlib import Path

from commands.common import fail, open_store
from commands.users import first_admin_hint
from indicators.catalogue import SeedError
from services.accounts import purge_expired
from services.exports import ExportError, export_bytes
from services.reference import install_reference, pick_reference, read_references
from services.settings import get_settings


def cmd_init(args: argparse.Namespace) -> int:
    seed = Path(args.seed) if args.seed else get_settings().seed_dir
    try:
        # Every convention validated whole before the store is touched.
        refs = read_references(seed)
        if args.convention:
            refs = [pick_reference(refs, args.convention)]
    except SeedError as exc:
        return fail(str(exc))
    with open_store() as store:
        changed = [install_reference(store, ref) for ref in refs]
        where = store.path or store.url
        admin_hint = first_admin_hint(store, with_code=True)
        purge_expired(store)  # the retention period of personal data
    for ref, done in zip(refs, changed, strict=True):
        flag = " — convention fictive de démonstration" if ref.convention.demonstration else ""
        print(f"Convention {ref.convention.code}{flag} : {ref.summary()}.")
        print(
            ("Données de référence chargées" if done else "Données de référence déjà à jour, rien à faire")
            + f" ({where})."
        )
    if admin_hint:
        print(admin_hint)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    out = Path(args.out)
    try:
        with open_store() as store:
            data = export_bytes(store, _reference(), out.suffix.lower(), include_demo=not args.sans_demo)
    except (ExportError, SeedError) as exc:
        return fail(str(exc))
    out.write_bytes(data)
    print(f"Export écrit : {out} ({len(data)} octets).")
    return 0


def _reference():
    from commands.common import reference

    return reference()


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "initialiser", aliases=["init"], help="crée ou met à jour la base et charge les données de référence"
    )
    p.add_argument(
        "--seed", help="dossier des données de référence (défaut : seed/, un sous-dossier par convention)"
    )
    p.set_defaults(func=cmd_init)
    p = sub.add_parser(
        "exporter", aliases=["export"], help="exporte les valeurs courantes (CSV ;, XLSX ou Parquet)"
    )
    p.add_argument("--out", required=True, help="fichier de sortie : .csv, .xlsx ou .parquet")
    p.add_argument("--sans-demo", action="store_true", help="exclut les données de démonstration")
    p.set_defaults(func=cmd_export)
