"""Complétude: territory × quarter matrix of values expected vs received, by structure."""

import streamlit as st

from indicators.completeness import (
    COMPLETENESS_CODE,
    group_labels,
    missing_territories,
    overall_rate,
    pivot,
    rate_by_quarter,
)
from indicators.formatting import MISSING, format_number, format_value
from indicators.periods import parse_period
from reports.charts import completeness_figure
from ui import widgets
from ui.chrome import CHOOSE
from ui.context import setup_page

ctx = setup_page()
review = widgets.review_selector()
ref = ctx.ref

st.title("Complétude de la collecte")
st.caption(
    f"{review.label} · trimestres T1 2026 à {review.cutoff_label} · valeurs trimestrielles "
    "attendues de chaque commune, structure et de l'agglomération, selon le catalogue."
)

figures = widgets.figures(review.code)
options = {"": "Tous les territoires", **group_labels(ref, figures.territories)}
group = st.selectbox(
    "Structure ou secteur",
    list(options),
    placeholder=CHOOSE,
    format_func=options.get,
    key="completude_groupe",
)
matrix = figures.completeness_of(group or None)
by_quarter = rate_by_quarter(matrix)
rate = overall_rate(matrix)
silent = missing_territories(matrix, review.cutoff)
label = ref.indicator(COMPLETENESS_CODE).libelle if COMPLETENESS_CODE in ref.by_code else "Complétude"

c1, c2, c3 = st.columns(3)
c1.metric(
    label,
    format_value(rate, "pourcentage") if rate is not None else MISSING,
    help="Valeurs reçues sur valeurs attendues, tous territoires et trimestres de la revue "
    "(indicateur de la fiche 9).",
    border=True,
)
last = by_quarter[by_quarter["periode"] == review.cutoff.code]
c2.metric(
    f"Complétude {review.cutoff_label}",
    format_value(last["taux"].iloc[0], "pourcentage") if not last.empty else MISSING,
    border=True,
)
c3.metric(f"Territoires sans envoi ({review.cutoff_label})", format_number(len(silent)), border=True)

if matrix.empty:
    st.info("Aucune valeur trimestrielle n'est attendue pour ce choix.")
    st.stop()

widgets.show_figure(
    completeness_figure(by_quarter, demo=widgets.demo_in(review.code)), key="completude-trimestres"
)

st.subheader("Matrice territoires × trimestres")
table = pivot(matrix)
quarter_cols = [c for c in table.columns if c not in ("territoire", "nom", "type")]
shown = table.rename(columns={"nom": "Territoire", "territoire": "Code", "type": "Type"})
shown = shown.rename(columns={c: parse_period(c).label for c in quarter_cols})
st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    height=min(38 * (len(shown) + 1), 600),
    column_config={
        parse_period(c).label: st.column_config.ProgressColumn(
            parse_period(c).label, min_value=0, max_value=100, format="%.0f %%"
        )
        for c in quarter_cols
    },
)

if silent:
    names = {t.code: t.nom for t in ref.territories}
    st.subheader(f"Sans aucun envoi pour {review.cutoff_label}")
    st.markdown(", ".join(f"{names.get(c, c)} ({c})" for c in silent))
