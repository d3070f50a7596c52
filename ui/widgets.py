"""Widgets shared by the steering panels: the review selector, French cards, figures with a
PNG button (Streamlit only).

Every figure comes from `services.review.ReviewFigures`, gathered once per review and
cached (`ui.context.review_figures`); nothing here computes a figure.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from indicators.formatting import format_change, format_value
from indicators.review import (
    DIRECTION_LABELS,
    REVIEWS,
    REVIEWS_BY_CODE,
    Alert,
    Review,
    current_review,
    cutoff_caption,
    value_text,
)
from reports.charts import SOURCE_ANNOTATION, chart_table, commune_map_figure, load_geojson
from services.review import ReviewFigures
from services.settings import get_settings
from ui.chrome import CHOOSE
from ui.context import get_reference, review_figures
from ui.text import plain

MAP_NAMES = 6  # the most populous communes named on a map
REVIEW_STATE = "_revue"  # survives page changes (widget keys do not)
TTL = get_settings().cache_ttl_seconds
STATUS_MARKS = {
    "progression": (":green", ":material/trending_up:"),
    "stable": (":blue", ":material/trending_flat:"),
    "recul": (":red", ":material/trending_down:"),
    "sans_reference": (":gray", ":material/remove:"),
    "non_renseigne": (":gray", ":material/remove:"),
}


# -- Review selector --------------------------------------------------------------------------


def review_selector() -> Review:
    """The review chosen at the top of the page, kept across pages and in the URL (`?revue=...`)."""
    codes = [r.code for r in REVIEWS]
    if REVIEW_STATE not in st.session_state:
        asked = st.query_params.get("revue")
        st.session_state[REVIEW_STATE] = (
            asked if asked in REVIEWS_BY_CODE else current_review(date.today()).code
        )

    def remember() -> None:
        st.session_state[REVIEW_STATE] = st.session_state["revue_choisie"]

    # At the top of the page, not in the sidebar: on a phone the sidebar is folded away, and
    # the review and its data date must be on the first screen.
    left, right = st.columns([2, 3], vertical_alignment="bottom")
    code = left.selectbox(
        "Revue",
        codes,
        placeholder=CHOOSE,
        index=codes.index(st.session_state[REVIEW_STATE]),
        format_func=lambda c: REVIEWS_BY_CODE[c].label,
        key="revue_choisie",
        on_change=remember,
        help="Fixe l'arrêté des données et les comparaisons de tous les tableaux et du bilan. "
        "Comparaisons : référence (dernière année avant 2026) → arrêté, et année précédente → arrêté.",
    )
    st.session_state[REVIEW_STATE] = code
    st.query_params["revue"] = code
    review = figures(code).review  # « provisoire » at its data date before its cut-off is over
    comparisons = f"comparées à la référence (avant 2026) et à {review.previous_year}"
    if review.provisional:
        right.markdown(
            f":orange-badge[:material/pending: Revue provisoire] Données au **{review.cutoff_label}** · "
            f"{comparisons}"
        )
        # Under the selector, not in the sidebar: on a phone the sidebar is folded away.
        st.caption(
            f"Revue provisoire : son arrêté ({review.planned_cutoff.label}) n'est pas encore atteint ; "
            f"les chiffres sont ceux du dernier trimestre avec des données, {review.cutoff_label} ; "
            f"un flux est le cumul des trimestres {review.cutoff.year} reçus."
        )
    else:
        right.markdown(f":material/event: Données arrêtées au **{review.cutoff_label}** · {comparisons}")
    from ui.exports import sidebar_bilan_button

    sidebar_bilan_button(review)
    return review


# -- The review's figures (services.review), cached once per review ------------------------


def figures(review_code: str) -> ReviewFigures:
    """Every figure of a review: the one source of the panels (see services/review.py)."""
    return review_figures(review_code)


@st.cache_resource(show_spinner=False)
def _geojson(path: str) -> dict:
    return load_geojson(path)


def communes_geojson() -> dict:
    """The commune polygons of the convention shown (its seed folder's `*.geojson`, read once)."""
    path = get_reference().geojson_path()
    return _geojson(str(path)) if path is not None else {"type": "FeatureCollection", "features": []}


def summary(review_code: str, territory: str | None = None) -> pd.DataFrame:
    """Where each indicator stands for a territory at the review (computed indicators included)."""
    return figures(review_code).summary_of(territory)


def alerts(review_code: str) -> list[Alert]:
    """Alerts for the COPIL at the review (direction, transmissions, governance)."""
    return figures(review_code).alerts


# -- Display helpers --------------------------------------------------------------------------


def status_text(statut: str, label: str) -> str:
    """A coloured status with an icon and its words (never colour alone)."""
    colour, icon = STATUS_MARKS.get(statut, (":gray", ":material/remove:"))
    return f"{colour}[{icon} {label}]"


def indicator_card(row: pd.Series, review: Review) -> None:
    """One headline indicator: value at the cut-off, changes, status (French formats)."""
    with st.container(border=True):
        st.markdown(f"**{row['libelle']}**")
        st.markdown(f"### {plain(value_text(row))}")  # a qualitative value is a user's text
        if row["type"] in ("jalon", "qualitatif"):
            return
        st.caption(
            f"{cutoff_caption(row)} · sens souhaité : {DIRECTION_LABELS.get(row['sens'], row['sens'])}"
        )
        base = row["periode_reference"] if isinstance(row["periode_reference"], str) else None
        lines = []
        if base:
            lines.append(
                f"depuis {base} (référence) : {format_change(row['evolution_reference'], row['unite'])}"
            )
        if base != str(review.previous_year):
            lines.append(
                f"depuis {review.previous_year} : {format_change(row['evolution_annee'], row['unite'])}"
            )
        if not pd.isna(row["cible"]):
            lines.append(f"cible {int(row['annee_cible'])} : {format_value(row['cible'], row['unite'])}")
        st.markdown(" · ".join(lines))
        reason = row.get("arbitrage_reference")
        if isinstance(reason, str) and reason:
            st.caption(f"Référence : la convention se contredit ; valeur retenue : {reason}")
        st.markdown(status_text(row["statut"], row["statut_libelle"]))


def screen_figure(fig: go.Figure) -> go.Figure:
    """The figure as drawn on a page: its title, subtitle and source are written by the page
    as text (they wrap on a phone and are read by screen readers), not inside the chart."""
    out = go.Figure(fig)
    top = fig.layout.margin.t if fig.layout.margin.t is not None else 70
    out.update_layout(title=None, margin={"t": max(30, top - 70)})
    out.layout.annotations = [a for a in out.layout.annotations if a.name != SOURCE_ANNOTATION]
    return out


def show_figure(fig: go.Figure, key: str) -> None:
    """Draw a figure (our template, not Streamlit's theme): its title above, its source under
    it, its data as a table one click away, and a PNG download button."""
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    with st.container(key=f"figure-{key}"):
        if meta.get("titre"):
            st.markdown(f"**{meta['titre']}**")
        notes = [str(meta.get("sous_titre") or "")]
        if meta.get("demonstration"):
            notes.append(":orange[:material/science: données de démonstration]")
        if any(notes):
            st.caption(" · ".join(n for n in notes if n))
        st.plotly_chart(
            screen_figure(fig),
            theme=None,
            width="stretch",
            key=key,
            config={"displaylogo": False, "displayModeBar": False, "locale": "fr"},
        )
        if meta.get("source"):
            st.caption(f"Source : {meta['source']}")
        table = chart_table(fig)
        left, right = st.columns([3, 1], vertical_alignment="top")
        with left:
            if table is not None:
                with st.expander("Tableau des données du graphique", icon=":material/table:"):
                    from ui.tables import show_table

                    show_table(pd.DataFrame(table[1], columns=table[0]), key=f"tableau-{key}")
        with right:
            from ui.exports import png_download_button  # imported late: ui.exports loads the bilan engine

            png_download_button(fig, key)


def commune_map(review_code: str, code: str, caption: str, source: str) -> go.Figure:
    """The commune map of an indicator at a review."""
    return commune_map_figure(
        figures(review_code).commune_values(code),
        communes_geojson(),
        get_reference().indicator(code),
        caption,
        source=source,
        named=figures(review_code).largest_communes(MAP_NAMES),
        demo=demo_in(review_code, code),
    )


def demo_in(review_code: str, code: str | None = None) -> bool:
    """True when a chart of `code` (or of every indicator) draws demonstration values of the review."""
    return figures(review_code).shows_demo(code)
