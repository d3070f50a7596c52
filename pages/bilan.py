"""Bilan (PDF): the report of the review chosen in the sidebar, built on the server, to download."""

import streamlit as st

from indicators.formatting import format_number
from ui import widgets
from ui.context import setup_page
from ui.exports import bilan_download_button, built_bilan

ctx = setup_page()
review = widgets.review_selector()

st.title("Bilan (PDF)")
st.caption(f"{review.label} · données arrêtées au {review.cutoff_label} · {ctx.ref.convention.nom}")
st.markdown(
    "Le bilan est un document A4 en français pour le COPIL : couverture (convention, signataires, "
    "revue, date), sommaire paginé, tableau de synthèse de tous les indicateurs (référence, valeur à la "
    "date d'arrêté, cible, évolution, statut), une section par enjeu et par ambition (contexte de la "
    "fiche, graphiques, tableau, jalons et commentaires, alertes), puis les annexes : complétude, "
    "gouvernance, indicateurs clés des 100 communes, méthodologie et sources. Les graphiques sont ceux "
    "des tableaux de bord. Choisissez la revue dans le menu latéral."
)

bilan_download_button(review, key="page-bilan")
bilan = built_bilan(review)
if bilan is not None:
    seconds = f"{bilan.seconds:.1f}".replace(".", ",")
    pages = format_number(bilan.pages) if bilan.pages else "non renseigné"
    c1, c2, c3 = st.columns(3)
    c1.metric("Pages", pages, border=True)
    c2.metric("Graphiques", format_number(bilan.images), border=True)
    c3.metric("Durée de préparation", f"{seconds} s", border=True)
    st.caption("Sections : " + " · ".join(bilan.sections))
