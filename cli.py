"""Command line of the CTG dashboard: `python cli.py --help`."""

from __future__ import annotations

import argparse
import getpass
import importlib
import sys

from db.channel import Channel, acting_through
from db.store import StoreError

# One module per group of commands, each with register(subparsers).
COMMAND_MODULES = [
    "commands.reference",
    "commands.users",
    "commands.demo",
    "commands.upload",
    "commands.bilan",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cli.py", description="Tableau de bord de la CTG 2026-2030 (CABBALR) : commandes."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    _add_convention_option(parser)
    return parser


def _add_convention_option(parser: argparse.ArgumentParser) -> None:
    """Every command acts on one convention (initialiser: all of them unless one is named)."""
    groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not groups:
        parser.add_argument(
            "--convention",
            metavar="CODE",
            help="code de la convention (défaut : CTG_CONVENTION, sinon la première convention réelle de seed/)",
        )
    for group in groups:
        for child in {id(c): c for c in group.choices.values()}.values():
            _add_convention_option(child)


def system_user() -> str:
    """The user of the operating system running the command line (audited beside the login)."""
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers
        return "inconnu"


def main(argv: list[str] | None = None) -> int:
    """Run one command; every write it makes is audited as coming from the command line."""
    args = build_parser().parse_args(argv)
    from commands.common import select_convention

    select_convention(getattr(args, "convention", None))
    with acting_through(Channel.command_line(system_user())):
        try:
            return int(args.func(args) or 0)
        except StoreError as exc:  # the store is busy or cannot be opened: a sentence, no traceback
            print(f"Erreur : {exc}", file=sys.stderr)
            return 2 if getattr(args, "command", "") in ("deposer", "import") else 1


if __name__ == "__main__":
    sys.exit(main())
