"""The Journal (services/audit.py over db/audit.py): filters, French tables whose labels come
from indicators/labels.py, exports with user-typed text neutralised."""

from __future__ import annotations

import csv as csv_module
import io
from datetime import date

import openpyxl
import pytest
from argon2 import PasswordHasher

from db import audit as store_audit
from indicators.access import SYSTEM, Actor
from indicators.labels import action_label, batch_kind_label, batch_status_label
from services import accounts as users
from services.audit import (
    AuditExportError,
    AuditFilter,
    audit_actions,
    audit_actors,
    audit_entries,
    batch_entries,
    describe_change,
    export_audit,
)
from services.uploads import import_file, revert_import

pytestmark = pytest.mark.both_backends  # DuckDB and PostgreSQL (tests/conftest.py)

SECRET = "Tr3s-Secret-Mot-De-Passe"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    """Real argon2id with light parameters, so that the tests stay fast."""
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def test_audit_filters_and_exports(mini_store):
    users.create_user(mini_store, SYSTEM, "marie", "lecteur", password=SECRET)
    users.create_user(mini_store, Actor("chef", "administrateur"), "lea", "lecteur", password=SECRET)
    users.disable_user(mini_store, SYSTEM, "lea")
    everything = audit_entries(mini_store)
    assert everything.columns.tolist() == [
        "Date",
        "Compte",
        "Canal",
        "Action",
        "Objet",
        "Changement",
        "Avant",
        "Après",
    ]
    by_chef = audit_entries(mini_store, AuditFilter(actor="chef"))
    assert by_chef["Objet"].tolist() == ["compte lea"]
    disabled = audit_entries(mini_store, AuditFilter(action="desactivation_compte"))
    assert disabled[["Compte", "Action", "Changement"]].values.tolist() == [
        ["systeme", "Désactivation d'un compte", "actif : oui → non"]
    ]
    assert audit_entries(mini_store, AuditFilter(end=date(2000, 1, 1))).empty
    assert len(audit_entries(mini_store, AuditFilter(start=date.today(), end=date.today()))) == len(
        everything
    )
    assert {"chef", "systeme"} <= set(audit_actors(mini_store))
    assert "creation_compte" in audit_actions(mini_store)
    batches = batch_entries(mini_store)
    assert batches["Nature"].tolist() == ["Référentiel de la convention"] and "nan" not in batches.to_csv()

    csv = export_audit({"Changements": everything}, ".csv")
    assert csv.startswith("\ufeff".encode()) and "Désactivation d'un compte".encode() in csv
    assert csv.decode("utf-8-sig").splitlines()[0].startswith("Date;Compte;Canal;Action")
    book = openpyxl.load_workbook(
        io.BytesIO(export_audit({"Changements": everything, "Lots": batches}, ".xlsx"))
    )
    assert book.sheetnames == ["Changements", "Lots"]
    assert book["Changements"].max_row == len(everything) + 1
    assert SECRET not in csv.decode("utf-8-sig")


def test_raw_rows_come_from_the_store_untranslated(mini_store):
    users.create_user(mini_store, SYSTEM, "marie", "lecteur", password=SECRET)
    everything = (date(1900, 1, 1), date(9999, 1, 1))
    from datetime import datetime

    start, end = (datetime.combine(d, datetime.min.time()) for d in everything)
    rows = store_audit.audit_rows(mini_store, start, end, action="creation_compte")
    assert rows.columns.tolist() == [
        "happened_at",
        "actor",
        "action",
        "objet",
        "avant",
        "apres",
        "canal",
        "utilisateur_systeme",
    ]
    assert rows["action"].tolist() == ["creation_compte"]  # a code: the French label is the service's
    batches = store_audit.batch_rows(mini_store, start, end)
    assert batches["kind"].tolist() == ["reference"] and batches["status"].tolist() == ["valide"]
    assert "creation_compte" in store_audit.action_codes(mini_store)
    assert "marie" not in store_audit.actor_logins(mini_store)  # created by, not acting
    assert "systeme" in store_audit.actor_logins(mini_store)


def test_a_batch_reads_with_the_one_labels_module(mini_store, mini_ref):
    data = b"territoire;indicateur;periode;valeur\n62119;IA_CAFES_PARTENAIRES;2026-T3;3\n"
    result = import_file(mini_store, mini_ref, data, "t3.csv", SYSTEM, today=date(2026, 11, 29))
    revert_import(mini_store, mini_ref, result.batch_id, SYSTEM)
    row = batch_entries(mini_store).set_index("N°").loc[result.batch_id]
    assert row["Nature"] == "Dépôt de fichier" == batch_kind_label("depot").capitalize()
    assert row["Statut"] == batch_status_label("annule") == "annulé"
    assert row["Statut changé par"] == "systeme"
    changes = audit_entries(mini_store, AuditFilter(action="annulation_depot"))
    assert changes["Action"].tolist() == [action_label("annulation_depot")]
    assert audit_actions(mini_store) == sorted(audit_actions(mini_store), key=action_label)


def test_describe_change():
    assert (
        describe_change('{"role": "lecteur"}', '{"role": "charge"}')
        == "rôle : lecteur (COPIL) → chargé de coopération"
    )
    assert describe_change(None, '["62119"]') == '— → ["62119"]'
    assert describe_change(None, None) == "—"
    assert describe_change('{"actif": true}', '{"actif": true}') == "aucun changement"


def test_exports_neutralise_formulas_typed_by_users(mini_store, mini_ref):
    """A file named like a formula, or a comment starting with `=`, reaches no spreadsheet as one."""
    data = b"territoire;indicateur;periode;valeur\n62119;IA_CAFES_PARTENAIRES;2026-T3;3\n"
    import_file(
        mini_store, mini_ref, data, '=HYPERLINK("http://x","y").csv', SYSTEM, today=date(2026, 11, 29)
    )
    batches = batch_entries(mini_store)
    assert batches["Fichier"].iloc[0].startswith("=HYPERLINK")  # shown as typed on the page
    csv = export_audit({"Lots": batches}, ".csv").decode("utf-8-sig")
    fields = [f for row in csv_module.reader(io.StringIO(csv), delimiter=";") for f in row]
    assert '\'=HYPERLINK("http://x","y").csv' in fields
    assert not any(f.startswith(("=", "+", "@")) for f in fields)
    book = openpyxl.load_workbook(io.BytesIO(export_audit({"Lots": batches}, ".xlsx")))
    cells = [c.value for row in book["Lots"].iter_rows(min_row=2) for c in row]
    assert '\'=HYPERLINK("http://x","y").csv' in cells
    assert not any(isinstance(v, str) and v.startswith("=") for v in cells)
    with pytest.raises(AuditExportError, match="« .pdf » non pris en charge"):
        export_audit({"Lots": batches}, ".pdf")


def test_a_batch_status_reads_the_same_on_the_journal_and_the_upload_page():
    """One wording for « who changed a batch's status, when » (indicators.labels)."""
    from datetime import datetime

    from indicators.labels import batch_status_text

    when = datetime(2026, 12, 2, 14, 5)
    assert batch_status_text("annule", "marie", when) == "annulé par marie le 02/12/2026 14:05"
    assert batch_status_text("annulé", "marie", "02/12/2026 14:05") == "annulé par marie le 02/12/2026 14:05"
    assert batch_status_text("valide", None, None) == "en vigueur"
    assert batch_status_text("valide", "—", "—") == "en vigueur"
    assert batch_status_text("valide", float("nan"), float("nan")) == "en vigueur"
    import pandas as pd

    assert batch_status_text("annule", "marie", pd.NaT) == "annulé par marie"  # never « NaT »
