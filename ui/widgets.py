"""Widgets shared by the steering panels: the review selector, French cards, figures with a
PNG button, and the cached computations behind the panels (Streamlit only).

The computations themselves live in `indicators/` (review, completeness, aggregation,
charts); this module only caches them per (convention, review, territory) so that a page
renders in well under a second once the current values are read.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from indicators import completeness as completeness_rules
from indicators.aggregation import Territories, by_commune_at, series
from indicators.catalogue import EPCI_CODE
from indicators.chart_facts import any_demo, largest_communes, shows_demo
from indicators.formatting import MISSING, format_change, format_value
from indicators.governance import due_not_held
from indicators.periods import FIRST_YEAR
from indicators.review import (
    DIRECTION_LABELS,
    REVIEWS,
    REVIEWS_BY_CODE,
    Alert,
    Review,
    build_alerts,
    current_review,
    cutoff_caption,
    get_review,
    indicator_summary,
)
from reports.charts import SOURCE_ANNOTATION, chart_table, load_geojson
from services.settings import get_settings
from ui.chrome import CHOOSE
from ui.context import cached_values, get_reference, get_store

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
    review = get_review(code)
    right.markdown(
        f":material/event: Données arrêtées au **{review.cutoff_label}** · comparées à la référence "
        f"(avant 2026) et à {review.previous_year}"
    )
    from ui.exports import sidebar_bilan_button

    sidebar_bilan_button(review)
    return review


# -- Cached computations ----------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def territories() -> Territories:
    """Memberships of the structures and sectors (read once)."""
    return Territories(get_reference())


@st.cache_resource(show_spinner=False)
def communes_geojson() -> dict:
    """The 100 commune polygons from seed/ (read once)."""
    return load_geojson(get_settings().seed_dir / "communes-cabbalr-200072460.geojson")


@st.cache_data(ttl=TTL, show_spinner=False)
def targets(convention: str) -> pd.DataFrame:
    """Current targets (indicateur, territoire, annee, valeur); empty when none."""
    try:
        from db.pilotage import targets_frame
    except ImportError:  # the pilotage tables are optional for the panels
        return pd.DataFrame(columns=["indicateur", "territoire", "annee", "valeur"])
    return targets_frame(get_store(), convention)


@st.cache_data(ttl=TTL, show_spinner=False)
def meetings(convention: str) -> pd.DataFrame:
    """Governance meetings recorded (the `reunions` table)."""
    from db.pilotage import meetings_frame

    return meetings_frame(get_store(), convention)


@st.cache_data(ttl=TTL, show_spinner=False)
def comments(convention: str, review_code: str) -> pd.DataFrame:
    """Qualitative comments of a review."""
    from db.pilotage import comments_frame

    return comments_frame(get_store(), convention, revue=review_code)


@st.cache_data(ttl=TTL, show_spinner=False)
def engagements(convention: str) -> pd.DataFrame:
    """Engagement of each commune (fiche signed, date, élu référent), one row per commune."""
    from db.pilotage import commune_engagements, engagements_frame

    return commune_engagements(get_reference(), engagements_frame(get_store(), convention))


@st.cache_data(ttl=TTL, show_spinner=False)
def completeness(convention: str, review_code: str, group: str | None = None) -> pd.DataFrame:
    """Territory × quarter matrix of the review's quarters (see indicators.completeness)."""
    review = get_review(review_code)
    return completeness_rules.completeness_matrix(
        cached_values(convention), get_reference(), review.quarters(), group
    )


def completeness_rate(convention: str, review_code: str) -> float | None:
    """Overall completeness rate (%) at the review: the "Complétude de l'outil" indicator."""
    return completeness_rules.overall_rate(completeness(convention, review_code))


