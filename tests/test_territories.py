"""Sectors are editable by administrators only, with a trace; structures come from the seed."""

from __future__ import annotations

import dataclasses

import pytest

from db.territories import membership_pairs, memberships
from indicators.access import AccessDenied, Actor
from indicators.aggregation import Territories, value_at
from services.reference import install_reference
from services.territories import TerritoryError, set_sector_members

ADMIN = Actor("admin", "administrateur")
CHARGE = Actor("charge", "charge", frozenset({"62119"}))


def test_admin_fills_a_sector_and_it_survives_a_reference_refresh(mini_store, mini_ref):
    set_sector_members(mini_store, mini_ref, ADMIN, "SECTEUR_NORD", ["62119", "62178"])
    frame = memberships(mini_store, "ctg-test")
    assert set(frame[frame["groupe"] == "SECTEUR_NORD"]["commune"]) == {"62119", "62178"}
    audit = mini_store.query_df("select actor, avant, apres from audit where action = 'modification_secteur'")
    assert audit["actor"].tolist() == ["admin"]
    assert audit["apres"].iloc[0] == '["62119", "62178"]'
    # A changed seed reloads the reference but keeps the administrator's sector members.
    changed = dataclasses.replace(mini_ref, digest="changed")
    assert install_reference(mini_store, changed) is True
    assert ("SECTEUR_NORD", "62119") in membership_pairs(mini_store, "ctg-test")


def test_sector_sums_its_communes(mini_store, mini_ref):
    import pandas as pd

    set_sector_members(mini_store, mini_ref, ADMIN, "SECTEUR_NORD", ["62119", "62178"])
    territories = Territories(mini_ref, membership_pairs(mini_store, "ctg-test"))
    values = pd.DataFrame(
        [
            ("PE_PLACES_ACCUEIL", "62119", "2026-T1", 10.0),
            ("PE_PLACES_ACCUEIL", "62178", "2026-T1", 5.0),
            ("PE_PLACES_ACCUEIL", "62720", "2026-T1", 1.0),
        ],
        columns=["indicateur", "territoire", "periode", "valeur"],
    )
    assert value_at(values, mini_ref, "PE_PLACES_ACCUEIL", "SECTEUR_NORD", "2026-T1", territories) == 15


def test_only_admins_edit_sectors_and_bad_codes_are_refused(mini_store, mini_ref):
    with pytest.raises(AccessDenied, match="réservée aux administrateurs"):
        set_sector_members(mini_store, mini_ref, CHARGE, "SECTEUR_NORD", ["62119"])
    with pytest.raises(TerritoryError, match="Commune\\(s\\) inconnue\\(s\\) : 99999"):
        set_sector_members(mini_store, mini_ref, ADMIN, "SECTEUR_NORD", ["99999"])
    with pytest.raises(TerritoryError, match="n'est pas un secteur"):
        set_sector_members(mini_store, mini_ref, ADMIN, "SIVOM_TEST", ["62119"])
