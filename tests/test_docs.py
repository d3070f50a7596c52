"""The README documents every setting and every command; .ci/run is the README's test command."""

from __future__ import annotations

from pathlib import Path

from cli import build_parser
from services.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented():
    for name in Settings.model_fields:
        assert f"CTG_{name.upper()}" in README, name


def _commands() -> dict[str, list[str]]:
    """{canonical verb: its aliases} of cli.py."""
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    out = {}
    for action in sub._choices_actions:  # metavar: "initialiser (init)" for a verb with an alias
        name, _, rest = action.metavar.partition(" (")
        out[name] = [a.strip() for a in rest.rstrip(")").split(",") if a.strip()]
    return out


def test_every_command_is_documented():
    for name, aliases in _commands().items():
        assert f"cli.py {name}" in README, name
        for alias in aliases:
            assert f"`{alias}`" in README, alias


def test_cli_verbs_are_french_with_the_old_names_as_aliases():
    commands = _commands()
    assert {"initialiser", "exporter", "modele", "deposer", "historique", "annuler", "valeur"} <= set(
        commands
    )
    assert commands["initialiser"] == ["init"] and commands["deposer"] == ["import"]
    parser = build_parser()
    assert parser.parse_args(["init"]).func is parser.parse_args(["initialiser"]).func


def test_ci_runs_the_readme_test_command():
    assert "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_table_of_error_kinds_is_generated_from_the_registry():
    """Every kind the registry knows is in the README, as `scripts/readme_tables.py` writes it."""
    import subprocess
    import sys

    from indicators.issue_kinds import ISSUE_KINDS, markdown_table

    assert markdown_table() in README
    for kind in ISSUE_KINDS:
        assert f"`{kind.code}`" in README, kind.code
    check = subprocess.run([sys.executable, "scripts/readme_tables.py", "--check"], cwd=ROOT)
    assert check.returncode == 0, "README.md en retard : lancer scripts/readme_tables.py"


def test_every_error_kind_raised_is_registered():
    """The validation and the reader only raise kinds of indicators/issue_kinds.py."""
    import re

    from indicators.issue_kinds import BY_CODE

    used: set[str] = set()
    for name in ("indicators/validation.py", "indicators/upload.py", "indicators/rules.py"):
        used |= set(re.findall(r'"([a-z]+(?:-[a-z]+)+)"', (ROOT / name).read_text(encoding="utf-8")))
    assert used, "no kind found: the pattern no longer matches the code"
    assert sorted(used - set(BY_CODE)) == []
