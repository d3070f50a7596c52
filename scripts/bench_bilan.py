"""Benchmark of the bilan export: the full mid-term bilan (goal: under 60 s) and PNG exports.

    .venv/bin/python scripts/bench_bilan.py

Builds a temporary store (real seed/ + demonstration data), then times the bilan and a
few PNG images (cold: engine start included; warm: engine running).
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db.store import Store  # noqa: E402
from indicators.catalogue import load_reference  # noqa: E402
from reports.bilan import indicator_figure  # noqa: E402
from reports.render import figure_png, rendering  # noqa: E402
from services.bilan import build_bilan  # noqa: E402
from services.demo import install_demo  # noqa: E402
from services.reference import install_reference  # noqa: E402
from services.review import gather_review  # noqa: E402


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (kaleido's and Playwright's Chromium)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ref = load_reference(ROOT / "seed")
    with tempfile.TemporaryDirectory() as tmp:
        with Store(Path(tmp) / "bench.duckdb") as store:
            store.migrate()
            install_reference(store, ref)
            install_demo(store, ref)
            load = os.getloadavg()[0]
            print(
                f"machine: {os.cpu_count()} coeurs, charge moyenne {load:.1f} au départ "
                "(au-delà du nombre de coeurs, les durées mesurées sont gonflées)"
            )
            for revue in ("mi-parcours", "annuelle-2026"):
                before = _cpu()
                bilan = build_bilan(store, ref, revue, today=dt.date(2026, 11, 20))
                print(
                    f"bilan {revue}: {bilan.seconds:.1f} s, {bilan.pages} pages, {bilan.images} images, "
                    f"{len(bilan.pdf) / 1e6:.1f} Mo (objectif < 60 s) ; temps processeur Python + "
                    f"navigateurs {_cpu() - before:.1f} s"
                )
                print("  " + ", ".join(f"{k} {v:.1f} s" for k, v in bilan.timings.items()))
            fig = indicator_figure(gather_review(store, ref, "mi-parcours"), "PE_PLACES_EAJE")
            started = time.perf_counter()
            with rendering():
                figure_png(fig)
                cold = time.perf_counter() - started
                started = time.perf_counter()
                for _ in range(5):
                    figure_png(fig)
                warm = (time.perf_counter() - started) / 5
            print(f"png 1600x900: first {cold:.1f} s (engine start), then {warm:.2f} s per image")


if __name__ == "__main__":
    main()
