"""Secteurs: an administrator fills in the communes of the Nord/Sud/Est/Ouest sectors."""

import streamlit as st

from indicators.access import AccessDenied
from indicators.formatting import format_number
from services.territories import TerritoryError, memberships, set_sector_members
from ui.chrome import CHOOSE
from ui.context import clear_caches, setup_page
from ui.tables import show_table
from ui.text import plain

ctx = setup_page()
st.title("Secteurs et regroupements")
st.caption(
    "La convention cite des secteurs Nord, Sud, Est et Ouest et des bassins de vie sans en "
    "donner la composition : les secteurs existent, vides, et un administrateur les complète ici. "
    "Les structures (SIVOM) viennent des données de référence."
)

ref = ctx.ref
communes = {c.code: c.nom for c in ref.communes()}
sectors = [t for t in ref.territories if t.type == "secteur"]
frame = memberships(ctx.store, ref)
actor = ctx.actor

for sector in sectors:
    current = frame[frame["groupe"] == sector.code]["commune"].tolist()
    with st.expander(f"{sector.nom} · {format_number(len(current))} commune(s)", expanded=not current):
        chosen = st.multiselect(
            "Communes du secteur",
            options=sorted(communes, key=communes.get),
            default=current,
            format_func=lambda code: f"{communes[code]} ({code})",
            key=f"sector-{sector.code}",
            placeholder=CHOOSE,
            select_all=False,
            disabled=not actor.is_admin,
        )
        if actor.is_admin and st.button("Enregistrer", key=f"save-{sector.code}"):
            try:
                set_sector_members(ctx.store, ref, actor, sector.code, chosen)
            except (AccessDenied, TerritoryError) as exc:
                st.error(plain(str(exc)))
            else:
                clear_caches()
                st.success(f"{plain(sector.nom)} : {format_number(len(chosen))} commune(s) enregistrée(s).")

structures = frame[frame["type_groupe"] == "structure"]
st.subheader("Structures intercommunales")
if structures.empty:
    st.info("Aucune structure n'a de communes membres listées dans la convention.")
else:
    show_table(
        structures[["nom_groupe", "nom_commune", "commune", "section"]].rename(
            columns={"nom_groupe": "structure", "nom_commune": "commune", "commune": "code INSEE"}
        )
    )
