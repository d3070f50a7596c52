"""The store: migrations, reference loading, append-only history, export."""

from __future__ import annotations

import io

import pandas as pd
import pytest
import sqlalchemy as sa

from db import schema
from db.observations import (
    BatchError,
    current_values,
    list_batches,
    revert_batch,
    value_history,
    write_batch,
)
from db.store import Store
from services.exports import ExportError, export_bytes
from services.reference import install_reference

pytestmark = pytest.mark.both_backends  # DuckDB and PostgreSQL (tests/conftest.py)


def _table_counts(store: Store) -> dict[str, int]:
    names = [t.name for t in schema.metadata.sorted_tables]
    return {n: int(store.scalar(f"select count(*) from {n}")) for n in names}


ALL_MIGRATIONS = [
    "initial",
    "pilotage",
    "valeurs_double",
    "comptes_canal_sessions",
    "arbitrage_des_conflits",
    "charges_en_observations",
    "agregats",
    "sessions",
    "droits_par_convention",
    "index_postgresql",
]


def test_migrations_are_recorded_and_idempotent(store_url):
    with Store(store_url) as store:
        assert store.migrate() == ALL_MIGRATIONS
        assert store.migrate() == []
        recorded = store.query_df("select version, name from schema_migrations order by version")
        assert list(recorded["name"]) == ALL_MIGRATIONS


def test_migration_4_upgrades_a_store_of_before(tmp_path):
    """A store made before migration 4 (no channel, no session version) gains them, data kept."""
    with Store(tmp_path / "old.duckdb") as store:
        store.migrate()
        store.write(
            lambda c: c.exec_driver_sql(
                "insert into audit (id, convention, happened_at, actor, action, objet) "
                "values (1, 'c', now(), 'marie', 'connexion', 'compte marie')"
            )
        )
        for table, column in (("audit", "canal"), ("batches", "canal"), ("utilisateurs", "session_version")):
            store.write(lambda c, t=table, k=column: c.exec_driver_sql(f"alter table {t} drop column {k}"))
        store.write(lambda c: c.exec_driver_sql("drop table echecs_connexion"))
        store.write(lambda c: c.exec_driver_sql("delete from schema_migrations where version = 4"))
    with Store(tmp_path / "old.duckdb") as store:
        assert store.migrate() == ["comptes_canal_sessions"]
        assert store.scalar("select count(*) from audit where actor = 'marie' and canal is null") == 1
        assert store.scalar("select count(*) from echecs_connexion") == 0


def test_a_server_that_does_not_answer_is_a_french_sentence(tmp_path):
    """No PostgreSQL behind the URL: a StoreError naming it (password hidden), no traceback."""
    from db.store import StoreError

    url = f"postgresql+psycopg://ctg:secret@/ctg?host={tmp_path}&port=1"
    with Store(url, retry_seconds=0) as store, pytest.raises(StoreError, match="ne répond pas") as caught:
        store.migrate()
    assert "secret" not in str(caught.value) and "ctg:***@" in str(caught.value)


def test_close_is_idempotent(store_url):
    store = Store(store_url)
    store.close()
    store.close()


def test_init_twice_gives_the_same_rows(mini_store, mini_ref):
    before = _table_counts(mini_store)
    assert install_reference(mini_store, mini_ref) is False
    assert _table_counts(mini_store) == before


def test_real_reference_loads_twice_identically(store, ref):
    before = _table_counts(store)
    assert install_reference(store, ref) is False
    assert _table_counts(store) == before
    assert before["territoires"] == len(ref.territories)
    assert before["observations"] == len(ref.observations)


def _rows(value: float, periode: str = "2026-T1") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "indicateur": "PE_PLACES_ACCUEIL",
                "territoire": "62119",
                "periode": periode,
                "annee": 2026,
                "trimestre": int(periode[-1]),
                "valeur": value,
            }
        ]
    )


def _write(store: Store, value: float, author: str = "test") -> int:
    return store.write(
        lambda conn: write_batch(
            conn, "ctg-test", _rows(value), kind="depot", author=author, filename="f.csv", sha256="x"
        )
    )


