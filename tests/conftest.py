"""Shared fixtures: the real reference, a tiny one, and stores in tmp_path (never the user's)."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest

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


def _template(tmp_path_factory: pytest.TempPathFactory, name: str, reference: Reference) -> Path:
    path = tmp_path_factory.mktemp(name) / "template.duckdb"
    with Store(path) as store:
        store.migrate()
        install_reference(store, reference)
    return path


@pytest.fixture(scope="session")
def _seeded_template(tmp_path_factory, ref) -> Path:
    return _template(tmp_path_factory, "seeded", ref)


@pytest.fixture(scope="session")
def _mini_template(tmp_path_factory, mini_ref) -> Path:
    return _template(tmp_path_factory, "mini", mini_ref)


@pytest.fixture
def store(tmp_path, _seeded_template):
    """A store in tmp_path holding the real reference; closed after the test."""
    path = tmp_path / "ctg.duckdb"
    shutil.copy(_seeded_template, path)
    with Store(path) as s:
        yield s


@pytest.fixture
def mini_store(tmp_path, _mini_template):
    """A store in tmp_path holding the tiny reference; closed after the test."""
    path = tmp_path / "mini.duckdb"
    shutil.copy(_mini_template, path)
    with Store(path) as s:
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
