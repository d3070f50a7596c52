"""The charts of the panels and of the bilan: DataFrames in, plotly figures out (no Streamlit).

One template (`TEMPLATE`), the Okabe-Ito colour-blind-safe palette, French number formats
(`separators=", "`: decimal comma, space between thousands) and, on every figure, a title,
the unit (axis title and `layout.meta["unite"]`) and the source (annotation under the plot
and `layout.meta["source"]`, read by reports/render.py for PNG exports).

    >>> fig = time_series_figure(series_frame, indicator, review, targets={2030: 1200})
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import sample_colorscale

from indicators.catalogue import Indicator
from indicators.formatting import MISSING, format_value, unit_label
from indicators.periods import FIRST_YEAR, LAST_YEAR, Period, parse_period, quarters

# Okabe & Ito (2008), safe for the common colour-vision deficiencies.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
SEQUENTIAL = "Viridis"  # perceptually uniform and colour-blind safe
MISSING_GREY = "#E3E3E3"
TEMPLATE_NAME = "ctg"
SOURCE_ANNOTATION = "ctg-source"  # name of the source annotation (exports may replace it)
GEOJSON_NAME = "communes-cabbalr-200072460.geojson"  # in seed/: the communes' polygons
FONT = "Source Sans Pro, DejaVu Sans, Arial, sans-serif"


def _template() -> go.layout.Template:
    template = go.layout.Template()
    template.layout = go.Layout(
        font={"family": FONT, "size": 13, "color": "#222"},
        colorway=OKABE_ITO,
        separators=", ",
        paper_bgcolor="white",
        plot_bgcolor="white",
        title={"x": 0.0, "xanchor": "left", "font": {"size": 16}},
        margin={"l": 60, "r": 20, "t": 70, "b": 80},
        hoverlabel={"font": {"family": FONT}},
        legend={"orientation": "h", "y": -0.22, "x": 0},
        xaxis={"showgrid": False, "linecolor": "#888", "ticks": "outside"},
        yaxis={"gridcolor": "#E5E5E5", "zerolinecolor": "#BBBBBB", "rangemode": "tozero"},
    )
    return template


TEMPLATE = _template()
pio.templates[TEMPLATE_NAME] = TEMPLATE


def axis_unit(ind: Indicator) -> str:
    """The unit written on an axis (`nombre`, `€`, `%`, `pour 100 enfants`...)."""
    return unit_label(ind.unite)


def finish(fig: go.Figure, title: str, unit: str, source: str) -> go.Figure:
    """Apply the template and write title, unit and source on a figure (returns it)."""
    fig.update_layout(
        template=TEMPLATE,
        separators=", ",
        title={"text": title},
        meta={"titre": title, "unite": unit, "source": source},
    )
    fig.add_annotation(
        name=SOURCE_ANNOTATION,
        text=f"Source : {source}",
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        yshift=-62,
        xanchor="left",
        yanchor="top",
        showarrow=False,
        align="left",
        font={"size": 11, "color": "#555"},
    )
    return fig


def _empty(
    title: str, unit: str, source: str, message: str = "Aucune valeur pour cette période"
) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(
        text=message,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": 15, "color": "#666"},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(height=260)
    return finish(fig, title, unit, source)


# -- Time series -----------------------------------------------------------------------------


def category_of(periode: str) -> str:
    """The x category of a period: `2024` for a year before the convention, `T3 2026` for a
    quarter, `T4 2027` for a year of the convention (known at its end)."""
    period = parse_period(periode)
    if period.quarter is None:
        return str(period.year) if period.year < FIRST_YEAR else Period(period.year, 4).label
    return period.label


def time_series_figure(
    series: pd.DataFrame,
    ind: Indicator,
    cutoff: Period,
    *,
    targets: dict[int, float] | None = None,
    title: str | None = None,
    source: str | None = None,
    territory_label: str = "CABBALR",
    provisional: bool = False,
) -> go.Figure:
    """Baseline years, then 2026-T1 … 2030-T4; the targets and the review cut-off marked
    (for a provisional review, its data date, said « provisoire » in the title and the mark).

    `series`: periode, valeur (e.g. `aggregation.series` for one territory). A flux shows
    its quarters; its yearly baseline and targets are shown per quarter (÷ 4) so they can be
    read on the same scale, and the hover says so.
    """
    unit = axis_unit(ind)
    title = title or f"{ind.libelle} — {territory_label}" + (" — revue provisoire" if provisional else "")
    source = source or f"{ind.source_donnee} ; {ind.section}"
    targets = {y: v for y, v in (targets or {}).items() if v is not None and not pd.isna(v)}
    if series.empty and not targets:
        return _empty(title, unit, source, "Aucune valeur connue pour cet indicateur")
    flux = ind.agregation_temps == "flux"
    rows = series.copy()
    rows["periode"] = rows["periode"].astype(str)
    rows["annee"] = rows["periode"].map(lambda p: parse_period(p).year)
    rows["annuel"] = rows["periode"].map(lambda p: parse_period(p).quarter is None)
    base = rows[rows["annee"] < FIRST_YEAR].sort_values("periode")
    base_years = sorted(base["annee"].unique())[-4:]  # the last baseline years
    base = base[base["annee"].isin(base_years)]
    conv = rows[rows["annee"] >= FIRST_YEAR].copy()
    categories = [str(y) for y in base_years] + [q.label for q in quarters(FIRST_YEAR, LAST_YEAR)]
    fig = go.Figure()
    if not base.empty:
        shown = base["valeur"] / 4 if flux else base["valeur"]
        hover = [
            f"{p} : {format_value(v, ind.unite)}" + (" sur l'année (÷ 4 sur le graphique)" if flux else "")
            for p, v in zip(base["periode"], base["valeur"], strict=True)
        ]
        fig.add_trace(
            go.Scatter(
                x=[str(y) for y in base["annee"]],
                y=shown,
                mode="markers+lines",
                name="Référence (avant 2026)" + (" — moyenne par trimestre" if flux else ""),
                marker={"size": 10, "symbol": "diamond", "color": OKABE_ITO[1]},
                line={"dash": "dot", "color": OKABE_ITO[1]},
                hovertext=hover,
                hoverinfo="text",
            )
        )
    quarterly = conv[~conv["annuel"]]
    if not quarterly.empty:
        quarterly = quarterly.assign(_cat=quarterly["periode"].map(category_of))
        quarterly["_order"] = quarterly["_cat"].map(categories.index)
        quarterly = quarterly.sort_values("_order")
        fig.add_trace(
            go.Scatter(
                x=quarterly["_cat"],
                y=quarterly["valeur"],
                mode="markers+lines",
                name="Valeur du trimestre" if flux else "Valeur en fin de trimestre",
                marker={"size": 9, "color": OKABE_ITO[0]},
                line={"color": OKABE_ITO[0], "width": 3},
                hovertext=[
                    f"{c} : {format_value(v, ind.unite)}"
                    for c, v in zip(quarterly["_cat"], quarterly["valeur"], strict=True)
                ],
                hoverinfo="text",
            )
        )
    yearly = conv[conv["annuel"]]
    if not yearly.empty:
        fig.add_trace(
            go.Scatter(
                x=yearly["periode"].map(category_of),
                y=yearly["valeur"] / 4 if flux else yearly["valeur"],
                mode="markers",
                name="Valeur annuelle" + (" (÷ 4)" if flux else ""),
                marker={"size": 12, "symbol": "square", "color": OKABE_ITO[2]},
                hovertext=[
                    f"{p} : {format_value(v, ind.unite)}"
                    for p, v in zip(yearly["periode"], yearly["valeur"], strict=True)
                ],
                hoverinfo="text",
            )
        )
    for year, value in sorted(targets.items()):
        shown = value / 4 if flux else value
        fig.add_trace(
            go.Scatter(
                x=[categories[len(base_years)], Period(year, 4).label],
                y=[shown, shown],
                mode="lines",
                name=f"Cible {year}",
                line={"dash": "dash", "color": OKABE_ITO[3 if year == 2030 else 4], "width": 2},
                hovertext=f"Cible {year} : {format_value(value, ind.unite)}"
                + (" sur l'année" if flux else ""),
                hoverinfo="text",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[Period(year, 4).label],
                y=[shown],
                mode="markers",
                showlegend=False,
                marker={"size": 13, "symbol": "star", "color": OKABE_ITO[3 if year == 2030 else 4]},
                hoverinfo="skip",
            )
        )
    cut = cutoff.label if cutoff.quarter else Period(cutoff.year, 4).label
    fig.add_shape(
        type="line",
        x0=cut,
        x1=cut,
        xref="x",
        y0=0,
        y1=1,
        yref="paper",
        line={"color": "#444", "dash": "dot", "width": 2},
    )
    fig.add_annotation(
        x=cut,
        y=1,
        xref="x",
        yref="paper",
        text=f"Données au {cut} (provisoire)" if provisional else f"Arrêté {cut}",
        showarrow=False,
        yanchor="bottom",
        xanchor="left",
        font={"size": 11, "color": "#444"},
    )
    fig.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=categories,
        range=[-0.5, len(categories) - 0.5],
        tickangle=-45,
        tickfont={"size": 10},
    )
    fig.update_yaxes(title={"text": unit + (" (par trimestre)" if flux else "")})
    fig.update_layout(height=420)
    return finish(fig, title, unit, source)


# -- Per commune -------------------------------------------------------------------------------


def commune_bar_figure(
    frame: pd.DataFrame,
    ind: Indicator,
    caption: str,
    *,
    epci_value: float | None = None,
    source: str | None = None,
    title: str | None = None,
) -> go.Figure:
    """Communes sorted by value (largest on top), the EPCI value as a reference line.

    `frame`: nom, valeur (missing values are left out and counted in the subtitle).
    """
    unit = axis_unit(ind)
    source = source or f"{ind.source_donnee} ; {ind.section}"
    given = frame[frame["valeur"].notna()].sort_values("valeur")
    n_missing = len(frame) - len(given)
    title = title or f"{ind.libelle} par commune — {caption}"
    if given.empty:
        return _empty(title, unit, source, "Aucune commune n'a de valeur pour cette période")
    subtitle = f"{len(given)} communes renseignées" + (f", {n_missing} non renseignées" if n_missing else "")
    fig = go.Figure(
        go.Bar(
            x=given["valeur"],
            y=given["nom"],
            orientation="h",
            marker={"color": OKABE_ITO[0]},
            hovertext=[
                f"{n} : {format_value(v, ind.unite)}"
                for n, v in zip(given["nom"], given["valeur"], strict=True)
            ],
            hoverinfo="text",
            name=caption,
        )
    )
    if epci_value is not None and not pd.isna(epci_value) and ind.is_computed:
        fig.add_vline(x=epci_value, line={"color": OKABE_ITO[3], "dash": "dash", "width": 2})
        fig.add_annotation(
            x=epci_value,
            y=1,
            yref="paper",
            text=f"CABBALR : {format_value(epci_value, ind.unite)}",
            showarrow=False,
            xanchor="left",
            yanchor="bottom",
            font={"color": OKABE_ITO[3]},
        )
    fig.update_yaxes(type="category", tickfont={"size": 10}, automargin=True)
    fig.update_xaxes(title={"text": unit}, rangemode="tozero", showgrid=True, gridcolor="#E5E5E5", side="top")
    fig.update_layout(
        height=max(320, 18 * len(given) + 200), margin={"l": 170, "t": 150, "b": 70}, bargap=0.25
    )
    finish(fig, f"{title}<br><sup>{subtitle}</sup>", unit, source)
    fig.layout.annotations[-1].update(yshift=-30)
    return fig


@lru_cache(maxsize=4)
def _geojson_text(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def load_geojson(path: str | Path) -> dict:
    """The commune polygons (FeatureCollection with properties `code` and `nom`)."""
    return json.loads(_geojson_text(str(path)))


def _rings(geometry: dict) -> tuple[list, list]:
    """Longitudes and latitudes of a polygon's outer rings, separated by None (plotly's gaps)."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    xs: list = []
    ys: list = []
    for polygon in polygons:
        ring = polygon[0]
        xs += [pt[0] for pt in ring] + [None]
        ys += [pt[1] for pt in ring] + [None]
    return xs, ys