def test_history_is_append_only_and_revert_restores(mini_store):
    first = _write(mini_store, 10)
    second = _write(mini_store, 12, author="autre")
    history = value_history(mini_store, "ctg-test", "PE_PLACES_ACCUEIL", "62119", "2026-T1")
    assert list(history["valeur"]) == [12.0, 10.0]
    assert list(history["batch_id"]) == [second, first]
    current = current_values(mini_store, "ctg-test")
    row = current[(current["indicateur"] == "PE_PLACES_ACCUEIL") & (current["periode"] == "2026-T1")]
    assert float(row["valeur"].iloc[0]) == 12.0

    revert_batch(mini_store, "ctg-test", second, actor="admin")
    current = current_values(mini_store, "ctg-test")
    row = current[(current["indicateur"] == "PE_PLACES_ACCUEIL") & (current["periode"] == "2026-T1")]
    assert float(row["valeur"].iloc[0]) == 10.0
    # Nothing was deleted: both rows stay, the batch carries the trace.
    assert len(value_history(mini_store, "ctg-test", "PE_PLACES_ACCUEIL", "62119", "2026-T1")) == 2
    batches = list_batches(mini_store, "ctg-test").set_index("id")
    assert batches.loc[second, "status"] == "annule"
    assert batches.loc[second, "status_changed_by"] == "admin"
    audit = mini_store.query_df("select action, actor from audit where action = 'annulation_depot'")
    assert list(audit["actor"]) == ["admin"]
    with pytest.raises(BatchError, match="not-valid"):
        revert_batch(mini_store, "ctg-test", second, actor="admin")


def test_failed_write_leaves_store_unchanged(mini_store):
    before = _table_counts(mini_store)

    def work(conn: sa.Connection) -> None:
        write_batch(conn, "ctg-test", _rows(99), kind="depot", author="t")
        raise RuntimeError("coupure au milieu de l'import")

    with pytest.raises(RuntimeError):
        mini_store.write(work)
    assert _table_counts(mini_store) == before


def test_reference_conflicts_are_kept_both(mini_store):
    rows = mini_store.query_df(
        "select valeur, source_section from observations where conflit = 'cafes' order by valeur"
    )
    assert list(rows["valeur"]) == [13.0, 14.0]
    assert list(rows["source_section"]) == ["Test", "Test bis"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_export_round_trip(mini_store, mini_ref, suffix):
    _write(mini_store, 1234.5)
    data = export_bytes(mini_store, mini_ref, suffix)
    if suffix == ".csv":
        assert data.startswith(b"\xef\xbb\xbf")
        frame = pd.read_csv(
            io.BytesIO(data),
            sep=";",
            decimal=",",
            encoding="utf-8-sig",
            dtype={"territoire": str, "periode": str},
        )
    elif suffix == ".xlsx":
        frame = pd.read_excel(io.BytesIO(data), engine="openpyxl", dtype={"territoire": str, "periode": str})
    else:
        frame = pd.read_parquet(io.BytesIO(data))
    expected = {"indicateur", "libelle", "territoire", "periode", "valeur", "unite", "source"}
    assert expected <= set(frame.columns)
    current = current_values(mini_store, "ctg-test")
    assert len(frame) == len(current)
    row = frame[(frame["indicateur"] == "PE_PLACES_ACCUEIL") & (frame["periode"] == "2026-T1")]
    assert float(row["valeur"].iloc[0]) == 1234.5
    assert row["territoire"].iloc[0] == "62119"
    pop = frame[(frame["indicateur"] == "POP_MUNICIPALE") & (frame["territoire"] == "62119")]
    assert pop["source"].iloc[0] == "Test"
    assert float(pop["valeur"].iloc[0]) == 25342


def test_export_rejects_unknown_format(mini_store, mini_ref):
    with pytest.raises(ExportError, match="non pris en charge"):
        export_bytes(mini_store, mini_ref, ".pdf")


def test_xlsx_keeps_dates_numbers_and_empty_cells():
    import datetime as dt

    import openpyxl

    from reports.spreadsheet import xlsx_bytes

    frame = pd.DataFrame(
        {
            "quand": [pd.Timestamp("2026-11-29 10:15"), pd.NaT],
            "valeur": [110021.39, None],
            "texte": ["Béthune", None],
        }
    )
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes({"journal": frame, "autre": frame.head(0)})))
    sheet = book["journal"]
    assert [c.value for c in sheet[1]] == ["quand", "valeur", "texte"]
    assert sheet["A2"].value == dt.datetime(2026, 11, 29, 10, 15)
    assert sheet["A2"].number_format == "dd/mm/yyyy hh:mm"
    assert sheet["B2"].value == 110021.39
    assert [c.value for c in sheet[3]] == [None, None, None]
    assert book.sheetnames == ["journal", "autre"]
