"""Progress toward a target, respecting the desired direction."""

from __future__ import annotations

import pandas as pd
import pytest

from indicators.catalogue import EPCI_CODE
from indicators.review import get_review
from indicators.targets import progress, progress_frame


@pytest.mark.parametrize(
    ("base", "cur", "target", "sens", "share", "status"),
    [
        (100, 150, 200, "hausse", 0.5, "en progression"),
        (100, 200, 200, "hausse", 1.0, "atteinte"),
        (100, 250, 200, "hausse", 1.5, "atteinte"),
        (100, 100, 200, "hausse", 0.0, "pas de progression"),
        (100, 80, 200, "hausse", -0.2, "s'éloigne de la cible"),
        (40, 30, 20, "baisse", 0.5, "en progression"),
        (40, 50, 20, "baisse", -0.5, "s'éloigne de la cible"),
        (40, 15, 20, "baisse", 1.25, "atteinte"),
    ],
)
def test_share_respects_direction(base, cur, target, sens, share, status):
    result = progress(base, cur, target, sens)
    assert result.share == pytest.approx(share)
    assert result.status == status
    assert not result.against_direction


def test_target_against_direction_flagged():
    assert progress(100, 90, 80, "hausse").against_direction
    assert progress(100, 90, 80, "hausse").share == pytest.approx(0.5)


def test_stable_holds_within_tolerance():
    assert progress(100, 103, 100, "stable").status == "atteinte"
    assert progress(100, 90, 100, "stable").status == "écart à la cible"
    assert progress(100, 90, 100, "stable").share is None


def test_missing_values():
    assert progress(100, None, 200, "hausse").label == "non renseigné"
    assert progress(100, float("nan"), 200, "hausse").status == "non renseigné"
    assert progress(None, 210, 200, "hausse").status == "atteinte"
    assert progress(None, 150, 200, "hausse").label == "non renseigné"
    assert progress(100, 150, 200, "hausse").label == "50,0\u202f% du chemin"


def test_target_equal_to_baseline():
    assert progress(100, 100, 100, "hausse").status == "atteinte"
    assert progress(100, 99, 100, "hausse").status == "s'éloigne de la cible"


def _values(rows):
    return pd.DataFrame(
        [{"indicateur": i, "territoire": t, "periode": p, "valeur": v} for i, t, p, v in rows]
    )


def test_progress_frame_recomputes_ratio(mini_ref):
    values = _values(
        [
            ("PE_PLACES_ACCUEIL", "62119", "2024", 40),
            ("PE_PLACES_ACCUEIL", "62178", "2024", 10),
            ("PE_ENFANTS_MOINS_3", "62119", "2024", 100),
            ("PE_ENFANTS_MOINS_3", "62178", "2024", 100),
            ("PE_PLACES_ACCUEIL", "62119", "2026-T3", 60),
            ("PE_PLACES_ACCUEIL", "62178", "2026-T3", 15),
            ("PE_ENFANTS_MOINS_3", "62119", "2026", 100),
            ("PE_ENFANTS_MOINS_3", "62178", "2026", 100),
        ]
    )
    targets = pd.DataFrame(
        [{"indicateur": "PE_CAPACITE_THEORIQUE", "territoire": EPCI_CODE, "annee": 2030, "valeur": 50.0}]
    )
    frame = progress_frame(mini_ref, values, targets, get_review("annuelle-2026"))
    row = frame.iloc[0]
    assert row["reference"] == pytest.approx(25.0)  # 50 places / 200 children, not the mean of 40 and 10
    assert row["actuelle"] == pytest.approx(37.5)
    assert row["part"] == pytest.approx(0.5)
    assert row["statut"] == "50,0\u202f% du chemin"
    assert row["annee_reference"] == "2024" and row["annee_actuelle"] == "2026-T3"
    assert (
        progress_frame(mini_ref, values.iloc[:4], targets, get_review("annuelle-2026")).iloc[0]["statut"]
        == "non renseigné"
    )


def test_read_target_french():
    from indicators.targets import TargetInputError, read_target, target_input_text

    assert read_target("1 200") == 1200
    assert read_target("55,5") == 55.5
    assert read_target("  ") is None
    assert target_input_text(1200.0) == "1 200" and target_input_text(55.5) == "55,5"
    assert target_input_text(None) == ""
    with pytest.raises(TargetInputError, match="« douze » n'est pas un nombre"):
        read_target("douze")
