"""Dépôt trimestriel: template download, upload, report, preview then confirm, batch history."""

import datetime as dt
import hashlib

import streamlit as st

from indicators.access import SYSTEM, AccessDenied
from indicators.formatting import format_file_size, format_number
from indicators.labels import batch_kind_label, batch_status_label
from indicators.periods import period_label
from indicators.upload import normalise_key
from reports.template import (
    TemplateError,
    default_period,
    period_choices,
    template_bytes,
    template_filename,
    template_frame,
)
from services.uploads import (
    ImportRejected,
    RevertRefused,
    batch_history,
    commit_import,
    prepare_import,
    revert_import,
    value_trail,
)
from ui.chrome import CHOOSE
from ui.context import clear_caches, setup_page
from ui.tables import show_table
from ui.text import plain

ctx = setup_page()
ref = ctx.ref
today = dt.date.today()
names = {t.code: t.nom for t in ref.territories}


actor = ctx.actor
st.title("Dépôt trimestriel")
st.caption(
    "Chaque trimestre, téléchargez le modèle de votre territoire, remplissez la colonne "
    "« valeur », déposez-le : un rapport signale les erreurs ligne par ligne, un aperçu montre "
    "ce qui change, puis vous validez. Rien n'est écrit avant votre confirmation."
)

if "depot_flash" in st.session_state:
    st.success(st.session_state.pop("depot_flash"), icon=":material/check_circle:")

may_write = actor.may_write
if not may_write:
    st.info(
        f"Le compte « {actor.login} » est en lecture seule : il consulte l'historique des "
        "dépôts mais ne dépose pas de valeurs.",
        icon=":material/visibility:",
    )
