"""Shared fixtures: the real reference, a tiny one, and stores (DuckDB files in tmp folders, or
databases of a PostgreSQL cluster started by the tests: tests/pg.py), never the user's."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from db.store import Store
from indicators.catalogue import Reference, load_reference
from services.reference import install_reference

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seed" / "ctg-cabbalr"
DEMO_CONVENTION_SEED = ROOT / "seed" / "ctg-ccra-demonstration"
MINI_SEED = ROOT / "tests" / "data" / "seed_mini"


@pytest.fixture(scope="session")
def ref() -> Reference:
    """The real reference of the convention (seed/)."""
    return load_reference(SEED)


@pytest.fixture(scope="session")
def mini_ref() -> Reference:
    """A 3-commune reference for unit tests of rules (tests/data/seed_mini)."""
    return load_reference(MINI_SEED)


# -- the two stores: DuckDB (the embedded default) and PostgreSQL (tests/pg.py) ---------------------
DUCKDB, POSTGRESQL = "duckdb", "postgresql"
BACKENDS = [DUCKDB, pytest.param(POSTGRESQL, marks=pytest.mark.postgresql)]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked `both_backends` (or in a module so marked) runs on DuckDB and on PostgreSQL:
    the fixtures `store`, `mini_store`, `store_url` and `new_store_url` follow `backend`."""
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_backends"):
        metafunc.parametrize("backend", BACKENDS, indirect=True, scope="module")


@pytest.fixture(scope="module")
def backend(request) -> str:
    """`duckdb`, or `postgresql` for the second variant of a `both_backends` test."""
    return getattr(request, "param", DUCKDB)


class StoreMaker:
    """New stores for the tests, empty or copied from a template holding a reference, on either
    backend. PostgreSQL's cluster starts at the first PostgreSQL store asked for."""

    SEEDS = {"seeded": SEED, "mini": MINI_SEED, "upload": ROOT / "tests" / "data" / "uploads" / "seed"}

    def __init__(self, tmp_path_factory: pytest.TempPathFactory, references: dict[str, Reference]):
        self._tmp = tmp_path_factory
        self._references = dict(references)
        self._templates: dict[tuple[str, str], str] = {}
        self._cluster = None

    def cluster(self):
        from tests import pg

        if self._cluster is None:
            try:
                self._cluster = pg.Cluster()
            except pg.PostgresMissing as exc:
                if os.environ.get(pg.SKIP_VARIABLE) == "1":
                    pytest.skip(f"PostgreSQL absent ({pg.SKIP_VARIABLE}=1) : variante PostgreSQL non testée.")
                pytest.fail(str(exc), pytrace=False)
        return self._cluster

    def template(self, backend: str, kind: str) -> str:
        """The store a new one of this kind is copied from: a DuckDB file's path, a PostgreSQL URL."""
        key = (backend, kind)
        if key not in self._templates:
            if backend == DUCKDB:
                url = str(self._tmp.mktemp(kind) / "template.duckdb")
            else:
                url = self.cluster().url(self.cluster().create_database(name=f"modele_{kind}"))
            if kind not in self._references:
                self._references[kind] = load_reference(self.SEEDS[kind])
            with Store(url) as store:
                store.migrate()
                install_reference(store, self._references[kind])
            self._templates[key] = url
        return self._templates[key]

    def new(self, backend: str, kind: str | None = None) -> str:
        """The URL of a new store: empty (`kind` None, not migrated) or holding the reference
        `seeded` (seed/), `mini` (tests/data/seed_mini) or `upload` (tests/data/uploads/seed)."""
        if backend == DUCKDB:
            path = self._tmp.mktemp("store") / "ctg.duckdb"
            if kind is not None:
                shutil.copy(self.template(backend, kind), path)
            return f"duckdb:///{path}"
        template = None
        if kind is not None:
            template = sa.engine.make_url(self.template(backend, kind)).database
        return self.cluster().url(self.cluster().create_database(template))

    @contextlib.contextmanager
    def opened(self, backend: str, kind: str | None = None):
        """A new store, open for a block (a module's fixture), removed after it."""
        url = self.new(backend, kind)
        try:
            with Store(url) as store:
                yield store
        finally:
            self.drop(url)

    def drop(self, url: str) -> None:
        """Remove a PostgreSQL store made by `new` (a DuckDB file goes with its folder)."""
        if url.startswith("postgresql") and self._cluster is not None:
            self._cluster.drop_database(sa.engine.make_url(url).database)

    def stop(self) -> None:
        if self._cluster is not None:
            self._cluster.stop()


@pytest.fixture(scope="session")
def store_maker(tmp_path_factory, ref, mini_ref):
    """Makes stores on either backend; stops the PostgreSQL cluster at the end of the session."""
    maker = StoreMaker(tmp_path_factory, {"seeded": ref, "mini": mini_ref})
    try:
        yield maker
    finally:
        maker.stop()


@pytest.fixture(scope="session")
def _seeded_template(store_maker) -> Path:
    """The DuckDB file holding the real reference: copy it, never write to it."""
    return Path(store_maker.template(DUCKDB, "seeded"))


@pytest.fixture(scope="session")
def _mini_template(store_maker) -> Path:
    """The DuckDB file holding the tiny reference: copy it, never write to it."""
    return Path(store_maker.template(DUCKDB, "mini"))


@pytest.fixture
def new_store_url(backend, store_maker):
    """A function returning the URL of a new store of the test's backend (`kind`: None for an
    empty one, `seeded` or `mini`); each is removed after the test."""
    made: list[str] = []

    def new(kind: str | None = None) -> str:
        made.append(store_maker.new(backend, kind))
        return made[-1]

    yield new
    for url in made:
        store_maker.drop(url)


@pytest.fixture
def store_url(new_store_url) -> str:
    """The URL of an empty store (not migrated) of the test's backend."""
    return new_store_url()


@pytest.fixture
def store(new_store_url):
    """A store holding the real reference (on the test's backend); closed after the test."""
    with Store(new_store_url("seeded")) as s:
        yield s


@pytest.fixture
def mini_store(new_store_url):
    """A store holding the tiny reference (on the test's backend); closed after the test."""
    with Store(new_store_url("mini")) as s:
        yield s


@contextlib.contextmanager
def app_serving(url: str, seed_dir: Path | None = None):
    """Point the Streamlit app (AppTest, same process) at the store `url`.

    Settings and Streamlit's process-wide caches are reset on entry and on exit, so that
    no test sees another test's store.
    """
    import streamlit as st

    from services.settings import get_settings

    def reset() -> None:
        get_settings.cache_clear()
        st.cache_resource.clear()
        st.cache_data.clear()

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CTG_DATABASE_URL", url)
        if seed_dir is not None:
            mp.setenv("CTG_SEED_DIR", str(seed_dir))
        reset()
        try:
            yield
        finally:
            reset()
