"""Command line of the CTG dashboard: `python cli.py --help`."""

from __future__ import annotations

import argparse
import importlib
import sys

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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
