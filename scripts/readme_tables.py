"""Regenerate the README tables that come from the code (error kinds of an upload).

.venv/bin/python scripts/readme_tables.py          # rewrites README.md in place
.venv/bin/python scripts/readme_tables.py --check  # exit 1 when README.md is out of date
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indicators.issue_kinds import markdown_table  # noqa: E402

README = ROOT / "README.md"
BLOCKS = {"types-erreurs": markdown_table}


def render(text: str) -> str:
    """README text with every generated block replaced by its current content."""
    for name, make in BLOCKS.items():
        pattern = re.compile(rf"(<!-- {name}:début -->\n).*?(<!-- {name}:fin -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"README.md : marqueurs « {name} » absents")
        text = pattern.sub(lambda m, make=make: m.group(1) + make() + "\n" + m.group(2), text)
    return text


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    fresh = render(text)
    if "--check" in argv:
        return 0 if fresh == text else 1
    README.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
