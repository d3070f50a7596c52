"""Download buttons of the exports (Streamlit only): a chart as PNG, the bilan of a review as PDF.

The bytes come from `reports.render` and `reports.bilan` (no Streamlit there); this
module only wires them to buttons.
"""

from __future__ import annotations

import re
import unicodedata

import plotly.graph_objects as go
import streamlit as st

from indicators.review import Review
from reports.render import RenderError, figure_png
from services.bilan import Bilan, BilanError, bilan_for
from ui.text import plain

SLIDE_HEIGHT = 450  # layout height of a 1600 × 900 image at scale 2
BILAN_STATE = "_bilan_pdf"  # {review code: Bilan} built in this session


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-zA-Z0-9]+", "-", plain).strip("-").lower()[:60] or "graphique"


def png_download_button(fig: go.Figure, key: str) -> None:
    """A button under a chart that downloads it as a PNG (1600 px wide, title, unit and source inside).

    The image is made only when clicked. A figure taller than a slide (a bar per commune)
    keeps its own height.
    """
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    title = str(meta.get("titre") or fig.layout.title.text or "graphique").split("<br>")[0]
    height = None if (fig.layout.height or 0) > SLIDE_HEIGHT else 900

    def render() -> bytes:
        return figure_png(fig, 1600, height)

    st.download_button(
        "Télécharger l'image (PNG)",
        data=render,
        file_name=f"{_slug(title)}.png",
        mime="image/png",
        key=f"png-{key}",
        on_click="ignore",
        icon=":material/image:",
        help="Image 1600 pixels de large pour une présentation, avec titre, unité et source.",
    )


def build_bilan_for(review: Review) -> Bilan:
    """Build the bilan of a review (with a spinner) from the panels' figures; keep it for this session."""
    from ui.context import review_figures

    with st.spinner(
        f"Préparation du bilan « {review.label} » : graphiques et mise en page (jusqu'à une minute)…"
    ):
        bilan = bilan_for(review_figures(review.code))
    st.session_state.setdefault(BILAN_STATE, {})[review.code] = bilan
    return bilan


def built_bilan(review: Review) -> Bilan | None:
    """The bilan of this review already built in this session, if any."""
    return st.session_state.get(BILAN_STATE, {}).get(review.code)


def bilan_file_name(review: Review) -> str:
    """`bilan-ctg-mi-parcours.pdf`, `bilan-ctg-annuelle-2026.pdf`."""
    return f"bilan-ctg-{review.code}.pdf"


def bilan_download_button(review: Review, key: str = "bilan") -> None:
    """Prepare then download the bilan PDF of the review selected in the sidebar."""
    bilan = built_bilan(review)
    if bilan is None:
        if st.button(
            f"Préparer le bilan PDF ({review.label})",
            key=f"{key}-preparer",
            icon=":material/picture_as_pdf:",
            help="Document A4 en français pour le COPIL, avec graphiques (jusqu'à une minute de préparation).",
        ):
            try:
                bilan = build_bilan_for(review)
            except (BilanError, RenderError) as exc:
                st.error(f"Le bilan n'a pas pu être produit : {plain(str(exc))}")
                return
    if bilan is not None:
        st.download_button(
            f"Télécharger le bilan PDF ({review.label})",
            data=bilan.pdf,
            file_name=bilan_file_name(review),
            mime="application/pdf",
            key=f"{key}-pdf",
            on_click="ignore",
            icon=":material/download:",
            type="primary",
        )


def sidebar_bilan_button(review: Review) -> None:
    """The bilan button of every panel, in the sidebar under the review selector."""
    with st.sidebar:
        bilan_download_button(review, key="sidebar-bilan")
