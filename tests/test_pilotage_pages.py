"""AppTest of the steering pages on a seeded temporary store: they render, and the admin forms write."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from db.store import Store
from indicators.access import SYSTEM
from indicators.catalogue import EPCI_CODE
from services.pilotage import (
    add_comment,
    comments_frame,
    engagements_frame,
    meetings_frame,
    record_meeting,
    set_engagement,
    set_target,
    targets_frame,
)
from tests.auth_helpers import login_as
from tests.conftest import ROOT, app_serving

PAGES = {
    "pages/gouvernance.py": "Gouvernance de la convention",
    "pages/donnees.py": "Données",
    "pages/commentaires.py": "Analyses qualitatives",
    "pages/cibles.py": "Cibles 2028 et 2030",
    "pages/engagements.py": "Engagements des communes",
}


@pytest.fixture
def app_store(store, monkeypatch, ref):
    """The seeded store, with a few steering rows, as the app's database."""
    set_target(store, ref, SYSTEM, "PE_PLACES_EAJE", 2030, 1500)
    add_comment(store, ref, SYSTEM, "A1", "annuelle-2026", "L'offre d'accueil progresse.")
    record_meeting(
        store,
        ref,
        SYSTEM,
        "comite_technique",
        dt.date(2026, 2, 10),
        calendrier_code="COMITE_TECHNIQUE_2026_DEBUT",
        today=dt.date(2026, 11, 29),
    )
    set_engagement(store, ref, SYSTEM, "62119", True, dt.date(2026, 3, 2), "Mme Test")
    with app_serving(store.url):
        yield store


def _page(path: str, role: str = "administrateur", territoires=()) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    login_as(at, role, territoires)
    at.run()
    at.switch_page(str(ROOT / path)).run()
    return at


@pytest.mark.parametrize(("path", "title"), PAGES.items())
@pytest.mark.parametrize("role", ["administrateur", "lecteur"])
def test_pages_render(app_store, path, title, role):
    at = _page(path, role)
    assert not at.exception, at.exception
    assert at.title[0].value == title
    texts = " ".join(str(e.value) for e in (*at.markdown, *at.caption, *at.warning, *at.info))
    assert "nan" not in texts.split() and "None" not in texts.split()


def test_gouvernance_shows_due_meetings_and_records_one(app_store, ref):
    at = _page("pages/gouvernance.py")
    assert any("Réunions dues et non tenues" in w.value for w in at.warning)
    at.selectbox(key="gouv_instance").set_value("copil_restreint").run()
    at.selectbox(key="gouv_code").set_value("COPIL_RESTREINT_2026")
    at.date_input(key="gouv_date").set_value(dt.date(2026, 10, 15))
    at.text_input(key="gouv_note").set_value("Salle du conseil")
    next(b for b in at.button if b.label == "Enregistrer la réunion").click().run()
    assert not at.exception, at.exception
    assert any("Réunion enregistrée" in s.value for s in at.success)
    with Store(app_store.url) as s:
        frame = meetings_frame(s, ref.convention.code)
    assert "COPIL_RESTREINT_2026" in set(frame["calendrier_code"])


def test_lecteur_sees_no_forms(app_store):
    for path in ("pages/gouvernance.py", "pages/cibles.py", "pages/engagements.py", "pages/commentaires.py"):
        at = _page(path, "lecteur")
        assert not [b for b in at.button if b.label.startswith("Enregistrer")]
        assert at.info, path


def test_charge_comment_form_limited_to_scope(app_store):
    at = _page("pages/commentaires.py", "charge", ["62119"])
    options = at.selectbox(key="comm_territoire").options
    assert options == ["Béthune (62119)"]


