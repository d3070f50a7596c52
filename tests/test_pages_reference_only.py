"""AppTest: every page renders on the store as a new user finds it after `demo --remove`
(the convention's reference only, no 2026 value yet): no exception, no banner, no nan."""

from __future__ import annotations

import re
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from db.observations import has_demo, remove_demo
from db.store import Store
from services.demo import install_demo
from tests.auth_helpers import login_as
from tests.conftest import ROOT, app_serving
from tests.test_pages import APP_PAGES, _screen_text


@pytest.fixture(scope="module")
def reference_env(tmp_path_factory, _seeded_template, ref):
    path = tmp_path_factory.mktemp("reference-only") / "ctg.duckdb"
    shutil.copy(_seeded_template, path)
    with Store(path) as store:
        install_demo(store, ref)
        remove_demo(store, ref.convention.code)  # the one-step removal a user would run
        assert not has_demo(store, ref.convention.code)
        url = store.url
    with app_serving(url):
        yield


@pytest.mark.parametrize("path", APP_PAGES)
def test_every_page_renders_without_demo_data(reference_env, path):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    login_as(at, "administrateur")
    at.switch_page(path)
    at.run()
    assert not at.exception, at.exception
    text = _screen_text(at)
    assert "Données de démonstration" not in text
    words = set(re.findall(r"\b\w+\b", text))
    assert not words & {"nan", "None", "NaN"}
