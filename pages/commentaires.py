"""Commentaires: a qualitative analysis per ambition and review, by chargés and administrators."""

from datetime import date

import streamlit as st

from indicators.access import AccessDenied
from indicators.pilotage_view import format_datetime, territory_label
from indicators.review import ambition_choices, current_review, review_codes, review_label
from services.pilotage import PilotageError, add_comment, comments_frame, delete_comment
from ui.chrome import CHOOSE
from ui.context import clear_caches, setup_page
from ui.text import plain

ctx = setup_page()
ref, store = ctx.ref, ctx.store
actor = ctx.actor
ambitions = ambition_choices(ref)
reviews = review_codes()
default_review = current_review(date.today()).code

st.title("Analyses qualitatives")
st.caption(
    "Pour chaque ambition et chaque revue, l'analyse des chargés de coopération et des "
    "administrateurs : ce que les chiffres ne disent pas. Elles sont reprises sur les panneaux "
    "et dans le bilan."
)
if "comm_flash" in st.session_state:
    st.success(st.session_state.pop("comm_flash"), icon=":material/check_circle:")

if not actor.may_write:
    st.info(
        "Votre compte est en lecture seule : vous pouvez lire les analyses ci-dessous.",
        icon=":material/lock:",
    )
else:
    st.subheader("Rédiger une analyse")
    if actor.is_admin:
        scope = [None] + [t.code for t in ref.territories if t.type != "epci"]
    else:
        scope = ([None] if ref.epci in actor.territoires else []) + sorted(
            t for t in actor.territoires if t != ref.epci
        )
    with st.form("comm_form", clear_on_submit=True):
        c1, c2 = st.columns(2)
        ambition = c1.selectbox(
            "Ambition", list(ambitions), placeholder=CHOOSE, format_func=ambitions.get, key="comm_ambition"
        )
        revue = c2.selectbox(
            "Revue",
            reviews,
            placeholder=CHOOSE,
            index=reviews.index(default_review),
            format_func=review_label,
            key="comm_revue",
        )
        territory = st.selectbox(
            "Territoire",
            scope,
            placeholder=CHOOSE,
            format_func=lambda c: territory_label(ref, c),
            key="comm_territoire",
        )
        text = st.text_area(
            "Analyse",
            height=160,
            max_chars=5000,
            key="comm_texte",
            placeholder="Ce qui a avancé, ce qui bloque, ce que le COPIL doit décider…",
        )
        if st.form_submit_button("Enregistrer l'analyse", type="primary", disabled=not scope):
            try:
                add_comment(store, ref, actor, ambition, revue, text, territory)
            except (PilotageError, AccessDenied) as exc:
                st.error(plain(str(exc)))
            else:
                clear_caches()
                st.session_state["comm_flash"] = "Analyse enregistrée."
                st.rerun()

st.subheader("Analyses enregistrées")
f1, f2 = st.columns(2)
pick_review = f1.selectbox(
    "Revue",
    [None, *reviews],
    placeholder=CHOOSE,
    key="comm_filtre_revue",
    format_func=lambda c: "toutes les revues" if c is None else review_label(c),
)
pick_ambition = f2.selectbox(
    "Ambition",
    [None, *ambitions],
    placeholder=CHOOSE,
    key="comm_filtre_ambition",
    format_func=lambda c: "toutes les ambitions" if c is None else ambitions[c],
)
comments = comments_frame(store, ctx.convention, revue=pick_review, ambition=pick_ambition)
if comments.empty:
    st.write("Aucune analyse pour cette sélection.")
for row in comments.itertuples():
    with st.container(border=True):
        st.markdown(
            f"**{plain(ambitions.get(row.ambition, row.ambition))}** · {review_label(row.revue)} · "
            f"{plain(territory_label(ref, row.territoire))}"
        )
        st.text(row.texte, width="stretch")  # a user's text: never Markdown nor HTML
        st.caption(
            f"Par {plain(row.author)}, le {format_datetime(row.created_at)}"
            + (" · démonstration" if row.is_demo else "")
        )
        if actor.is_admin or row.author == actor.login:
            if st.button("Supprimer", key=f"comm_suppr_{row.id}", type="tertiary", icon=":material/delete:"):
                try:
                    delete_comment(store, ctx.convention, actor, int(row.id))
                except (PilotageError, AccessDenied) as exc:
                    st.error(plain(str(exc)))
                else:
                    clear_caches()
                    st.session_state["comm_flash"] = "Analyse supprimée."
                    st.rerun()
