"""The throwaway PostgreSQL of the tests (tests/pg.py): it starts, serves a store, stops and leaves
nothing behind; without its binaries the PostgreSQL variants fail with a French message, unless
CTG_TESTS_SANS_POSTGRESQL=1 says to skip them."""

from __future__ import annotations

import psycopg
import pytest

from db.store import Store
from tests import pg
from tests.conftest import StoreMaker


@pytest.mark.postgresql
def test_a_cluster_serves_a_store_then_stops_and_leaves_nothing():
    cluster = pg.Cluster()
    folder, port = cluster.folder, cluster.port
    try:
        assert len(str(folder / f".s.PGSQL.{port}")) < 100  # a unix socket path is limited
        with Store(cluster.url(cluster.create_database())) as store:
            assert store.migrate()[-1] == "index_postgresql"
            assert store.scalar("select count(*) from observations") == 0
            assert store.scalar("select current_setting('server_version_num')::int") >= 130000
    finally:
        cluster.stop()
    cluster.stop()  # twice: harmless
    assert not folder.exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(host=str(folder), port=port, user=pg.SUPERUSER, dbname="postgres", connect_timeout=2)


def test_without_binaries_the_postgresql_variants_fail_in_french(tmp_path, tmp_path_factory, monkeypatch):
    monkeypatch.setenv("CTG_PG_BINDIR", str(tmp_path))  # no initdb there
    monkeypatch.delenv(pg.SKIP_VARIABLE, raising=False)
    maker = StoreMaker(tmp_path_factory, {})
    with pytest.raises(pytest.fail.Exception, match="PostgreSQL est introuvable"):
        maker.cluster()
    monkeypatch.setenv(pg.SKIP_VARIABLE, "1")
    with pytest.raises(pytest.skip.Exception, match="variante PostgreSQL non testée"):
        maker.cluster()