else:
    # -- 1. template ----------------------------------------------------------------------------
    st.header("1. Télécharger le modèle")
    kinds = {t.code: t.type for t in ref.territories}
    writable = [c for c in names if kinds[c] != "secteur" and actor.may_write_territory(c)]
    # EPCI, then structures, then communes, each by name (accents ignored)
    order = {"epci": 0, "structure": 1, "commune": 2}
    options = sorted(writable, key=lambda c: (order[kinds[c]], normalise_key(names[c])))
    periods = period_choices(ref, today)
    left, right = st.columns([3, 1])
    chosen = left.multiselect(
        "Territoire(s)",
        options,
        default=options[:1],
        format_func=lambda c: f"{names.get(c, c)} ({c})",
        key="depot_territoires",
        placeholder=CHOOSE,
        select_all=False,
    )
    default = default_period(today)
    periode = right.selectbox(
        "Période",
        periods,
        placeholder=CHOOSE,
        index=periods.index(default) if default in periods else 0,
        format_func=period_label,
        key="depot_periode",
        help="Un trimestre liste les indicateurs trimestriels ; une année, "
        "les indicateurs annuels et ponctuels (jalons).",
    )
    if chosen and periode:
        try:
            values = ctx.values()
            template_frame(ref, chosen, periode, values)  # a TemplateError shows here, not at the click
            col_csv, col_xlsx, col_ods, _ = st.columns([1, 1, 1, 1])
            col_ods.download_button(
                "Modèle LibreOffice (.ods)",
                lambda suffix=".ods": template_bytes(ref, chosen, periode, values, suffix),
                file_name=template_filename(chosen, periode, ".ods"),
                icon=":material/table_view:",
                mime="application/vnd.oasis.opendocument.spreadsheet",
            )
            col_xlsx.download_button(
                "Modèle Excel (.xlsx)",
                lambda suffix=".xlsx": template_bytes(ref, chosen, periode, values, suffix),
                file_name=template_filename(chosen, periode, ".xlsx"),
                icon=":material/table_view:",
                mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            col_csv.download_button(
                "Modèle CSV (;)",
                lambda suffix=".csv": template_bytes(ref, chosen, periode, values, suffix),
                file_name=template_filename(chosen, periode, ".csv"),
                mime="text/csv",
                icon=":material/download:",
            )
        except TemplateError as exc:
            st.warning(plain(str(exc)))

    # -- 2. upload, report, preview, confirm ------------------------------------------------------
    st.header("2. Déposer le fichier")
    upload_key = f"depot_fichier_{st.session_state.get('depot_round', 0)}"
    uploaded = st.file_uploader(
        "Fichier rempli (.csv, .tsv, .xlsx ou .ods, 10 Mo au plus)",
        type=["csv", "tsv", "txt", "xlsx", "ods"],
        key=upload_key,
        help="Le modèle téléchargé ci-dessus, rempli. Glisser-déposer le fichier ou cliquer sur « Parcourir ».",
    )
    if uploaded is not None:
        st.caption(f"Fichier reçu : {plain(uploaded.name)} · {format_file_size(uploaded.size)}")
        # Read and checked once per file (by its sha256), not at every rerun of the page.
        data = uploaded.getvalue()
        plan_key = (hashlib.sha256(data).hexdigest(), uploaded.name, actor, today)
        cached = st.session_state.get("depot_plan")
        if cached is not None and cached[0] == plan_key:
            plan = cached[1]
        else:
            plan = prepare_import(ctx.store, ref, data, uploaded.name, actor, today=today)
            st.session_state["depot_plan"] = (plan_key, plan)
        del data
        report = plan.report
        stats = report.stats
        cols = st.columns(5)
        cols[0].metric("Lignes lues", format_number(stats.get("lignes", 0)))
        cols[1].metric("Valeurs renseignées", format_number(stats.get("renseignees", 0)))
        cols[2].metric("Non renseignées", format_number(stats.get("non_renseignees", 0)))
        cols[3].metric("Erreurs", format_number(len(report.errors)))
        cols[4].metric("Avertissements", format_number(len(report.warnings)))
        if report.errors or report.warnings:
            if report.errors:
                st.error(
                    f"Fichier refusé : {format_number(len(report.errors))} erreur(s). Rien n'a été écrit ; "
                    "corrigez le fichier puis déposez-le de nouveau.",
                    icon=":material/block:",
                )
            else:
                st.warning(
                    "Valeurs acceptées avec des avertissements : vérifiez-les avant de valider.",
                    icon=":material/warning:",
                )
            show_table(report.to_frame().drop(columns=["code"]), key="depot_rapport")
            st.download_button(
                "Télécharger le rapport (CSV)",
                report.to_csv(),
                file_name=f"rapport_{uploaded.name.rsplit('.', 1)[0]}.csv",
                mime="text/csv",
                icon=":material/download:",
            )
        if report.valid:
            counts = plan.counts
            st.subheader("Aperçu")
            cols = st.columns(3)
            cols[0].metric("Nouvelles valeurs", format_number(counts["new"]))
            cols[1].metric("Valeurs modifiées", format_number(counts["changed"]))
            cols[2].metric("Inchangées", format_number(counts["unchanged"]))
            preview = plan.preview(ref)
            show_table(
                preview.assign(ligne=preview["ligne"].map(format_number)),
                key="depot_apercu",
                column_config={
                    "indicateur": st.column_config.TextColumn("indicateur", width="large"),
                    "code": st.column_config.TextColumn(
                        "code", help="Code de l'indicateur dans le catalogue"
                    ),
                },
            )
            if plan.has_changes:
                label = f"Valider le dépôt ({format_number(counts['new'] + counts['changed'])} valeur(s))"
                if st.button(label, type="primary", icon=":material/upload_file:", key="depot_valider"):
                    try:
                        result = commit_import(ctx.store, ref, plan, actor)
                    except (ImportRejected, AccessDenied, RevertRefused) as exc:
                        st.error(plain(str(exc)))
                    else:
                        clear_caches()
                        st.session_state.pop("depot_plan", None)
                        st.session_state["depot_flash"] = result.message
                        st.session_state["depot_round"] = st.session_state.get("depot_round", 0) + 1
                        st.rerun()
            else:
                st.info(
                    "Aucune modification : toutes les valeurs du fichier sont déjà enregistrées.",
                    icon=":material/info:",
                )

# -- 3. history -------------------------------------------------------------------------------------
st.header("Historique des dépôts")
history = batch_history(ctx.store, ctx.convention)
shown = history.drop(columns=["sha256"]).assign(
    auteur=history["auteur"].replace({SYSTEM.login: "système (ligne de commande)"})
)
for column in ("n°", "lignes", "nouvelles", "modifiées", "inchangées", "non renseignées"):
    shown[column] = shown[column].map(format_number)  # 17 607, the French way
show_table(shown, key="depot_historique")
if actor.is_admin:
    revertible = history[
        (history["type"] == batch_kind_label("depot")) & (history["statut"] == batch_status_label("valide"))
    ]
    with st.expander("Annuler un dépôt (administrateurs)", icon=":material/undo:"):
        if revertible.empty:
            st.write("Aucun dépôt en vigueur à annuler.")
        else:
            labels = {
                int(r["n°"]): f"n°{r['n°']} · {r['date']} · {r['auteur']} · {r['fichier']}"
                for _, r in revertible.iterrows()
            }
            lot = st.selectbox(
                "Dépôt", list(labels), placeholder=CHOOSE, format_func=labels.get, key="depot_annuler_lot"
            )
            sure = st.checkbox(
                "Je confirme : les valeurs de ce dépôt cessent d'être en vigueur et les "
                "précédentes reviennent.",
                key="depot_annuler_ok",
            )
            if st.button("Annuler ce dépôt", disabled=not sure, key="depot_annuler"):
                try:
                    message = revert_import(ctx.store, ref, lot, actor)
                except (AccessDenied, RevertRefused) as exc:
                    st.error(plain(str(exc)))
                else:
                    clear_caches()
                    st.session_state["depot_flash"] = message
                    st.rerun()

with st.expander("Historique d'une valeur", icon=":material/history:"):
    c1, c2, c3 = st.columns([2, 2, 1])
    ind_code = c1.selectbox(
        "Indicateur",
        [i.code for i in ref.indicators if not i.is_computed],
        placeholder=CHOOSE,
        format_func=lambda c: f"{ref.by_code[c].libelle} ({c})",
        key="depot_h_ind",
    )
    ter_code = c2.selectbox(
        "Territoire",
        list(names),
        placeholder=CHOOSE,
        format_func=lambda c: f"{names[c]} ({c})",
        key="depot_h_ter",
    )
    per_code = c3.selectbox(
        "Période", period_choices(ref, today), placeholder=CHOOSE, format_func=period_label, key="depot_h_per"
    )
    trail = value_trail(ctx.store, ref, ind_code, ter_code, per_code)
    if trail.empty:
        st.write("Aucune valeur enregistrée pour cette combinaison.")
    else:
        show_table(trail.assign(dépôt=trail["dépôt"].map(format_number)), key="depot_trail")
