"""Sectors and groupings read from the store (issue 9): a sector filled in on Administration ›
Secteurs reaches the Complétude filter and the commune page (use cases and AppTest)."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from db.territories import replace_members
from indicators.access import SYSTEM, Actor
from indicators.completeness import group_labels
from services.review import gather_review
from services.territories import set_sector_members, territories
from tests.auth_helpers import login_as
from tests.conftest import ROOT, app_serving

ADMIN = Actor("admin", "administrateur")
NORD = ["62119", "62126", "62178"]  # Béthune, Beuvry, Bruay-la-Buissière


def test_completeness_of_a_sector_is_that_of_its_communes(mini_store, mini_ref):
    def sector_matrix():
        figures = gather_review(mini_store, mini_ref, "annuelle-2026", today=dt.date(2026, 11, 29))
        return figures.completeness_of("SECTEUR_NORD"), group_labels(mini_ref, figures.territories)

    matrix, labels = sector_matrix()
    assert matrix.empty and labels["SECTEUR_NORD"] == "Secteur Nord (0 commune)"
    set_sector_members(mini_store, mini_ref, ADMIN, "SECTEUR_NORD", ["62119", "62178"])
    matrix, labels = sector_matrix()
    assert set(matrix["territoire"]) == {"62119", "62178"}
    assert labels == {"SIVOM_TEST": "SIVOM de test (1 commune)", "SECTEUR_NORD": "Secteur Nord (2 communes)"}
    assert territories(mini_store, mini_ref).parts("SECTEUR_NORD") == {"62119", "62178"}


@pytest.fixture
def app_store(store, ref):
    set_sector_members(store, ref, SYSTEM, "SECTEUR_NORD", NORD)
    with app_serving(store.url):
        yield store


def _page(path: str, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    login_as(at, "administrateur")
    at.switch_page(str(ROOT / path))
    at.run()
    return at


def test_a_sector_edit_reaches_the_completeness_filter(app_store):
    at = _page("pages/completude.py")
    box = at.selectbox(key="completude_groupe")
    assert "Secteur Nord (3 communes)" in box.options
    box.set_value("SECTEUR_NORD").run()
    assert not at.exception, at.exception
    assert not [i for i in at.info if "Aucune valeur trimestrielle" in i.value]
    matrix = at.dataframe[0].value
    assert set(matrix["Code"]) == set(NORD)


def test_a_sector_edit_reaches_the_commune_page(app_store, ref):
    at = _page("pages/communes.py", commune="62126")
    assert not at.exception, at.exception
    groups = next(m.value for m in at.markdown if m.value.startswith("**Structures et secteurs**"))
    assert "Secteur Nord (secteur)" in groups
    at = _page("pages/communes.py", commune="62023")
    groups = next(m.value for m in at.markdown if m.value.startswith("**Structures et secteurs**"))
    assert groups.endswith(": aucun")


def test_the_commune_page_takes_its_charges_from_the_store_s_structures(app_store, ref):
    """A commune the store places in the SIVOM du Béthunois shows the SIVOM's chargés."""
    from ui.context import clear_caches

    at = _page("pages/communes.py", commune="62023")
    assert next(m for m in at.metric if m.label == "Chargés (CTG 2)").value == "aucun"
    replace_members(
        app_store,
        ref.convention.code,
        "SIVOM_BETHUNOIS",
        ["62023"],
        author="test",
        action="test",
        objet="test",
    )
    clear_caches()  # as the pages do after a write
    at = _page("pages/communes.py", commune="62023")
    assert next(m for m in at.metric if m.label == "Chargés (CTG 2)").value == "2"
    groups = next(m.value for m in at.markdown if m.value.startswith("**Structures et secteurs**"))
    assert "SIVOM de la communauté du Béthunois (structure)" in groups
