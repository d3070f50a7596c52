"""Entry point: declares the pages of the dashboard, grouped by use.

Each group lists its pages; a page file renders and calls `indicators/` and `db/`.
"""

import streamlit as st

st.set_page_config(page_title="CTG 2026-2030 · CABBALR", page_icon=":material/monitoring:",
                   layout="wide")

pages = {
    "Pilotage": [
        st.Page("pages/referentiel.py", title="Référentiel de la convention",
                icon=":material/menu_book:", default=True),
    ],
    "Saisie": [],
    "Administration": [],
}

st.navigation({group: items for group, items in pages.items() if items}).run()
