"""One figure, one computation: what the pages show and what the bilan prints agree, review by review.

For every review (annuelle-2026 … annuelle-2030, mi-parcours), on a store with demonstration
data, recorded engagements and a comité communal, the overview's cards and counters, the
commune page and the bilan's summary table are compared with the review's figures
(`services.review.gather_review`) and with each other: the value of every indicator, the
élus référents, the fiche 9 completeness, the alerts.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from streamlit.testing.v1 import AppTest

from indicators.catalogue import EPCI_CODE
from indicators.completeness import COMPLETENESS_CODE
from indicators.formatting import format_number, format_value
from indicators.review import REVIEWS, headline_indicators, value_text
from reports.bilan import _Context, bilan_html
from services.demo import install_demo
from services.pilotage import record_meeting, set_engagement
from services.review import gather_review
from tests.auth_helpers import login_as
from tests.conftest import ROOT, app_serving

TODAY = dt.date.today()  # the pages judge governance at today's date: so do the figures here
ELUS = {"62119": "Mme A. (adjointe à la petite enfance)", "62178": "M. B.", "62516": "Mme C."}
REVIEW_CODES = [r.code for r in REVIEWS]


pytestmark = pytest.mark.both_backends  # DuckDB and PostgreSQL (tests/conftest.py)


@pytest.fixture(scope="module")
def parity_store(backend, store_maker, ref):
    with store_maker.opened(backend, "seeded") as store:
        install_demo(store, ref, accounts=False)
        from indicators.access import SYSTEM

        for commune, elu in ELUS.items():
            set_engagement(store, ref, SYSTEM, commune, True, dt.date(2026, 6, 1), elu)
        set_engagement(store, ref, SYSTEM, "62023", True, dt.date(2026, 6, 2), None)  # signed, no élu
        record_meeting(store, ref, SYSTEM, "comite_communal", dt.date(2026, 9, 15), True, territoire="62119")
        yield store


@pytest.fixture(scope="module")
def parity_app(parity_store):
    with app_serving(parity_store.url):
        yield


def _bilan_rows(figures) -> dict[str, str]:
    """{indicator label: the text of its row} in the bilan's summary table."""
    text, _ = bilan_html(_Context(figures))
    start = text.index('id="synthese"')
    section = text[start : text.index("<h1", start + 10)] if "<h1" in text[start + 10 :] else text[start:]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", section, flags=re.S):
        cells = [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        if cells:
            rows[cells[0]] = " | ".join(cells)
    return rows


def _cards(at: AppTest) -> dict[str, str]:
    """{indicator label: the value shown on its card} of the overview."""
    texts = [str(m.value) for m in at.markdown]
    cards = {}
    for label, value in zip(texts, texts[1:], strict=False):
        if label.startswith("**") and label.endswith("**") and value.startswith("### "):
            cards[label.strip("*")] = value.removeprefix("### ")
    return cards


def _overview(review_code: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params["revue"] = review_code
    login_as(at, "lecteur")
    at.switch_page("pages/vue_ensemble.py")
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("review_code", REVIEW_CODES)
def test_pages_and_bilan_show_the_same_figures(parity_app, parity_store, ref, review_code):
    figures = gather_review(parity_store, ref, review_code, today=TODAY)
    summary = figures.summary.set_index("code")
    bilan = _bilan_rows(figures)

    # The bilan: every indicator's value is the figures' value.
    for code, row in summary.iterrows():
        shown = value_text(row)
        assert row["libelle"] in bilan, code
        assert shown in bilan[row["libelle"]], (code, shown, bilan[row["libelle"]])

    # The overview: every card is the figures' value, the counters are the figures' counts.
    at = _overview(review_code)
    cards = _cards(at)
    heads = [i for f in ref.fiches for i in headline_indicators(ref, f.code)]
    assert heads and {i.libelle for i in heads} <= set(cards)
    for ind in heads:
        assert cards[ind.libelle] == value_text(summary.loc[ind.code]), ind.code
        assert cards[ind.libelle] in bilan[ind.libelle], ind.code
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Alertes pour le COPIL"] == format_number(len(figures.alerts))
    for alert in figures.alerts:
        assert (
            html.escape(alert.message, quote=True) in bilan_html(_Context(figures))[0]
            or alert.kind == "indicateur"
        )

    # The two computed indicators: the application's own figures, in both places.
    elus = summary.loc["AT_ELUS_REFERENTS"]
    assert elus["valeur"] == figures.engagement_counts.elus_referents == len(ELUS)
    assert format_value(len(ELUS), "nombre") in bilan[elus["libelle"]]
    f9 = summary.loc[COMPLETENESS_CODE]
    assert f9["valeur"] == pytest.approx(figures.completeness_rate)
    assert format_value(figures.completeness_rate, "pourcentage") in bilan[f9["libelle"]]


def test_commune_page_reads_the_same_figures(parity_app, parity_store, ref):
    review_code = "annuelle-2026"
    figures = gather_review(parity_store, ref, review_code, today=TODAY)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params["revue"] = review_code
    at.query_params["commune"] = "62119"
    login_as(at, "lecteur")
    at.switch_page("pages/communes.py")
    at.run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Complétude des envois"] == format_value(figures.territory_rate("62119"), "pourcentage")
    mine = figures.summary_of("62119").set_index("code")
    assert mine.loc["AT_ELUS_REFERENTS", "valeur"] == 1  # Béthune named its élu référent
    assert mine.loc[COMPLETENESS_CODE, "valeur"] == pytest.approx(figures.territory_rate("62119"))
    assert figures.summary_of(EPCI_CODE) is figures.summary
