"""Ambition: the fiche's context, each indicator over time and by commune, the values with
their sources, the comments and jalons of the review. Shareable URL: ?ambition=A1&indicateur=..."""

import streamlit as st

from indicators.formatting import MISSING, format_value
from indicators.periods import period_label
from indicators.review import cutoff_caption, fiche_indicators, format_summary, headline_indicators
from reports.charts import commune_bar_figure, time_series_figure
from ui import widgets
from ui.chrome import CHOOSE
from ui.context import setup_page
from ui.tables import show_table
from ui.text import plain

ctx = setup_page()
review = widgets.review_selector()
ref = ctx.ref

choices = {a.code: f"{a.code} · {a.titre}" for a in ref.ambitions}
network = next((f for f in ref.fiches if f.ambition is None), None)
if network is not None:
    choices[network.code] = f"{network.code} · {network.titre}"
codes = list(choices)
asked = st.query_params.get("ambition")
code = st.selectbox(
    "Ambition",
    codes,
    placeholder=CHOOSE,
    index=codes.index(asked) if asked in codes else 0,
    format_func=choices.get,
    key="ambition_choisie",
)
st.query_params["ambition"] = code
fiche = ref.fiche_of_ambition(code) if code in {a.code for a in ref.ambitions} else network

st.title(choices[code])
st.caption(f"{review.label} · données arrêtées au {review.cutoff_label} · {fiche.section}")

with st.expander(
    "Contexte de la fiche-projet : diagnostic, objectifs, résultats attendus", icon=":material/description:"
):
    if fiche.diagnostic:
        st.markdown("**Diagnostic**")
        st.markdown(fiche.diagnostic)
    if fiche.public_cible:
        st.markdown(f"**Public cible** : {fiche.public_cible}")
    for label, items in (
        ("Objectifs", fiche.objectifs),
        ("Priorités 2026-2027", fiche.priorites_2026_2027),
        ("Résultats attendus", fiche.resultats_attendus),
    ):
        if items:
            st.markdown(f"**{label}**")
            st.markdown("\n".join(f"- {item}" for item in items))
    if fiche.partenaires:
        st.markdown(f"**Partenaires** : {fiche.partenaires}")

figures = widgets.figures(review.code)
summary = figures.summary
rows = summary[summary["fiche"] == fiche.code]
st.subheader("Où en est-on ?")
table = format_summary(rows, review)
# What a reader looks for first, right after the label: the status and the target.
first = ["Indicateur", "Statut", f"Cible {review.target_year}", f"Valeur ({review.cutoff_label})", "Période"]
show_table(
    table[
        first
        + [
            c
            for c in table.columns
            if c not in (*first, "Sens souhaité", "Source", f"{review.previous_year}")
        ]
    ]
)

indicators = [i for i in fiche_indicators(ref, fiche.code) if i.is_numeric]
if indicators:
    st.subheader("Indicateur en détail")
    heads = [i.code for i in headline_indicators(ref, fiche.code)]
    options = heads + [i.code for i in indicators if i.code not in heads]
    asked = st.query_params.get("indicateur")
    chosen = st.selectbox(
        "Indicateur",
        options,
        placeholder=CHOOSE,
        index=options.index(asked) if asked in options else 0,
        format_func=lambda c: ref.indicator(c).libelle,
        key=f"indicateur_{code}",
    )
    st.query_params["indicateur"] = chosen
    ind = ref.indicator(chosen)
    row = summary.set_index("code").loc[chosen]
    targets = figures.targets_of(chosen)
    series = figures.series(chosen)
    widgets.show_figure(
        time_series_figure(
            series,
            ind,
            review.cutoff,
            targets=targets,
            source=row["source"],
            territory_label=ref.short_name,
            provisional=review.provisional,
            demo=widgets.demo_in(review.code, chosen),
        ),
        key=f"serie-{chosen}",
    )
    if "commune" in ind.niveaux:
        caption = cutoff_caption(row) if isinstance(row["periode_valeur"], str) else review.cutoff_label
        caption += " (revue provisoire)" if review.provisional else ""
        by_commune = figures.commune_values(chosen)
        tab_map, tab_rank = st.tabs(["Carte des communes", "Classement des communes"])
        with tab_map:
            widgets.show_figure(
                widgets.commune_map(review.code, chosen, caption, row["source"]), key=f"carte-{chosen}"
            )
        with tab_rank:
            widgets.show_figure(
                commune_bar_figure(
                    by_commune,
                    ind,
                    caption,
                    epci_value=row["valeur"],
                    source=row["source"],
                    demo=widgets.demo_in(review.code, chosen),
                    epci_label=ref.short_name,
                ),
                key=f"barres-{chosen}",
            )
    with st.expander(f"Valeurs et sources ({ref.short_name})", icon=":material/table:"):
        table = (
            series.assign(
                Période=series["periode"].map(period_label),
                Valeur=series["valeur"].map(lambda v: format_value(v, ind.unite)),
                Calcul=series["calcul"].fillna(MISSING),
            )[["Période", "Valeur", "Calcul"]]
            if not series.empty
            else None
        )
        if table is None:
            st.info("Aucune valeur pour cet indicateur.")
        else:
            show_table(table)
        st.caption(f"Source : {row['source']}")

st.subheader("Jalons et analyses qualitatives")
jalons = rows[rows["type"].isin(["jalon", "qualitatif"])]
if not jalons.empty:
    show_table(
        jalons.assign(
            Valeur=jalons["valeur_texte"].fillna(MISSING),
            Période=jalons["periode_valeur"].map(
                lambda p: period_label(p) if isinstance(p, str) else MISSING
            ),
        ).rename(columns={"libelle": "Jalon ou indicateur qualitatif"})[
            ["Jalon ou indicateur qualitatif", "Valeur", "Période"]
        ]
    )
notes = figures.comments
notes = notes[notes["ambition"].isin([code, fiche.code])]
if notes.empty:
    st.caption(f"Aucun commentaire pour cette ambition {review.named('à')}.")
for note in notes.itertuples():
    with st.container(border=True):
        st.text(note.texte, width="stretch")  # a user's text: never Markdown nor HTML
        st.caption(
            f"{plain(note.author)} · {note.created_at:%d/%m/%Y}"
            + (" · donnée de démonstration" if note.is_demo else "")
        )
