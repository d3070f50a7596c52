"""The layers of the README's « Architecture » section, read from the imports (AST).

pages/ui → services → indicators (domain) and db (store); reports beside the use cases.
A forbidden import fails here with the file, the line and the rule it breaks.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("indicators", "db", "services", "reports", "ui", "pages", "commands")

# What each folder may import, among the project's own folders and the heavy libraries.
FORBIDDEN = {
    "indicators": {
        "db",
        "services",
        "reports",
        "ui",
        "pages",
        "commands",
        "streamlit",
        "sqlalchemy",
        "duckdb",
        "playwright",
        "kaleido",
        "plotly",
        "xlsxwriter",
    },
    "db": {"indicators", "services", "reports", "ui", "pages", "commands", "streamlit", "plotly"},
    "services": {"ui", "pages", "commands", "streamlit"},
    "reports": {"db", "services", "ui", "pages", "commands", "streamlit", "sqlalchemy", "duckdb"},
    "ui": {"db", "commands", "sqlalchemy", "duckdb"},
    "pages": {"db", "commands", "sqlalchemy", "duckdb"},
    "commands": {"ui", "pages", "streamlit", "db"},
}
ALLOWED = {
    # The one store object is opened and closed by the callers (a context manager); its typed
    # errors are caught where they are shown. Nothing else of the store is reached from there.
    ("ui", "db.store"),
    ("commands", "db.store"),
}


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in a Python file, lazy imports inside functions included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def violations(root: Path = ROOT) -> list[str]:
    """Every import that breaks the layers, as `file:line imports module (rule)`."""
    out = []
    for layer in LAYERS:
        for path in sorted((root / layer).rglob("*.py")):
            for line, module in imports_of(path):
                top = module.split(".")[0]
                if top not in FORBIDDEN[layer]:
                    continue
                if any(layer == a and (module == m or module.startswith(m + ".")) for a, m in ALLOWED):
                    continue
                out.append(f"{path.relative_to(root)}:{line} imports {module} ({layer} → {top} is forbidden)")
    return out


def test_no_forbidden_import_direction():
    assert violations() == []


def test_the_rule_sees_a_forbidden_import(tmp_path):
    """The checker itself: a domain module importing the store, even lazily, is caught."""
    for layer in LAYERS:
        (tmp_path / layer).mkdir()
    (tmp_path / "indicators" / "bad.py").write_text("def f():\n    from db.store import Store\n")
    (tmp_path / "pages" / "ok.py").write_text("from services.review import gather_review\n")
    assert violations(tmp_path) == ["indicators/bad.py:2 imports db.store (indicators → db is forbidden)"]
