"""Values no territory could have are refused (issue 11): `1e308`, a 309-digit number, an amount
of billions for a village; a row outside the chargé's territories is refused even empty."""

from __future__ import annotations

import pytest

from indicators.access import Actor
from indicators.plausibility import Ceilings
from indicators.upload import read_upload
from indicators.validation import validate_upload
from tests import upload_helpers
from tests.upload_helpers import TODAY

upload_ref = upload_helpers.upload_ref  # fixture: the corpus reference (Béthune 25 342 inhabitants)
HEADER = "territoire;indicateur;periode;valeur\n"


def check(ref, body: str, actor=None):
    from indicators.access import SYSTEM

    table = read_upload((HEADER + body).encode(), "f.csv")
    return validate_upload(table, ref, actor=actor or SYSTEM, today=TODAY)


@pytest.mark.parametrize(
    "value",
    ["1e308", "1" + "0" * 308, "1E+300", "99999999999"],
    ids=["1e308", "309-chiffres", "1E+300", "onze-chiffres"],
)
def test_absurd_counts_are_refused(upload_ref, value):
    report = check(upload_ref, f"62119;PE_PLACES_ACCUEIL;2026-T3;{value}\n")
    assert report.flatten(("line", "kind")) == [[2, "au-dessus-maximum"]]
    assert "est invraisemblable pour « Places d'accueil » (PE_PLACES_ACCUEIL) : au plus 50 684" in (
        report.errors[0].message
    )
    assert "2 × la population de Béthune (25 342 habitants)" in report.errors[0].message


def test_ceilings_follow_the_population_and_the_catalogue(upload_ref):
    ceilings = Ceilings(upload_ref)
    places, bonus = upload_ref.by_code["PE_PLACES_ACCUEIL"], upload_ref.by_code["PE_BONUS_INCLUSION_EAJE"]
    assert ceilings.of(places, "62720")[0] == 280  # Rombly, 140 inhabitants
    assert ceilings.of(bonus, "62119")[0] == 253_420_000  # 10 000 € per inhabitant of Béthune
    assert ceilings.of(upload_ref.by_code["BARO_HABITANTS"], "200072460") is None  # the catalogue's 100 %
    # Real values pass: a large town's places, a plausible amount, a population.
    report = check(
        upload_ref,
        "62119;PE_PLACES_ACCUEIL;2026-T3;1 234\n"
        "62119;POP_MUNICIPALE;2026;25 610\n"
        "62720;PE_PLACES_ACCUEIL;2026-T3;12\n",
    )
    assert report.valid, report.flatten()
    refused = check(upload_ref, "62720;PE_PLACES_ACCUEIL;2026-T3;281\n")
    assert refused.flatten(("line", "kind")) == [[2, "au-dessus-maximum"]]


def test_an_out_of_scope_row_is_refused_even_empty(upload_ref):
    charge = Actor("charge-bethune", "charge", frozenset({"62119"}))
    report = check(
        upload_ref,
        "62119;PE_PLACES_ACCUEIL;2026-T3;10\n62178;PE_PLACES_ACCUEIL;2026-T3;\n",
        actor=charge,
    )
    assert report.flatten(("line", "column", "kind")) == [[3, "territoire", "hors-perimetre"]]
    assert not report.valid and report.stats["non_renseignees"] == 1
