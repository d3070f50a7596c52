"""Commune: population, chargés de coopération, engagement, every indicator beside the EPCI
value (ratios recomputed), completeness. Shareable URL: ?commune=62119."""

import streamlit as st

from indicators.formatting import MISSING, format_number, format_value
from indicators.periods import period_label
from indicators.review import (
    STATUS_LABELS,
    cutoff_caption,
    population_indicator,
    population_indicators,
    value_text,
)
from indicators.staffing import latest_team
from ui import widgets
from ui.chrome import CHOOSE
from ui.context import setup_page
from ui.tables import show_table
from ui.text import plain

ctx = setup_page()
review = widgets.review_selector()
ref = ctx.ref
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

figures = widgets.figures(review.code)
summary = figures.summary_of(code)
epci = figures.summary.set_index("code")
population_ind = population_indicator(ref)
pop = (
    summary[summary["code"] == population_ind.code].dropna(subset=["reference"])
    if population_ind
    else summary[:0]
)
population = pop.iloc[0] if not pop.empty else None

groups = figures.territories  # structures and sectors as the store holds them
around = sorted(
    (g for g, members in groups.members.items() if code in members),
    key=lambda g: (groups.types.get(g, ""), groups.names.get(g, g)),
)
staff = figures.staffing([code, *around])
team = latest_team(staff)
engagement = figures.engagements.set_index("commune")
eng = engagement.loc[code] if code in engagement.index else None
own = figures.completeness[figures.completeness["territoire"] == code]

c1, c2, c3, c4 = st.columns(4)
c1.metric(
    "Population",
    format_value(population["reference"], "habitants") if population is not None else MISSING,
    help=(f"{population['libelle']}, {population['periode_reference']}" if population is not None else None),
    border=True,
)
c2.metric(
    "Chargés (CTG 2)",
    format_number(team.people) if team.employers else "aucun",
    help=f"Chargés de coopération de la commune ou de sa structure en {team.year or 2026} "
    "(CCT_EFFECTIF ; Annexe 7 pour 2026, puis les dépôts).",
    border=True,
)
c3.metric(
    "ETP (CTG 2)",
    (MISSING if team.pending == team.employers else format_value(team.etp, "etp"))
    if team.employers
    else "aucun",
    help="CCT_ETP ; « non renseigné » tant que l'ETP est « en cours » (Annexe 7, Violaines).",
    border=True,
)
rate = figures.territory_rate(code)
c4.metric(
    "Complétude des envois",
    format_value(rate, "pourcentage") if rate is not None else MISSING,
    help=f"Valeurs reçues sur attendues, T1 2026 à {review.cutoff_label}.",
    border=True,
)

st.markdown(
    "**Structures et secteurs** : "
    + (
        " · ".join(
            f"{plain(groups.names.get(g, g))} ({'secteur' if groups.types.get(g) == 'secteur' else 'structure'})"
            for g in around
        )
        or "aucun"
    )
)

left, right = st.columns(2)
with left:
    st.subheader("Chargés de coopération")
    if staff.empty:
        st.caption("Aucun chargé de coopération rattaché à cette commune (Annexe 7 et dépôts).")
    else:
        show_table(
            [
                {
                    "Employeur": groups.names.get(r.territoire, r.territoire),
                    "Année": str(r.annee),
                    "Convention": r.ctg,
                    "ETP": format_value(r.etp, "etp"),
                    "Effectif": format_value(r.effectif, "nombre"),
                }
                for r in staff.itertuples()
            ]
        )
        st.caption("CTG 1 datée 2021 ; CTG 2 à partir de 2026 (Annexe 7), puis les dépôts annuels.")
with right:
    st.subheader("Engagement de la commune")
    signed = eng is not None and bool(eng["fiche_signee"])
    st.markdown(
        f"**Fiche d'engagement** (Annexe 8) : {'signée' if signed else 'non signée'}"
        + (f" le {eng['date_signature']:%d/%m/%Y}" if signed and eng["date_signature"] else "")
    )
    elu = eng["elu_referent"] if eng is not None and eng["elu_referent"] else MISSING
    st.markdown(f"**Élu référent CTG** : {plain(elu)}")
    st.caption("Modifiable par un administrateur (page « Engagements des communes »).")

st.subheader("Indicateurs de la commune et de l'agglomération")
local = [
    i
    for i in ref.indicators
    if "commune" in i.niveaux and i.is_numeric and i not in population_indicators(ref)
]
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
            ref.short_name: value_text(theirs),
            f"Calcul {ref.short_name}": "ratio recalculé"
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
