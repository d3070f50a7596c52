"""Benchmark of the quarterly upload: read + validate + diff (dry run) and commit.

    .venv/bin/python scripts/bench_upload.py            # real seed/, temporary store

1. the quarterly file of the 100 communes (the template of 2026-T3 filled in, about
   100 × 24 rows), as CSV and as XLSX: target under 1 s for validate + commit;
2. a 100 000-row CSV (every territory × every indicator × every period 2026-2030, plus
   identical repeated rows to reach 100 000): target under 10 s. The production limit
   is 50 000 rows per file (CTG_UPLOAD_MAX_ROWS); the benchmark lifts it.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from db.observations import current_values  # noqa: E402
from db.store import Store  # noqa: E402
from indicators.access import SYSTEM  # noqa: E402
from indicators.catalogue import load_reference  # noqa: E402
from indicators.periods import Period  # noqa: E402
from reports.template import expected_indicators, template_csv, template_frame, template_xlsx  # noqa: E402
from services.reference import install_reference  # noqa: E402
from services.uploads import commit_import, prepare_import  # noqa: E402

TODAY = dt.date(2026, 11, 29)
END = dt.date(2030, 12, 31)


def _value(ind, rng: random.Random) -> str:
    if ind.type == "jalon":
        return rng.choice(["oui", "non", "15/09/2026"])
    if ind.type == "qualitatif":
        return "Texte de bilan, à compléter"
    high = ind.max if ind.max is not None else 500
    number = rng.randint(0, int(high)) if ind.entier else round(rng.uniform(0, high), 2)
    return f"{number}".replace(".", ",")


def _timed(label: str, action):
    """Wall-clock and CPU time (the CPU time is what an idle machine would take, roughly)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = action()
    elapsed, used = time.perf_counter() - start, time.process_time() - cpu
    print(f"  {label:<46} {elapsed:6.3f} s (CPU {used:6.3f} s)")
    return result, elapsed


def quarterly(store: Store, ref, rng: random.Random) -> None:
    communes = [t.code for t in ref.communes()]
    frame = template_frame(ref, communes, "2026-T3", current_values(store, ref.convention.code))
    frame["valeur"] = [_value(ref.by_code[c], rng) for c in frame["indicateur"]]
    for suffix in (".csv", ".xlsx"):
        data = template_csv(frame) if suffix == ".csv" else template_xlsx(frame, ref)
        print(
            f"Fichier trimestriel, {len(communes)} communes, {len(frame)} lignes ({suffix}, "
            f"{len(data) / 1024:.0f} Ko) :"
        )
        plan, t_plan = _timed(
            "lecture + validation + comparaison (essai)",
            lambda d=data, s=suffix: prepare_import(store, ref, d, "t3" + s, SYSTEM, today=TODAY),
        )
        assert plan.accepted, plan.report.errors[:3]
        result, t_commit = _timed(
            "écriture (une transaction)", lambda p=plan: commit_import(store, ref, p, SYSTEM)
        )
        print(f"  {'total':<46} {t_plan + t_commit:6.3f} s   → {result.message}")
        frame["valeur"] = [_value(ref.by_code[c], rng) for c in frame["indicateur"]]  # next file changes


def hundred_thousand(store: Store, ref, rng: random.Random) -> None:
    rows = []
    for territory in (t.code for t in ref.territories if t.type != "secteur"):
        for period in [Period(y, q) for y in range(2026, 2031) for q in range(1, 5)] + [
            Period(y) for y in range(2026, 2031)
        ]:
            for ind in expected_indicators(ref, territory, period):
                rows.append((territory, ind.code, period.code, _value(ind, rng), ""))
    unique = len(rows)
    rows += rows[: 100_000 - unique]  # identical repeated rows: accepted with a warning each
    frame = pd.DataFrame(rows, columns=["territoire", "indicateur", "periode", "valeur", "commentaire"])
    buffer = io.StringIO()
    frame.to_csv(buffer, sep=";", index=False)
    data = buffer.getvalue().encode("utf-8-sig")
    print(
        f"Fichier de {len(frame)} lignes ({unique} valeurs distinctes, {len(frame) - unique} répétées ; "
        f"{len(data) / 1_048_576:.1f} Mo) :"
    )
    plan, t_plan = _timed(
        "lecture + validation + comparaison (essai)",
        lambda: prepare_import(
            store, ref, data, "gros.csv", SYSTEM, today=END, max_rows=200_000, max_bytes=50 * 1_048_576
        ),
    )
    assert plan.accepted, plan.report.errors[:3]
    result, t_commit = _timed("écriture (une transaction)", lambda: commit_import(store, ref, plan, SYSTEM))
    print(f"  {'total':<46} {t_plan + t_commit:6.3f} s   → {result.message}")
    again, t_again = _timed(
        "même fichier redéposé (rien à écrire)",
        lambda: commit_import(
            store,
            ref,
            prepare_import(
                store, ref, data, "gros.csv", SYSTEM, today=END, max_rows=200_000, max_bytes=50 * 1_048_576
            ),
            SYSTEM,
        ),
    )
    print(f"  → {again.message}")


def main() -> int:
    print(f"Charge de la machine : {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} cœurs)")
    ref = load_reference(ROOT / "seed")
    rng = random.Random(42)
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.duckdb") as store:
        store.migrate()
        install_reference(store, ref)
        quarterly(store, ref, rng)
        hundred_thousand(store, ref, rng)
    return 0


if __name__ == "__main__":
    sys.exit(main())
