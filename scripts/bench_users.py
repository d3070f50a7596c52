"""Accounts and audit: cost of a login (argon2id), of the user list, of the audit page queries.

python scripts/bench_users.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from db.store import Store  # noqa: E402
from indicators.access import SYSTEM  # noqa: E402
from services import accounts as users  # noqa: E402
from services.audit import AuditFilter, audit_entries, batch_entries, export_audit  # noqa: E402

PASSWORD = "mot-de-passe-de-mesure"
AUDIT_ROWS = 50_000


def timed(label: str, action, repeat: int = 1) -> None:
    start = time.perf_counter()
    for _ in range(repeat):
        action()
    elapsed = (time.perf_counter() - start) / repeat
    print(f"{label:<58} {elapsed * 1000:9.1f} ms")


def _try(action) -> None:
    try:
        action()
    except users.AuthenticationError:
        pass


with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.duckdb") as store:
    store.migrate()
    timed("argon2id hash (création d'un compte)", lambda: users.hash_password(PASSWORD), 5)
    users.create_user(store, SYSTEM, "bench", "lecteur", password=PASSWORD)
    timed(
        "authenticate (bon mot de passe, écrit l'audit)",
        lambda: users.authenticate(store, "bench", PASSWORD),
        5,
    )
    timed(
        "authenticate (identifiant inconnu, même durée)",
        lambda: _try(lambda: users.authenticate(store, "inconnu", PASSWORD)),
        5,
    )
    timed("actor_for (à chaque clic d'une page)", lambda: users.actor_for(store, "bench"), 50)

    start = datetime.now() - timedelta(days=365)
    frame = pd.DataFrame(
        {
            "convention": "bench",
            "happened_at": [start + timedelta(minutes=i) for i in range(AUDIT_ROWS)],
            "actor": [f"compte{i % 40}" for i in range(AUDIT_ROWS)],
            "action": ["modification_compte" if i % 3 else "depot" for i in range(AUDIT_ROWS)],
            "objet": [f"compte {i % 40}" for i in range(AUDIT_ROWS)],
            "avant": '{"role": "lecteur", "territoires": ""}',
            "apres": '{"role": "charge", "territoires": "62119"}',
        }
    )
    store.write(lambda conn: Store.insert_df(conn, "audit", frame))
    timed(
        f"audit_entries, {AUDIT_ROWS:,} lignes, sans filtre".replace(",", " "),
        lambda: audit_entries(store),
        3,
    )
    timed(
        "audit_entries, filtre compte + action",
        lambda: audit_entries(store, AuditFilter(actor="compte7", action="depot")),
        3,
    )
    everything = audit_entries(store)
    timed(
        f"export XLSX du journal ({len(everything)} lignes)",
        lambda: export_audit({"Changements": everything, "Lots": batch_entries(store)}, ".xlsx"),
    )
    timed("export CSV du journal", lambda: export_audit({"Changements": everything}, ".csv"))
