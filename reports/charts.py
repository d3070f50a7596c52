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
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import sample_colorscale

from indicators.catalogue import Indicator
from indicators.formatting import MISSING, format_number, format_value, unit_label
from indicators.periods import FIRST_YEAR, LAST_YEAR, Period, parse_period, quarters

# Okabe & Ito (2008), safe for the common colour-vision deficiencies.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
SEQUENTIAL = "Viridis"  # perceptually uniform and colour-blind safe
MISSING_GREY = "#E3E3E3"
TEMPLATE_NAME = "ctg"
LEGEND_TOP = {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "xanchor": "left"}
DEMO_WORDS = "données de démonstration (valeurs générées)"
SOURCE_ANNOTATION = "ctg-source"  # name of the source annotation (exports may replace it)
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
        # above the plot: under it, the legend met the source line and the rotated tick labels
        legend=LEGEND_TOP,
        xaxis={"showgrid": False, "linecolor": "#888", "ticks": "outside"},
        yaxis={"gridcolor": "#E5E5E5", "zerolinecolor": "#BBBBBB", "rangemode": "tozero"},
    )
    return template


TEMPLATE = _template()
pio.templates[TEMPLATE_NAME] = TEMPLATE


def axis_unit(ind: Indicator) -> str:
    """The unit written on an axis (`nombre`, `€`, `%`, `pour 100 enfants`...)."""
    return unit_label(ind.unite)


