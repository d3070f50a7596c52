"""Référentiel: enjeux, ambitions, indicators of the convention with their baselines."""

import streamlit as st

from services.values import baselines
from ui.context import setup_page
from ui.tables import show_table

ctx = setup_page()
ref = ctx.ref
st.title("Référentiel de la convention")
st.caption(f"{ref.convention.nom} · du {ref.convention.debut:%d/%m/%Y} au {ref.convention.fin:%d/%m/%Y}")

table = baselines(ctx.store, ref)
for enjeu in ref.enjeux:
    st.header(f"{enjeu.code} · {enjeu.titre}")
    for ambition in [a for a in ref.ambitions if a.enjeu == enjeu.code]:
        fiche = ref.fiche_of_ambition(ambition.code)
        with st.expander(f"{ambition.code} · {ambition.titre}", expanded=False):
            rows = table[table["fiche"] == (fiche.code if fiche else None)]
            show_table(rows.drop(columns=["fiche"]))
st.header("Réseau, gouvernance et contexte")
for fiche_code, title in [
    ("F9", "Réseau des chargés de coopération territoriale"),
    ("CCT", "Activité des chargés de coopération (Annexe 6)"),
    ("GOUV", "Gouvernance (Annexe 5)"),
    ("CTX", "Indicateurs de contexte"),
]:
    rows = table[table["fiche"] == fiche_code]
    if not rows.empty:
        with st.expander(title):
            show_table(rows.drop(columns=["fiche"]))
