"""Reviews, status logic, the indicator summary and the alerts."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from indicators.catalogue import EPCI_CODE
from indicators.governance import due_not_held
from indicators.periods import Period
from indicators.review import (
    REVIEWS,
    ReviewError,
    build_alerts,
    current_review,
    format_summary,
    get_review,
    headline_indicators,
    indicator_summary,
    status_of,
)


def _values(rows):
    return pd.DataFrame(rows, columns=["indicateur", "territoire", "periode", "valeur"])


def test_reviews_codes_labels_and_cutoffs():
    codes = [r.code for r in REVIEWS]
    assert codes == [
        "annuelle-2026",
        "annuelle-2027",
        "annuelle-2028",
        "mi-parcours",
        "annuelle-2029",
        "annuelle-2030",
    ]
    assert get_review("annuelle-2026").label == "Revue annuelle 2026"
    assert get_review("annuelle-2026").cutoff == Period(2026, 3)
    mid = get_review("mi-parcours")
    assert mid.label == "Bilan mi-parcours (juin 2028)"
    assert mid.cutoff == Period(2028, 1) and mid.previous_year == 2027 and mid.target_year == 2028
    assert get_review("annuelle-2029").target_year == 2030
    assert [q.code for q in get_review("annuelle-2026").quarters()] == ["2026-T1", "2026-T2", "2026-T3"]
    with pytest.raises(ReviewError, match="Revue inconnue"):
        get_review("annuelle-2031")


def test_current_review_is_the_next_one():
    assert current_review(date(2026, 11, 29)).code == "annuelle-2026"
    assert current_review(date(2028, 3, 1)).code == "mi-parcours"
    assert current_review(date(2031, 1, 1)).code == "annuelle-2030"


@pytest.mark.parametrize(
    ("value", "ref", "sens", "unite", "expected"),
    [
        (110, 100, "hausse", "nombre", "progression"),
        (90, 100, "hausse", "nombre", "recul"),
        (90, 100, "baisse", "nombre", "progression"),
        (110, 100, "baisse", "nombre", "recul"),
        (101.5, 100, "hausse", "nombre", "stable"),  # within 2 %
        (98.5, 100, "baisse", "nombre", "stable"),
        (110, 100, "stable", "nombre", "recul"),  # moving away from a desired stability
        (100.5, 100, "stable", "nombre", "stable"),
        (50.8, 50.0, "hausse", "pourcentage", "stable"),  # within 1 point
        (52.0, 50.0, "hausse", "pourcentage", "progression"),
        (0, 0, "hausse", "nombre", "stable"),
        (3, 0, "hausse", "nombre", "progression"),
        (None, 100, "hausse", "nombre", "non_renseigne"),
        (100, float("nan"), "hausse", "nombre", "non_renseigne"),
    ],
)
def test_status_respects_desired_direction(value, ref, sens, unite, expected):
    assert status_of(value, ref, sens, unite) == expected


def test_summary_stock_ratio_flux_and_targets(mini_ref):
    review = get_review("annuelle-2026")
    values = _values(
        [
            ("PE_PLACES_ACCUEIL", "62119", "2025", 300),
            ("PE_PLACES_ACCUEIL", "62178", "2025", 200),
            ("PE_PLACES_ACCUEIL", "62119", "2026-T2", 320),
            ("PE_PLACES_ACCUEIL", "62178", "2026-T2", 210),
            ("PE_PLACES_ACCUEIL", "62119", "2026-T3", 330),
            ("PE_PLACES_ACCUEIL", "62178", "2026-T3", 150),
            ("PE_ENFANTS_MOINS_3", "62119", "2025", 1000),
            ("PE_ENFANTS_MOINS_3", "62178", "2025", 900),
            ("IA_CAFES_PARTENAIRES", EPCI_CODE, "2025", 12),
            ("IA_CAFES_PARTENAIRES", "62119", "2026-T1", 2),
            ("IA_CAFES_PARTENAIRES", "62119", "2026-T2", 3),
            ("IA_CAFES_PARTENAIRES", "62178", "2026-T3", 1),
        ]
    )
    targets = pd.DataFrame(
        [
            {"indicateur": "PE_PLACES_ACCUEIL", "annee": 2028, "valeur": 600.0},
            {"indicateur": "PE_PLACES_ACCUEIL", "annee": 2030, "valeur": 700.0},
        ]
    )
    s = indicator_summary(
        values,
        mini_ref,
        review,
        targets=targets,
        codes=[
            "PE_PLACES_ACCUEIL",
            "PE_CAPACITE_THEORIQUE",
            "IA_CAFES_PARTENAIRES",
            "BARO_HABITANTS",
            "PE_SCHEMA",
        ],
    ).set_index("code")
    places = s.loc["PE_PLACES_ACCUEIL"]
    assert places["reference"] == 500 and places["periode_reference"] == "2025"
    assert places["valeur"] == 480 and places["periode_valeur"] == "2026-T3"  # stock: last quarter
    assert places["annee_precedente"] == 500 and places["evolution_reference"] == -20
    assert places["statut"] == "recul"  # -4 % on a "hausse" indicator
    assert places["cible"] == 600 and places["avancement_cible"] == pytest.approx(-20.0)
    # Ratio recomputed from the sums, never averaged: 100 × 480 / 1900.
    cap = s.loc["PE_CAPACITE_THEORIQUE"]
    assert cap["valeur"] == pytest.approx(100 * 480 / 1900)
    assert cap["reference"] == pytest.approx(100 * 500 / 1900)
    # Flux: T1..T3 added (6), annualised to 8 for the comparisons with the 2025 year (12).
    cafes = s.loc["IA_CAFES_PARTENAIRES"]
    assert cafes["valeur"] == 6 and cafes["n_periodes"] == 3
    assert cafes["comparable"] == pytest.approx(8.0) and cafes["statut"] == "recul"
    assert s.loc["BARO_HABITANTS"]["statut"] == "non_renseigne"
    table = format_summary(s.reset_index(), review)
    assert "nan" not in table.to_string().lower() and "None" not in table.to_string()
    assert table.loc[0, "Valeur (T3 2026)"] == "480"
    assert table.loc[2, "Période"] == "cumul T1–T3 2026"


def test_summary_of_one_commune(mini_ref):
    values = _values(
        [("PE_PLACES_ACCUEIL", "62119", "2025", 300), ("PE_PLACES_ACCUEIL", "62119", "2026-T3", 330)]
    )
    s = indicator_summary(
        values, mini_ref, get_review("annuelle-2026"), territory="62119", codes=["PE_PLACES_ACCUEIL"]
    )
    assert s.loc[0, "valeur"] == 330 and s.loc[0, "statut"] == "progression"


def test_headline_indicators_are_numeric_and_ratio_first(mini_ref):
    heads = headline_indicators(mini_ref, "F1")
    assert heads[0].code == "PE_CAPACITE_THEORIQUE"
    assert all(h.is_numeric for h in heads) and len(heads) == 3


def test_alerts_direction_transmission_and_governance(mini_ref):
    review = get_review("annuelle-2026")
    values = _values(
        [("PE_PLACES_ACCUEIL", "62119", "2025", 300), ("PE_PLACES_ACCUEIL", "62119", "2026-T3", 200)]
    )
    s = indicator_summary(values, mini_ref, review, codes=["PE_PLACES_ACCUEIL"])
    meetings = pd.DataFrame(
        [{"instance": "comite_technique", "calendrier_code": None, "date": date(2026, 3, 10), "tenue": True}]
    )
    alerts = build_alerts(
        s,
        review,
        missing=["62720", "62178"],
        names={"62720": "Rombly", "62178": "Bruay-la-Buissière"},
        governance_due=due_not_held(mini_ref, meetings, date(2027, 1, 15)),
    )
    kinds = [a.kind for a in alerts]
    assert kinds.count("indicateur") == 1 and "Places d'accueil" in alerts[0].message
    transmission = next(a for a in alerts if a.kind == "transmission")
    assert transmission.message.startswith("2 territoires sans aucune valeur transmise pour T3 2026")
    assert "Bruay-la-Buissière, Rombly" in transmission.message
    gouv = [a.message for a in alerts if a.kind == "gouvernance"]
    assert any("COPIL élargi 2026 : aucune réunion tenue (échéance du 31/12/2026)" in m for m in gouv)
    assert any(m.startswith("Comité technique") and "1 réunion(s) tenue(s) sur 2" in m for m in gouv)
    held = pd.DataFrame(
        [
            {
                "instance": "copil_elargi",
                "calendrier_code": "COPIL_ELARGI_2026",
                "date": date(2026, 12, 3),
                "tenue": True,
            }
        ]
    )
    alerts = build_alerts(
        s.iloc[0:0], review, governance_due=due_not_held(mini_ref, held, date(2026, 12, 31))
    )
    assert not any("COPIL" in a.message for a in alerts)


def test_trend_within_the_convention_and_no_baseline(mini_ref):
    values = _values(
        [("PE_PLACES_ACCUEIL", "62119", "2026-T1", 300), ("PE_PLACES_ACCUEIL", "62119", "2026-T3", 250)]
    )
    s = indicator_summary(
        values, mini_ref, get_review("annuelle-2026"), territory="62119", codes=["PE_PLACES_ACCUEIL"]
    )
    assert s.loc[0, "statut"] == "sans_reference" and s.loc[0, "statut_libelle"] == "Sans référence"
    assert s.loc[0, "periode_premiere"] == "2026-T1" and s.loc[0, "tendance"] == "recul"
