"""Demonstration data: plausible, deterministic, flagged, idempotent, removable alone."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

import cli
from db.observations import current_values, has_demo
from db.store import Store
from indicators.access import SYSTEM, AccessDenied, Actor
from indicators.catalogue import EPCI_CODE
from indicators.periods import Period, parse_period
from indicators.review import get_review, indicator_summary
from indicators.rules import store_violations
from services.demo import install_demo
from services.demo_data import demo_observations, generated_indicators, last_complete_quarter
from services.pilotage import add_comment, comments_frame, meetings_frame, record_meeting
from services.settings import get_settings

TODAY = date(2026, 12, 2)


@pytest.fixture(scope="module")
def demo(ref) -> pd.DataFrame:
    return demo_observations(ref, TODAY)


@pytest.fixture(scope="module")
def demo_values(ref, demo) -> pd.DataFrame:
    """The reference (retained values) and the demonstration, as current values."""
    base = pd.DataFrame(
        [
            {"indicateur": o.indicateur, "territoire": o.territoire, "periode": o.periode, "valeur": o.valeur}
            for o in ref.observations
            if o.conflit is None or o.arbitrage
        ]
    )
    frame = pd.concat([base, demo[["indicateur", "territoire", "periode", "valeur"]]], ignore_index=True)
    frame = frame.drop_duplicates(["indicateur", "territoire", "periode"], keep="last").reset_index(drop=True)
    periods = frame["periode"].map(parse_period)
    return frame.assign(annee=periods.map(lambda p: p.year), trimestre=periods.map(lambda p: p.quarter))


def test_generation_is_deterministic_and_within_bounds(ref, demo):
    pd.testing.assert_frame_equal(demo, demo_observations(ref, TODAY))
    generated = {i.code for i in generated_indicators(ref)}
    assert not any(ref.indicator(c).is_computed for c in generated)  # rates are recomputed
    for ind in ref.indicators:
        rows = demo[demo["indicateur"] == ind.code]
        if rows.empty:
            continue
        assert ind.code in generated
        if ind.min is not None:
            assert rows["valeur"].min() >= ind.min
        if ind.max is not None:
            assert rows["valeur"].max() <= ind.max
        if ind.entier:
            assert (rows["valeur"] == rows["valeur"].round()).all()
        # Each indicator in its own periodicity: quarters for a quarterly one, years otherwise.
        quarters = rows["periode"].str.contains("-T")
        assert not quarters.any() or ind.periodicite == "trimestrielle", ind.code


def test_up_to_the_last_complete_quarter_before_today(ref, demo):
    assert last_complete_quarter(TODAY) == Period(2026, 3)
    periods = set(demo["periode"])
    assert {p for p in periods if "-T" in p} == {"2026-T1", "2026-T2", "2026-T3"}
    assert max(int(p[:4]) for p in periods if "-T" not in p) == 2025  # no yearly value of a year not over
    may = demo_observations(ref, date(2026, 5, 10))
    assert {p for p in may["periode"] if "-T" in p} == {"2026-T1"}


def test_the_demonstration_store_passes_every_validation_rule(ref, demo_values):
    for cutoff in (Period(2026, 3), Period(2028, 1)):
        found = store_violations(demo_values, ref, cutoff)
        assert found.empty, (
            found[["regle", "territoire", "periode", "gauche", "droite"]].head().to_dict("records")
        )


def test_commune_values_add_up_to_the_figures_of_the_convention(ref, demo):
    epci = {
        (o.indicateur, o.periode): o.valeur
        for o in ref.observations
        if o.territoire == EPCI_CODE and (o.conflit is None or o.arbitrage)
    }
    checked = 0
    local = demo[demo["territoire"] != EPCI_CODE]
    for (code, periode), group in local.groupby(["indicateur", "periode"]):
        if (code, periode) in epci:
            assert round(group["valeur"].sum(), 2) == pytest.approx(epci[(code, periode)], abs=0.005), (
                code,
                periode,
            )
            checked += 1
    assert checked >= 15
    assmat = local[local["indicateur"] == "PE_ASSMAT"].groupby("periode")["valeur"].sum().to_dict()
    assert assmat == {"2021": 1331, "2023": 1195, "2025": 1075}  # Annexes 1 and 2


def test_a_mix_of_progress_stability_and_decline_without_artefacts(ref, demo_values):
    summary = indicator_summary(demo_values, ref, get_review("annuelle-2026"))
    moving = summary[summary["comparable"].notna() & summary["reference"].notna()]
    counts = moving["statut"].value_counts().to_dict()
    assert counts.get("progression", 0) >= 3 and counts.get("stable", 0) >= 3 and counts.get("recul", 0) >= 3
    change = (moving["comparable"] - moving["reference"]).abs() / moving["reference"]
    assert change.max() < 0.2, moving.loc[change.idxmax(), ["code", "reference", "comparable"]].to_dict()
    # The capacity for 100 children under 3 is recomputed from its parts, around 55 (ONAPE).
    capacity = summary.set_index("code").loc["PE_CAPACITE_THEORIQUE", "reference"]
    assert 45 < capacity < 65


def test_only_small_communes_stay_silent_at_the_last_quarter(ref, demo):
    pops = {
        o.territoire: o.valeur
        for o in ref.observations
        if o.indicateur == "POP_MUNICIPALE" and o.periode == "2021"
    }
    sent = set(demo[demo["periode"] == "2026-T3"]["territoire"])
    silent = {c.code for c in ref.communes()} - sent
    assert 1 <= len(silent) <= 10
    assert sum(pops[c] for c in silent) / sum(pops.values()) < 0.02


@pytest.mark.both_backends
def test_install_is_flagged_idempotent_and_removal_keeps_the_rest(store, ref, monkeypatch):
    conv = ref.convention.code
    add_comment(store, ref, SYSTEM, "A1", "annuelle-2026", "Commentaire réel.")
    record_meeting(
        store,
        ref,
        SYSTEM,
        "comite_technique",
        date(2026, 2, 10),
        calendrier_code="COMITE_TECHNIQUE_2026_DEBUT",
        today=date(2026, 11, 29),
    )
    before = current_values(store, conv)
    report = install_demo(store, ref)
    assert report.observations == len(demo_observations(ref)) and report.comments and report.meetings
    assert has_demo(store, conv)
    assert install_demo(store, ref).already  # twice: nothing duplicated
    after = current_values(store, conv)
    assert len(after) == len(before) + report.observations
    assert after[after["is_demo"]]["batch_kind"].eq("demo").all()
    assert comments_frame(store, conv)["is_demo"].sum() == report.comments
    with pytest.raises(AccessDenied):
        install_demo(store, ref, Actor(login="x", role="lecteur"))

    monkeypatch.setenv("CTG_DATABASE_URL", store.url)
    get_settings.cache_clear()
    try:
        assert cli.main(["demo", "--remove"]) == 0
    finally:
        get_settings.cache_clear()
    with Store(store.url) as again:
        assert not has_demo(again, conv)
        kept = current_values(again, conv)
        assert len(kept) == len(before)
        assert list(comments_frame(again, conv)["texte"]) == ["Commentaire réel."]
        assert len(meetings_frame(again, conv)) == 1
