"""Scratch stores for the benchmark (scripts/benchmark.py): the agglomeration, then synthetic communes.

- `agglomeration`: the real reference (seed/) and the demonstration data, as `make run` leaves
  the store (100 communes);
- `synthetic(n)`: the same, plus communes that do not exist, named « Commune synthétique … »,
  up to `n` communes in all: a copy of seed/ lists them (so every rule aggregates them), and
  each takes the values in force of one real commune (reference years and 2026-T1…T3), in one
  extra batch written by the store in one transaction.

Nothing here is used by the application; the stores live in a scratch folder.
"""

from __future__ import annotations

import csv
import shutil
import time
from pathlib import Path

import sqlalchemy as sa

from db import rollups
from db.observations import write_batch
from db.store import Store
from indicators.access import SYSTEM
from indicators.catalogue import Reference, load_reference
from services.demo import install_demo
from services.reference import install_reference

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seed" / "ctg-cabbalr"  # the real convention (seed/ holds one folder per convention)
SYNTHETIC_AUTHOR = "communes synthétiques (mesure)"
SYNTHETIC_SECTION = "Commune synthétique (mesure de performance, n'existe pas)"


def synthetic_seed(target: Path, communes: int) -> Path:
    """A copy of the real convention's seed whose territoires.csv lists `communes` communes (the real ones first)."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(SEED, target)
    path = target / "territoires.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        real = sum(1 for row in csv.DictReader(handle) if row["type"] == "commune")
    with path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        for i in range(1, communes - real + 1):
            writer.writerow([f"S{i:06d}", f"Commune synthétique {i}", "commune", SYNTHETIC_SECTION])
    return target


def build(folder: Path, communes: int | None) -> tuple[Path, Path, dict[str, float]]:
    """Build a scratch store in `folder`: the agglomeration (`communes` None) or `communes` in all.

    Return the store's path, its seed folder and what it holds (values, seconds to build).
    """
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    real = load_reference(SEED)
    seed = SEED if communes is None else synthetic_seed(folder / f"seed-{communes}", communes)
    ref = real if communes is None else load_reference(seed)
    path = folder / f"ctg-{communes or 'agglomeration'}.duckdb"
    path.unlink(missing_ok=True)
    with Store(path) as store:
        store.migrate()
        install_reference(store, ref)
        install_demo(store, real, SYSTEM, accounts=False)
        if communes is not None:
            _copy_real_values(store, ref, real)
        held = store.scalar("select count(*) from observations_courantes")
    return path, seed, {"valeurs": float(held), "secondes": time.perf_counter() - started}


def _copy_real_values(store: Store, ref: Reference, real: Reference) -> None:
    """Each synthetic commune takes the values in force of one real commune, in one batch."""
    models = [c.code for c in real.communes()]
    synthetic = [c.code for c in ref.communes() if c.code.startswith("S")]
    convention = ref.convention.code

    def work(conn: sa.Connection) -> None:
        import pandas as pd

        batch = write_batch(
            conn,
            convention,
            pd.DataFrame(columns=["indicateur", "territoire", "periode", "annee"]),
            kind="depot",
            author=SYNTHETIC_AUTHOR,
            note=SYNTHETIC_SECTION,
        )
        raw = conn.connection.dbapi_connection
        pairs = pd.DataFrame(
            {"code": synthetic, "model": [models[i % len(models)] for i in range(len(synthetic))]}
        )
        raw.register("_synthetic", pairs)
        try:
            conn.exec_driver_sql(
                "insert into observations (convention, batch_id, indicateur, territoire, periode, annee, "
                "trimestre, valeur, valeur_texte, commentaire, source_section, conflit, is_demo, created_at) "
                f"select o.convention, {int(batch)}, o.indicateur, s.code, o.periode, o.annee, o.trimestre, "
                "o.valeur, o.valeur_texte, null, null, null, false, now() "
                "from observations_courantes o join _synthetic s on s.model = o.territoire "
                f"where o.convention = '{convention}'"
            )
            n = conn.exec_driver_sql(
                f"select count(*) from observations where batch_id = {int(batch)}"
            ).scalar()
            conn.exec_driver_sql(
                f"update batches set n_rows = {int(n)}, n_new = {int(n)} where id = {int(batch)}"
            )
        finally:
            raw.unregister("_synthetic")
        rollups.rebuild(conn, convention)

    store.write(work)
