"""Contrôles de cohérence: every violation of the validation rules at the chosen review."""

import streamlit as st

from indicators.formatting import format_number
from indicators.rules import OPERATOR_SIGNS, violations_table
from ui import widgets
from ui.context import setup_page
from ui.tables import show_table

ctx = setup_page()
review = widgets.review_selector()
ref = ctx.ref


st.title("Contrôles de cohérence")
st.caption(
    f"{review.label} · valeurs jusqu'à {review.cutoff.year} (données au {review.cutoff_label}) · règles entre indicateurs de "
    "seed/regles_validation.csv (une partie ne dépasse pas son tout, un total est la somme de ses "
    "parties…), vérifiées pour chaque commune et structure telles que déposées, et pour "
    "l'agglomération telle que les tableaux la montrent."
)
found = widgets.figures(review.code).violations  # the review's figures, as every page
errors = int((found["gravite"] == "erreur").sum())
warnings = int((found["gravite"] == "avertissement").sum())
c1, c2, c3 = st.columns(3)
c1.metric("Erreurs", format_number(errors), border=True)
c2.metric("Avertissements", format_number(warnings), border=True)
c3.metric("Règles vérifiées", format_number(len(ref.rules)), border=True)

if found.empty:
    st.success("Aucune incohérence entre indicateurs dans les valeurs en vigueur.", icon=":material/check:")
else:
    kinds = st.segmented_control(
        "Gravité",
        ["erreur", "avertissement"],
        selection_mode="multi",
        default=["erreur", "avertissement"],
        key="coherence_gravite",
    )
    shown = found[found["gravite"].isin(kinds or [])]
    show_table(
        violations_table(shown, ref),
        column_config={"Valeurs": st.column_config.TextColumn(width="large")},
        key="coherence_violations",
    )
    st.caption(
        "Une erreur refuserait un dépôt qui la contient ; un avertissement est à vérifier. "
        "Corriger : déposer la bonne valeur (page « Dépôt trimestriel »), l'ancienne reste dans l'historique."
    )

with st.expander("Les règles vérifiées"):
    show_table(
        [
            {
                "Règle": r.code,
                "Contrôle": f"{' + '.join(r.gauche)} {OPERATOR_SIGNS[r.operateur]} {' + '.join(r.droite)}",
                "Niveaux": ", ".join(r.niveaux),
                "Gravité": r.gravite,
                "Message": r.message,
                "Section de la convention": r.section,
            }
            for r in ref.rules
        ]
    )
    if ctx.actor.is_admin:  # a shell command is of no use to the other readers
        st.caption(
            "Ajouter une règle : une ligne dans seed/regles_validation.csv, puis `python cli.py init`."
        )