def test_cibles_form_sets_french_target(app_store, ref):
    at = _page("pages/cibles.py")
    at.selectbox(key="cibles_indicateur").set_value("PE_PLACES_EAJE").run()
    at.text_input(key=f"cibles_PE_PLACES_EAJE_{EPCI_CODE}_2028").set_value("1 450")
    next(b for b in at.button if b.label == "Enregistrer les cibles").click().run()
    assert not at.exception, at.exception
    with Store(app_store.url) as s:
        current = targets_frame(s, ref.convention.code).set_index(["indicateur", "annee"])["valeur"]
        assert current[("PE_PLACES_EAJE", 2028)] == 1450 and current[("PE_PLACES_EAJE", 2030)] == 1500
    at.text_input(key=f"cibles_PE_PLACES_EAJE_{EPCI_CODE}_2030").set_value("beaucoup")
    next(b for b in at.button if b.label == "Enregistrer les cibles").click().run()
    assert any("« beaucoup » n'est pas un nombre" in e.value for e in at.error)


def test_engagement_form(app_store, ref):
    at = _page("pages/engagements.py")
    at.selectbox(key="eng_commune").set_value("62178").run()
    at.checkbox(key="eng_signee_62178").check()
    at.date_input(key="eng_date_62178").set_value(dt.date(2026, 5, 4))
    at.text_input(key="eng_elu_62178").set_value("M. Test")
    next(b for b in at.button if b.label == "Enregistrer").click().run()
    assert not at.exception, at.exception
    assert any("Engagement de Bruay-la-Buissière enregistré" in s.value for s in at.success)
    with Store(app_store.url) as s:
        frame = engagements_frame(s, ref.convention.code).set_index("commune")
    assert frame.loc["62178", "elu_referent"] == "M. Test"


def test_comment_form(app_store, ref):
    at = _page("pages/commentaires.py")
    at.selectbox(key="comm_ambition").set_value("A2")
    at.selectbox(key="comm_revue").set_value("mi-parcours")
    at.text_area(key="comm_texte").set_value("Les ateliers numériques se multiplient.")
    next(b for b in at.button if b.label == "Enregistrer l'analyse").click().run()
    assert not at.exception, at.exception
    assert any("Les ateliers numériques se multiplient." == t.value for t in at.text)  # plain text
    with Store(app_store.url) as s:
        assert len(comments_frame(s, ref.convention.code, revue="mi-parcours", ambition="A2")) == 1


def test_gouvernance_counts_a_sector_comite_and_flags_one_without_commune(app_store, ref):
    from db.pilotage import insert_meeting
    from services.territories import set_sector_members

    set_sector_members(app_store, ref, SYSTEM, "SECTEUR_NORD", ["62119", "62126"])
    record_meeting(
        app_store,
        ref,
        SYSTEM,
        "comite_communal",
        dt.date(2026, 9, 15),
        territoire="SECTEUR_NORD",
        today=dt.date(2026, 11, 29),
    )
    insert_meeting(  # as the old demonstration data wrote it: no commune
        app_store,
        ref.convention.code,
        "comite_communal",
        dt.date(2026, 9, 16),
        True,
        "COMITES_COMMUNAUX_2026",
        None,
        None,
        author="démonstration",
        action="reunion",
        objet="réunion {id}",
    )
    at = _page("pages/gouvernance.py")
    assert not at.exception, at.exception
    yearly = at.table[0].value.set_index("Instance")
    assert yearly.loc["Comités de pilotage communaux (communes couvertes)", "2026"].startswith("2 / 100 ")
    warning = next(w.value for w in at.warning if "sans commune ni structure" in w.value)
    assert warning.startswith("1 comité(s) de pilotage communal(aux) tenu(s)") and "16/09/2026" in warning


def test_a_comment_is_shown_as_plain_text(app_store, ref):
    """Markdown or HTML typed in a comment is shown as typed, never interpreted (issue 11)."""
    hostile = (
        "![pixel](http://evil.example/p.png?u=1) [Reconnectez-vous ici](http://evil.example) <b>gras</b>"
    )
    at = _page("pages/commentaires.py")
    at.selectbox(key="comm_ambition").set_value("A2")
    at.text_area(key="comm_texte").set_value(hostile)
    next(b for b in at.button if b.label == "Enregistrer l'analyse").click().run()
    assert not at.exception, at.exception
    assert [t.value for t in at.text if "evil" in t.value] == [hostile]
    assert not any("evil.example" in m.value for m in at.markdown)