def commune_map_figure(
    frame: pd.DataFrame,
    geojson: dict,
    ind: Indicator,
    caption: str,
    *,
    source: str | None = None,
    title: str | None = None,
) -> go.Figure:
    """Map of the communes coloured by value, drawn as filled polygons on plain axes.

    Fully offline (no tile server, and no world map fetched by plotly's geo layer): each
    commune is one filled shape; `frame` has territoire (INSEE code), nom, valeur. Communes
    without a value are grey. Longitude is scaled by cos(latitude) so shapes keep their form.
    """
    unit = axis_unit(ind)
    source = source or f"{ind.source_donnee} ; {ind.section} ; contours IGN Admin Express"
    title = title or f"{ind.libelle} — carte des communes, {caption}"
    values = {c: v for c, v in zip(frame["territoire"], frame["valeur"], strict=True) if not pd.isna(v)}
    names = dict(zip(frame["territoire"], frame["nom"], strict=True))
    low, high = (min(values.values()), max(values.values())) if values else (0.0, 1.0)
    span = (high - low) or 1.0
    traces: list[dict] = []
    lats: list[float] = []
    for feature in geojson["features"]:
        code = feature["properties"]["code"]
        name = names.get(code) or feature["properties"].get("nom", code)
        xs, ys = _rings(feature["geometry"])
        lats += [y for y in ys if y is not None]
        value = values.get(code)
        colour = MISSING_GREY if value is None else sample_colorscale(SEQUENTIAL, (value - low) / span)[0]
        label = f"{name} : {format_value(value, ind.unite) if value is not None else MISSING}"
        # Plain dicts, validated once by the Figure: 100 add_trace calls cost 0,4 s.
        traces.append(
            {
                "type": "scatter",
                "x": xs,
                "y": ys,
                "fill": "toself",
                "fillcolor": colour,
                "mode": "lines",
                "line": {"color": "white", "width": 0.7},
                "hoveron": "fills",
                "text": label,
                "hoverinfo": "text",
                "showlegend": False,
                "name": code,
            }
        )
    fig = go.Figure(data=traces)
    if values:  # an invisible trace that carries the colour bar
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                showlegend=False,
                hoverinfo="skip",
                marker={
                    "color": [low, high],
                    "colorscale": SEQUENTIAL,
                    "cmin": low,
                    "cmax": high,
                    "showscale": True,
                    "colorbar": {"title": {"text": unit, "side": "right"}, "thickness": 14, "len": 0.8},
                },
            )
        )
    mid_lat = sum(lats) / len(lats) if lats else 50.5
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(
        visible=False, scaleanchor="x", scaleratio=1 / math.cos(math.radians(mid_lat)), rangemode="normal"
    )
    fig.update_layout(height=600, margin={"l": 10, "r": 10, "t": 60, "b": 80}, hovermode="closest")
    fig.update_layout(meta={"communes_sans_valeur": len(geojson["features"]) - len(values)})
    return finish(fig, title, unit, source)


# -- Completeness -----------------------------------------------------------------------------


def completeness_figure(
    by_quarter: pd.DataFrame,
    *,
    title: str = "Complétude de la collecte par trimestre",
    source: str = "dépôts des territoires ; catalogue des indicateurs",
) -> go.Figure:
    """Bars of the completeness rate (%) per quarter; `by_quarter`: periode, taux, recus, attendus."""
    if by_quarter.empty:
        return _empty(title, "%", source, "Aucune valeur attendue pour ces trimestres")
    labels = [parse_period(p).label for p in by_quarter["periode"]]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=by_quarter["taux"],
            marker={"color": OKABE_ITO[2]},
            text=[format_value(t, "pourcentage") for t in by_quarter["taux"]],
            textposition="outside",
            hovertext=[
                f"{lbl} : {r} valeurs reçues sur {a} attendues"
                for lbl, r, a in zip(labels, by_quarter["recus"], by_quarter["attendus"], strict=True)
            ],
            hoverinfo="text",
        )
    )
    fig.update_yaxes(range=[0, 110], title={"text": "% des valeurs attendues"})
    fig.update_xaxes(type="category")
    fig.update_layout(height=340)
    return finish(fig, title, "%", source)