@st.cache_data(ttl=TTL, show_spinner=False)
def summary(convention: str, review_code: str, territory: str = EPCI_CODE) -> pd.DataFrame:
    """`indicator_summary` of a territory at a review, with targets and the computed completeness."""
    review = get_review(review_code)
    computed = {}
    if territory == EPCI_CODE:
        computed[completeness_rules.COMPLETENESS_CODE] = completeness_rate(convention, review_code)
    return indicator_summary(
        cached_values(convention),
        get_reference(),
        review,
        territory=territory,
        targets=targets(convention),
        territories=territories(),
        computed=computed,
    )


def alerts(convention: str, review_code: str) -> list[Alert]:
    """Alerts for the COPIL at the review (direction, transmissions, governance)."""
    return [Alert(*item) for item in _alerts(convention, review_code)]


@st.cache_data(ttl=TTL, show_spinner=False)
def _alerts(convention: str, review_code: str) -> list[tuple[str, str, str]]:
    # Plain tuples in the cache: a dataclass would not survive a module reload when pickled.
    review = get_review(review_code)
    ref = get_reference()
    matrix = completeness(convention, review_code)
    missing = completeness_rules.missing_territories(matrix, review.cutoff)
    names = {t.code: t.nom for t in ref.territories}
    due = due_not_held(ref, meetings(convention), min(date.today(), review.held_on))
    found = build_alerts(
        summary(convention, review_code), review, missing=missing, names=names, governance_due=due
    )
    return [(a.kind, a.message, a.objet) for a in found]


@st.cache_data(ttl=TTL, show_spinner=False)
def commune_values(convention: str, code: str, review_code: str) -> pd.DataFrame:
    """Every commune's value of an indicator at the review cut-off (ratios recomputed)."""
    return by_commune_at(
        cached_values(convention), get_reference(), code, get_review(review_code).cutoff, FIRST_YEAR
    )


@st.cache_data(ttl=TTL, show_spinner=False)
def indicator_series(convention: str, code: str, territory: str = EPCI_CODE) -> pd.DataFrame:
    """The period series of an indicator for a territory (aggregation rules applied)."""
    return series(cached_values(convention), get_reference(), code, territory, territories())


# -- Display helpers --------------------------------------------------------------------------


def status_text(statut: str, label: str) -> str:
    """A coloured status with an icon and its words (never colour alone)."""
    colour, icon = STATUS_MARKS.get(statut, (":gray", ":material/remove:"))
    return f"{colour}[{icon} {label}]"


def indicator_card(row: pd.Series, review: Review) -> None:
    """One headline indicator: value at the cut-off, changes, status (French formats)."""
    with st.container(border=True):
        st.markdown(f"**{row['libelle']}**")
        if row["type"] in ("jalon", "qualitatif"):
            text = row["valeur_texte"]
            st.markdown(f"### {text if isinstance(text, str) and text else MISSING}")
            return
        st.markdown(f"### {format_value(row['valeur'], row['unite'])}")
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
        st.markdown(status_text(row["statut"], row["statut_libelle"]))


def png_hook():
    """The PNG renderer of reports/render.py (`figure_png(fig) -> bytes`), or None."""
    try:
        from reports.render import figure_png
    except ImportError:
        return None
    return figure_png


def slug(text: str) -> str:
    """A file-name-safe version of a French title."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-zA-Z0-9]+", "-", plain).strip("-").lower()[:60] or "graphique"


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


@st.cache_data(ttl=TTL, show_spinner=False)
def commune_map(convention: str, code: str, review_code: str, caption: str, source: str) -> go.Figure:
    """The commune map of an indicator at a review (cached: 100 polygons take 0,2 s to build)."""
    from reports.charts import commune_map_figure

    return commune_map_figure(
        commune_values(convention, code, review_code),
        communes_geojson(),
        get_reference().indicator(code),
        caption,
        source=source,
        named=largest_communes(cached_values(convention), get_reference(), MAP_NAMES),
        demo=demo_in(convention, code),
    )


@st.cache_data(ttl=TTL, show_spinner=False)
def demo_in(convention: str, code: str | None = None) -> bool:
    """True when a chart of `code` (or of every indicator) draws demonstration values."""
    values = cached_values(convention)
    return shows_demo(values, get_reference(), code) if code else any_demo(values)
