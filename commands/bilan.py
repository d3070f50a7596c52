"""`bilan` (the PDF of a review) and `png` (one chart as a PNG at presentation size)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from commands.common import fail, open_store, reference
from db.store import StoreError
from indicators.catalogue import SeedError
from indicators.review import REVIEWS_BY_CODE
from reports.render import RenderError
from services.bilan import BilanError, build_bilan, indicator_png


def cmd_bilan(args: argparse.Namespace) -> int:
    out = Path(args.out)
    try:
        today = dt.date.fromisoformat(args.date) if args.date else None
    except ValueError:
        return fail(f"date d'édition « {args.date} » invalide (attendu : AAAA-MM-JJ).")
    try:
        ref = reference()
        with open_store() as store:
            bilan = build_bilan(store, ref, args.revue, today=today)
    except (BilanError, RenderError, SeedError, StoreError) as exc:
        return fail(str(exc))
    out.write_bytes(bilan.pdf)
    pages = f"{bilan.pages} pages, " if bilan.pages else ""
    seconds = f"{bilan.seconds:.1f}".replace(".", ",")
    print(
        f"Bilan écrit : {out} ({bilan.review.label} ; {pages}{bilan.images} graphiques, "
        f"{len(bilan.pdf) // 1024} Ko, en {seconds} s)."
    )
    return 0


def cmd_png(args: argparse.Namespace) -> int:
    out = Path(args.out)
    try:
        ref = reference()
        with open_store() as store:
            data = indicator_png(
                store,
                ref,
                args.indicateur,
                territory=args.territoire,
                revue=args.revue,
                width=args.largeur,
                height=args.hauteur,
            )
    except (BilanError, RenderError, SeedError, StoreError) as exc:
        return fail(str(exc))
    out.write_bytes(data)
    print(f"Image écrite : {out} ({args.largeur} × {args.hauteur} pixels, {len(data) // 1024} Ko).")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    reviews = ", ".join(REVIEWS_BY_CODE)
    p = sub.add_parser("bilan", help="écrit le bilan d'une revue en PDF (A4, en français)")
    p.add_argument("--revue", default="mi-parcours", help=f"revue : {reviews} (défaut : mi-parcours)")
    p.add_argument("--out", required=True, help="fichier PDF à écrire")
    p.add_argument("--date", help="date d'édition AAAA-MM-JJ (défaut : aujourd'hui)")
    p.set_defaults(func=cmd_bilan)
    p = sub.add_parser("png", help="écrit le graphique d'un indicateur en PNG (1600 × 900)")
    p.add_argument("--indicateur", required=True, help="code de l'indicateur, ex. PE_PLACES_EAJE")
    p.add_argument(
        "--territoire", help="code INSEE d'une commune ou code d'une structure (défaut : l'agglomération)"
    )
    p.add_argument(
        "--revue", default="mi-parcours", help=f"revue dont la date d'arrêté est marquée : {reviews}"
    )
    p.add_argument("--out", required=True, help="fichier PNG à écrire")
    p.add_argument("--largeur", type=int, default=1600, help="largeur en pixels (défaut : 1600)")
    p.add_argument("--hauteur", type=int, default=900, help="hauteur en pixels (défaut : 900)")
    p.set_defaults(func=cmd_png)
