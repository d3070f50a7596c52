"""XLSX read by python-calamine: the same cells as the streamed openpyxl reader, and only
workbooks whose shape calamine can hold are handed to it.

calamine keeps a sheet as a dense rectangle from A1 to its farthest cell and aborts the
whole process (no exception) when that rectangle does not fit in memory: one cell in
XFD1048576 of a 2 KB file is enough. `indicators.upload` scans the sheet's XML first and
gives such a workbook to the streamed reader.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from indicators.upload import Limits, RawTable, _read_xlsx_calamine, _read_xlsx_streamed, read_upload
from tests.test_upload_bombs import _header_row, probe, write_workbook

CORPUS = Path(__file__).resolve().parent / "data" / "uploads"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _both(data: bytes) -> tuple[RawTable, RawTable]:
    fast = _read_xlsx_calamine(data, Limits())
    assert fast is not None, "calamine should read this workbook"
    return fast, _read_xlsx_streamed(data, RawTable(), Limits())


def _cells(table: RawTable) -> list:
    """Every row as (line, {column: cell}), an empty cell read as None whichever the reader."""
    return [(r.line, {k: (None if v == "" else v) for k, v in r.values.items()}) for r in table.rows]


def _same(fast: RawTable, slow: RawTable) -> None:
    assert [(i.kind, i.message, i.line) for i in fast.issues] == [
        (i.kind, i.message, i.line) for i in slow.issues
    ]
    assert (fast.header_line, fast.columns, fast.ignored_columns, fast.sheet) == (
        slow.header_line,
        slow.columns,
        slow.ignored_columns,
        slow.sheet,
    )
    assert _cells(fast) == _cells(slow)


def _workbooks() -> list[str]:
    """The corpus's real workbooks (the others are refused by the zip check before any reader)."""
    names = []
    for path in sorted(CORPUS.glob("*.xlsx")):
        try:
            with zipfile.ZipFile(path) as archive:
                if "xl/workbook.xml" in archive.namelist():
                    names.append(path.name)
        except zipfile.BadZipFile:
            continue
    return names


@pytest.mark.parametrize("name", _workbooks())
def test_corpus_workbooks_read_the_same(name):
    _same(*_both((CORPUS / name).read_bytes()))


def _typed_workbook() -> bytes:
    """Dates, a date-time, percentages, French decimal text, empty and merged cells, a formula,
    a title row, a hidden sheet first: what people's workbooks hold."""
    book = openpyxl.Workbook()
    hidden = book.active
    hidden.title = "listes"
    hidden["A1"] = "territoire"
    hidden.sheet_state = "hidden"
    sheet = book.create_sheet("Valeurs & notes")
    sheet["B1"] = "Dépôt du troisième trimestre"
    for col, name in enumerate(["Territoire", "Indicateur", "Période", "Valeur", "Commentaire"], start=2):
        sheet.cell(3, col, name)
    rows = [
        (62119, "PE_PLACES_ACCUEIL", "2026-T3", "1 234,5", "  espaces autour  "),
        (62178, "F9_COMPLETUDE_OUTIL", "2026-T3", 0.875, None),
        ("200072460", "PE_SCHEMA", 2026, dt.datetime(2026, 9, 15), None),
        ("200072460", "PE_SCHEMA", 2026, dt.datetime(2026, 9, 15, 10, 30), None),
        (62720, "IA_CAFES_PARTENAIRES", "2026-T3", None, "vide"),
        (62720, "IA_CAFES_PARTENAIRES", "2026-T2", 2.5, "=1+1"),
        (62720, "IA_CAFES_PARTENAIRES", "2026-T1", True, "fusionnée"),
        (62720, "IA_CAFES_PARTENAIRES", "2025-T4", 12, None),
    ]
    for line, values in enumerate(rows, start=4):
        for col, value in enumerate(values, start=2):
            sheet.cell(line, col, value)
    sheet["E5"].number_format = "0.0%"
    sheet["E6"].number_format = "DD/MM/YYYY"
    sheet["E11"].number_format = '0" %"'  # any % in the format counts, as openpyxl's number_format
    sheet.merge_cells("F10:F11")
    sheet["H4"] = "=SUM(E4:E5)"  # a formula never computed (openpyxl writes no cached value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_dates_percentages_empty_merged_and_formula_cells_read_the_same():
    fast, slow = _both(_typed_workbook())
    _same(fast, slow)
    cells = dict(_cells(fast))
    assert fast.sheet == "Valeurs & notes" and fast.header_line == 3
    assert cells[5]["valeur"] == "87,5 %"  # a cell shown as 87,5 % holds 0.875
    assert cells[11]["valeur"] == "1200 %"
    assert cells[6]["valeur"] == dt.date(2026, 9, 15)
    assert cells[7]["valeur"] == dt.datetime(2026, 9, 15, 10, 30)
    assert cells[4]["valeur"] == "1 234,5" and cells[4]["commentaire"] == "espaces autour"
    assert cells[4]["territoire"] == 62119 and cells[8]["valeur"] is None


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice absent (scripts/install-system.sh)")
def test_a_workbook_saved_by_libreoffice_reads_the_same(tmp_path):
    source = tmp_path / "source.xlsx"
    source.write_bytes(_typed_workbook())
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(tmp_path / "out"),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    fast, slow = _both((tmp_path / "out" / "source.xlsx").read_bytes())
    _same(fast, slow)
    assert dict(_cells(fast))[5]["valeur"] == "87,5 %"


def test_a_far_cell_goes_to_the_streamed_reader_not_to_calamine(tmp_path):
    """Two cells, A2 and XFD1048576: calamine would ask for 512 GB and abort the process."""

    def body():
        yield _header_row()
        yield b'<row r="2"><c r="A2" t="inlineStr"><is><t>62119</t></is></c></row>'
        yield b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'

    path = write_workbook(tmp_path / "loin.xlsx", [body])
    assert _read_xlsx_calamine(path.read_bytes(), Limits()) is None
    result = probe(path)  # a fresh process: it would die here if calamine were given the file
    assert result["issues"] == [] and result["rows"] == 2
    assert result["peak_mb"] < 300, result


def test_cells_without_references_go_to_the_streamed_reader(tmp_path):
    def body():
        yield _header_row().replace(b' r="1"', b"")
        yield b'<row><c t="inlineStr"><is><t>62119</t></is></c><c><v>3</v></c></row>'

    path = write_workbook(tmp_path / "sans-references.xlsx", [body])
    assert _read_xlsx_calamine(path.read_bytes(), Limits()) is None
    table = read_upload(path.read_bytes(), "sans-references.xlsx")
    assert [r.values["territoire"] for r in table.rows] == ["62119"]
