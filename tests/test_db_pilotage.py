"""The steering tables as a store (db/pilotage.py): each write and its audit row in one
transaction, the audit row named by the caller, raw frames out."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from db import pilotage


def audit(store):
    return store.query_df(
        "select actor, action, objet, avant, apres from audit "
        "where action <> 'chargement_reference' order by id"
    )


def test_inserts_name_their_audit_row_with_the_new_id(mini_store):
    conv = "ctg-test"
    comment = pilotage.insert_comment(
        mini_store,
        conv,
        "A1",
        "annuelle-2026",
        None,
        "Texte {id} tel quel.",
        author="x",
        action="a",
        objet="c {id}",
    )
    meeting = pilotage.insert_meeting(
        mini_store,
        conv,
        "comite_communal",
        dt.date(2026, 9, 15),
        True,
        None,
        "62119",
        None,
        author="x",
        action="r",
        objet="m {id}",
    )
    rows = audit(mini_store)
    assert rows[["actor", "action", "objet"]].values.tolist() == [
        ["x", "a", f"c {comment}"],
        ["x", "r", f"m {meeting}"],
    ]
    assert json.loads(rows.loc[0, "apres"])["texte"] == "Texte {id} tel quel."
    assert pilotage.comments_frame(mini_store, conv).columns.tolist() == pilotage.COMMENT_COLUMNS
    frame = pilotage.meetings_frame(mini_store, conv)
    assert frame.columns.tolist() == pilotage.MEETING_COLUMNS
    assert frame.loc[0, "date"] == dt.date(2026, 9, 15) and frame.loc[0, "territoire"] == "62119"


def test_unchanged_writes_leave_no_row(mini_store):
    conv = "ctg-test"
    args = (mini_store, conv, "PE_PLACES_ACCUEIL", "200072460", 2030, 10.0)
    assert pilotage.write_target(*args, author="x", action="cible", objet="t")
    assert not pilotage.write_target(*args, author="x", action="cible", objet="t")
    eng = (mini_store, conv, "62119", True, dt.date(2026, 3, 2), "Mme A")
    assert pilotage.write_engagement(*eng, author="x", action="engagement", objet="e")
    assert not pilotage.write_engagement(*eng, author="x", action="engagement", objet="e")
    assert len(audit(mini_store)) == 2
    assert len(pilotage.target_history(mini_store, conv)) == 1
    assert pilotage.engagements_frame(mini_store, conv).columns.tolist() == pilotage.ENGAGEMENT_COLUMNS


def test_deleting_a_missing_row_writes_nothing(mini_store):
    assert pilotage.delete_comment(mini_store, "ctg-test", 9, author="x", action="d", objet="c 9") is None
    assert pilotage.delete_meeting(mini_store, "ctg-test", 9, author="x", action="d", objet="m 9") is None
    assert pilotage.comment_row(mini_store, "ctg-test", 9) is None
    assert audit(mini_store).empty


def test_a_failed_audit_row_rolls_the_write_back(mini_store):
    """The write and its audit row are one transaction: no audit, no comment."""
    with pytest.raises(sa.exc.DBAPIError):
        pilotage.insert_comment(
            mini_store, "ctg-test", "A1", "annuelle-2026", None, "Perdu.", author="x", action=None, objet="c"
        )
    assert pilotage.comments_frame(mini_store, "ctg-test").empty
    assert audit(mini_store).empty
