"""Import into the store: dry run, atomic commit, idempotence, scope, revert, history, templates."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import openpyxl
import pandas as pd
import pytest

from commands.upload import resolve_actor
from db.observations import current_values
from indicators.access import SYSTEM, AccessDenied, Actor
from reports.template import template_csv, template_frame, template_xlsx
from services.accounts import create_user
from services.uploads import (
    ImportRejected,
    batch_history,
    commit_import,
    import_file,
    prepare_import,
    value_trail,
)
from tests import upload_helpers
from tests.upload_helpers import CORPUS, TODAY, table_counts

upload_ref, upload_store = upload_helpers.upload_ref, upload_helpers.upload_store  # fixtures
_upload_template = upload_helpers._upload_template

pytestmark = pytest.mark.both_backends  # DuckDB and PostgreSQL (tests/conftest.py)

HEADER = "territoire;indicateur;periode;valeur;commentaire\n"


def _csv(*rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode("utf-8")


def _current(store, ref, indicateur, territoire, periode):
    values = current_values(store, ref.convention.code)
    row = values[
        (values["indicateur"] == indicateur)
        & (values["territoire"] == territoire)
        & (values["periode"] == periode)
    ]
    return None if row.empty else row.iloc[0]


def test_dry_run_shows_new_changed_unchanged_and_writes_nothing(upload_store, upload_ref):
    import_file(
        upload_store,
        upload_ref,
        _csv("62119;PE_PLACES_ACCUEIL;2026-T3;10;", "62178;PE_PLACES_ACCUEIL;2026-T3;20;"),
        "a.csv",
        SYSTEM,
        today=TODAY,
    )
    before = table_counts(upload_store)
    result = import_file(
        upload_store,
        upload_ref,
        _csv(
            "62119;PE_PLACES_ACCUEIL;2026-T3;10;",
            "62178;PE_PLACES_ACCUEIL;2026-T3;25;",
            "62720;PE_PLACES_ACCUEIL;2026-T3;3;",
            "62758;PE_PLACES_ACCUEIL;2026-T3;;",
        ),
        "b.csv",
        SYSTEM,
        dry_run=True,
        today=TODAY,
    )
    assert table_counts(upload_store) == before
    assert result.plan.counts == {"rows": 4, "new": 1, "changed": 1, "unchanged": 1, "skipped": 1}
    assert result.message == (
        "Essai à blanc, rien n'a été écrit : 1 nouvelle(s) valeur(s), 1 modifiée(s), "
        "1 inchangée(s), 1 non renseignée(s)."
    )
    preview = result.plan.preview(upload_ref)
    # people read the indicator's label; its code comes last, for those who need it
    assert list(preview.columns)[-1] == "code" and set(preview["code"]) <= set(upload_ref.by_code)
    assert list(preview["indicateur"]) == [upload_ref.by_code[c].libelle for c in preview["code"]]
    assert preview[["ligne", "statut", "ancienne valeur", "nouvelle valeur"]].values.tolist() == [
        [3, "modifiée", "20", "25"],
        [4, "nouvelle", "—", "3"],
        [2, "inchangée", "10", "10"],
    ]


def test_every_value_points_to_its_batch(upload_store, upload_ref):
    data = _csv("62119;PE_BONUS_INCLUSION_EAJE;2026;1 234 567,89 €;versé en juin")
    result = import_file(
        upload_store, upload_ref, data, "bonus.csv", Actor("anne", "administrateur"), today=TODAY
    )
    row = _current(upload_store, upload_ref, "PE_BONUS_INCLUSION_EAJE", "62119", "2026")
    assert row["valeur"] == 1234567.89  # double precision: the cents survive
    assert row["commentaire"] == "versé en juin"
    assert int(row["batch_id"]) == result.batch_id
    batch = upload_store.query_df("select * from batches where id = $id", {"id": result.batch_id}).iloc[0]
    assert (batch["author"], batch["filename"], batch["sha256"], batch["kind"], batch["status"]) == (
        "anne",
        "bonus.csv",
        hashlib.sha256(data).hexdigest(),
        "depot",
        "valide",
    )
    audit = upload_store.query_df("select actor, action, objet from audit where action = 'depot'")
    assert audit.values.tolist() == [["anne", "depot", f"dépôt {result.batch_id}"]]


def test_reupload_says_nothing_changed_and_writes_no_batch(upload_store, upload_ref):
    data = _csv("62119;IA_CAFES_PARTENAIRES;2026-T3;3;", "62119;PE_PLACES_ACCUEIL;2026-T3;12;")
    assert import_file(upload_store, upload_ref, data, "t3.csv", SYSTEM, today=TODAY).committed
    before = table_counts(upload_store)
    again = import_file(upload_store, upload_ref, data, "t3-bis.csv", SYSTEM, today=TODAY)
    assert again.batch_id is None
    assert again.message == (
        "Aucune modification : les 2 valeur(s) du fichier sont déjà enregistrées ; aucun dépôt n'a été créé."
    )
    assert table_counts(upload_store) == before


def test_commit_is_all_or_nothing(upload_store, upload_ref):
    plan = prepare_import(
        upload_store,
        upload_ref,
        _csv("62119;PE_PLACES_ACCUEIL;2026-T3;10;", "62178;PE_PLACES_ACCUEIL;2026-T3;20;"),
        "a.csv",
        SYSTEM,
        today=TODAY,
    )
    plan.diff.loc[plan.diff.index[-1], "annee"] = None  # the last row cannot be stored
    before = table_counts(upload_store)
    with pytest.raises((ValueError, TypeError)):
        commit_import(upload_store, upload_ref, plan, SYSTEM)
    assert table_counts(upload_store) == before  # not even the batch row


def test_rejected_plan_cannot_be_committed(upload_store, upload_ref):
    plan = prepare_import(
        upload_store, upload_ref, _csv("62119;PE_PLACES_ACCUEIL;2026-T3;abc;"), "a.csv", SYSTEM, today=TODAY
    )
    with pytest.raises(ImportRejected, match="Fichier refusé"):
        commit_import(upload_store, upload_ref, plan, SYSTEM)


def test_charge_account_file_with_one_row_out_of_scope_is_refused_whole(upload_store, upload_ref):
    create_user(upload_store, SYSTEM, "marie", "charge", ["62119"], password="mot-de-passe-marie-1")
    marie = resolve_actor(upload_store, "marie")
    assert marie == Actor("marie", "charge", frozenset({"62119"}), "ctg-test", ("ctg-test",))
    before = table_counts(upload_store)
    data = (CORPUS / "bad_scope_charge.csv").read_bytes()
    result = import_file(upload_store, upload_ref, data, "scope.csv", marie, today=TODAY)
    assert result.plan.report.flatten(("line", "column", "kind")) == [[4, "territoire", "hors-perimetre"]]
    assert table_counts(upload_store) == before
    # Even a plan validated by someone else cannot be committed by her.
    plan = prepare_import(upload_store, upload_ref, data, "scope.csv", SYSTEM, today=TODAY)
    with pytest.raises(AccessDenied, match="62178"):
        commit_import(upload_store, upload_ref, plan, marie)
    assert table_counts(upload_store) == before
    # Her own territory goes through.
    mine = import_file(
        upload_store, upload_ref, _csv("Béthune;PE_PLACES_ACCUEIL;2026-T3;10;"), "b.csv", marie, today=TODAY
    )
    assert mine.committed


def test_reader_cannot_upload(upload_store, upload_ref):
    result = import_file(
        upload_store,
        upload_ref,
        _csv("62119;PE_PLACES_ACCUEIL;2026-T3;10;"),
        "a.csv",
        Actor("paul", "lecteur"),
        today=TODAY,
    )
    assert result.plan.report.flatten(("kind", "message")) == [
        ["droits-insuffisants", "Le compte « paul » est en lecture seule : dépôt impossible."]
    ]


def test_without_as_the_command_line_acts_as_system(upload_store):
    assert resolve_actor(upload_store, None) == SYSTEM
    with pytest.raises(ValueError, match="inconnu"):
        resolve_actor(upload_store, "personne")


def test_revert_brings_back_previous_values_with_a_trace(upload_store, upload_ref):
    from services.uploads import revert_import

    first = import_file(
        upload_store, upload_ref, _csv("62119;PE_PLACES_ACCUEIL;2026-T3;10;"), "a.csv", SYSTEM, today=TODAY
    )
    second = import_file(
        upload_store,
        upload_ref,
        _csv("62119;PE_PLACES_ACCUEIL;2026-T3;12;"),
        "b.csv",
        Actor("julie", "charge", frozenset({"62119"})),
        today=TODAY,
    )
    assert _current(upload_store, upload_ref, "PE_PLACES_ACCUEIL", "62119", "2026-T3")["valeur"] == 12
    with pytest.raises(AccessDenied, match="administrateurs"):
        revert_import(
            upload_store, upload_ref, second.batch_id, Actor("julie", "charge", frozenset({"62119"}))
        )
    message = revert_import(upload_store, upload_ref, second.batch_id, Actor("anne", "administrateur"))
    assert message.startswith(f"Dépôt n°{second.batch_id} annulé")
    assert _current(upload_store, upload_ref, "PE_PLACES_ACCUEIL", "62119", "2026-T3")["valeur"] == 10
    trail = value_trail(upload_store, upload_ref, "PE_PLACES_ACCUEIL", "62119", "2026-T3")
    assert trail[
        ["valeur", "dépôt", "auteur", "fichier", "statut du dépôt", "en vigueur"]
    ].values.tolist() == [
        ["12", second.batch_id, "julie", "b.csv", "annulé", "non"],
        ["10", first.batch_id, "systeme", "a.csv", "en vigueur", "oui"],
    ]
    history = batch_history(upload_store, upload_ref.convention.code)
    row = history[history["n°"] == second.batch_id].iloc[0]
    assert row["statut"].startswith("annulé par anne le ")
    # Re-uploading the reverted file writes it again (the diff is against current values).
    again = import_file(
        upload_store, upload_ref, _csv("62119;PE_PLACES_ACCUEIL;2026-T3;12;"), "b.csv", SYSTEM, today=TODAY
    )
    assert again.committed and again.plan.counts["changed"] == 1


def test_previous_quarter_in_store_makes_a_warning(upload_store, upload_ref):
    import_file(
        upload_store,
        upload_ref,
        _csv("62119;IA_CAFES_PARTENAIRES;2026-T2;3;", "62178;IA_CAFES_PARTENAIRES;2026-T2;2;"),
        "t2.csv",
        SYSTEM,
        today=TODAY,
    )
    result = import_file(
        upload_store,
        upload_ref,
        _csv("62119;IA_CAFES_PARTENAIRES;2026-T3;30;", "62178;IA_CAFES_PARTENAIRES;2026-T3;9;"),
        "t3.csv",
        SYSTEM,
        today=TODAY,
        dry_run=True,
    )
    assert result.plan.accepted
    # 2 then 9 events is ordinary (less than 10 more); 3 then 30 is worth a look.
    assert result.plan.report.flatten(("line", "kind", "message"), warnings=True) == [
        [
            2,
            "valeur-suspecte",
            "30 est plus de trois fois la valeur de T2 2026 (3) : à vérifier (la valeur est acceptée).",
        ]
    ]


def test_the_clock_decides_what_is_the_future(upload_store, upload_ref):
    data = _csv("62119;PE_PLACES_ACCUEIL;2027-T1;10;")
    early = prepare_import(upload_store, upload_ref, data, "a.csv", SYSTEM, today=dt.date(2026, 12, 31))
    later = prepare_import(upload_store, upload_ref, data, "a.csv", SYSTEM, today=dt.date(2027, 1, 1))
    assert early.report.flatten(("kind",)) == [["periode-future"]]
    assert later.accepted


def test_csv_template_filled_in_lands(upload_store, upload_ref):
    import_file(
        upload_store, upload_ref, _csv("62119;PE_PLACES_ACCUEIL;2026-T2;300;"), "t2.csv", SYSTEM, today=TODAY
    )
    values = current_values(upload_store, upload_ref.convention.code)
    frame = template_frame(upload_ref, ["62119", "SIVOM_TEST"], "2026-T3", values)
    assert frame[["territoire", "indicateur", "periode", "derniere_valeur_connue"]].values.tolist() == [
        ["62119", "PE_PLACES_ACCUEIL", "2026-T3", "300 (T2 2026)"],
        ["62119", "IA_CAFES_PARTENAIRES", "2026-T3", ""],
        ["62119", "F9_COMPLETUDE_OUTIL", "2026-T3", ""],
        ["SIVOM_TEST", "PE_PLACES_ACCUEIL", "2026-T3", ""],
        ["SIVOM_TEST", "IA_CAFES_PARTENAIRES", "2026-T3", ""],
        ["SIVOM_TEST", "F9_COMPLETUDE_OUTIL", "2026-T3", ""],
    ]
    data = template_csv(frame)
    assert data.startswith(b"\xef\xbb\xbfterritoire;nom_territoire;indicateur;")
    filled = data.decode("utf-8-sig").replace(";2026-T3;;;", ";2026-T3;4;;", 2)
    result = import_file(
        upload_store, upload_ref, filled.encode("utf-8-sig"), "modele.csv", SYSTEM, today=TODAY
    )
    assert result.committed, result.message
    assert result.plan.counts == {"rows": 6, "new": 2, "changed": 0, "unchanged": 0, "skipped": 4}


def test_xlsx_template_is_a_real_sheet_and_round_trips(upload_store, upload_ref):
    frame = template_frame(upload_ref, ["200072460"], "2026", None)
    assert list(frame["indicateur"]) == [
        "PE_ENFANTS_MOINS_3",
        "PE_BONUS_INCLUSION_EAJE",
        "BARO_HABITANTS",
        "PE_SCHEMA",
        "POP_MUNICIPALE",
        "IA_PERCEPTION",
    ]
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx(frame, upload_ref)))
    sheet = book["Dépôt"]
    assert [c.value for c in sheet[1]][:7] == [
        "territoire",
        "nom_territoire",
        "indicateur",
        "libelle",
        "unite",
        "periode",
        "valeur",
    ]
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["D"].width == 60
    rules = {(dv.type, str(dv.sqref)) for dv in sheet.data_validations.dataValidation}
    assert ("list", "G5") in rules  # the jalon: oui / non
    assert ("decimal", "G4") in rules  # the baromètre: 0 to 100
    whole = next(dv for dv in sheet.data_validations.dataValidation if dv.type == "whole")
    assert whole.formula1 == "0" and "G2" in str(whole.sqref)
    for row, value in zip(range(2, 8), [950, 1234.5, 72.4, "oui", 140, "-mieux"], strict=True):
        sheet.cell(row, 7).value = value
    buffer = io.BytesIO()
    book.save(buffer)
    result = import_file(upload_store, upload_ref, buffer.getvalue(), "modele.xlsx", SYSTEM, today=TODAY)
    assert result.committed, result.message
    assert result.plan.counts == {"rows": 6, "new": 6, "changed": 0, "unchanged": 0, "skipped": 0}
    text = _current(upload_store, upload_ref, "IA_PERCEPTION", "200072460", "2026")
    assert text["valeur_texte"] == "'-mieux"  # neutralised, can never run as a formula


def test_report_csv_is_for_french_excel(upload_store, upload_ref):
    plan = prepare_import(
        upload_store, upload_ref, (CORPUS / "bad_values.csv").read_bytes(), "bad.csv", SYSTEM, today=TODAY
    )
    data = plan.report.to_csv()
    assert data.startswith("\ufeffligne;colonne;valeur lue;gravité;type;code;message".encode())
    frame = pd.read_csv(io.BytesIO(data), sep=";", encoding="utf-8-sig")
    assert len(frame) == 7 and frame["gravité"].unique().tolist() == ["erreur"]


def test_two_uploads_at_once_in_one_process_both_land(upload_store, upload_ref):
    """Two sessions of the app committing at the same moment (threads sharing the store)."""
    from concurrent.futures import ThreadPoolExecutor

    files = [
        _csv(*(f"{c};IA_CAFES_PARTENAIRES;2026-T{q};{q};" for q in (1, 2, 3))) for c in ("62119", "62178")
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(
            pool.map(
                lambda item: import_file(
                    upload_store, upload_ref, item[1], f"f{item[0]}.csv", SYSTEM, today=TODAY
                ),
                enumerate(files),
            )
        )
    assert all(r.committed for r in results), [r.message for r in results]
    values = current_values(upload_store, upload_ref.convention.code)
    assert (
        len(values[values["indicateur"] == "IA_CAFES_PARTENAIRES"].query("periode.str.startswith('2026-T')"))
        == 6
    )
