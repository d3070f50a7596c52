"""Journal (administrators): every batch and every administrative change, filterable, exportable."""

from datetime import date

import streamlit as st

from indicators.formatting import format_number
from indicators.labels import action_label, batch_status_text
from services.audit import (
    AuditFilter,
    audit_actions,
    audit_actors,
    audit_entries,
    batch_entries,
    export_audit,
)
from ui.auth import require_admin_page
from ui.chrome import CHOOSE
from ui.context import setup_page
from ui.tables import show_table

ctx = setup_page()
require_admin_page(ctx.actor)
st.title("Journal des modifications")
st.caption(
    "Qui a fait quoi et quand : chaque dépôt de valeurs et chaque changement "
    "administratif (comptes, secteurs, cibles, réunions, annulations), avec l'état avant "
    "et après. Les mots de passe n'y figurent jamais."
)

c1, c2, c3, c4 = st.columns([2, 2, 1, 1])
actors = audit_actors(ctx.store, ctx.convention)
actions = audit_actions(ctx.store, ctx.convention)
who = c1.selectbox(
    "Compte", [None, *actors], placeholder=CHOOSE, format_func=lambda v: "Tous" if v is None else v
)
what = c2.selectbox(
    "Action",
    [None, *actions],
    placeholder=CHOOSE,
    format_func=lambda v: "Toutes" if v is None else action_label(v),
)
# Dates always filled in (an empty date field shows Streamlit's English « dd/mm/yyyy »): from the
# start of the convention's data to today, which keeps every entry.
start = c3.date_input("Du", value=date(2025, 1, 1), format="DD/MM/YYYY", key="audit_du")
end = c4.date_input("Au", value=date.today(), format="DD/MM/YYYY", key="audit_au")
if start and end and start > end:
    st.error("La date de début est après la date de fin.")
    st.stop()

flt = AuditFilter(actor=who, action=what, start=start, end=end, convention=ctx.convention)
changes = audit_entries(ctx.store, flt)
batches = batch_entries(ctx.store, flt)

tab_changes, tab_batches = st.tabs(
    [
        f"Changements administratifs ({format_number(len(changes))})",
        f"Dépôts et lots de valeurs ({format_number(len(batches))})",
    ]
)
with tab_changes:
    if changes.empty:
        st.info("Aucun changement pour ces filtres.")
    else:
        # a 64-character fingerprint would widen the table past the page: its start is enough
        # here (the exports keep it whole)
        shown = changes.drop(columns=["Avant", "Après"])
        shown["Changement"] = (
            shown["Changement"]
            .astype(str)
            .str.replace(r"\b([0-9a-f]{12})[0-9a-f]{20,}\b", r"\1…", regex=True)
        )
        show_table(shown)
with tab_batches:
    if what:
        st.caption("Le filtre « Action » ne s'applique qu'aux changements administratifs.")
    if batches.empty:
        st.info("Aucun lot pour ces filtres.")
    else:
        shown = batches.copy()
        for column in ("N°", "Lignes", "Nouvelles", "Modifiées", "Inchangées", "Ignorées"):
            shown[column] = shown[column].map(format_number)  # 17 607, the French way
        shown["Statut"] = [
            batch_status_text(s, by, at)
            for s, by, at in zip(
                batches["Statut"], shown["Statut changé par"], shown["Statut changé le"], strict=True
            )
        ]
        # Every column fits at 1440 px; the exports keep them all (fingerprint, notes, demo flag).
        show_table(
            shown[
                [
                    "N°",
                    "Date",
                    "Auteur",
                    "Canal",
                    "Nature",
                    "Fichier",
                    "Lignes",
                    "Nouvelles",
                    "Modifiées",
                    "Statut",
                ]
            ]
        )

stamp = f"{date.today():%Y-%m-%d}"
d1, d2, d3 = st.columns(3)
# Callables: the files are built only when a button is clicked, not at every rerun.
d1.download_button(
    "Tout exporter (Excel)",
    lambda: export_audit({"Changements": changes, "Lots": batches}, ".xlsx"),
    file_name=f"journal-ctg-{stamp}.xlsx",
    icon=":material/download:",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
d2.download_button(
    "Changements (CSV)",
    lambda: export_audit({"Changements": changes}, ".csv"),
    file_name=f"journal-changements-{stamp}.csv",
    mime="text/csv",
    icon=":material/download:",
)
d3.download_button(
    "Lots (CSV)",
    lambda: export_audit({"Lots": batches}, ".csv"),
    file_name=f"journal-lots-{stamp}.csv",
    mime="text/csv",
    icon=":material/download:",
)
