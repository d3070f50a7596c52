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

from indicators.catalogue import EPCI_CODE
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
from reports.charts import GEOJSON_NAME, commune_map_figure, load_geojson
from services.review import ReviewFigures
from services.settings import get_settings
from ui.context import get_reference, review_figures
from ui.text import plain

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
    """The review chosen in the sidebar, kept across pages and in the URL (`?revue=...`)."""
    codes = [r.code for r in REVIEWS]
    if REVIEW_STATE not in st.session_state:
        asked = st.query_params.get("revue")
        st.session_state[REVIEW_STATE] = (
            asked if asked in REVIEWS_BY_CODE else current_review(date.today()).code
        )

    def remember() -> None:
        st.session_state[REVIEW_STATE] = st.session_state["revue_choisie"]

    code = st.sidebar.selectbox(
        "Revue",
        codes,
        index=codes.index(st.session_state[REVIEW_STATE]),
        format_func=lambda c: REVIEWS_BY_CODE[c].label,
        key="revue_choisie",
        on_change=remember,
        help="Fixe l'arrêté des données et les comparaisons de tous les tableaux et du bilan.",
    )
    st.session_state[REVIEW_STATE] = code
    st.query_params["revue"] = code
    review = figures(code).review  # « provisoire » at its data date before its cut-off is over
    if review.provisional:
        st.sidebar.warning(
            f"**Revue provisoire** : son arrêté ({review.planned_cutoff.label}) n'est pas encore "
            f"atteint. Les chiffres sont ceux du dernier trimestre avec des données, "
            f"**{review.cutoff_label}** ; un flux est le cumul des trimestres {review.cutoff.year} reçus.",
            icon=":material/pending:",
        )
    st.sidebar.caption(
        f"{'Données au' if review.provisional else 'Arrêté des données'} : **{review.cutoff_label}** · "
        f"comparaisons : référence (avant 2026) → {review.cutoff_label} et {review.previous_year} → "
        f"{review.cutoff_label}."
    )
    from ui.exports import sidebar_bilan_button

    sidebar_bilan_button(review)
    return review


# -- The review's figures (services.review), cached once per review ------------------------


def figures(review_code: str) -> ReviewFigures:
    """Every figure of a review: the one source of the panels (see services/review.py)."""
    return review_figures(review_code)


@st.cache_resource(show_spinner=False)
def communes_geojson() -> dict:
    """The 100 commune polygons from seed/ (read once)."""
    return load_geojson(get_settings().seed_dir / GEOJSON_NAME)


def summary(review_code: str, territory: str = EPCI_CODE) -> pd.DataFrame:
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


def show_figure(fig: go.Figure, key: str) -> None:
    """Draw a figure (our template, not Streamlit's theme) with a PNG download button."""
    st.plotly_chart(
        fig,
        theme=None,
        width="stretch",
        key=key,
        config={"displaylogo": False, "locale": "fr", "modeBarButtonsToRemove": ["toImage"]},
    )
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
    )
