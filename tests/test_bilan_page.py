"""AppTest of the Bilan (PDF) page: prepare the bilan of the chosen review, then download it."""

from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from db.store import Store
from services.demo import install_demo
from tests.auth_helpers import login_as
from tests.conftest import ROOT, app_serving

pytestmark = pytest.mark.browser


@pytest.fixture
def app_env(tmp_path, _seeded_template, ref, monkeypatch):
    path = tmp_path / "ctg.duckdb"
    shutil.copy(_seeded_template, path)
    with Store(path) as store:
        install_demo(store, ref)
        url = store.url
    with app_serving(url):
        yield


def test_bilan_page_prepares_and_offers_the_pdf(app_env):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["revue"] = "annuelle-2026"
    login_as(at, "lecteur")
    at.switch_page("pages/bilan.py")
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Bilan (PDF)"
    button = next(b for b in at.button if b.key == "page-bilan-preparer")
    assert "Revue annuelle 2026" in button.label
    button.click().run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Pages"]) > 10
    assert metrics["Durée de préparation"].endswith(" s") and "," in metrics["Durée de préparation"]
    downloads = [d for d in at.get("download_button") if "bilan" in str(d.proto.label).lower()]
    assert downloads, "no download button for the PDF"
