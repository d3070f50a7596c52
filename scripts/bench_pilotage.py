"""Time the reads behind the Gouvernance, Données, Cibles, Commentaires and Engagements pages.

    python scripts/bench_pilotage.py

Builds a temporary store (reference + demonstration data + a few targets, comments and
meetings), then times each function the pages call (median of 5 runs, warm). The pages
cache the Données table (`st.cache_data`); the other reads run on every page run.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

tmp = Path(tempfile.mkdtemp(prefix="bench-pilotage-"))
os.environ["CTG_DATABASE_URL"] = f"duckdb:///{tmp / 'ctg.duckdb'}"

from db.observations import conflicts, current_values, list_batches  # noqa: E402
from db.pilotage import (  # noqa: E402
    comments_frame,
    engagements_frame,
    meetings_frame,
    target_history,
    targets_frame,
)
from db.store import Store  # noqa: E402
from indicators.access import SYSTEM  # noqa: E402
from indicators.engagement import commune_engagements  # noqa: E402
from indicators.governance import calendar_status, due_not_held, yearly_counts  # noqa: E402
from indicators.pilotage_view import (  # noqa: E402
    calendar_table,
    engagements_table,
    meetings_table,
    values_table,
    yearly_table,
)
from indicators.review import get_review  # noqa: E402
from indicators.targets import progress_frame  # noqa: E402
from services.demo import install_demo  # noqa: E402
from services.exports import export_bytes, export_frame  # noqa: E402
from services.pilotage import add_comment, record_meeting, set_engagement, set_target  # noqa: E402
from services.reference import install_reference, read_reference  # noqa: E402
from services.settings import get_settings  # noqa: E402


def timed(label: str, fn, runs: int = 5) -> object:
    out, times = None, []
    for _ in range(runs):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    print(f"{label:48} {statistics.median(times) * 1000:8.1f} ms")
    return out


def main() -> None:
    ref = read_reference()  # the default convention of seed/
    conv = ref.convention.code
    today = dt.date(2026, 11, 29)
    with Store(get_settings().database_url) as store:
        store.migrate()
        install_reference(store, ref)
        install_demo(store, ref)
        for ind in [i for i in ref.indicators if i.is_numeric][:30]:
            set_target(store, ref, SYSTEM, ind.code, 2030, ind.min or 10)
        for c in ref.communes()[:60]:
            record_meeting(
                store, ref, SYSTEM, "comite_communal", dt.date(2026, 10, 1), territoire=c.code, today=today
            )
            set_engagement(store, ref, SYSTEM, c.code, True, dt.date(2026, 3, 1), "Élu de test", today=today)
        for a in ref.ambitions:
            add_comment(store, ref, SYSTEM, a.code, "annuelle-2026", "Analyse de test.")
        values = current_values(store, conv)
        print(f"{len(values)} valeurs, {len(meetings_frame(store, conv))} réunions")
        print(f"{'lecture':48} {'médiane':>11}")
        meetings = timed("meetings_frame", lambda: meetings_frame(store, conv))
        status = timed("calendar_status", lambda: calendar_status(ref, meetings, today))
        timed("due_not_held", lambda: due_not_held(ref, meetings, today))
        counts = timed("yearly_counts", lambda: yearly_counts(ref, meetings, today))
        timed(
            "tables Gouvernance (calendrier, années, réunions)",
            lambda: (calendar_table(status), yearly_table(counts), meetings_table(ref, meetings)),
        )
        targets = timed("targets_frame", lambda: targets_frame(store, conv))
        timed("target_history", lambda: target_history(store, conv))
        timed(
            "progress_frame (30 cibles)",
            lambda: progress_frame(ref, values, targets, get_review("annuelle-2026")),
        )
        timed("comments_frame", lambda: comments_frame(store, conv))
        timed(
            "engagements (lecture + tableau)",
            lambda: engagements_table(commune_engagements(ref, engagements_frame(store, conv))),
        )
        rows = timed("export_frame (Données, mis en cache)", lambda: export_frame(store, ref), runs=3)
        timed(
            "values_table (Données, mis en cache)",
            lambda: values_table(rows, list_batches(store, conv)),
            runs=3,
        )
        timed("conflicts", lambda: conflicts(store, conv))
        timed("export CSV", lambda: export_bytes(store, ref, ".csv"), runs=3)
        timed("export XLSX", lambda: export_bytes(store, ref, ".xlsx"), runs=1)


if __name__ == "__main__":
    main()
