"""Cibles: an administrator sets a target per indicator for 2028 and 2030; current targets and history."""

from datetime import date

import streamlit as st

from indicators.access import AccessDenied
from indicators.formatting import unit_label
from indicators.pilotage_view import target_history_table, targets_table, territory_label
from indicators.review import current_review
from indicators.targets import TargetInputError, read_target, target_input_text
from services.pilotage import TARGET_YEARS, PilotageError, set_target, target_history, targets_frame
from ui.chrome import CHOOSE
from ui.context import clear_caches, review_figures, setup_page
from ui.tables import show_table
from ui.text import plain

ctx = setup_page()
ref, store = ctx.ref, ctx.store
actor = ctx.actor

st.title("Cibles 2028 et 2030")
st.caption(
    "Une cible par indicateur chiffré, pour le bilan à mi-parcours (2028) et la fin de la "
    "convention (2030). Chaque modification est conservée dans l'historique ; les panneaux "
    "montrent le chemin parcouru depuis la valeur de référence."
)
if "cibles_flash" in st.session_state:
    st.success(st.session_state.pop("cibles_flash"), icon=":material/check_circle:")

current = targets_frame(store, ctx.convention)
numeric = [i for i in ref.indicators if i.is_numeric]

if actor.is_admin:
    st.subheader("Fixer une cible")
    code = st.selectbox(
        "Indicateur",
        [i.code for i in numeric],
        placeholder=CHOOSE,
        key="cibles_indicateur",
        format_func=lambda c: f"{ref.indicator(c).fiche} · {ref.indicator(c).libelle}",
    )
    ind = ref.indicator(code)
    levels = [ref.epci] + ([c.code for c in ref.communes()] if "commune" in ind.niveaux else [])
    territory = st.selectbox(
        "Territoire",
        levels,
        placeholder=CHOOSE,
        format_func=lambda c: territory_label(ref, c),
        key="cibles_territoire",
    )
    existing = current[(current["indicateur"] == code) & (current["territoire"] == territory)]
    before = {int(r.annee): float(r.valeur) for r in existing.itertuples()}
    st.caption(
        f"Unité : {unit_label(ind.unite)} · sens souhaité : {ind.sens} · laisser vide pour retirer une cible."
    )
    with st.form("cibles_form"):
        cols = st.columns(len(TARGET_YEARS))
        entered = {}
        for col, year in zip(cols, TARGET_YEARS, strict=True):
            entered[year] = col.text_input(
                f"Cible {year}",
                value=target_input_text(before.get(year)),
                placeholder="aucune",
                key=f"cibles_{code}_{territory}_{year}",
            )
        if st.form_submit_button("Enregistrer les cibles", type="primary"):
            try:
                wanted = {year: read_target(text) for year, text in entered.items()}
                for year, value in wanted.items():
                    set_target(store, ref, actor, code, year, value, territory)
            except (PilotageError, AccessDenied, TargetInputError) as exc:
                st.error(plain(str(exc)))
            else:
                clear_caches()
                st.session_state["cibles_flash"] = f"Cibles de « {ind.libelle} » enregistrées."
                st.rerun()
else:
    st.info(
        "Seuls les administrateurs fixent les cibles ; elles sont consultables ci-dessous.",
        icon=":material/lock:",
    )

st.subheader("Cibles en vigueur")
if current.empty:
    st.write("Aucune cible fixée pour l'instant.")
else:
    review = current_review(date.today())
    st.caption(f"Dernière valeur : à la date d'arrêt {review.named('de')} ({review.cutoff_label}).")
    show_table(targets_table(ref, review_figures(review.code).progress()))

with st.expander("Historique des cibles"):
    show_table(target_history_table(ref, target_history(store, ctx.convention)))
