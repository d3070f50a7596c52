"""Charts: one template, French separators, title/unit/source on every figure."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from indicators.periods import Period
from reports.charts import (
    OKABE_ITO,
    SOURCE_ANNOTATION,
    chart_table,
    commune_bar_figure,
    commune_map_figure,
    completeness_figure,
    load_geojson,
    time_series_figure,
)
from tests.conftest import SEED


def _check(fig: go.Figure, unit: str) -> None:
    assert isinstance(fig, go.Figure)
    assert fig.layout.separators == ", "
    assert fig.layout.title.text
    assert fig.layout.meta["unite"] == unit and fig.layout.meta["source"]
    assert any(a.name == SOURCE_ANNOTATION and a.text.startswith("Source : ") for a in fig.layout.annotations)
    assert list(fig.layout.template.layout.colorway) == OKABE_ITO
    text = fig.to_json()
    assert "NaN" not in text and "None" not in text and ": nan" not in text


def test_time_series_has_baseline_quarters_cutoff_and_target(mini_ref):
    ind = mini_ref.indicator("PE_PLACES_ACCUEIL")
    series = pd.DataFrame({"periode": ["2024", "2025", "2026-T1", "2026-T2"], "valeur": [480, 500, 505, 510]})
    fig = time_series_figure(series, ind, Period(2026, 3), targets={2030: 600.0})
    _check(fig, "nombre")
    cats = list(fig.layout.xaxis.categoryarray)
    assert cats[:3] == ["2024", "2025", "T1 2026"] and cats[-1] == "T4 2030" and len(cats) == 22
    names = [t.name for t in fig.data]
    assert "Cible 2030" in names and "Référence (avant 2026)" in names
    assert any(s.x0 == "T3 2026" for s in fig.layout.shapes)
    assert any("Arrêté T3 2026" == a.text for a in fig.layout.annotations)


def test_flux_baseline_is_shown_per_quarter(mini_ref):
    ind = mini_ref.indicator("IA_CAFES_PARTENAIRES")
    series = pd.DataFrame({"periode": ["2025", "2026-T1"], "valeur": [12, 2]})
    fig = time_series_figure(series, ind, Period(2026, 3))
    assert list(fig.data[0].y) == [3.0]


def test_empty_series_says_so(mini_ref):
    fig = time_series_figure(
        pd.DataFrame(columns=["periode", "valeur"]), mini_ref.indicator("PE_PLACES_ACCUEIL"), Period(2026, 3)
    )
    _check(fig, "nombre")
    assert any("Aucune valeur" in a.text for a in fig.layout.annotations)


def test_bar_sorted_and_missing_counted(mini_ref):
    frame = pd.DataFrame({"nom": ["A", "B", "C"], "valeur": [3.0, None, 9.0]})
    fig = commune_bar_figure(frame, mini_ref.indicator("PE_CAPACITE_THEORIQUE"), "T3 2026", epci_value=5.0)
    _check(fig, "pour 100 enfants")
    assert list(fig.data[0].y) == ["A", "C"]  # ascending: the largest on top
    assert "2 communes avec une valeur, 1 non renseignée" in fig.layout.title.text


def test_map_uses_the_geojson_offline(ref):
    geo = load_geojson(SEED / "communes-cabbalr-200072460.geojson")
    codes = [f["properties"]["code"] for f in geo["features"]]
    assert len(codes) == 100
    frame = pd.DataFrame({"territoire": codes[:10], "nom": ["x"] * 10, "valeur": range(10)})
    fig = commune_map_figure(frame, geo, ref.indicator("PE_PLACES_EAJE"), "T3 2026")
    _check(fig, "nombre")
    # Offline: plain axes, no geo subplot (which would fetch a world map from a CDN).
    assert "geo" not in fig.to_plotly_json()["layout"] or not fig.layout.geo.to_plotly_json()
    shapes = [t for t in fig.data if t.fill == "toself"]
    assert len(shapes) == 100
    assert shapes[0].fillcolor != shapes[-1].fillcolor  # coloured by value / grey when missing
    assert shapes[-1].text.endswith("non renseigné")
    assert fig.data[-1].marker.showscale


def test_completeness_figure():
    frame = pd.DataFrame({"periode": ["2026-T1"], "taux": [92.5], "recus": [37], "attendus": [40]})
    fig = completeness_figure(frame)
    _check(fig, "%")
    assert list(fig.data[0].x) == ["T1 2026"] and fig.data[0].text[0] == "92,5\u202f%"


def test_time_axis_runs_to_the_latest_data_unless_a_target_is_set(mini_ref):
    ind = mini_ref.indicator("PE_PLACES_ACCUEIL")
    series = pd.DataFrame({"periode": ["2024", "2025", "2026-T1", "2026-T2"], "valeur": [480, 500, 505, 510]})
    cats = list(time_series_figure(series, ind, Period(2026, 2)).layout.xaxis.categoryarray)
    assert cats == ["2024", "2025", "T1 2026", "T2 2026"]  # not three quarters of empty axis
    cats = list(time_series_figure(series, ind, Period(2026, 3)).layout.xaxis.categoryarray)
    assert cats[-1] == "T3 2026"  # the review's cut-off is on the axis
    cats = list(
        time_series_figure(series, ind, Period(2026, 2), targets={2028: 600}).layout.xaxis.categoryarray
    )
    assert cats[-1] == "T4 2028"  # up to the target's year, not to 2030


def test_counts_have_integer_ticks_rates_do_not(mini_ref):
    series = pd.DataFrame({"periode": ["2025", "2026-T1"], "valeur": [2, 3]})
    count = time_series_figure(series, mini_ref.indicator("PE_PLACES_ACCUEIL"), Period(2026, 1))
    assert count.layout.yaxis.tickformat == ",d" and count.layout.yaxis.dtick == 1
    big = pd.DataFrame({"periode": ["2025", "2026-T1"], "valeur": [200, 300]})
    count = time_series_figure(big, mini_ref.indicator("PE_PLACES_ACCUEIL"), Period(2026, 1))
    assert count.layout.yaxis.tickformat == ",d" and count.layout.yaxis.dtick is None
    rate = time_series_figure(series, mini_ref.indicator("BARO_HABITANTS"), Period(2026, 1))
    assert rate.layout.yaxis.tickformat is None


def test_ranking_draws_the_communes_with_a_value_and_counts_the_others(mini_ref):
    frame = pd.DataFrame({"nom": ["A", "B", "C", "D"], "valeur": [0.0, None, 4.0, 2.0]})
    fig = commune_bar_figure(frame, mini_ref.indicator("PE_PLACES_ACCUEIL"), "T3 2026")
    assert list(fig.data[0].y) == ["D", "C"]
    assert "2 communes avec une valeur, 1 à 0, 1 non renseignée" in fig.layout.title.text
    headers, rows = chart_table(fig)
    assert headers == ["Commune", "Valeur (nombre)"]
    assert rows == [["C", "4"], ["D", "2"], ["A", "0"], ["B", "non renseigné"]]  # every commune


def test_map_names_the_largest_communes_and_the_selected_one(ref):
    geo = load_geojson(SEED / "communes-cabbalr-200072460.geojson")
    codes = [f["properties"]["code"] for f in geo["features"]]
    frame = pd.DataFrame({"territoire": codes, "nom": [f"commune {c}" for c in codes], "valeur": range(100)})
    fig = commune_map_figure(
        frame, geo, ref.indicator("PE_PLACES_EAJE"), "T3 2026", named=codes[:3], selected=codes[50]
    )
    labels = next(t for t in fig.data if t.mode == "text")
    assert list(labels.text) == [f"commune {c}" for c in codes[:3]] + [f"<b>commune {codes[50]}</b>"]
    assert len(chart_table(fig)[1]) == 100


def test_every_chart_carries_its_data_table_and_the_demo_flag(mini_ref):
    ind = mini_ref.indicator("PE_PLACES_ACCUEIL")
    series = pd.DataFrame({"periode": ["2025", "2026-T1"], "valeur": [500, 505]})
    fig = time_series_figure(series, ind, Period(2026, 1), targets={2030: 600.0}, demo=True)
    assert chart_table(fig) == (
        ["Période", "Série", "Valeur"],
        [
            ["2025", "référence (avant 2026)", "500"],
            ["T1 2026", "fin de trimestre", "505"],
            ["2030", "cible", "600"],
        ],
    )
    assert fig.layout.meta["demonstration"] is True
    frame = pd.DataFrame({"periode": ["2026-T1"], "taux": [92.5], "recus": [37], "attendus": [40]})
    assert chart_table(completeness_figure(frame))[1] == [["T1 2026", "37", "40", "92,5\u202f%"]]
    assert completeness_figure(frame).layout.meta["demonstration"] is False