def finish(
    fig: go.Figure,
    title: str,
    unit: str,
    source: str,
    *,
    table: tuple[list[str], list[list[str]]] | None = None,
    subtitle: str = "",
    demo: bool = False,
) -> go.Figure:
    """Apply the template and write title, unit and source on a figure (returns it).

    `layout.meta` carries what the pages and the image export read: `titre`, `sous_titre`,
    `unite`, `source`, `demonstration` (the figure draws generated values) and `tableau`
    (the data as a French table: the text alternative of the chart).
    """
    meta = {"titre": title, "sous_titre": subtitle, "unite": unit, "source": source, "demonstration": demo}
    if table is not None:
        meta["tableau"] = {"colonnes": table[0], "lignes": table[1]}
    fig.update_layout(
        template=TEMPLATE,
        separators=", ",
        title={"text": f"{title}<br><sup>{subtitle}</sup>" if subtitle else title},
        meta=meta,
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


def chart_table(fig: go.Figure) -> tuple[list[str], list[list[str]]] | None:
    """The data of a chart as (headers, rows of French texts): its text alternative."""
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    table = meta.get("tableau")
    if not table:
        return None
    return list(table["colonnes"]), [list(r) for r in table["lignes"]]


def count_axis(ind: Indicator, values: Iterable[float]) -> dict:
    """Axis settings for a count: integer ticks only (never « 0,5 assistant maternel »)."""
    if not ind.entier:
        return {}
    finite = [float(v) for v in values if v is not None and not pd.isna(v)]
    top = max((abs(v) for v in finite), default=0.0)
    return {"tickformat": ",d", **({"dtick": 1} if top <= 6 else {})}


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
    demo: bool = False,
    provisional: bool = False,
) -> go.Figure:
    """Baseline years, then the quarters from T1 2026 to the latest data (or the review's
    cut-off, if later); the convention's later years only when a target is set in them. For a
    provisional review, the cut-off mark is its data date, said « provisoire » in the title and
    the mark.

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
    cut = cutoff if cutoff.quarter else Period(cutoff.year, 4)
    last = max(
        [cut, *(Period(y, 4) for y in targets)] + [parse_period(category_of(p)) for p in conv["periode"]],
        key=lambda p: p.sort_key,
    )
    categories = [str(y) for y in base_years] + [
        q.label for q in quarters(FIRST_YEAR, LAST_YEAR) if q.sort_key <= last.sort_key
    ]
    fig = go.Figure()
    table: list[list[str]] = []
    shown_values: list[float] = []
    if not base.empty:
        shown = base["valeur"] / 4 if flux else base["valeur"]
        shown_values += list(shown)
        hover = [
            f"{p} : {format_value(v, ind.unite)}" + (" sur l'année (÷ 4 sur le graphique)" if flux else "")
            for p, v in zip(base["periode"], base["valeur"], strict=True)
        ]
        table += [
            [str(p), "référence (avant 2026)", format_value(v, ind.unite)]
            for p, v in zip(base["periode"], base["valeur"], strict=True)
        ]
        fig.add_trace(
            go.Scatter(
                x=[str(y) for y in base["annee"]],
                y=shown,
                mode="markers+lines",
                name="Référence (avant 2026)" + (", par trimestre" if flux else ""),
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
        shown_values += list(quarterly["valeur"])
        table += [
            [c, "trimestre" if flux else "fin de trimestre", format_value(v, ind.unite)]
            for c, v in zip(quarterly["_cat"], quarterly["valeur"], strict=True)
        ]
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
        shown_values += list(yearly["valeur"] / 4 if flux else yearly["valeur"])
        table += [
            [str(p), "année", format_value(v, ind.unite)]
            for p, v in zip(yearly["periode"], yearly["valeur"], strict=True)
        ]
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
        shown_values.append(shown)
        table.append([str(year), "cible", format_value(value, ind.unite)])
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
    fig.add_shape(
        type="line",
        x0=cut.label,
        x1=cut.label,
        xref="x",
        y0=0,
        y1=1,
        yref="paper",
        line={"color": "#444", "dash": "dot", "width": 2},
    )
    fig.add_annotation(  # inside the plot, at its top: above it stands the legend
        x=cut.label,
        y=1,
        xref="x",
        yref="paper",
        text=f"Données au {cut.label} (provisoire)" if provisional else f"Arrêté {cut.label}",
        showarrow=False,
        yanchor="top",
        xanchor="right" if categories.index(cut.label) >= 2 else "left",
        xshift=-3 if categories.index(cut.label) >= 2 else 3,
        bgcolor="rgba(255,255,255,0.85)",
        font={"size": 11, "color": "#444"},
    )
    fig.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=categories,
        range=[-0.5, len(categories) - 0.5],
        tickangle=-45 if len(categories) > 10 else 0,
        tickfont={"size": 10},
    )
    fig.update_yaxes(
        title={"text": unit + (" (par trimestre)" if flux else "")}, **count_axis(ind, shown_values)
    )
    fig.update_layout(height=420)
    return finish(fig, title, unit, source, table=(["Période", "Série", "Valeur"], table), demo=demo)


# -- Per commune -------------------------------------------------------------------------------


def commune_bar_figure(
    frame: pd.DataFrame,
    ind: Indicator,
    caption: str,
    *,
    epci_value: float | None = None,
    source: str | None = None,
    title: str | None = None,
    demo: bool = False,
    epci_label: str = "CABBALR",
) -> go.Figure:
    """The communes that have a value, sorted (largest on top), the EPCI value (`epci_label`) as a line.

    `frame`: nom, valeur. Communes at 0 and communes without a value get no bar: the
    subtitle counts them, and the data table lists every commune.
    """
    unit = axis_unit(ind)
    source = source or f"{ind.source_donnee} ; {ind.section}"
    known = frame[frame["valeur"].notna()]
    given = known[known["valeur"] != 0].sort_values("valeur")
    n_missing, n_zero = len(frame) - len(known), len(known) - len(given)
    title = title or f"{ind.libelle} par commune — {caption}"
    parts = [f"{format_number(len(given))} commune{'s' if len(given) > 1 else ''} avec une valeur"]
    if n_zero:
        parts.append(f"{format_number(n_zero)} à 0")
    if n_missing:
        parts.append(f"{format_number(n_missing)} non renseignée{'s' if n_missing > 1 else ''}")
    subtitle = ", ".join(parts)
    ordered = frame.assign(_v=frame["valeur"].fillna(-math.inf)).sort_values(
        ["_v", "nom"], ascending=[False, True]
    )
    table = (
        ["Commune", f"Valeur ({unit})"],
        [
            [str(n), format_value(v, ind.unite)]
            for n, v in zip(ordered["nom"], ordered["valeur"], strict=True)
        ],
    )
    if given.empty:
        fig = _empty(title, unit, source, "Aucune commune n'a de valeur non nulle pour cette période")
        return finish(fig, title, unit, source, table=table, subtitle=subtitle, demo=demo)
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
            text=f"{epci_label} : {format_value(epci_value, ind.unite)}",
            showarrow=False,
            xanchor="left",
            yanchor="bottom",
            yshift=26,  # above the value axis, drawn at the top
            font={"color": OKABE_ITO[3]},
        )
    fig.update_yaxes(type="category", tickfont={"size": 10}, automargin=True)
    fig.update_xaxes(
        title={"text": unit},
        rangemode="tozero",
        showgrid=True,
        gridcolor="#E5E5E5",
        side="top",
        automargin=True,  # room for the ticks and the unit above the bars, whatever the margin
        **count_axis(ind, given["valeur"]),
    )
    fig.update_layout(
        height=max(320, 18 * len(given) + 200),
        margin={"l": 170, "t": 150, "b": 70},
        bargap=0.25,
        showlegend=False,
    )
    finish(fig, title, unit, source, table=table, subtitle=subtitle, demo=demo)
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
    named: Iterable[str] = (),
    selected: str | None = None,
    demo: bool = False,
) -> go.Figure:
    """Map of the communes coloured by value, drawn as filled polygons on plain axes.

    Fully offline (no tile server, and no world map fetched by plotly's geo layer): each
    commune is one filled shape; `frame` has territoire (INSEE code), nom, valeur. Communes
    without a value are grey. Longitude is scaled by cos(latitude) so shapes keep their form.
    The communes of `named` (e.g. the largest) and the `selected` one are named on the map.
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
    wanted = [c for c in dict.fromkeys([*named, *([selected] if selected else [])]) if c]
    centres: dict[str, tuple[float, float]] = {}
    for feature in geojson["features"]:
        code = feature["properties"]["code"]
        name = names.get(code) or feature["properties"].get("nom", code)
        xs, ys = _rings(feature["geometry"])
        lats += [y for y in ys if y is not None]
        if code in wanted:
            points = [(x, y) for x, y in zip(xs, ys, strict=True) if x is not None]
            centres[code] = (
                sum(x for x, _ in points) / len(points),
                sum(y for _, y in points) / len(points),
            )
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
                    "colorbar": {
                        "title": {"text": unit, "side": "right"},
                        "thickness": 14,
                        "len": 0.8,
                        **count_axis(ind, [low, high]),
                    },
                },
            )
        )
    if centres:  # names over the shapes, with a white halo to stay readable on dark colours
        codes = [c for c in wanted if c in centres]
        fig.add_trace(
            go.Scatter(
                x=[centres[c][0] for c in codes],
                y=[centres[c][1] for c in codes],
                mode="text",
                text=[f"<b>{names.get(c, c)}</b>" if c == selected else names.get(c, c) for c in codes],
                textfont={
                    "size": 12 if len(codes) == 1 else 10,
                    "color": "#111",
                    "shadow": "0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff",
                },
                hoverinfo="skip",
                showlegend=False,
            )
        )
    mid_lat = sum(lats) / len(lats) if lats else 50.5
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(
        visible=False, scaleanchor="x", scaleratio=1 / math.cos(math.radians(mid_lat)), rangemode="normal"
    )
    fig.update_layout(height=600, margin={"l": 10, "r": 10, "t": 60, "b": 80}, hovermode="closest")
    missing = len(geojson["features"]) - len(values)
    ordered = sorted(names.items(), key=lambda item: item[1])
    table = (
        ["Commune", f"Valeur ({unit})"],
        [[n, format_value(values.get(c), ind.unite)] for c, n in ordered],
    )
    subtitle = (
        f"En gris : {format_number(missing)} commune{'s' if missing > 1 else ''} sans valeur"
        if missing
        else ""
    )
    finish(fig, title, unit, source, table=table, subtitle=subtitle, demo=demo)
    fig.layout.meta["communes_sans_valeur"] = missing
    return fig


# -- Completeness -----------------------------------------------------------------------------


def completeness_figure(
    by_quarter: pd.DataFrame,
    *,
    title: str = "Complétude de la collecte par trimestre",
    source: str = "dépôts des territoires ; catalogue des indicateurs",
    demo: bool = False,
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
    fig.update_layout(height=340, showlegend=False)
    table = (
        ["Trimestre", "Valeurs reçues", "Valeurs attendues", "Taux"],
        [
            [lbl, format_number(r), format_number(a), format_value(t, "pourcentage")]
            for lbl, r, a, t in zip(
                labels, by_quarter["recus"], by_quarter["attendus"], by_quarter["taux"], strict=True
            )
        ],
    )
    return finish(fig, title, "%", source, table=table, demo=demo)
