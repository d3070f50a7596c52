"""Server-side render time of every page of app.py on the seeded store with demonstration data.

    python scripts/bench_pages.py

Builds a temporary store (reference + `cli.py demo`), then runs each page with Streamlit's
AppTest, logged in as an administrator: a first run (cold: caches empty, the values read
from DuckDB and every summary computed) and three warm runs (the cached reads, as a user
moving between pages). Goal: under 1 s per page.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

tmp = Path(tempfile.mkdtemp(prefix="bench-pages-"))
os.environ["CTG_DATABASE_URL"] = f"duckdb:///{tmp / 'ctg.duckdb'}"
os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")  # AppTest's bare-mode warnings

import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from db.store import Store  # noqa: E402
from services.demo import install_demo  # noqa: E402
from services.reference import install_reference, read_reference  # noqa: E402
from services.settings import get_settings  # noqa: E402
from tests.auth_helpers import login_as  # noqa: E402

GOAL = 1.0


def run(path: str) -> tuple[float, bool]:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    login_as(at, "administrateur")
    at.switch_page(path)
    start = time.perf_counter()
    at.run()
    return time.perf_counter() - start, bool(at.exception)


def main() -> None:
    import logging

    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)
    get_settings.cache_clear()
    ref = read_reference()  # the default convention of seed/
    with Store(get_settings().database_url) as store:
        store.migrate()
        install_reference(store, ref)
        install_demo(store, ref)
    pages = sorted(set(re.findall(r'"(pages/[a-z_]+\.py)"', (ROOT / "app.py").read_text(encoding="utf-8"))))
    run("pages/referentiel.py")  # warm the imports once, so the first page does not pay for them
    print(f"{'page':32} {'froid (s)':>10} {'chaud, médiane (s)':>20}  objectif < {GOAL:.0f} s")
    for path in pages:
        st.cache_data.clear()
        cold, failed = run(path)
        warm = statistics.median(run(path)[0] for _ in range(3))
        flag = "ERREUR" if failed else ("ok" if warm < GOAL else "LENT")
        print(f"{path:32} {cold:10.2f} {warm:20.2f}  {flag}")


if __name__ == "__main__":
    main()
