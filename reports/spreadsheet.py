"""Excel workbooks as bytes, written straight with xlsxwriter.

pandas' `to_excel` formats cell by cell and took 5 s for 18 000 rows; writing rows directly
takes about 1.5 s. Every sheet gets a bold frozen header, a filter and column widths.
Texts are written as texts (`strings_to_formulas` off) after `neutralise_frame`: nothing a
user typed (a comment, a file name, a login) can run as a formula in Excel or LibreOffice.
"""

from __future__ import annotations

import io

import pandas as pd
import xlsxwriter

from indicators.formatting import neutralise_frame


def _width(frame: pd.DataFrame, column: str) -> int:
    sample = frame[column].head(200).astype(str)
    longest = max([len(str(column)), *sample.str.len().tolist()]) if len(sample) else len(str(column))
    return min(longest + 2, 60)


def xlsx_bytes(sheets: dict[str, pd.DataFrame], widths: dict[str, int] | None = None) -> bytes:
    """A workbook with one sheet per frame (names cut to Excel's 31 characters).

    `widths` sets column widths by column name; other columns are sized on their content.
    Missing values are left as empty cells.
    """
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "nan_inf_to_errors": True,
            "default_date_format": "dd/mm/yyyy hh:mm",
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F5F8", "bottom": 1})
    for name, raw in sheets.items():
        frame = neutralise_frame(raw)
        sheet = workbook.add_worksheet(name[:31])
        sheet.write_row(0, 0, [str(c) for c in frame.columns], bold)
        clean = frame.astype(object).where(frame.notna(), None)
        for index, row in enumerate(clean.itertuples(index=False, name=None), start=1):
            sheet.write_row(index, 0, row)
        sheet.freeze_panes(1, 0)
        if len(frame.columns):
            sheet.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)
        for index, column in enumerate(frame.columns):
            sheet.set_column(index, index, (widths or {}).get(column) or _width(frame, column))
    workbook.close()
    return buffer.getvalue()


def csv_bytes(frame: pd.DataFrame, *, decimal: str = ".", lineterminator: str | None = None) -> bytes:
    """A CSV for French Excel (`;`, UTF-8 with BOM) whose texts cannot run as formulas."""
    return (
        neutralise_frame(frame)
        .to_csv(sep=";", decimal=decimal, index=False, lineterminator=lineterminator)
        .encode("utf-8-sig")
    )
