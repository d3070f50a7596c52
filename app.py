"""Entry point: declares the pages of the dashboard, grouped by use.

Each group lists its pages; a page file calls the use cases of `services/` and shows what they return.
Streamlit's own sidebar menu is hidden: `ui.chrome.sidebar_navigation` draws ours with
`st.page_link` (plain links under a heading per group, readable by screen readers).
"""

import streamlit as st

from db.store import StoreError
from ui.auth import is_admin, is_logged_in, restore_session
from ui.chrome import french_widgets, sidebar_navigation
from ui.context import CONVENTION_KEY, get_store

st.set_page_config(
    page_title="CTG 2026-2030 · CAF du Pas-de-Calais", page_icon=":material/monitoring:", layout="wide"
)
try:  # the session cookie brings the login back before the menu is drawn
    restore_session(get_store(), st.session_state.get(CONVENTION_KEY))
except StoreError:
    pass  # the page below says the store is busy

pages = {
    "Pilotage": [
        st.Page("pages/vue_ensemble.py", title="Vue d'ensemble", icon=":material/dashboard:", default=True),
        st.Page("pages/ambition.py", title="Ambitions", icon=":material/flag_circle:"),
        st.Page("pages/communes.py", title="Communes", icon=":material/location_city:"),
        st.Page("pages/completude.py", title="Complétude", icon=":material/fact_check:"),
        st.Page("pages/coherence.py", title="Contrôles de cohérence", icon=":material/rule:"),
        st.Page("pages/referentiel.py", title="Référentiel de la convention", icon=":material/menu_book:"),
        st.Page("pages/gouvernance.py", title="Gouvernance", icon=":material/groups:"),
        st.Page("pages/donnees.py", title="Données", icon=":material/download:"),
        st.Page("pages/bilan.py", title="Bilan (PDF)", icon=":material/picture_as_pdf:"),
    ],
    "Saisie": [
        st.Page("pages/depot.py", title="Dépôt trimestriel", icon=":material/upload_file:"),
        st.Page("pages/commentaires.py", title="Commentaires", icon=":material/rate_review:"),
    ],
    "Administration": [
        st.Page("pages/cibles.py", title="Cibles", icon=":material/flag:"),
        st.Page("pages/engagements.py", title="Engagements des communes", icon=":material/handshake:"),
        st.Page("pages/secteurs.py", title="Secteurs", icon=":material/map:"),
        *(
            [
                st.Page("pages/utilisateurs.py", title="Utilisateurs", icon=":material/group:"),
                st.Page("pages/audit.py", title="Journal des modifications", icon=":material/history:"),
            ]
            if is_admin()
            else []
        ),  # the pages refuse other accounts anyway; this declutters the menu
    ],
    "Aide": [
        st.Page(
            "pages/accessibilite.py", title="Déclaration d'accessibilité", icon=":material/accessibility_new:"
        ),
    ],
}

page = st.navigation({group: items for group, items in pages.items() if items}, position="hidden")
french_widgets()
if is_logged_in():
    sidebar_navigation(pages)
try:
    page.run()
except StoreError as exc:  # the store is busy (another process holds it) or cannot be opened
    st.error(f"{exc} Rien n'a été perdu : rechargez la page dans un instant.", icon=":material/hourglass:")
