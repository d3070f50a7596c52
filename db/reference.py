"""Write the reference tables of a convention (frames prepared by `services/reference.py`).

Idempotent: when the digest of the seed has not changed nothing is written. When it has,
the reference tables of the convention are replaced and the previous reference batch is
marked `remplace` (kept for the history), all in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
import sqlalchemy as sa

from db import schema
from db.observations import record_audit, write_batch
from db.store import Store

ADMIN_SECTION = "Saisie administrateur"  # stored section of a membership edited by an administrator
REFERENCE_TABLES = (
    "enjeux",
    "ambitions",
    "fiches",
    "indicateurs",
    "territoires",
    "appartenances",
    "calendrier",
)


@dataclass
class ReferenceRows:
    """Everything a reference load writes: the convention row, one frame per table, the baselines."""

    code: str
    digest: str
    convention: dict
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    observations: pd.DataFrame = field(default_factory=pd.DataFrame)
    counts: dict[str, int] = field(default_factory=dict)
    note: str = ""


def reference_digest(store: Store, code: str) -> str | None:
    """The digest of the seed last loaded for this convention (None when never loaded)."""
    return store.scalar(
        sa.select(schema.conventions.c.reference_digest).where(schema.conventions.c.code == code)
    )


def write_reference(store: Store, rows: ReferenceRows, actor: str = "init") -> bool:
    """Write the reference if its digest changed; return True when something was written."""
    code = rows.code
    current = reference_digest(store, code)
    if current == rows.digest:
        return False

    def work(conn: sa.Connection) -> bool:
        conn.execute(schema.conventions.delete().where(schema.conventions.c.code == code))
        conn.execute(
            schema.conventions.insert().values(
                **rows.convention, code=code, reference_digest=rows.digest, loaded_at=datetime.now()
            )
        )
        for name in REFERENCE_TABLES:
            table = schema.metadata.tables[name]
            if name == "appartenances":
                # Sector members edited by an administrator survive a reference refresh.
                conn.execute(
                    table.delete().where(table.c.convention == code, table.c.section != ADMIN_SECTION)
                )
            else:
                conn.execute(table.delete().where(table.c.convention == code))
        existing = {
            tuple(r)
            for r in conn.execute(
                sa.select(schema.appartenances.c.groupe, schema.appartenances.c.commune).where(
                    schema.appartenances.c.convention == code
                )
            )
        }
        for name in REFERENCE_TABLES:
            frame = rows.tables.get(name)
            if frame is None or frame.empty:
                continue
            if name == "appartenances" and existing:
                keep = [
                    (g, c) not in existing for g, c in zip(frame["groupe"], frame["commune"], strict=True)
                ]
                frame = frame[keep]
            Store.insert_df(conn, name, frame.assign(convention=code))

        previous = conn.execute(
            schema.batches.update()
            .where(
                schema.batches.c.convention == code,
                schema.batches.c.kind == "reference",
                schema.batches.c.status == "valide",
            )
            .values(status="remplace", status_changed_at=datetime.now(), status_changed_by=actor)
        )
        observations = rows.observations
        batch_id = write_batch(
            conn,
            code,
            observations,
            kind="reference",
            author=actor,
            filename="seed/",
            sha256=rows.digest,
            counts={"rows": len(observations), "new": len(observations)},
            note=rows.note,
        )
        record_audit(
            conn,
            code,
            actor,
            "chargement_reference",
            "seed/",
            {"digest": current, "lots_remplaces": previous.rowcount},
            {"digest": rows.digest, "lot": batch_id, **rows.counts},
        )
        return True

    return store.write(work)
