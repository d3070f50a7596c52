"""AppTest: every page declared in app.py renders on a seeded store with demonstration data,
without exception, with its key headings, and without `nan`/`None` on screen."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from services.demo import install_demo
from tests.auth_helpers import login_as
from tests.conftest import ROOT, app_serving

APP_PAGES = sorted(set(re.findall(r'"(pages/[a-z_]+\.py)"', (ROOT / "app.py").read_text(encoding="utf-8"))))
PUBLIC_PAGES = {"pages/accessibilite.py"}  # readable without logging in: no data, no banner
HEADINGS = {
    "pages/vue_ensemble.py": ["Vue d'ensemble", "Réseau des chargés de coopération territoriale"],
    "pages/ambition.py": ["Où en est-on ?", "Jalons et analyses qualitatives"],
    "pages/communes.py": ["Communes", "Indicateurs de la commune et de l'agglomération"],
    "pages/completude.py": ["Complétude de la collecte", "Matrice territoires × trimestres"],
}


pytestmark = pytest.mark.both_backends  # DuckDB and PostgreSQL (tests/conftest.py)


@pytest.fixture(scope="module")
def demo_url(backend, store_maker, ref):
    with store_maker.opened(backend, "seeded") as store:
        install_demo(store, ref)
        yield store.url


@pytest.fixture(scope="module")
def app_env(demo_url):
    with app_serving(demo_url):
        yield


def _screen_text(at: AppTest) -> str:
    parts = [
        e.value
        for e in (
            *at.title,
            *at.header,
            *at.subheader,
            *at.markdown,
            *at.caption,
            *at.warning,
            *at.info,
            *at.error,
            *at.success,
        )
    ]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return "\n".join(str(p) for p in parts)


def _run(path: str, **query) -> AppTest:
    """Run a page through app.py (as the navigation does), logged in as an administrator."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    login_as(at, "administrateur")
    at.switch_page(path)
    at.run()
    return at


def test_app_declares_the_panels():
    assert set(HEADINGS) <= set(APP_PAGES)


@pytest.mark.parametrize("path", APP_PAGES)
def test_every_page_renders(app_env, path):
    at = _run(path)
    assert not at.exception, at.exception
    assert at.title, f"{path} has no title"
    text = _screen_text(at)
    if path not in PUBLIC_PAGES:
        assert "Données de démonstration" in text  # the banner, on every page
    words = set(re.findall(r"\b\w+\b", text))
    assert "nan" not in words and "None" not in words and "NaN" not in words
    headings = " ".join(str(h.value) for h in (*at.title, *at.header, *at.subheader))
    for expected in HEADINGS.get(path, []):
        assert expected in headings, f"{path}: « {expected} » absent"


def test_home_is_the_overview(app_env):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    login_as(at, "lecteur")
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Vue d'ensemble"


def test_review_selector_drives_the_cutoff(app_env):
    at = _run("pages/vue_ensemble.py", revue="mi-parcours")
    assert at.selectbox(key="revue_choisie").value == "mi-parcours"
    assert "T1 2028" in _screen_text(at)
    assert at.query_params["revue"] == ["mi-parcours"] or at.query_params["revue"] == "mi-parcours"


def test_ambition_and_commune_urls(app_env):
    at = _run("pages/ambition.py", ambition="A7")
    assert not at.exception, at.exception
    assert at.title[0].value.startswith("A7 ·")
    assert len(at.get("plotly_chart")) >= 1
    at = _run("pages/communes.py", commune="62119")
    assert not at.exception, at.exception
    assert at.header[0].value == "Béthune · 62119"
    text = _screen_text(at)
    assert "Population" in text and "ETP (CTG 2)" in text


def test_completeness_filter_by_structure(app_env):
    at = _run("pages/completude.py")
    at.selectbox(key="completude_groupe").set_value("SIVOM_BETHUNOIS").run()
    assert not at.exception, at.exception


def test_shell_commands_only_in_administrators_views(app_env):
    """The demo line and the bilan button's tooltip show no `python cli.py …` to readers."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    login_as(at, "lecteur")
    at.switch_page("pages/bilan.py")
    at.run()
    assert not at.exception, at.exception
    shown = _screen_text(at) + " ".join(str(b.help or "") for b in at.button)
    assert "Données de démonstration" in shown and "cli.py" not in shown
    assert "cli.py demo --remove" in _screen_text(_run("pages/bilan.py"))  # an administrator's line


def test_overview_opens_on_the_eight_ambitions_and_the_counts(app_env):
    at = _run("pages/vue_ensemble.py")
    labels = [m.label for m in at.metric][:4]
    assert labels[0].startswith("Complétude ")
    assert labels[1:] == ["Indicateurs en progression", "Indicateurs en recul", "Alertes pour le COPIL"]
    text = _screen_text(at)
    assert all(f"A{n} ·" in text for n in range(1, 9))
    assert "en progression" in text
