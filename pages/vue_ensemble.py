"""Vue d'ensemble: one screen first (completeness, status counts, alerts, the 8 ambitions at a
glance), then the details of each enjeu in tabs (headline indicators as cards) and the alerts
for the COPIL."""

import streamlit as st

from indicators.completeness import rate_by_quarter
from indicators.formatting import format_number, format_value
from indicators.review import ALERT_KIND_LABELS, headline_indicators, indicator_status_counts
from indicators.staffing import latest_team
from ui import widgets
from ui.context import setup_page

ctx = setup_page()
review = widgets.review_selector()
ref = ctx.ref

st.title("Vue d'ensemble")
st.caption(f"{ref.convention.nom} · {review.label}")

figures = widgets.figures(review.code)
summary = figures.summary.set_index("code", drop=False)
by_quarter = rate_by_quarter(figures.completeness).set_index("periode")
alerts = figures.alerts
counts = indicator_status_counts(summary)

c1, c2, c3, c4 = st.columns(4)
last = by_quarter.loc[review.cutoff.code] if review.cutoff.code in by_quarter.index else None
c1.metric(
    f"Complétude {review.cutoff_label}",
    format_value(last["taux"], "pourcentage") if last is not None else "non renseigné",
    help="Part des valeurs attendues des territoires reçues pour le dernier trimestre de la revue.",
    border=True,
)
c2.metric(
    "Indicateurs en progression",
    format_number(counts["progression"]),
    help="Par rapport à la référence (avant 2026), dans le sens souhaité de l'indicateur.",
    border=True,
)
c3.metric(
    "Indicateurs en recul",
    format_number(counts["recul"]),
    help="Évolution contraire au sens souhaité, au-delà de la tolérance (2 %, ou 1 point).",
    border=True,
)
c4.metric("Alertes pour le COPIL", format_number(len(alerts)), border=True)


def status_line(fiche_code: str) -> str:
    """`▲ 2 en progression · ▼ 1 en recul …`: icon, number and word (never colour alone)."""
    found = indicator_status_counts(summary, fiche_code)
    words = {
        "progression": "en progression",
        "stable": "stable" + ("s" if found["stable"] > 1 else ""),
        "recul": "en recul",
        "sans_reference": "sans référence",
    }
    parts = [
        widgets.status_text(status, f"{format_number(n)} {words[status]}")
        for status, n in found.items()
        if n and status in words
    ]
    return " · ".join(parts) if parts else "aucun indicateur chiffré renseigné"


network = next((f for f in ref.fiches if f.ambition is None), None)
columns = st.columns(len(ref.enjeux))
for column, enjeu in zip(columns, ref.enjeux, strict=True):
    with column.container(border=True):
        st.markdown(f"**{enjeu.code} · {enjeu.titre}**")
        for ambition in [a for a in ref.ambitions if a.enjeu == enjeu.code]:
            fiche = ref.fiche_of_ambition(ambition.code)
            st.page_link(
                "pages/ambition.py",
                label=f"{ambition.code} · {ambition.titre}",
                query_params={"ambition": ambition.code, "revue": review.code},
            )
            st.markdown(status_line(fiche.code) if fiche else "aucun indicateur chiffré")

with st.expander(
    f"Alertes pour le COPIL ({format_number(len(alerts))})",
    expanded=False,
    icon=":material/notifications:",
):
    if not alerts:
        st.success("Aucune alerte à cette revue.")
    for kind, label in ALERT_KIND_LABELS.items():
        items = [a for a in alerts if a.kind == kind]
        if items:
            st.markdown(f"**{label}** ({format_number(len(items))})")
            st.markdown("\n".join(f"- {a.message}" for a in items))

st.header("Indicateurs clés", divider="gray")
tabs = st.tabs(
    [f"{e.code} · {e.titre}" for e in ref.enjeux] + (["Réseau des chargés"] if network is not None else [])
)
for tab, enjeu in zip(tabs, ref.enjeux, strict=False):
    with tab:
        for ambition in [a for a in ref.ambitions if a.enjeu == enjeu.code]:
            fiche = ref.fiche_of_ambition(ambition.code)
            st.subheader(f"{ambition.code} · {ambition.titre}")
            heads = headline_indicators(ref, fiche.code) if fiche else []
            if not heads:
                st.caption("Aucun indicateur chiffré pour cette ambition.")
            cols = st.columns(3)
            for col, ind in zip(cols, heads, strict=False):
                with col:
                    widgets.indicator_card(summary.loc[ind.code], review)
            st.page_link(
                "pages/ambition.py",
                label=f"Détail de l'ambition {ambition.code}",
                icon=":material/arrow_forward:",
                query_params={"ambition": ambition.code, "revue": review.code},
            )

if network is not None:
    with tabs[-1]:
        st.subheader("Réseau des chargés de coopération territoriale")
        team = latest_team(figures.staffing())
        if team.year:
            st.caption(
                f"Chargés de coopération en {team.year} : {format_value(team.etp, 'etp')} et "
                f"{format_number(team.people)} personnes chez {format_number(team.employers)} employeurs"
                + (
                    f" (ETP non renseigné pour {format_number(team.pending)}, « en cours »)"
                    if team.pending
                    else ""
                )
                + " (CCT_ETP et CCT_EFFECTIF ; Annexe 7 pour 2026)."
            )
        cols = st.columns(3)
        for col, ind in zip(cols, headline_indicators(ref, network.code), strict=False):
            with col:
                widgets.indicator_card(summary.loc[ind.code], review)
        st.page_link(
            "pages/ambition.py",
            label="Détail du réseau des chargés",
            icon=":material/arrow_forward:",
            query_params={"ambition": network.code, "revue": review.code},
        )
