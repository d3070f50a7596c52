"""The small words of the display, decided once: review names in a sentence, file sizes, the
status counts of the overview, which communes a map names and when a chart is demonstration."""

from __future__ import annotations

import pandas as pd

from indicators.chart_facts import any_demo, largest_communes, shows_demo
from indicators.formatting import format_file_size
from indicators.review import REVIEWS, get_review, indicator_status_counts


def test_review_names_take_the_right_article():
    assert get_review("annuelle-2026").named("à") == "à la revue annuelle 2026"
    assert get_review("mi-parcours").named("à") == "au bilan mi-parcours (juin 2028)"
    assert get_review("mi-parcours").named("de") == "du bilan mi-parcours (juin 2028)"
    assert get_review("annuelle-2030").named() == "la revue annuelle 2030"
    assert not any(" à la bilan" in f" {r.named('à')}" or "de la bilan" in r.named("de") for r in REVIEWS)


def test_file_sizes_are_french():
    nbsp = "\u202f"
    assert format_file_size(75) == "75 octets"
    assert format_file_size(8704) == f"8,5{nbsp}Ko"
    assert format_file_size(1024) == f"1{nbsp}Ko"
    assert format_file_size(10 * 1024 * 1024) == f"10{nbsp}Mo"


def test_status_counts_per_fiche():
    summary = pd.DataFrame(
        {
            "type": ["quantitatif", "quantitatif", "barometre", "jalon", "quantitatif"],
            "fiche": ["F1", "F1", "F1", "F1", "F2"],
            "statut": ["progression", "recul", "progression", "non_renseigne", "stable"],
        }
    )
    assert indicator_status_counts(summary, "F1") == {
        "progression": 2,
        "stable": 0,
        "recul": 1,
        "sans_reference": 0,
        "non_renseigne": 0,
    }
    assert sum(indicator_status_counts(summary).values()) == 4  # the jalon is not counted


def test_largest_communes_and_demo_flags(mini_ref):
    communes = [c.code for c in mini_ref.communes()]
    values = pd.DataFrame(
        {
            "indicateur": ["POP_MUNICIPALE"] * len(communes) + ["PE_PLACES_ACCUEIL"],
            "territoire": communes + [communes[0]],
            "periode": ["2022"] * len(communes) + ["2026-T1"],
            "valeur": [100.0 * (i + 1) for i in range(len(communes))] + [3.0],
            "is_demo": [False] * len(communes) + [True],
        }
    )
    assert largest_communes(values, mini_ref, 2) == communes[::-1][:2]
    assert shows_demo(values, mini_ref, "PE_PLACES_ACCUEIL")
    assert shows_demo(values, mini_ref, "PE_CAPACITE_THEORIQUE")  # through its numerator
    assert not shows_demo(values, mini_ref, "POP_MUNICIPALE")
    assert any_demo(values) and not any_demo(values[~values["is_demo"]])
