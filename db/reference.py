"""Load the validated reference (`indicators.catalogue.Reference`) into the store.

Idempotent: when the seed files have not changed (same digest) nothing is written. When
they have, the reference tables of the convention are replaced and the previous reference
batch is marked `remplace` (kept for the history), all in one transaction.
"""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import sqlalchemy as sa

from db import schema
from db.observations import record_audit, write_batch
from db.store import Store
from indicators.catalogue import Reference
from indicators.periods import parse_period

ADMIN_SECTION = "Saisie administrateur"


def _frame(items: list, convention: str, drop: tuple[str, ...] = ()) -> pd.DataFrame:
    rows = []
    for item in items:
        data = item.model_dump(exclude=set(drop))
        data["convention"] = convention
        rows.append(data)
    return pd.DataFrame(rows)


def load_reference_into(store: Store, ref: Reference, actor: str = "init") -> bool:
    """Write the reference if it changed; return True when something was written."""
    code = ref.convention.code
    current = store.scalar(
        sa.select(schema.conventions.c.reference_digest).where(schema.conventions.c.code == code)
    )
    if current == ref.digest:
        return False

    def work(conn: sa.Connection) -> bool:
        c = ref.convention
        conn.execute(schema.conventions.delete().where(schema.conventions.c.code == code))
        conn.execute(
            schema.conventions.insert().values(
                code=code,
                nom=c.nom,
                debut=c.debut,
                fin=c.fin,
                epci=c.epci,
                signataires=json.dumps([s.model_dump() for s in c.signataires], ensure_ascii=False),
                section=c.section,
                reference_digest=ref.digest,
                loaded_at=datetime.now(),
            )
        )
        for table in (
            schema.enjeux,
            schema.ambitions,
            schema.fiches,
            schema.indicateurs,
            schema.territoires,
            schema.calendrier,
        ):
            conn.execute(table.delete().where(table.c.convention == code))
        # Sector members edited by an administrator survive a reference refresh.
        conn.execute(
            schema.appartenances.delete().where(
                schema.appartenances.c.convention == code, schema.appartenances.c.section != ADMIN_SECTION
            )
        )
        Store.insert_df(conn, "enjeux", _frame(ref.enjeux, code))
        Store.insert_df(conn, "ambitions", _frame(ref.ambitions, code))
        fiches = pd.DataFrame(
            [
                {
                    "convention": code,
                    "code": f.code,
                    "ambition": f.ambition,
                    "titre": f.titre,
                    "section": f.section,
                    "contenu": json.dumps(
                        f.model_dump(exclude={"code", "ambition", "titre", "section"}), ensure_ascii=False
                    ),
                }
                for f in ref.fiches
            ]
        )
        Store.insert_df(conn, "fiches", fiches)
        indicators = _frame(ref.indicators, code)
        indicators["niveaux"] = indicators["niveaux"].map(lambda v: "|".join(v))
        Store.insert_df(conn, "indicateurs", indicators)
        Store.insert_df(conn, "territoires", _frame(ref.territories, code))
        existing = {
            tuple(r)
            for r in conn.execute(
                sa.select(schema.appartenances.c.groupe, schema.appartenances.c.commune).where(
                    schema.appartenances.c.convention == code
                )
            )
        }
        members = [m for m in ref.memberships if (m.groupe, m.commune) not in existing]
        Store.insert_df(conn, "appartenances", _frame(members, code))
        Store.insert_df(conn, "calendrier", _frame(ref.calendar, code))

        previous = conn.execute(
            schema.batches.update()
            .where(
                schema.batches.c.convention == code,
                schema.batches.c.kind == "reference",
                schema.batches.c.status == "valide",
            )
            .values(status="remplace", status_changed_at=datetime.now(), status_changed_by=actor)
        )
        rows = pd.DataFrame(
            [
                {
                    "indicateur": o.indicateur,
                    "territoire": o.territoire,
                    "periode": o.periode,
                    "annee": parse_period(o.periode).year,
                    "trimestre": parse_period(o.periode).quarter,
                    "valeur": o.valeur,
                    "source_section": o.section,
                    "conflit": o.conflit,
                    "retenue": (o.arbitrage is not None) if o.conflit else None,
                    "arbitrage": o.arbitrage,
                    "commentaire": o.note,
                }
                for o in ref.observations
            ]
        )
        batch_id = write_batch(
            conn,
            code,
            rows,
            kind="reference",
            author=actor,
            filename="seed/",
            sha256=ref.digest,
            counts={"rows": len(rows), "new": len(rows)},
            note="Données de référence de la convention",
        )
        record_audit(
            conn,
            code,
            actor,
            "chargement_reference",
            "seed/",
            {"digest": current, "lots_remplaces": previous.rowcount},
            {"digest": ref.digest, "lot": batch_id, **ref_counts(ref)},
        )
        return True

    return store.write(work)


def ref_counts(ref: Reference) -> dict[str, int]:
    """Row counts of a reference, for the audit and the CLI."""
    return {
        "indicateurs": len(ref.indicators),
        "territoires": len(ref.territories),
        "observations": len(ref.observations),
    }
