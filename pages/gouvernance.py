"""Gouvernance: the Annexe 5 calendar, meetings held against the convention's minimum."""

from datetime import date

import streamlit as st

from indicators.access import AccessDenied
from indicators.formatting import format_number
from indicators.governance import INSTANCE_LABELS, instance_fulfilled_by, status_counts
from indicators.pilotage_view import (
    calendar_table,
    format_date,
    meetings_table,
    territory_label,
    yearly_table,
)
from services.pilotage import PilotageError, delete_meeting, governance, record_meeting
from services.values import surveys_shown
from ui.chrome import CHOOSE
from ui.context import clear_caches, setup_page
from ui.tables import show_table
from ui.text import plain

ctx = setup_page()
ref, store = ctx.ref, ctx.store
actor = ctx.actor
today = date.today()

st.title("Gouvernance de la convention")
st.caption(
    "Annexe 5 : COPIL restreint et élargi, comité technique opérationnel (au moins deux fois "
    "par an), comités de pilotage communaux (chaque année, de septembre à décembre). "
    f"Situation au {today:%d/%m/%Y}."
)

gov = governance(store, ref, today)
meetings, status, due = gov.meetings, gov.status, gov.due

counts = status_counts(status)
c1, c2, c3, c4 = st.columns(4)
c1.metric("Échéances tenues", format_number(counts["tenues"]))
c2.metric("Échéances dues non tenues", format_number(counts["en_retard"]))
c3.metric("Échéances en cours ou à venir", format_number(counts["a_venir"]))
c4.metric("Réunions enregistrées", format_number(len(meetings)))
if "gouv_flash" in st.session_state:
    st.success(st.session_state.pop("gouv_flash"), icon=":material/check_circle:")

if due.empty:
    st.success("Aucune réunion due et non tenue à ce jour.", icon=":material/check_circle:")
else:
    st.warning(
        "**Réunions dues et non tenues** (alerte au COPIL) :\n\n"
        + "\n".join(f"- {m}" for m in due["message"]),
        icon=":material/warning:",
    )

if not gov.unattributed.empty:
    days = sorted(set(gov.unattributed["date"]))
    st.warning(
        f"{format_number(len(gov.unattributed))} comité(s) de pilotage communal(aux) tenu(s) sans commune ni "
        f"structure ({', '.join(format_date(d) for d in days[:10])}{' …' if len(days) > 10 else ''}) : "
        "ils ne comptent pour aucune commune. Supprimez-les et enregistrez-les de nouveau avec la "
        "commune, la structure ou le secteur qu'ils couvrent.",
        icon=":material/warning:",
    )

st.subheader("Réunions tenues par an, au regard du minimum de la convention")
show_table(yearly_table(gov.yearly))

st.subheader("Calendrier de l'Annexe 5")
years = sorted(status["annee"].unique())
year = st.segmented_control("Année", ["Toutes", *[str(y) for y in years]], default="Toutes", key="gouv_annee")
shown = status if year in (None, "Toutes") else status[status["annee"] == int(year)]
show_table(calendar_table(shown))

with st.expander("Communes sans comité de pilotage communal tenu"):
    pick = st.selectbox(
        "Année",
        years,
        placeholder=CHOOSE,
        index=years.index(today.year) if today.year in years else 0,
        key="gouv_annee_communes",
    )
    missing = gov.communes_without_committee(ref, int(pick))
    st.write(
        f"{format_number(len(missing))} commune(s) sur {format_number(len(ref.communes()))} sans comité tenu en {pick}."
    )
    show_table(missing.rename(columns={"commune": "Code INSEE", "nom": "Commune"}))

st.subheader("Réunions enregistrées")
# Long with the demonstration data (a comité per commune): then a grid whose widths fit the page
# at 1440 px, every column on screen.
show_table(
    meetings_table(ref, meetings),
    key="gouv_reunions",
    column_config={
        "N°": st.column_config.TextColumn(width=45),
        "Date": st.column_config.TextColumn(width=85),
        "Instance": st.column_config.TextColumn(width=190),
        "Territoire": st.column_config.TextColumn(width=160),
        "Tenue": st.column_config.TextColumn(width=80),
        "Échéance": st.column_config.TextColumn(width=190),
        "Note": st.column_config.TextColumn(width=120),
        "Saisie par": st.column_config.TextColumn(width=95),
    },
)

st.subheader("Baromètres annuels de la CAF (Annexe 5)")
if ref.surveys is not None:
    st.caption(
        "Chaque question est un résultat (part des répondants) avec son effectif. "
        f"{ref.surveys.raison_effectif_minimum}"
    )
show_table(surveys_shown(store, ref))

if actor.is_admin:
    st.subheader("Enregistrer une réunion")
    instance = st.selectbox(
        "Instance",
        list(INSTANCE_LABELS),
        placeholder=CHOOSE,
        format_func=INSTANCE_LABELS.get,
        key="gouv_instance",
    )
    entries = [c for c in ref.calendar if instance in instance_fulfilled_by(c.instance)]
    territories = [t.code for t in ref.territories if t.type in ("commune", "structure", "secteur")]
    with st.form("gouv_reunion", clear_on_submit=True):
        code = st.selectbox(
            "Échéance du calendrier",
            [None, *[c.code for c in entries]],
            placeholder=CHOOSE,
            format_func=lambda c: (
                "aucune (réunion supplémentaire)"
                if c is None
                else next(e.libelle for e in entries if e.code == c)
            ),
            key="gouv_code",
        )
        when = st.date_input(
            "Date de la réunion",
            value=today,
            format="DD/MM/YYYY",
            key="gouv_date",
            min_value=ref.convention.debut,
            max_value=ref.convention.fin,
        )
        tenue = st.checkbox(
            "Réunion tenue (décocher pour une réunion prévue ou annulée)", value=True, key="gouv_tenue"
        )
        territory = None
        if instance == "comite_communal":
            territory = st.selectbox(
                "Commune ou structure",
                territories,
                placeholder=CHOOSE,
                format_func=lambda c: territory_label(ref, c),
                key="gouv_territoire",
            )
        note = st.text_input("Note (lieu, compte rendu…)", key="gouv_note")
        if st.form_submit_button("Enregistrer la réunion", type="primary"):
            try:
                record_meeting(store, ref, actor, instance, when, tenue, code, territory, note)
            except (PilotageError, AccessDenied) as exc:
                st.error(plain(str(exc)))
            else:
                clear_caches()
                st.session_state["gouv_flash"] = "Réunion enregistrée."
                st.rerun()
    if not meetings.empty:
        with st.expander("Supprimer une réunion saisie par erreur"):
            labels = meetings_table(ref, meetings).set_index("N°")
            chosen = st.selectbox(
                "Réunion",
                list(labels.index),
                placeholder=CHOOSE,
                key="gouv_suppr",
                format_func=lambda n: f"n°{n} · {labels.loc[n, 'Instance']} du {labels.loc[n, 'Date']}",
            )
            if st.button("Supprimer cette réunion", key="gouv_suppr_btn"):
                try:
                    delete_meeting(store, ctx.convention, actor, int(chosen))
                except (PilotageError, AccessDenied) as exc:
                    st.error(plain(str(exc)))
                else:
                    clear_caches()
                    st.session_state["gouv_flash"] = f"Réunion n°{chosen} supprimée."
                    st.rerun()
else:
    st.info("Seuls les administrateurs enregistrent les réunions de gouvernance.", icon=":material/lock:")
