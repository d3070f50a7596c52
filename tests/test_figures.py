"""The disagreements the COPIL saw, each fixed at its one place (issue « One home for every rule »).

- élus référents: the ambition 8 card and the Engagements page count the same thing;
- the fiche 9 completeness: computed by the application, the same in the panels and the bilan;
- sectors edited by an administrator reach the completeness filter, the commune page and the bilan;
- a batch reads the same on Dépôt trimestriel and in the Journal.
"""

from __future__ import annotations

import datetime as dt

import pytest

from indicators.access import SYSTEM
from indicators.catalogue import EPCI_CODE
from indicators.completeness import COMPLETENESS_CODE
from indicators.engagement import engagement_counts
from reports.bilan import _Context, bilan_html
from services.demo import install_demo
from services.pilotage import engagements, set_engagement
from services.review import gather_review
from services.territories import set_sector_members
from services.uploads import batch_history, import_file

ELUS_REFERENTS_CODE = "AT_ELUS_REFERENTS"  # computed from the engagements (seed/indicateurs_calcules.csv)
TODAY = dt.date(2026, 12, 2)


@pytest.fixture
def demo_store(store, ref):
    install_demo(store, ref, accounts=False)
    return store


def test_elus_referents_are_counted_once_from_the_engagements(demo_store, ref):
    """The card said 52 (generated values), Engagements « 0 sur 100 »: now both read the engagements."""
    figures = gather_review(demo_store, ref, "annuelle-2026", today=TODAY)
    assert figures.summary.set_index("code").loc[ELUS_REFERENTS_CODE, "valeur"] == 0
    for commune in ("62119", "62178"):
        set_engagement(demo_store, ref, SYSTEM, commune, True, dt.date(2026, 5, 4), "Élu référent")
    figures = gather_review(demo_store, ref, "annuelle-2026", today=TODAY)
    page_count = engagement_counts(engagements(demo_store, ref))  # what Engagements shows
    assert page_count.elus_referents == 2
    assert figures.engagement_counts == page_count
    assert figures.summary.set_index("code").loc[ELUS_REFERENTS_CODE, "valeur"] == 2
    assert figures.summary_of("62119").set_index("code").loc[ELUS_REFERENTS_CODE, "valeur"] == 1
    assert figures.summary_of("62516").set_index("code").loc[ELUS_REFERENTS_CODE, "valeur"] == 0


def test_a_computed_indicator_cannot_be_uploaded(store, ref):
    data = "territoire;indicateur;periode;valeur\n62119;AT_ELUS_REFERENTS;2026;1\n62119;F9_COMPLETUDE_OUTIL;2026-T3;80\n"
    result = import_file(store, ref, data.encode(), "elus.csv", SYSTEM, today=TODAY)
    assert not result.plan.accepted
    kinds = [(i.line, i.kind) for i in result.plan.report.errors]
    assert kinds == [(2, "indicateur-calcule"), (3, "indicateur-calcule")]
    assert "Engagements des communes" in result.plan.report.errors[0].message


def test_fiche_9_completeness_is_the_same_in_the_panels_and_the_bilan(demo_store, ref):
    figures = gather_review(demo_store, ref, "annuelle-2026", today=TODAY)
    row = figures.summary.set_index("code").loc[COMPLETENESS_CODE]
    assert row["valeur"] == pytest.approx(figures.completeness_rate)
    assert figures.completeness_rate is not None
    html_text, _ = bilan_html(_Context(figures))
    from indicators.formatting import format_value

    assert f"{format_value(figures.completeness_rate, 'pourcentage')} (T3 2026)" in html_text


def test_sectors_edited_by_an_administrator_reach_the_panels_and_the_bilan(demo_store, ref):
    sector = next(t.code for t in ref.territories if t.type == "secteur")
    before = gather_review(demo_store, ref, "annuelle-2026", today=TODAY)
    assert before.completeness_of(sector).empty  # the convention lists no commune of a sector
    set_sector_members(demo_store, ref, SYSTEM, sector, ["62119", "62178"])
    figures = gather_review(demo_store, ref, "annuelle-2026", today=TODAY)
    assert set(figures.completeness_of(sector)["territoire"]) == {"62119", "62178"}
    assert figures.territories.members[sector] == {"62119", "62178"}
    assert set(figures.summary_of(sector)["code"]) == set(figures.summary["code"])
    assert figures.summary_of(sector).set_index("code").loc[ELUS_REFERENTS_CODE, "valeur"] == 0


def test_a_batch_reads_the_same_in_the_upload_history_and_the_journal(store, ref):
    from services.audit import batch_entries

    data = "territoire;indicateur;periode;valeur\n62119;PE_PLACES_EAJE;2026-T3;12\n"
    result = import_file(store, ref, data.encode(), "t3.csv", SYSTEM, today=TODAY)
    upload = batch_history(store, ref.convention.code).set_index("n°").loc[result.batch_id]
    journal = batch_entries(store).set_index("N°").loc[result.batch_id]
    assert (upload["type"], upload["statut"]) == ("dépôt de fichier", "en vigueur")
    assert journal["Nature"].lower() == upload["type"]
    assert journal["Statut"] == upload["statut"]


def test_the_agglomeration_summary_is_computed_once(demo_store, ref):
    figures = gather_review(demo_store, ref, "mi-parcours", today=TODAY)
    assert figures.summary_of(EPCI_CODE) is figures.summary
