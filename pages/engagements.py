"""Engagements des communes: fiche d'engagement signed (and when), élu référent CTG, per commune."""

from datetime import date

import streamlit as st

from indicators.access import AccessDenied
from indicators.engagement import engagement_counts
from indicators.pilotage_view import count_text, engagements_table
from services.pilotage import PilotageError, engagements, set_engagement
from ui.chrome import CHOOSE
from ui.context import clear_caches, setup_page
from ui.text import plain

ctx = setup_page()
ref, store = ctx.ref, ctx.store
actor = ctx.actor

st.title("Engagements des communes")
st.caption(
    "Annexe 8 : la fiche d'engagement signée par chaque commune (elle conditionne le Bonus "
    "Territoire de la CAF) et l'élu référent CTG, invité au COPIL élargi."
)
if "eng_flash" in st.session_state:
    st.success(st.session_state.pop("eng_flash"), icon=":material/check_circle:")

table = engagements(store, ref)
counts = engagement_counts(table)  # the same count as the ambition 8 card and the bilan
c1, c2 = st.columns(2)
c1.metric("Fiches d'engagement signées", count_text(counts.fiches_signees, counts.communes))
c2.metric("Élus référents CTG nommés", count_text(counts.elus_referents, counts.communes))

if actor.is_admin:
    st.subheader("Modifier l'engagement d'une commune")
    names = dict(zip(table["commune"], table["nom"], strict=True))
    commune = st.selectbox(
        "Commune (nom ou code INSEE)",
        list(names),
        placeholder=CHOOSE,
        key="eng_commune",
        format_func=lambda c: f"{names[c]} ({c})",
    )
    row = table[table["commune"] == commune].iloc[0]
    with st.form("eng_form"):
        signed = st.checkbox(
            "Fiche d'engagement signée", value=bool(row["fiche_signee"]), key=f"eng_signee_{commune}"
        )
        # Never empty (an empty date field shows Streamlit's English « dd/mm/yyyy »): today by
        # default, and only recorded when the fiche is ticked as signed.
        when = st.date_input(
            "Date de signature (prise en compte si la fiche est signée)",
            value=row["date_signature"] or min(date.today(), ref.convention.fin),
            format="DD/MM/YYYY",
            min_value=date(2025, 1, 1),
            max_value=date.today(),
            key=f"eng_date_{commune}",
        )
        elu = st.text_input(
            "Élu référent CTG (nom, fonction)", value=row["elu_referent"] or "", key=f"eng_elu_{commune}"
        )
        if st.form_submit_button("Enregistrer", type="primary"):
            try:
                changed = set_engagement(store, ref, actor, commune, signed, when if signed else None, elu)
            except (PilotageError, AccessDenied) as exc:
                st.error(plain(str(exc)))
            else:
                clear_caches()
                st.session_state["eng_flash"] = (
                    f"Engagement de {names[commune]} enregistré." if changed else "Rien n'a changé."
                )
                st.rerun()
else:
    st.info("Seuls les administrateurs modifient les engagements des communes.", icon=":material/lock:")

st.subheader(f"Les {counts.communes} communes")
only = st.segmented_control(
    "Afficher", ["Toutes", "Fiche signée", "Fiche non signée"], default="Toutes", key="eng_filtre"
)
shown = engagements_table(table)
if only == "Fiche signée":
    shown = shown[shown["Fiche d'engagement"] == "signée"]
elif only == "Fiche non signée":
    shown = shown[shown["Fiche d'engagement"] == "non signée"]
st.dataframe(shown, hide_index=True, width="stretch", height=520)
