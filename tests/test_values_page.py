"""The page Données reads its slice from the store (services.values.values_page): the values
passing its filters are those the in-memory filter keeps from every value in force
(indicators.pilotage_view.filter_export, the reference), shown with survey samples withheld,
at most DISPLAY_LIMIT of them, with the right counts.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from indicators.access import SYSTEM
from indicators.catalogue import EPCI_CODE
from indicators.pilotage_view import filter_export, values_table, year_span
from indicators.surveys import publishable
from services.demo import install_demo
from services.exports import export_frame
from services.uploads import commit_import, prepare_import, revert_import
from services.values import batches, values_count, values_page, values_years

pytestmark = pytest.mark.both_backends  # DuckDB and PostgreSQL (tests/conftest.py)

TODAY = dt.date(2026, 11, 29)
SURVEY = "BARO_HAB_ISOLEMENT"


@pytest.fixture(scope="module")
def store(backend, store_maker, ref):
    with store_maker.opened(backend, "seeded") as store:
        install_demo(store, ref, accounts=False)
        # a survey result on too few respondents: withheld on screen, kept in the export
        data = (
            "territoire;indicateur;periode;valeur\n"
            f"{EPCI_CODE};{SURVEY};2026;41\n{EPCI_CODE};{SURVEY}_EFFECTIF;2026;12\n"
        ).encode()
        plan = prepare_import(store, ref, data, "barometre.csv", SYSTEM, today=TODAY)
        assert plan.accepted, plan.report.errors[:2]
        commit_import(store, ref, plan, SYSTEM)
        yield store


FILTERS = [
    {},
    {"territoires": ["62119"]},
    {"fiches": ["F1"]},
    {"fiches": ["F1"], "indicateurs": ["PE_PLACES_EAJE"]},
    {"fiches": ["F2"], "indicateurs": ["PE_PLACES_EAJE"]},  # an indicator outside the fiche: none
    {"indicateurs": [SURVEY]},  # a survey result without its sample size among the filters
    {"indicateurs": [SURVEY, f"{SURVEY}_EFFECTIF"]},
    {"annees": (2026, 2027)},
    {"territoires": ["62119", "62498"], "annees": (2022, 2026), "fiches": ["F1", "CTX"]},
]


@pytest.mark.parametrize("include_demo", [True, False])
@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f) or "aucun")
def test_the_slice_is_what_filtering_every_value_keeps(store, ref, filters, include_demo):
    every = export_frame(store, ref, include_demo)
    kept = filter_export(every, ref, **filters)
    expected = values_table(publishable(every, ref), batches(store, ref)).loc[kept.index]

    page = values_page(store, ref, include_demo=include_demo, **filters)

    assert values_count(store, ref, include_demo) == len(every)
    assert page.matching == len(kept) == len(page.rows)
    assert not page.cut
    key = ["Indicateur", "Territoire", "Période"]
    pd.testing.assert_frame_equal(
        page.display.sort_values(key).reset_index(drop=True),
        expected.sort_values(key).reset_index(drop=True),
        check_dtype=False,
    )


def test_a_withheld_survey_result_says_why_on_screen(store, ref):
    page = values_page(store, ref, include_demo=True, indicateurs=[SURVEY], annees=(2026, 2026))
    assert list(page.display["Valeur"]) == ["non publié : 12 répondants (minimum 30)"]
    assert page.rows["valeur"].tolist() == [41]  # the export keeps it


def test_at_most_the_limit_is_read_and_the_counts_stay_whole(store, ref):
    every = export_frame(store, ref, True)
    page = values_page(store, ref, include_demo=True, limit=100)
    assert len(page.rows) == len(page.display) == 100
    assert page.matching == len(every) and page.cut
    first = every.sort_values(["indicateur", "territoire"]).head(100)
    assert sorted(page.rows["indicateur"] + page.rows["territoire"]) == sorted(
        first["indicateur"] + first["territoire"]
    )

    one = values_page(store, ref, include_demo=True, territoires=["62119"], limit=10)
    assert len(one.rows) == 10 and one.matching == (every["territoire"] == "62119").sum()


def test_counts_follow_reverts_and_leave_demonstration_values_out(store, ref):
    """A count is of the values in force: an upload that replaces a value leaves the count as it
    was, its revert too, and without demonstration values the count is of the others."""
    before = values_count(store, ref, True)
    data = b"territoire;indicateur;periode;valeur\n62119;PE_PLACES_EAJE;2026-T1;999\n"
    plan = prepare_import(store, ref, data, "remplace.csv", SYSTEM, today=TODAY)
    assert plan.accepted, plan.report.errors[:2]
    result = commit_import(store, ref, plan, SYSTEM)
    assert values_count(store, ref, True) == before
    assert (
        values_page(
            store,
            ref,
            include_demo=False,
            territoires=["62119"],
            indicateurs=["PE_PLACES_EAJE"],
            annees=(2026, 2026),
        )
        .rows["valeur"]
        .tolist()[0]
        == 999
    )
    revert_import(store, ref, result.batch_id, SYSTEM)
    assert values_count(store, ref, True) == before
    every = export_frame(store, ref, True)
    assert values_count(store, ref, False) == (every["demonstration"] == "non").sum()


def test_the_year_filter_spans_the_values_in_force(store, ref):
    every = export_frame(store, ref, True)
    years = every["periode"].str[:4].astype(int)
    assert values_years(store, ref, True) == year_span(int(years.min()), int(years.max()))
