"""The Annexe 5 calendar against the meetings held: statuses, yearly counts, overdue alerts."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from indicators.access import Actor
from indicators.catalogue import CalendarEntry
from indicators.governance import (
    calendar_status,
    communes_without_committee,
    due_not_held,
    expand_calendar,
    unattributed_committees,
    yearly_counts,
)
from indicators.pilotage_view import yearly_table
from services.pilotage import governance, meetings_frame, record_meeting
from services.territories import set_sector_members

ADMIN = Actor("admin", "administrateur")
TODAY = dt.date(2026, 11, 29)


def entry(code, instance, debut=None, fin=None, minimum=None):
    return CalendarEntry(
        code=code,
        instance=instance,
        libelle=code.replace("_", " ").title(),
        date_debut=debut,
        date_fin=fin,
        minimum_par_an=minimum,
        section="Annexe 5",
    )


@pytest.fixture(scope="module")
def gov_ref(mini_ref):
    """The mini reference with a calendar shaped like Annexe 5."""
    calendar = [
        entry("COPIL_RESTREINT_2026", "copil_restreint", dt.date(2026, 10, 1), dt.date(2026, 10, 31)),
        entry("REVOYURE_2027", "revue", dt.date(2027, 10, 1), dt.date(2027, 12, 31)),
        entry("MI_PARCOURS_2028", "revue", dt.date(2028, 6, 1), dt.date(2028, 6, 30)),
        *[
            entry(f"COPIL_ELARGI_{y}", "copil_elargi", dt.date(y, 11, 1), dt.date(y, 12, 31))
            for y in range(2026, 2031)
        ],
        entry("COTECH", "comite_technique", minimum=2),
        *[
            entry(f"COMITES_COMMUNAUX_{y}", "comite_communal", dt.date(y, 9, 1), dt.date(y, 12, 31))
            for y in range(2026, 2031)
        ],
    ]
    return dataclasses.replace(mini_ref, calendar=calendar)


def meetings(*rows):
    return pd.DataFrame(
        [
            {"instance": i, "calendrier_code": c, "territoire": t, "date": d, "tenue": h}
            for i, c, t, d, h in rows
        ],
        columns=["instance", "calendrier_code", "territoire", "date", "tenue"],
    )


NONE = meetings()


def test_expand_calendar_dated_once_recurring_yearly(gov_ref):
    occ = expand_calendar(gov_ref)
    cotech = [o for o in occ if o.code == "COTECH"]
    assert [o.annee for o in cotech] == [2026, 2027, 2028, 2029, 2030]
    assert all(o.minimum == 2 and o.debut.month == 1 and o.fin.month == 12 for o in cotech)
    assert len([o for o in occ if o.instance == "copil_elargi"]) == 5
    assert len(occ) == 3 + 5 + 5 + 5


def test_nothing_held_at_end_of_november_2026(gov_ref):
    due = due_not_held(gov_ref, NONE, dt.date(2026, 11, 29))
    assert list(due["code"]) == ["COPIL_RESTREINT_2026"]
    assert due.loc[0, "message"] == ("Copil Restreint 2026 : aucune réunion tenue (échéance du 31/10/2026).")
    status = calendar_status(gov_ref, NONE, dt.date(2026, 11, 29)).set_index(["code", "annee"])
    assert status.loc[("COPIL_ELARGI_2026", 2026), "statut"] == "en cours"
    assert status.loc[("COPIL_ELARGI_2027", 2027), "statut"] == "à venir"
    assert status.loc[("COTECH", 2026), "statut"] == "en cours"


def test_year_end_alerts_count_against_minimum(gov_ref):
    held = meetings(
        ("copil_restreint", None, None, dt.date(2026, 10, 14), True),
        ("comite_technique", None, None, dt.date(2026, 2, 3), True),
        ("comite_technique", None, None, dt.date(2026, 10, 3), False),  # cancelled: does not count
        ("copil_elargi", "COPIL_ELARGI_2026", None, dt.date(2027, 1, 12), True),  # late, named
        ("comite_communal", None, "62119", dt.date(2026, 10, 1), True),
        ("comite_communal", None, "SIVOM_TEST", dt.date(2026, 11, 1), True),  # covers 62720
        ("comite_communal", None, "62178", dt.date(2026, 3, 1), True),  # outside September-December
    )
    due = due_not_held(gov_ref, held, dt.date(2027, 1, 15))
    assert list(due["code"]) == ["COTECH", "COMITES_COMMUNAUX_2026"]
    assert list(due["statut"]) == ["incomplète", "incomplète"]
    assert due.loc[0, "message"] == (
        "Cotech 2026 : 1 réunion(s) tenue(s) sur 2 au minimum (échéance du 31/12/2026)."
    )
    assert due.loc[1, "message"] == (
        "Comites Communaux 2026 : 2 commune(s) sur 3 couverte(s) par un comité tenu (échéance du 31/12/2026)."
    )


def test_yearly_counts(gov_ref):
    held = meetings(
        ("comite_technique", None, None, dt.date(2026, 2, 3), True),
        ("comite_technique", None, None, dt.date(2026, 10, 3), True),
        ("copil_elargi", "COPIL_ELARGI_2026", None, dt.date(2027, 1, 12), True),
        ("comite_communal", None, "62119", dt.date(2026, 10, 1), True),
    )
    counts = yearly_counts(gov_ref, held, dt.date(2027, 1, 15)).set_index(["instance", "annee"])
    assert counts.loc[("comite_technique", 2026), ["tenues", "minimum", "statut"]].tolist() == [
        2,
        2,
        "atteint",
    ]
    assert counts.loc[("copil_elargi", 2026), ["tenues", "minimum", "statut"]].tolist() == [1, 1, "atteint"]
    assert counts.loc[("copil_elargi", 2027), "tenues"] == 0
    assert counts.loc[("copil_elargi", 2027), "statut"] == "à venir"  # window November-December
    assert counts.loc[("copil_restreint", 2026), "statut"] == "non atteint"
    assert ("copil_restreint", 2027) not in counts.index  # nothing due that year
    assert counts.loc[("revue", 2028), "statut"] == "à venir"
    assert counts.loc[("comite_communal", 2026), ["tenues", "minimum", "unite"]].tolist() == [
        1,
        3,
        "communes",
    ]


def test_communes_without_committee(gov_ref):
    held = meetings(("comite_communal", None, "SIVOM_TEST", dt.date(2026, 10, 1), True))
    assert list(communes_without_committee(gov_ref, held, 2026)["commune"]) == ["62119", "62178"]
    assert len(communes_without_committee(gov_ref, held, 2027)) == 3


def test_recorded_meetings_feed_governance(mini_store, mini_ref):
    today = dt.date(2027, 1, 10)
    record_meeting(mini_store, mini_ref, ADMIN, "copil_elargi", dt.date(2026, 12, 4), today=today)
    record_meeting(mini_store, mini_ref, ADMIN, "comite_technique", dt.date(2026, 3, 4), today=today)
    frame = meetings_frame(mini_store, mini_ref.convention.code)
    due = due_not_held(mini_ref, frame, today)
    assert list(due["code"]) == ["COTECH"]
    status = calendar_status(mini_ref, frame, today).set_index("code")
    assert status.loc["COPIL_ELARGI_2026", "statut"] == "tenue"
    assert status.loc["COPIL_ELARGI_2026", "dates_tenues"] == [dt.date(2026, 12, 4)]


def test_real_calendar_loads(ref):
    """The real calendar expands and nothing is due before the convention starts."""
    if not ref.calendar:
        pytest.skip("calendrier.csv pas encore écrit")
    assert due_not_held(ref, NONE, dt.date(2026, 1, 1)).empty
    assert not calendar_status(ref, NONE, dt.date(2031, 1, 1))["statut"].isin(["à venir"]).any()


def test_real_calendar_semantics(ref):
    """Annexe 5 as seeded: two dated comités techniques a year, reviews held by the COPIL restreint."""
    due = due_not_held(ref, NONE, dt.date(2026, 11, 29))
    assert set(due["code"]) == {"COMITE_TECHNIQUE_2026_DEBUT", "COPIL_RESTREINT_2026"}
    held = meetings(
        ("copil_restreint", None, None, dt.date(2028, 6, 20), True),
        ("comite_technique", "COMITE_TECHNIQUE_2026_DEBUT", None, dt.date(2026, 4, 8), True),
    )
    status = calendar_status(ref, held, dt.date(2028, 7, 1)).set_index("code")
    assert status.loc["REVUE_MI_PARCOURS_2028", "statut"] == "tenue"
    assert status.loc["COPIL_RESTREINT_2028", "statut"] == "tenue"
    assert status.loc["COMITE_TECHNIQUE_2026_DEBUT", "statut"] == "tenue"  # late but named
    assert status.loc["REVUE_BILAN_FINAL", "statut"] == "date non fixée"
    counts = yearly_counts(ref, held, dt.date(2028, 7, 1)).set_index(["instance", "annee"])
    assert counts.loc[("comite_technique", 2026), ["tenues", "minimum", "statut"]].tolist() == [
        1,
        2,
        "non atteint",
    ]
    assert counts.loc[("copil_restreint", 2028), "statut"] == "atteint"
    assert counts.loc[("comite_communal", 2026), "minimum"] == len(ref.communes())
    nov = yearly_counts(ref, NONE, dt.date(2026, 11, 29)).set_index(["instance", "annee"])["statut"]
    assert nov[("copil_restreint", 2026)] == "non atteint"  # its only window (October) is over
    assert nov[("copil_elargi", 2026)] == "en cours"
    assert nov[("comite_technique", 2026)] == "en retard"  # the early-year one was missed


# -- comités communaux counted from the meetings recorded, on the store's territories (issue 9) --
COMMUNAL_ROW = "Comités de pilotage communaux (communes couvertes)"


def _communal(gov, year=2026):
    return gov.yearly.set_index(["instance", "annee"]).loc[("comite_communal", year)]


def test_demo_comites_communaux_count_their_communes(store, ref):
    """On the demo store the comité communal of 15/09/2026 named no commune: Gouvernance
    counted « 0 / 100 communes ». Every demo comité now names its commune and counts."""
    from services.demo import install_demo
    from services.demo_data import COMMITTEE_SHARE

    install_demo(store, ref)
    gov = governance(store, ref, dt.date(2026, 11, 29))
    communal = gov.meetings[gov.meetings["instance"] == "comite_communal"]
    expected = round(COMMITTEE_SHARE * len(ref.communes()))
    assert communal["territoire"].notna().all() and communal["territoire"].nunique() == expected
    assert _communal(gov)[["tenues", "minimum", "unite"]].tolist() == [expected, 100, "communes"]
    row = gov.status.set_index("code").loc["COMITES_COMMUNAUX_2026"]
    assert (row["tenues"], row["attendues"]) == (expected, 100)
    assert f"{expected} / 100" in yearly_table(gov.yearly).set_index("Instance").loc[COMMUNAL_ROW, "2026"]
    assert len(gov.communes_without_committee(ref, 2026)) == 100 - expected
    assert gov.unattributed.empty


def test_hand_recorded_comite_of_a_sector_covers_the_sector_s_communes(store, ref):
    """A comité supra-communal held on 15/09/2026 for a sector filled in Administration ›
    Secteurs covers its communes (the seed alone knows no sector member)."""
    set_sector_members(store, ref, ADMIN, "SECTEUR_NORD", ["62119", "62126", "62178"])
    record_meeting(
        store, ref, ADMIN, "comite_communal", dt.date(2026, 9, 15), territoire="SECTEUR_NORD", today=TODAY
    )
    record_meeting(
        store, ref, ADMIN, "comite_communal", dt.date(2026, 9, 15), territoire="62119", today=TODAY
    )
    gov = governance(store, ref, TODAY)
    assert _communal(gov)["tenues"] == 3  # 62119 counted once
    assert gov.status.set_index("code").loc["COMITES_COMMUNAUX_2026", "tenues"] == 3
    missing = set(gov.communes_without_committee(ref, 2026)["commune"])
    assert not missing & {"62119", "62126", "62178"} and len(missing) == 97
    late = governance(store, ref, dt.date(2027, 1, 15)).due.set_index("code")
    assert late.loc["COMITES_COMMUNAUX_2026", "message"].startswith(
        "Comités de pilotage communaux ou supra-communaux 2026 : 3 commune(s) sur 100"
    )


def test_a_comite_naming_no_commune_is_shown_not_silently_dropped(mini_store, mini_ref):
    """A comité recorded without territory (the old demo data) counts for no commune; the
    Gouvernance figures list it so that it can be recorded again."""
    from db.pilotage import insert_meeting

    insert_meeting(
        mini_store,
        "ctg-test",
        "comite_communal",
        dt.date(2026, 9, 15),
        True,
        None,
        None,
        None,
        author="x",
        action="reunion",
        objet="réunion {id}",
    )
    gov = governance(mini_store, mini_ref, TODAY)
    assert gov.unattributed["date"].tolist() == [dt.date(2026, 9, 15)]
    assert unattributed_committees(NONE).empty and unattributed_committees(None).empty


def test_the_review_counts_comites_as_the_gouvernance_page(store, ref):
    """The review's governance (bilan annex, alerts) and the Gouvernance page: one count."""
    from services.review import gather_review

    set_sector_members(store, ref, ADMIN, "SECTEUR_NORD", ["62119", "62126", "62178"])
    record_meeting(
        store, ref, ADMIN, "comite_communal", dt.date(2026, 9, 15), territoire="SECTEUR_NORD", today=TODAY
    )
    at = dt.date(2026, 12, 31)
    figures = gather_review(store, ref, "annuelle-2026", today=at)
    page = governance(store, ref, at)
    assert figures.governance_yearly().equals(page.yearly)
    assert figures.governance_calendar().equals(page.status)
    assert figures.governance_due().equals(page.due)
    assert _communal(page)["tenues"] == 3
