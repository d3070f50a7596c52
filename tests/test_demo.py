"""Demonstration data: plausible, deterministic, flagged, idempotent, removable alone."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

import cli
from db.observations import current_values, has_demo
from db.store import Store
from indicators.access import SYSTEM, AccessDenied, Actor
from services.demo import install_demo
from services.demo_data import demo_observations, generated_indicators
from services.pilotage import add_comment, comments_frame, meetings_frame, record_meeting
from services.settings import get_settings


def test_generation_is_deterministic_and_within_bounds(ref):
    first, second = demo_observations(ref), demo_observations(ref)
    pd.testing.assert_frame_equal(first, second)
    assert set(first["periode"]) == {"2026-T1", "2026-T2", "2026-T3"}
    generated = {i.code for i in generated_indicators(ref)}
    assert not any(ref.indicator(c).is_computed for c in generated)  # ratios are recomputed
    for ind in ref.indicators:
        rows = first[first["indicateur"] == ind.code]
        if rows.empty:
            continue
        assert ind.code in generated
        if ind.min is not None:
            assert rows["valeur"].min() >= ind.min
        if ind.max is not None:
            assert rows["valeur"].max() <= ind.max
        if ind.entier:
            assert (rows["valeur"] == rows["valeur"].round()).all()
    # Every commune sends the indicators collected at its level (a few stay silent at T3).
    communal = next(
        i.code
        for i in generated_indicators(ref)
        if "commune" in i.niveaux and i.agregation_territoire == "somme" and i.fiche != "CTX"
    )
    t1 = first[(first["indicateur"] == communal) & (first["periode"] == "2026-T1")]
    assert len(set(t1["territoire"]) & {c.code for c in ref.communes()}) >= 95


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
    assert report.observations > 10_000 and report.comments and report.meetings
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
