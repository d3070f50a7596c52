"""DuckDB and PostgreSQL give the same answers: the same reference, demonstration data, upload
and revert written to a DuckDB file and to a PostgreSQL database (tests/pg.py) leave the same
values in force, the same rollups and completeness counts, the same review figures and the same
export, byte for byte."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from db import rollups
from db.store import Store
from indicators.access import SYSTEM
from services.demo import install_demo
from services.exports import export_bytes
from services.review import gather_review
from services.uploads import import_file, revert_import
from services.values import current_values
from tests.conftest import DUCKDB, POSTGRESQL

pytestmark = pytest.mark.postgresql

TODAY = dt.date(2026, 11, 29)


def _written(store: Store, ref) -> None:
    install_demo(store, ref, accounts=False)
    kept = "territoire;indicateur;periode;valeur\n62119;PE_PLACES_EAJE;2026-T3;171\n62178;PE_PLACES_EAJE;2026-T3;44\n"
    assert import_file(store, ref, kept.encode(), "garde.csv", SYSTEM, today=TODAY).batch_id
    undone = "territoire;indicateur;periode;valeur\n62119;PE_PLACES_EAJE;2026-T2;158\n"
    result = import_file(store, ref, undone.encode(), "annule.csv", SYSTEM, today=TODAY)
    assert result.batch_id, result
    revert_import(store, ref, result.batch_id, SYSTEM)


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns[:3])).reset_index(drop=True)


def test_the_same_writes_give_the_same_figures_on_both_backends(store_maker, ref):
    seen = {}
    for backend in (DUCKDB, POSTGRESQL):
        with store_maker.opened(backend, "seeded") as store:
            _written(store, ref)
            convention = ref.convention.code
            with store.connect() as conn:
                stored, counts = (
                    rollups.stored_rows(conn, convention),
                    rollups.stored_counts(conn, convention),
                )
            figures = gather_review(store, ref, "annuelle-2026", today=TODAY)
            seen[backend] = {
                "valeurs": _ordered(current_values(store, ref)).drop(columns=["batch_at"]),
                "agregats": _ordered(stored),
                "completude": _ordered(counts),
                "resume": figures.summary.reset_index(drop=True),
                "serie": figures.series("PE_CAPACITE_THEORIQUE").reset_index(drop=True),
                "communes": figures.commune_values("PE_PLACES_EAJE").reset_index(drop=True),
                "export": export_bytes(store, ref, ".csv"),
            }
    duck, pg = seen[DUCKDB], seen[POSTGRESQL]
    assert len(duck["valeurs"]) > 10_000 and not duck["agregats"].empty
    assert duck["export"] == pg["export"]
    for name in ("valeurs", "agregats", "completude", "resume", "serie", "communes"):
        pd.testing.assert_frame_equal(duck[name], pg[name], check_dtype=False, obj=name)
