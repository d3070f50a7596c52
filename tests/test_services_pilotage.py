"""Use cases of the steering data (services/pilotage.py): targets, comments, meetings and
engagements — who may write, what is refused in French, audit rows, history kept."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from indicators.access import AccessDenied, Actor
from indicators.catalogue import EPCI_CODE
from indicators.engagement import commune_engagements
from services.pilotage import (
    PilotageError,
    add_comment,
    comments_frame,
    delete_comment,
    delete_meeting,
    engagements,
    engagements_frame,
    meetings_frame,
    record_meeting,
    set_engagement,
    set_target,
    target_history,
    targets_frame,
)

ADMIN = Actor("admin", "administrateur")
READER = Actor("lecteur", "lecteur")
CHARGE = Actor("charge", "charge", frozenset({"62119"}))
CHARGE_EPCI = Actor("charge_epci", "charge", frozenset({"62119", EPCI_CODE}))
TODAY = dt.date(2026, 11, 29)


def audit(store, action=None):
    sql = "select actor, action, objet, avant, apres from audit where action <> 'chargement_reference'"
    frame = store.query_df(sql + " order by id")
    return frame if action is None else frame[frame["action"] == action].reset_index(drop=True)


# -- targets ------------------------------------------------------------------------------
def test_admin_sets_target_history_kept_latest_current(mini_store, mini_ref):
    conv = mini_ref.convention.code
    set_target(mini_store, mini_ref, ADMIN, "PE_PLACES_ACCUEIL", 2028, 120)
    set_target(mini_store, mini_ref, ADMIN, "PE_PLACES_ACCUEIL", 2028, 150)
    set_target(mini_store, mini_ref, ADMIN, "PE_PLACES_ACCUEIL", 2030, 200)
    current = targets_frame(mini_store, conv)
    assert current.to_dict("records") == [
        {"indicateur": "PE_PLACES_ACCUEIL", "territoire": EPCI_CODE, "annee": 2028, "valeur": 150.0},
        {"indicateur": "PE_PLACES_ACCUEIL", "territoire": EPCI_CODE, "annee": 2030, "valeur": 200.0},
    ]
    history = target_history(mini_store, conv, "PE_PLACES_ACCUEIL")
    assert list(history["valeur"]) == [200.0, 150.0, 120.0]
    rows = audit(mini_store, "cible")
    assert len(rows) == 3
    assert rows.loc[1, "avant"] == json.dumps({"valeur": 120.0})
    assert rows.loc[1, "apres"] == json.dumps({"valeur": 150.0})
    assert rows.loc[1, "actor"] == "admin"


def test_unchanged_target_writes_nothing_and_removal_keeps_history(mini_store, mini_ref):
    conv = mini_ref.convention.code
    assert set_target(mini_store, mini_ref, ADMIN, "PE_PLACES_ACCUEIL", 2030, 200)
    assert not set_target(mini_store, mini_ref, ADMIN, "PE_PLACES_ACCUEIL", 2030, 200)
    assert len(target_history(mini_store, conv)) == 1
    set_target(mini_store, mini_ref, ADMIN, "PE_PLACES_ACCUEIL", 2030, None)
    assert targets_frame(mini_store, conv).empty
    assert len(target_history(mini_store, conv)) == 2
    removal = audit(mini_store, "suppression_cible")
    assert removal.loc[0, "avant"] == json.dumps({"valeur": 200.0}) and pd.isna(removal.loc[0, "apres"])


@pytest.mark.parametrize("actor", [READER, CHARGE, CHARGE_EPCI])
def test_only_admins_set_targets(mini_store, mini_ref, actor):
    with pytest.raises(AccessDenied, match="réservée aux administrateurs"):
        set_target(mini_store, mini_ref, actor, "PE_PLACES_ACCUEIL", 2030, 200)
    assert target_history(mini_store, mini_ref.convention.code).empty
    assert audit(mini_store).empty


@pytest.mark.parametrize(
    ("code", "year", "value", "message"),
    [
        ("INCONNU", 2030, 1, "n'existe pas dans le catalogue"),
        ("PE_PLACES_ACCUEIL", 2029, 1, "2028 ou 2030"),
        ("PE_PLACES_ACCUEIL", 2030, -3, "hors des bornes"),
        ("PE_PLACES_ACCUEIL", 2030, 12.5, "nombre entier"),
    ],
)
def test_invalid_targets_refused(mini_store, mini_ref, code, year, value, message):
    with pytest.raises(PilotageError, match=message):
        set_target(mini_store, mini_ref, ADMIN, code, year, value)


def test_target_per_commune(mini_store, mini_ref):
    set_target(mini_store, mini_ref, ADMIN, "PE_CAPACITE_THEORIQUE", 2030, 60.5, territoire="62119")
    frame = targets_frame(mini_store, mini_ref.convention.code)
    assert frame.to_dict("records") == [
        {"indicateur": "PE_CAPACITE_THEORIQUE", "territoire": "62119", "annee": 2030, "valeur": 60.5}
    ]
    with pytest.raises(PilotageError, match="n'existe pas dans le référentiel"):
        set_target(mini_store, mini_ref, ADMIN, "PE_CAPACITE_THEORIQUE", 2030, 60, territoire="99999")


# -- comments -----------------------------------------------------------------------------
def test_admin_comment_whole_ambition(mini_store, mini_ref):
    conv = mini_ref.convention.code
    new_id = add_comment(mini_store, mini_ref, ADMIN, "A1", "annuelle-2026", "  L'offre progresse. ")
    frame = comments_frame(mini_store, conv)
    assert frame.loc[0, "id"] == new_id
    assert frame.loc[0, "texte"] == "L'offre progresse."
    assert pd.isna(frame.loc[0, "territoire"])
    rows = audit(mini_store, "commentaire")
    assert json.loads(rows.loc[0, "apres"])["texte"] == "L'offre progresse."


def test_charge_comments_own_territory_only(mini_store, mini_ref):
    conv = mini_ref.convention.code
    add_comment(mini_store, mini_ref, CHARGE, "A1", "annuelle-2026", "Béthune : deux cafés.", "62119")
    with pytest.raises(AccessDenied, match="n'est pas dans le périmètre"):
        add_comment(mini_store, mini_ref, CHARGE, "A1", "annuelle-2026", "Ailleurs.", "62178")
    with pytest.raises(AccessDenied, match="l'EPCI dans le périmètre"):
        add_comment(mini_store, mini_ref, CHARGE, "A1", "annuelle-2026", "Toute l'ambition.")
    add_comment(mini_store, mini_ref, CHARGE_EPCI, "F9", "mi-parcours", "Le réseau se structure.")
    assert len(comments_frame(mini_store, conv)) == 2
    assert len(audit(mini_store, "commentaire")) == 2


def test_reader_cannot_comment(mini_store, mini_ref):
    with pytest.raises(AccessDenied, match="lecture seule"):
        add_comment(mini_store, mini_ref, READER, "A1", "annuelle-2026", "Non.")
    assert comments_frame(mini_store, mini_ref.convention.code).empty


@pytest.mark.parametrize(
    ("ambition", "revue", "texte", "message"),
    [
        ("A9", "annuelle-2026", "x", "L'ambition « A9 » n'existe pas"),
        ("A1", "annuelle-2031", "x", "La revue « annuelle-2031 » n'existe pas"),
        ("A1", "annuelle-2026", "   ", "vide"),
        ("A1", "annuelle-2026", "x" * 5001, "dépasse 5000 caractères"),
    ],
)
def test_invalid_comments_refused(mini_store, mini_ref, ambition, revue, texte, message):
    with pytest.raises(PilotageError, match=message):
        add_comment(mini_store, mini_ref, ADMIN, ambition, revue, texte)


def test_comment_filters_and_delete(mini_store, mini_ref):
    conv = mini_ref.convention.code
    first = add_comment(mini_store, mini_ref, CHARGE, "A1", "annuelle-2026", "Un.", "62119")
    add_comment(mini_store, mini_ref, ADMIN, "A1", "mi-parcours", "Deux.")
    add_comment(mini_store, mini_ref, ADMIN, "F9", "annuelle-2026", "Trois.")
    assert list(comments_frame(mini_store, conv, revue="annuelle-2026")["texte"]) == ["Trois.", "Un."]
    assert list(comments_frame(mini_store, conv, ambition="A1", revue="mi-parcours")["texte"]) == ["Deux."]
    other = Actor("autre", "charge", frozenset({"62119"}))
    with pytest.raises(AccessDenied, match="Seul son auteur"):
        delete_comment(mini_store, conv, other, first)
    delete_comment(mini_store, conv, CHARGE, first)
    assert len(comments_frame(mini_store, conv)) == 2
    deleted = audit(mini_store, "suppression_commentaire")
    assert json.loads(deleted.loc[0, "avant"])["texte"] == "Un."


def test_deleting_a_missing_comment_is_refused_in_french(mini_store, mini_ref):
    conv = mini_ref.convention.code
    with pytest.raises(PilotageError, match="Le commentaire n°404 n'existe pas"):
        delete_comment(mini_store, conv, CHARGE, 404)
    with pytest.raises(AccessDenied, match="lecture seule"):
        delete_comment(mini_store, conv, READER, 404)
    assert audit(mini_store).empty


# -- meetings -----------------------------------------------------------------------------
def test_admin_records_meeting(mini_store, mini_ref):
    conv = mini_ref.convention.code
    new_id = record_meeting(
        mini_store,
        mini_ref,
        ADMIN,
        "copil_elargi",
        dt.date(2026, 11, 20),
        calendrier_code="COPIL_ELARGI_2026",
        note=" Salle du conseil ",
        today=TODAY,
    )
    frame = meetings_frame(mini_store, conv)
    assert frame.loc[0, "id"] == new_id
    assert frame.loc[0, "date"] == dt.date(2026, 11, 20)
    assert bool(frame.loc[0, "tenue"]) and frame.loc[0, "note"] == "Salle du conseil"
    rows = audit(mini_store, "reunion")
    assert json.loads(rows.loc[0, "apres"])["calendrier_code"] == "COPIL_ELARGI_2026"
    delete_meeting(mini_store, conv, ADMIN, new_id)
    assert meetings_frame(mini_store, conv).empty
    with pytest.raises(PilotageError, match=f"La réunion n°{new_id} n'existe pas"):
        delete_meeting(mini_store, conv, ADMIN, new_id)
    assert json.loads(audit(mini_store, "suppression_reunion").loc[0, "avant"])["date"] == "2026-11-20"


@pytest.mark.parametrize("actor", [READER, CHARGE, CHARGE_EPCI])
def test_only_admins_record_meetings(mini_store, mini_ref, actor):
    with pytest.raises(AccessDenied, match="réservée aux administrateurs"):
        record_meeting(mini_store, mini_ref, actor, "comite_technique", dt.date(2026, 3, 1), today=TODAY)
    assert meetings_frame(mini_store, mini_ref.convention.code).empty
    assert audit(mini_store).empty


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"instance": "conseil"}, "L'instance « conseil » n'existe pas"),
        ({"calendrier_code": "XX"}, "n'est pas au calendrier"),
        ({"calendrier_code": "COPIL_ELARGI_2026"}, "concerne l'instance COPIL élargi"),
        ({"instance": "comite_communal"}, "choisissez-la"),
        ({"date": dt.date(2031, 1, 5), "tenue": False}, "hors de la durée"),
        ({"date": dt.date(2026, 12, 15)}, "ne peut pas encore être tenue"),
    ],
)
def test_invalid_meetings_refused(mini_store, mini_ref, kwargs, message):
    args = {"instance": "comite_technique", "date": dt.date(2026, 3, 1), **kwargs}
    with pytest.raises(PilotageError, match=message):
        record_meeting(mini_store, mini_ref, ADMIN, today=TODAY, **args)


def test_planned_meeting_in_future(mini_store, mini_ref):
    record_meeting(
        mini_store, mini_ref, ADMIN, "comite_technique", dt.date(2026, 12, 15), tenue=False, today=TODAY
    )
    assert not meetings_frame(mini_store, mini_ref.convention.code).loc[0, "tenue"]


# -- engagements --------------------------------------------------------------------------
def test_admin_edits_engagement_audited(mini_store, mini_ref):
    conv = mini_ref.convention.code
    assert set_engagement(
        mini_store, mini_ref, ADMIN, "62119", True, dt.date(2026, 3, 2), "Mme Durand", today=TODAY
    )
    assert not set_engagement(
        mini_store, mini_ref, ADMIN, "62119", True, dt.date(2026, 3, 2), " Mme Durand ", today=TODAY
    )
    assert set_engagement(
        mini_store, mini_ref, ADMIN, "62119", True, dt.date(2026, 3, 2), "M. Martin", today=TODAY
    )
    frame = engagements_frame(mini_store, conv)
    assert frame[["commune", "fiche_signee", "date_signature", "elu_referent"]].to_dict("records") == [
        {
            "commune": "62119",
            "fiche_signee": True,
            "date_signature": dt.date(2026, 3, 2),
            "elu_referent": "M. Martin",
        }
    ]
    rows = audit(mini_store, "engagement")
    assert len(rows) == 2
    assert pd.isna(rows.loc[0, "avant"])
    assert json.loads(rows.loc[1, "avant"])["elu_referent"] == "Mme Durand"
    assert json.loads(rows.loc[1, "apres"])["elu_referent"] == "M. Martin"
    table = engagements(mini_store, mini_ref)
    assert table.equals(commune_engagements(mini_ref, frame))
    assert list(table["commune"]) == ["62119", "62178", "62720"]
    assert list(table["fiche_signee"]) == [True, False, False]
    assert table.loc[1, "elu_referent"] is None


@pytest.mark.parametrize("actor", [READER, CHARGE, CHARGE_EPCI])
def test_only_admins_edit_engagements(mini_store, mini_ref, actor):
    with pytest.raises(AccessDenied, match="réservée aux administrateurs"):
        set_engagement(mini_store, mini_ref, actor, "62119", True)
    assert engagements_frame(mini_store, mini_ref.convention.code).empty


@pytest.mark.parametrize(
    ("commune", "signed", "when", "message"),
    [
        ("SIVOM_TEST", True, None, "n'est pas une commune"),
        ("62119", False, dt.date(2026, 3, 2), "suppose que la fiche d'engagement est signée"),
        ("62119", True, dt.date(2027, 1, 1), "dans le futur"),
    ],
)
def test_invalid_engagements_refused(mini_store, mini_ref, commune, signed, when, message):
    with pytest.raises(PilotageError, match=message):
        set_engagement(mini_store, mini_ref, ADMIN, commune, signed, when, today=TODAY)
