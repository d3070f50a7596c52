"""Completeness: territory × quarter expected vs received, structure filter, overall rate."""

from __future__ import annotations

import pandas as pd
import pytest

from indicators.completeness import (
    CompletenessError,
    completeness_matrix,
    expected_indicators,
    missing_territories,
    overall_rate,
    pivot,
    rate_by_quarter,
)
from indicators.periods import Period

Q = [Period(2026, 1), Period(2026, 2)]


def _values(rows):
    return pd.DataFrame(rows, columns=["indicateur", "territoire", "periode", "valeur"])


def test_expected_indicators_by_level(mini_ref):
    assert [i.code for i in expected_indicators(mini_ref, "commune")] == [
        "PE_PLACES_ACCUEIL",
        "IA_CAFES_PARTENAIRES",
    ]
    assert [i.code for i in expected_indicators(mini_ref, "structure")] == [
        "PE_PLACES_ACCUEIL",
        "IA_CAFES_PARTENAIRES",
    ]
    assert expected_indicators(mini_ref, "epci") == []  # ratios and annual ones are never expected


def test_matrix_rates_and_overall(mini_ref):
    values = _values(
        [
            ("PE_PLACES_ACCUEIL", "62119", "2026-T1", 300),
            ("IA_CAFES_PARTENAIRES", "62119", "2026-T1", 2),
            ("PE_PLACES_ACCUEIL", "62178", "2026-T1", 200),
            ("PE_PLACES_ACCUEIL", "62119", "2026-T2", 300),
            ("PE_ENFANTS_MOINS_3", "62119", "2026-T2", 1000),  # not expected: does not count
            ("PE_PLACES_ACCUEIL", "62119", "2025", 290),  # not a quarter of the matrix
        ]
    )
    m = completeness_matrix(values, mini_ref, Q)
    # 3 communes + 1 structure, 2 quarters, 2 values expected each.
    assert len(m) == 8 and set(m["attendus"]) == {2}
    row = m[(m["territoire"] == "62119") & (m["periode"] == "2026-T1")].iloc[0]
    assert row["recus"] == 2 and row["taux"] == 100
    assert overall_rate(m) == pytest.approx(100 * 4 / 16)
    assert missing_territories(m, Period(2026, 2)) == ["62178", "62720", "SIVOM_TEST"]
    by_q = rate_by_quarter(m).set_index("periode")
    assert by_q.loc["2026-T1", "recus"] == 3 and by_q.loc["2026-T2", "sans_envoi"] == 3
    table = pivot(m)
    assert list(table.columns) == ["territoire", "nom", "type", "2026-T1", "2026-T2"]


def test_structure_filter_keeps_the_structure_and_its_communes(mini_ref):
    m = completeness_matrix(_values([]), mini_ref, Q, group="SIVOM_TEST")
    assert set(m["territoire"]) == {"SIVOM_TEST", "62720"}
    assert overall_rate(m) == 0
    with pytest.raises(CompletenessError, match="inconnu"):
        completeness_matrix(_values([]), mini_ref, Q, group="NOPE")


def test_nothing_expected_gives_no_rate(mini_ref):
    assert overall_rate(completeness_matrix(_values([]), mini_ref, [])) is None


def test_a_group_s_members_come_from_the_territories_given(mini_ref):
    """The seed lists no sector member: a sector filter needs the store's memberships."""
    from indicators.aggregation import Territories

    store_held = Territories(mini_ref, [("SECTEUR_NORD", "62119"), ("SIVOM_TEST", "62720")])
    m = completeness_matrix(_values([]), mini_ref, Q, group="SECTEUR_NORD", territories=store_held)
    assert set(m["territoire"]) == {"62119"} and len(m) == 2
    assert completeness_matrix(_values([]), mini_ref, Q, group="SECTEUR_NORD").empty
