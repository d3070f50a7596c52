"""Domain rules of the steering data: the reviews a comment belongs to, what it may concern,
and the engagement of every commune (plain functions, no store)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from indicators.engagement import ENGAGEMENT_COLUMNS, commune_engagements
from indicators.review import ambition_choices, review_codes, review_label


def test_review_codes():
    assert review_codes() == [
        "annuelle-2026",
        "annuelle-2027",
        "annuelle-2028",
        "annuelle-2029",
        "annuelle-2030",
        "mi-parcours",
    ]


def test_review_label():
    assert review_label("annuelle-2027") == "Revue annuelle 2027"
    assert review_label("mi-parcours") == "Bilan mi-parcours (juin 2028)"
    assert review_label("inconnue") == "inconnue"


def test_ambition_choices_end_with_the_network_fiche(ref):
    choices = ambition_choices(ref)
    assert list(choices)[:8] == [f"A{i}" for i in range(1, 9)]
    assert list(choices)[-1] == "F9"
    assert choices["A1"].startswith("A1 · ")


def test_commune_engagements_lists_every_commune(mini_ref):
    recorded = pd.DataFrame(
        [
            {
                "commune": "62178",
                "fiche_signee": True,
                "date_signature": dt.date(2026, 3, 2),
                "elu_referent": "Mme Durand",
                "updated_by": "admin",
                "updated_at": dt.datetime(2026, 3, 3, 9, 0),
            }
        ]
    )
    table = commune_engagements(mini_ref, recorded)
    assert table.columns.tolist() == ["commune", "nom", *ENGAGEMENT_COLUMNS[1:]]
    assert table["commune"].tolist() == ["62119", "62178", "62720"]
    assert table["fiche_signee"].tolist() == [False, True, False]
    assert table["elu_referent"].tolist() == [None, "Mme Durand", None]
    assert table["date_signature"].tolist() == [None, dt.date(2026, 3, 2), None]
    nothing = commune_engagements(mini_ref, recorded.iloc[0:0])
    assert nothing["fiche_signee"].tolist() == [False, False, False]
