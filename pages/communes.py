"""Commune: population, chargés de coopération, engagement, every indicator beside the EPCI
value (ratios recomputed), completeness. Shareable URL: ?commune=62119."""

import streamlit as st

from indicators.catalogue import EPCI_CODE
from indicators.completeness import overall_rate
from indicators.formatting import MISSING, format_number, format_value
from indicators.periods import period_label
from indicators.review import STATUS_LABELS, cutoff_caption, value_text
from ui import widgets
from ui.chrome import CHOOSE
from ui.context import setup_page
from ui.tables import show_table

ctx = setup_page()
review = widgets.review_selector()
ref, conv = ctx.ref, ctx.convention
names = {c.code: c.nom for c in ref.communes()}
codes = sorted(names, key=lambda c: names[c])

st.title("Communes")
asked = st.query_params.get("commune")
code = st.selectbox(
    "Rechercher une commune (nom ou code INSEE)",
    codes,
    placeholder=CHOOSE,
    index=codes.index(asked) if asked in codes else 0,
    format_func=lambda c: f"{names[c]} ({c})",
    key="commune_choisie",
    help="Tapez le début du nom ou du code INSEE.",
)
st.query_params["commune"] = code
st.header(f"{names[code]} · {code}")
st.caption(f"{review.label} · données arrêtées au {review.cutoff_label}")

summary = widgets.summary(conv, review.code, code)
epci = widgets.summary(conv, review.code, EPCI_CODE).set_index("code")
pop = summary[summary["unite"] == "habitants"].dropna(subset=["reference"])
population = pop.iloc[0] if not pop.empty else None

groups = widgets.territories().members
around = [g for g, members in groups.items() if code in members]
charges = [c for c in ref.charges if c.structure == code or c.structure in around]
engagement = widgets.engagements(conv).set_index("commune")
eng = engagement.loc[code] if code in engagement.index else None
matrix = widgets.completeness(conv, review.code)
own = matrix[matrix["territoire"] == code]

c1, c2, c3, c4 = st.columns(4)
c1.metric(
    "Population",
    format_value(population["reference"], "habitants") if population is not None else MISSING,
    help=(f"{population['libelle']}, {population['periode_reference']}" if population is not None else None),
    border=True,
)
ctg2 = [c for c in charges if c.ctg == "CTG2"]
etp = sum(c.etp for c in ctg2 if c.etp is not None)
c2.metric(
    "Chargés (CTG 2)",
    format_number(sum(c.effectif for c in ctg2)) if ctg2 else "aucun",
    help="Annexe 7 : chargés de coopération de la commune ou de sa structure, CTG 2026-2030.",
    border=True,
)
c3.metric(
    "ETP (CTG 2)",
    format_value(etp, "etp") if any(c.etp is not None for c in ctg2) else ("en cours" if ctg2 else "aucun"),
    border=True,
)
rate = overall_rate(own)
c4.metric(
    "Complétude des envois",
    format_value(rate, "pourcentage") if rate is not None else MISSING,
    help=f"Valeurs reçues sur attendues, T1 2026 à {review.cutoff_label}.",
    border=True,
)

left, right = st.columns(2)
with left:
    st.subheader("Chargés de coopération")
    if not charges:
        st.caption("Aucun chargé de coopération rattaché à cette commune dans l'Annexe 7.")
    else:
        show_table(
            [
                {
                    "Structure": ref_name,
                    "Convention": c.ctg.replace("CTG", "CTG "),
                    "ETP": format_value(c.etp, "etp") if c.etp is not None else (c.note or "en cours"),
                    "Effectif": format_number(c.effectif),
                    "Source": c.section,
                }
                for c in charges
                for ref_name in [next((t.nom for t in ref.territories if t.code == c.structure), c.structure)]
            ]
        )
with right:
    st.subheader("Engagement de la commune")
    signed = eng is not None and bool(eng["fiche_signee"])
    st.markdown(
        f"**Fiche d'engagement** (Annexe 8) : {'signée' if signed else 'non signée'}"
        + (f" le {eng['date_signature']:%d/%m/%Y}" if signed and eng["date_signature"] else "")
    )
    elu = eng["elu_referent"] if eng is not None and eng["elu_referent"] else MISSING
    st.markdown(f"**Élu référent CTG** : {elu}")
    st.caption("Modifiable par un administrateur (page « Engagements des communes »).")

st.subheader("Indicateurs de la commune et de l'agglomération")
local = [i for i in ref.indicators if "commune" in i.niveaux and i.is_numeric and i.unite != "habitants"]
rows = []
mine_all = summary.set_index("code")
for ind in local:
    mine = mine_all.loc[ind.code]
    theirs = epci.loc[ind.code]
    trend = mine["tendance"] if isinstance(mine["tendance"], str) else "non_renseigne"
    since = mine["periode_premiere"] if isinstance(mine["periode_premiere"], str) else None
    rows.append(
        {
            "Indicateur": ind.libelle,
            names[code]: value_text(mine),
            "Période": cutoff_caption(mine),
            "Tendance": (
                f"{STATUS_LABELS[trend]} depuis {period_label(since)}"
                if since and trend != "non_renseigne"
                else MISSING
            ),
            "CABBALR": value_text(theirs),
            "Calcul CABBALR": "ratio recalculé"
            if ind.is_computed
            else ("somme des communes" if ind.agregation_territoire == "somme" else "valeur de l'EPCI"),
        }
    )
show_table(rows, max_rows=150)  # every indicator of the commune, readable in full
st.caption(
    "Les taux (ratios) sont recalculés à partir de leurs composantes, jamais moyennés. "
    "Une évolution « sans référence » : pas de valeur avant 2026 pour comparer."
)

st.subheader("Complétude de la commune")
if own.empty:
    st.caption("Aucune valeur trimestrielle attendue de cette commune.")
else:
    show_table(
        [
            {"Trimestre": p.label, "Valeurs reçues": f"{r} sur {a}", "Taux": format_value(t, "pourcentage")}
            for p, r, a, t in zip(review.quarters(), own["recus"], own["attendus"], own["taux"], strict=False)
        ]
    )
