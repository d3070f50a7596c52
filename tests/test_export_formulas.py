"""Formula injection on the way out: a hostile file name, comment or value never becomes a live
formula in any CSV or XLSX export (values, journal, batch history, validation report)."""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd

import cli
from db.store import Store
from indicators.formatting import FORMULA_PREFIXES, neutralise, neutralise_frame
from services.audit import audit_entries, batch_entries, export_audit
from services.exports import export_bytes
from services.uploads import batch_history
from tests.test_upload_cli import db_env  # noqa: F401
from tests.upload_helpers import UPLOAD_SEED, _upload_template, upload_ref, upload_store  # noqa: F401

HOSTILE_NAME = '=HYPERLINK("http:evil.example";"rapport").csv'  # no slash: a file name


def live_formulas_in_xlsx(data: bytes) -> list[str]:
    """Every cell of every sheet that Excel would run: a formula cell, or a text starting like one."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    found = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("=")):
                    found.append(f"{sheet.title}!{cell.coordinate}: {cell.value}")
    return found


def live_formulas_in_csv(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig")
    return [
        cell
        for row in csv.reader(io.StringIO(text), delimiter=";")
        for cell in row
        if cell.startswith(FORMULA_PREFIXES)
    ]


def test_neutralise_is_one_rule():
    assert neutralise("=1+1") == "'=1+1" and neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("-3") == "'-3" and neutralise("\t=x") == "'\t=x"
    assert neutralise("Béthune") == "Béthune" and neutralise(-3) == -3 and neutralise(None) is None
    frame = pd.DataFrame({"a": ["=x", "ok", None], "n": [1.5, -2.0, 3.0]})
    out = neutralise_frame(frame)
    assert (
        out["a"].tolist()[:2] == ["'=x", "ok"]
        and pd.isna(out["a"].iloc[2])
        and out["n"].tolist() == [1.5, -2.0, 3.0]
    )
    assert frame["a"].tolist()[:2] == ["=x", "ok"]  # the caller's frame is left alone


def test_a_formula_file_name_never_reaches_an_export_as_a_formula(db_env, tmp_path, capsys):  # noqa: F811
    hostile = tmp_path / HOSTILE_NAME
    hostile.write_text(
        "territoire;indicateur;periode;valeur;commentaire\n"
        '62119;IA_CAFES_PARTENAIRES;2026-T3;4;=HYPERLINK("http://x";"ici")\n'
        "62178;IA_CAFES_PARTENAIRES;2026-T3;2;@SUM(1)\n",
        encoding="utf-8",
    )
    assert cli.main(["import", str(hostile)]) == 0, capsys.readouterr()
    capsys.readouterr()
    from indicators.catalogue import load_reference

    ref = load_reference(UPLOAD_SEED)
    with Store(db_env) as store:
        assert store.scalar("select filename from batches where kind = 'depot'") == HOSTILE_NAME
        changes, batches = audit_entries(store), batch_entries(store)
        history = batch_history(store, ref.convention.code)
        values_csv = export_bytes(store, ref, ".csv")
        values_xlsx = export_bytes(store, ref, ".xlsx")
    assert HOSTILE_NAME in batches["Fichier"].tolist()  # shown as it is on the page
    journal_xlsx = export_audit({"Changements": changes, "Lots": batches}, ".xlsx")
    history_xlsx = export_audit({"Historique": history}, ".xlsx")
    assert live_formulas_in_xlsx(journal_xlsx) == []
    assert live_formulas_in_xlsx(history_xlsx) == []
    assert live_formulas_in_xlsx(values_xlsx) == []
    for data in (
        export_audit({"Changements": changes}, ".csv"),
        export_audit({"Lots": batches}, ".csv"),
        export_audit({"Historique": history}, ".csv"),
        values_csv,
    ):
        assert live_formulas_in_csv(data) == []
    # The name is still there, readable, behind its apostrophe.
    book = openpyxl.load_workbook(io.BytesIO(journal_xlsx))
    cells = [c.value for row in book["Lots"].iter_rows() for c in row]
    assert "'" + HOSTILE_NAME in cells


def test_the_validation_report_csv_repeats_no_formula(upload_store, upload_ref):  # noqa: F811
    from indicators.access import SYSTEM
    from services.uploads import prepare_import
    from tests.upload_helpers import TODAY

    data = (
        b"territoire;indicateur;periode;valeur\n"
        b'62119;IA_CAFES_PARTENAIRES;2026-T3;=HYPERLINK("http://x";"rapport")\n'
        b"=1+1;IA_CAFES_PARTENAIRES;2026-T3;3\n"
    )
    plan = prepare_import(upload_store, upload_ref, data, "r.csv", SYSTEM, today=TODAY)
    assert not plan.accepted
    assert live_formulas_in_csv(plan.report.to_csv()) == []
    assert "'=HYPERLINK" in plan.report.to_csv().decode("utf-8-sig")  # the « valeur lue », disarmed
