"""Données: the current values with their source and batch, exports, the convention's conflicting figures."""

import streamlit as st

from indicators.formatting import format_number
from indicators.pilotage_view import batches_table, territory_label
from services.exports import export_bytes
from services.settings import get_settings
from services.values import ValuesPage, batches, conflicts_shown, values_count, values_page, values_years
from ui.context import get_reference, get_store, setup_page
from ui.tables import show_table

ctx = setup_page()
ref, store = ctx.ref, ctx.store


@st.cache_data(ttl=get_settings().cache_ttl_seconds, show_spinner=False)
def _years(convention: str, include_demo: bool) -> tuple[int, int]:
    return values_years(get_store(), get_reference(), include_demo)


@st.cache_data(ttl=get_settings().cache_ttl_seconds, show_spinner=False)
def _count(convention: str, include_demo: bool) -> int:
    return values_count(get_store(), get_reference(), include_demo)


@st.cache_data(ttl=get_settings().cache_ttl_seconds, show_spinner=False, max_entries=50)
def _page(
    convention: str,
    include_demo: bool,
    fiches: tuple[str, ...],
    indicateurs: tuple[str, ...],
    territoires: tuple[str, ...],
    annees: tuple[int, int] | None,
) -> ValuesPage:
    """The values passing the filters, read from the store as a slice, once per data change."""
    return values_page(
        get_store(),
        get_reference(),
        include_demo=include_demo,
        fiches=list(fiches),
        indicateurs=list(indicateurs),
        territoires=list(territoires),
        annees=annees,
    )


st.title("Données")
st.caption(
    "Toutes les valeurs en vigueur, avec leur source et le lot (dépôt, référence de la "
    "convention, démonstration) dont elles viennent. Les exports reprennent toutes les valeurs."
)

include_demo = st.toggle("Inclure les données de démonstration", value=True, key="donnees_demo")
suffix_demo = "" if include_demo else "-sans-demo"
d1, d2, _ = st.columns([1, 1, 2])
d1.download_button(
    "Télécharger en CSV",
    lambda: export_bytes(store, ref, ".csv", include_demo),
    file_name=f"ctg-valeurs{suffix_demo}.csv",
    mime="text/csv",
    icon=":material/download:",
    key="donnees_csv",
)
d2.download_button(
    "Télécharger en Excel",
    lambda: export_bytes(store, ref, ".xlsx", include_demo),
    file_name=f"ctg-valeurs{suffix_demo}.xlsx",
    icon=":material/download:",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="donnees_xlsx",
)

st.subheader("Valeurs en vigueur")
fiche_titles = {f.code: f"{f.code} · {f.titre}" for f in ref.fiches}
fiche_titles.update(
    {
        "GOUV": "Gouvernance (Annexe 5)",
        "CCT": "Activité des chargés (Annexe 6)",
        "CTX": "Indicateurs de contexte",
    }
)
f1, f2 = st.columns(2)
fiches = f1.multiselect(
    "Fiche",
    list(fiche_titles),
    format_func=fiche_titles.get,
    key="donnees_fiches",
    placeholder="toutes",
    select_all=False,
)
candidates = [i for i in ref.indicators if not fiches or i.fiche in fiches]
indicators = f2.multiselect(
    "Indicateur",
    [i.code for i in candidates],
    key="donnees_indicateurs",
    format_func=lambda c: ref.indicator(c).libelle,
    placeholder="tous",
    select_all=False,
)
f3, f4 = st.columns(2)
territories = f3.multiselect(
    "Territoire",
    [t.code for t in ref.territories],
    key="donnees_territoires",
    format_func=lambda c: territory_label(ref, c),
    placeholder="tous",
    select_all=False,
)
low, high = _years(ctx.convention, include_demo)
years = f4.slider("Années", low, high, (low, high), key="donnees_annees")
page = _page(
    ctx.convention,
    include_demo,
    tuple(fiches),
    tuple(indicators),
    tuple(territories),
    None if tuple(years) == (low, high) else (int(years[0]), int(years[1])),
)
total = _count(ctx.convention, include_demo)
if page.cut:
    st.caption(
        f"{format_number(page.matching)} valeur(s) sur {format_number(total)} ; seules les "
        f"{format_number(len(page.rows))} premières sont affichées (par indicateur, territoire et "
        "période) : choisissez une fiche, un indicateur ou un territoire, ou téléchargez l'export, "
        "qui les reprend toutes."
    )
else:
    st.caption(f"{format_number(page.matching)} valeur(s) sur {format_number(total)}.")
# Widths that fit the page at 1440 px (no column off to the right) and every header in full.
st.dataframe(
    page.display,
    hide_index=True,
    width="stretch",
    height=420,
    column_config={
        "Indicateur": st.column_config.TextColumn(width=300),
        "Territoire": st.column_config.TextColumn(width=130),
        "Période": st.column_config.TextColumn(width=75),
        "Valeur": st.column_config.TextColumn(width=95),
        "Lot": st.column_config.TextColumn(width=140),
        "Source": st.column_config.TextColumn(width=120),
        "Démonstration": st.column_config.TextColumn(width=115),
    },
)

st.subheader("Chiffres contradictoires de la convention")
st.caption(
    "Là où la convention se contredit, chaque énoncé est conservé avec sa section ; celui que "
    "les calculs suivent est désigné dans seed/ avec sa raison, jamais choisi en silence."
)
disputed = conflicts_shown(ref)
if disputed.empty:
    st.write("Aucun chiffre contradictoire.")
else:
    show_table(disputed)

with st.expander("Lots de données"):
    show_table(batches_table(batches(store, ref)))
