"""Fixtures of the upload tests: the corpus reference (tests/data/uploads/seed) and its store.

Import the fixtures into a test module with
`from tests.upload_helpers import upload_ref, upload_store  # noqa: F401`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from db import schema
from db.store import Store
from indicators.catalogue import Reference, load_reference
from services.reference import install_reference

CORPUS = Path(__file__).resolve().parent / "data" / "uploads"
UPLOAD_SEED = CORPUS / "seed"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
TODAY = dt.date.fromisoformat(EXPECTED["today"])


@pytest.fixture(scope="session")
def upload_ref() -> Reference:
    """The corpus reference: seed_mini plus a text indicator, a quarterly % and Saint-Venant."""
    return load_reference(UPLOAD_SEED)


@pytest.fixture(scope="session")
def _upload_template(tmp_path_factory, upload_ref) -> Path:
    path = tmp_path_factory.mktemp("upload") / "template.duckdb"
    with Store(path) as store:
        store.migrate()
        install_reference(store, upload_ref)
    return path


@pytest.fixture
def upload_store(new_store_url):
    """A store holding the corpus reference (on the test's backend); closed after the test."""
    with Store(new_store_url("upload")) as store:
        yield store


def table_counts(store: Store) -> dict[str, int]:
    """Rows of every table: a rejected file must leave them all unchanged."""
    names = [t.name for t in schema.metadata.sorted_tables]
    row = store.query_df("select " + ", ".join(f"(select count(*) from {n}) as {n}" for n in names))
    return {n: int(row[n].iloc[0]) for n in names}
