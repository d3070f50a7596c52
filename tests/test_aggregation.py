"""Aggregation rules: sums over communes, ratios recomputed, stock vs flux over time."""

from __future__ import annotations

import pandas as pd
import pytest

from indicators.aggregation import Territories, by_commune, series, value_at, yearly, yearly_ratio
from indicators.catalogue import EPCI_CODE


def _values(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["indicateur", "territoire", "periode", "valeur"])


def test_ratio_is_recomputed_at_commune_and_epci_level(mini_ref):
    values = _values(
        [
            ("PE_PLACES_ACCUEIL", "62119", "2025", 300),
            ("PE_ENFANTS_MOINS_3", "62119", "2025", 1000),
            ("PE_PLACES_ACCUEIL", "62178", "2025", 50),
            ("PE_ENFANTS_MOINS_3", "62178", "2025", 100),
        ]
    )
    assert value_at(values, mini_ref, "PE_CAPACITE_THEORIQUE", "62119", "2025") == pytest.approx(30.0)
    assert value_at(values, mini_ref, "PE_CAPACITE_THEORIQUE", "62178", "2025") == pytest.approx(50.0)
    # EPCI: 100 × 350 / 1100, not the mean of 30 and 50 (40).
    epci = value_at(values, mini_ref, "PE_CAPACITE_THEORIQUE", EPCI_CODE, "2025")
    assert epci == pytest.approx(100 * 350 / 1100)
    table = by_commune(values, mini_ref, "PE_CAPACITE_THEORIQUE", "2025").set_index("territoire")
    assert table.loc["62119", "valeur"] == pytest.approx(30.0)
    assert pd.isna(table.loc["62720", "valeur"])


def test_ratio_uses_latest_known_denominator(mini_ref):
    values = _values(
        [("PE_PLACES_ACCUEIL", "62119", "2026-T2", 320), ("PE_ENFANTS_MOINS_3", "62119", "2025", 1000)]
    )
    s = series(values, mini_ref, "PE_CAPACITE_THEORIQUE", "62119")
    assert list(s["periode"]) == ["2026-T2"]
    assert s["valeur"].iloc[0] == pytest.approx(32.0)


def test_counts_and_euros_sum_over_communes(mini_ref):
    values = _values(
        [
            ("PE_BONUS_INCLUSION_EAJE", "62119", "2026", 110021.39),
            ("PE_BONUS_INCLUSION_EAJE", "62178", "2026", 1000.0),
        ]
    )
    assert value_at(values, mini_ref, "PE_BONUS_INCLUSION_EAJE", EPCI_CODE, "2026") == pytest.approx(
        111021.39
    )


def test_direct_epci_value_wins_over_partial_sum(mini_ref):
    values = _values(
        [("IA_CAFES_PARTENAIRES", EPCI_CODE, "2024", 13), ("IA_CAFES_PARTENAIRES", "62119", "2024", 2)]
    )
    assert value_at(values, mini_ref, "IA_CAFES_PARTENAIRES", EPCI_CODE, "2024") == 13


def test_structure_sums_its_member_communes(mini_ref):
    values = _values(
        [("PE_PLACES_ACCUEIL", "62720", "2026-T1", 12), ("PE_PLACES_ACCUEIL", "62119", "2026-T1", 300)]
    )
    assert value_at(values, mini_ref, "PE_PLACES_ACCUEIL", "SIVOM_TEST", "2026-T1") == 12
    assert Territories(mini_ref).parts("62119") == set()


def test_flux_sums_quarters_and_stock_takes_last(mini_ref):
    flux = _values([("IA_CAFES_PARTENAIRES", "62119", f"2026-T{q}", q) for q in (1, 2, 3)])
    s = series(flux, mini_ref, "IA_CAFES_PARTENAIRES", "62119")
    y = yearly(s, mini_ref.indicator("IA_CAFES_PARTENAIRES"))
    assert y["valeur"].iloc[0] == 6
    assert not bool(y["complet"].iloc[0])  # T4 missing

    stock = _values(
        [("PE_PLACES_ACCUEIL", "62119", f"2026-T{q}", v) for q, v in ((1, 300), (2, 310), (4, 305))]
    )
    y = yearly_ratio(stock, mini_ref, "PE_PLACES_ACCUEIL", "62119")
    assert y["valeur"].iloc[0] == 305
    assert bool(y["complet"].iloc[0])


def test_yearly_value_wins_over_quarters(mini_ref):
    values = _values(
        [("IA_CAFES_PARTENAIRES", "62119", "2026-T1", 2), ("IA_CAFES_PARTENAIRES", "62119", "2026", 9)]
    )
    assert value_at(values, mini_ref, "IA_CAFES_PARTENAIRES", "62119", "2026") == 9


def test_an_area_ratio_pairs_each_commune_numerator_with_its_own_denominator(mini_ref):
    """Partial data: Béthune reports its places, Bruay only its children. The EPCI rate is
    100 × 300 / 1000 over the communes that report both, not 300 / 1900 (Bruay's places
    are unknown, not zero)."""
    from indicators.aggregation import cutoff_all, territory_periods, yearly_all
    from indicators.periods import Period

    values = _values(
        [
            ("PE_PLACES_ACCUEIL", "62119", "2026-T2", 300),
            ("PE_ENFANTS_MOINS_3", "62119", "2025", 1000),
            ("PE_ENFANTS_MOINS_3", "62178", "2025", 900),
        ]
    )
    s = series(values, mini_ref, "PE_CAPACITE_THEORIQUE", EPCI_CODE)
    assert s["valeur"].tolist() == pytest.approx([30.0])
    assert s["n_territoires"].tolist() == [1]
    assert value_at(values, mini_ref, "PE_CAPACITE_THEORIQUE", EPCI_CODE, "2026") == pytest.approx(30.0)
    periods = territory_periods(values, mini_ref, EPCI_CODE)
    yearly_rows = yearly_all(periods, mini_ref)
    rate = yearly_rows[yearly_rows["indicateur"] == "PE_CAPACITE_THEORIQUE"]
    assert rate["valeur"].tolist() == pytest.approx([30.0])
    assert not yearly_rows["indicateur"].str.contains("~").any()
    at_cut = cutoff_all(periods, mini_ref, Period(2026, 3), 2026).set_index("indicateur")
    assert at_cut.loc["PE_CAPACITE_THEORIQUE", "valeur"] == pytest.approx(30.0)
    assert not at_cut.index.str.contains("~").any()
    # The denominator alone still adds every commune.
    assert value_at(values, mini_ref, "PE_ENFANTS_MOINS_3", EPCI_CODE, "2025") == 1900


def test_in_set_is_isin():
    """`in_set` (one lookup per distinct value) answers as pandas' `isin`, missing values and
    an index that does not start at 0 included."""
    import random

    from indicators.aggregation import in_set

    rng = random.Random(7)
    pool = [f"62{n:03d}" for n in range(60)]
    for dtype in ("str", object):
        values = [rng.choice(pool + [None]) for _ in range(500)]
        series = pd.Series(values, dtype=dtype, index=range(1000, 1500))
        wanted = set(rng.sample(pool, 20))
        assert in_set(series, wanted).tolist() == series.isin(wanted).tolist()
        assert in_set(series, wanted).index.equals(series.index)
    assert in_set(pd.Series([], dtype="str"), {"a"}).tolist() == []
