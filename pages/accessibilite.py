"""Déclaration d'accessibilité (RGAA): readable without logging in, from the menu and the login page.

The text is docs/accessibilite.md (one source for the page and the repository)."""

from pathlib import Path

import streamlit as st

DECLARATION = Path(__file__).resolve().parent.parent / "docs" / "accessibilite.md"

title, _, body = DECLARATION.read_text(encoding="utf-8").partition("\n")
st.title(title.removeprefix("# ").strip(), anchor=False)
st.markdown(body)
st.page_link("pages/vue_ensemble.py", label="Retour au tableau de bord", icon=":material/arrow_back:")
