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


def test_every_command_is_documented():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in sub.choices:
        assert f"cli.py {name}" in README, name


def test_ci_runs_the_readme_test_command():
    assert "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
