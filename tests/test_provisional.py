"""A review opened before its cut-off quarter is over is « provisoire »: at its data date (the
latest quarter with data) in every figure, title, map and table; flows are the year-to-date
total of the quarters received; quarters not yet due are neither 0 % complete nor an alert."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import pytest
from streamlit.testing.v1 import AppTest

from db.store import Store
from indicators.periods import Period
from indicators.review import as_of, cutoff_caption, format_summary, get_review
from reports.bilan import indicator_figure
from services.demo import install_demo
from services.review import gather_review
from services.values import current_values
from tests.auth_helpers import login_as
from tests.conftest import ROOT, app_serving

TODAY = dt.date(2026, 12, 2)  # the mid-term cut-off (T1 2028) is 16 months away


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory, _seeded_template, ref):
    path = tmp_path_factory.mktemp("provisoire") / "ctg.duckdb"
    shutil.copy(_seeded_template, path)
    with Store(path) as store:
        install_demo(store, ref, accounts=False)
        yield store


@pytest.fixture(scope="module")
def midterm(demo_store, ref):
    return gather_review(demo_store, ref, "mi-parcours", today=TODAY)


def test_which_review_is_provisional_and_its_data_date(demo_store, ref):
    values = current_values(demo_store, ref)
    midterm = as_of(get_review("mi-parcours"), values, TODAY)
    assert midterm.provisional and midterm.cutoff == Period(2026, 3)
    assert midterm.planned_cutoff == Period(2028, 1)
    assert midterm.label == "Bilan mi-parcours (juin 2028) · provisoire"
    assert midterm.data_date_text == "T3 2026 (revue provisoire : arrêté prévu au T1 2028)"
    assert midterm.code == "mi-parcours" and midterm.previous_year == 2025 and midterm.target_year == 2028
    # The 2026 annual review's cut-off (T3) is over on 2 December: it is not provisional.
    assert as_of(get_review("annuelle-2026"), values, TODAY) == get_review("annuelle-2026")
    # Opened in August, it is, at the latest quarter with data that is over (T2).
    august = as_of(get_review("annuelle-2026"), values, dt.date(2026, 8, 15))
    assert august.provisional and august.cutoff == Period(2026, 2)
    # A review in the past keeps its own cut-off.
    assert as_of(get_review("annuelle-2026"), values, dt.date(2027, 3, 1)).cutoff == Period(2026, 3)


def test_figures_of_a_provisional_review(midterm, demo_store, ref):
    assert midterm.review.provisional and midterm.review.cutoff == Period(2026, 3)
    summary = midterm.summary.set_index("code")
    # A flow is the year-to-date total of the quarters received, labelled with them.
    events = summary.loc["IA_EVENEMENTS"]
    quarters = midterm.series("IA_EVENEMENTS")
    ytd = quarters[quarters["periode"].isin(["2026-T1", "2026-T2", "2026-T3"])]["valeur"].sum()
    assert events["valeur"] == ytd and cutoff_caption(events) == "cumul T1–T3 2026"
    table = format_summary(midterm.summary, midterm.review).set_index("Indicateur")
    assert table.loc[events["libelle"], "Période"] == "cumul T1–T3 2026"
    assert "Valeur (T3 2026)" in table.columns
    # Quarters not yet due: not in the completeness matrix, for the agglomeration or a commune.
    assert sorted(set(midterm.completeness["periode"])) == ["2026-T1", "2026-T2", "2026-T3"]
    annual = gather_review(demo_store, ref, "annuelle-2026", today=TODAY)
    assert midterm.completeness_rate == pytest.approx(annual.completeness_rate)
    for commune in ("62119", "62720"):
        assert midterm.territory_rate(commune) == pytest.approx(annual.territory_rate(commune))
    # No alert about a quarter that has not begun.
    messages = " ".join(a.message for a in midterm.alerts)
    assert "2027" not in messages and "2028" not in messages
    transmission = next(a for a in midterm.alerts if a.kind == "transmission")
    assert "pour T3 2026" in transmission.message


def test_the_pages_say_provisional_and_show_the_data_date(demo_store, ref):
    if dt.date.today() > Period(2028, 1).end:
        pytest.skip("la revue mi-parcours n'est plus provisoire à la date du jour")
    url = demo_store.url
    with app_serving(url):
        for page in (
            "pages/vue_ensemble.py",
            "pages/ambition.py",
            "pages/communes.py",
            "pages/completude.py",
        ):
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
            at.query_params["revue"] = "mi-parcours"
            login_as(at, "lecteur")
            at.switch_page(page)
            at.run()
            assert not at.exception, (page, at.exception)
            text = " ".join(str(e.value) for e in (*at.caption, *at.markdown, *at.warning, *at.title))
            text += " ".join(f"{m.label} {m.value}" for m in at.metric)
            assert "provisoire" in text and "T3 2026" in text, page
            # T1 2028 only as the cut-off not yet reached (sidebar), never as a data date.
            assert "T1 2028" not in text.replace("son arrêté (T1 2028)", ""), page
            assert not re.search(r"T[1-4] 2027|T4 2026", text), page


@pytest.mark.browser
def test_png_and_bilan_are_provisional_everywhere(midterm, demo_store, ref, tmp_path):
    from reports.render import PNG_SIGNATURE, figure_png
    from services.bilan import bilan_for

    fig = indicator_figure(midterm, "IA_EVENEMENTS")
    assert fig.layout.meta["titre"].endswith("— revue provisoire")
    assert any(a.text == "Données au T3 2026 (provisoire)" for a in fig.layout.annotations)
    assert figure_png(fig, 800, 450).startswith(PNG_SIGNATURE)

    bilan = bilan_for(midterm)
    pdf = tmp_path / "bilan.pdf"
    pdf.write_bytes(bilan.pdf)
    pages = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    )
    texts = [re.sub(r"[\u202f\u00a0 ]+", " ", p) for p in pages.stdout.split("\f") if p.strip()]
    assert all("provisoire" in page for page in texts)  # the cover and every page header
    cover = texts[0]
    assert "Date des données" in cover and "T3 2026" in cover
    assert "Document édité le" in cover and "2 décembre 2026" in cover
    assert "Bilan provisoire" in cover and "T1 2028" in cover  # the planned cut-off, named once
    whole = "\n".join(texts)
    assert "Données arrêtées à T1 2028" not in whole and "pour T1 2028" not in whole
    assert "Données au T3 2026 (revue provisoire) · édité le 02/12/2026" in whole
    # The annex of the coherence checks: the demonstration breaks no rule.
    assert "Annexe : contrôles de cohérence entre indicateurs" in whole
    assert "Aucune incohérence entre indicateurs." in whole
