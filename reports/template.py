"""The upload template for a territory and a period: CSV for French Excel, or a real XLSX.

One row per indicator expected there and then (collected at the territory's level, not
computed, with the period's periodicity: a quarter lists the quarterly indicators, a
year the yearly and one-off ones), the value left empty, the last known value as a hint.

    >>> data = template_bytes(ref, ["62119"], "2026-T3", values, ".xlsx")
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from indicators.catalogue import Indicator, Reference
from indicators.derived import is_derived
from indicators.formatting import format_number, format_value, neutralise_frame, unit_label
from indicators.periods import Period, PeriodError, parse_period
from indicators.validation import MAX_TEXT
from reports.spreadsheet import csv_bytes

TEMPLATE_SUFFIXES = (".csv", ".xlsx", ".ods")

TEMPLATE_COLUMNS = [
    "territoire",
    "nom_territoire",
    "indicateur",
    "libelle",
    "unite",
    "periode",
    "valeur",
    "commentaire",
    "derniere_valeur_connue",
]
_WIDTHS = {
    "territoire": 12,
    "nom_territoire": 28,
    "indicateur": 30,
    "libelle": 60,
    "unite": 14,
    "periode": 10,
    "valeur": 14,
    "commentaire": 40,
    "derniere_valeur_connue": 24,
}


class TemplateError(ValueError):
    """A template that cannot be produced (unknown territory, bad period...); French message."""


def expected_indicators(ref: Reference, territory: str, period: Period) -> list[Indicator]:
    """The indicators to fill in for a territory and a period, in catalogue order."""
    kinds = {t.code: t.type for t in ref.territories}
    level = kinds[territory]
    wanted = ("trimestrielle",) if period.is_quarter else ("annuelle", "ponctuelle")
    return [
        ind
        for ind in ref.indicators
        if not ind.is_computed
        and not is_derived(ref, ind.code)
        and level in ind.niveaux
        and ind.periodicite in wanted
    ]


def _last_known(values: pd.DataFrame | None, period: Period) -> dict[tuple[str, str], str]:
    """(indicateur, territoire) → `12 (T2 2026)`: the latest value at or before the period."""
    if values is None or values.empty:
        return {}
    frame = values[["indicateur", "territoire", "periode", "valeur", "valeur_texte"]].copy()
    keys = frame["periode"].map(lambda code: parse_period(code).sort_key)
    frame = frame[keys <= period.sort_key].assign(_k=keys)
    frame = frame.sort_values("_k").drop_duplicates(["indicateur", "territoire"], keep="last")
    return {
        (i, t): (vt if isinstance(vt, str) and vt else v, p)
        for i, t, p, v, vt in zip(
            frame["indicateur"],
            frame["territoire"],
            frame["periode"],
            frame["valeur"],
            frame["valeur_texte"],
            strict=True,
        )
    }


def template_frame(
    ref: Reference, territories: Iterable[str], periode: str, values: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The template rows for these territories and this period (raises TemplateError)."""
    try:
        period = parse_period(periode)
    except PeriodError as exc:
        raise TemplateError(str(exc)) from None
    names = {t.code: t.nom for t in ref.territories}
    codes = [str(c).strip() for c in territories if str(c).strip()]
    if not codes:
        raise TemplateError("Indiquer au moins un territoire.")
    unknown = [c for c in codes if c not in names]
    if unknown:
        raise TemplateError(f"Territoire(s) inconnu(s) : {', '.join(unknown)}.")
    hints = _last_known(values, period)
    rows = []
    for code in codes:
        for ind in expected_indicators(ref, code, period):
            hint = hints.get((ind.code, code))
            shown = ""
            if hint is not None:
                number, at = hint
                shown = (
                    number if isinstance(number, str) else format_value(number, ind.unite, " ")
                ) + f" ({parse_period(at).label})"
            rows.append(
                {
                    "territoire": code,
                    "nom_territoire": names[code],
                    "indicateur": ind.code,
                    "libelle": ind.libelle,
                    "unite": unit_label(ind.unite),
                    "periode": period.code,
                    "valeur": "",
                    "commentaire": "",
                    "derniere_valeur_connue": shown,
                }
            )
    if not rows:
        raise TemplateError(
            f"Aucun indicateur à saisir pour {', '.join(codes)} en {period.label} "
            "(niveau ou périodicité sans indicateur)."
        )
    return pd.DataFrame(rows, columns=TEMPLATE_COLUMNS)


def template_csv(frame: pd.DataFrame) -> bytes:
    """The template as CSV: `;` and UTF-8 with BOM, so that French Excel opens it cleanly."""
    return csv_bytes(frame, lineterminator="\r\n")


@dataclass(frozen=True)
class EntryRule:
    """What a spreadsheet accepts in the `valeur` cell of one indicator (written in XLSX and ODS).

    `kind`: `list` (oui/non), `text` (length), `whole` or `decimal` (between `low` and `high`).
    `stop`: the spreadsheet refuses a wrong entry (a `list` only warns: a date is accepted too).
    """

    kind: str
    low: float | None
    high: float | None
    stop: bool
    prompt_title: str
    prompt: str
    error_title: str
    error: str


HELP_LINES = (
    "Dépôt trimestriel de la CTG : mode d'emploi",
    "Remplir la colonne « valeur » (et « commentaire » si utile), une ligne par indicateur.",
    "Nombres : 1234,5 ou 1 234,5 ; montants en euros sans le symbole ou avec (« 110 021,39 € ») ;",
    "pourcentages : 12,5 ou 12,5 % ; jalons : oui, non ou la date de réalisation (JJ/MM/AAAA).",
    "Une valeur laissée vide n'est pas une erreur : elle compte comme non renseignée.",
    "Les colonnes libelle, unite, nom_territoire et derniere_valeur_connue sont ignorées au dépôt.",
    "Déposer ensuite le fichier dans la page « Dépôt trimestriel » (aperçu, puis validation).",
)


def entry_rule(ind: Indicator) -> EntryRule:
    """The input rule of an indicator's value cell, from its catalogue row (type, integer, bounds)."""
    if ind.type == "jalon":
        return EntryRule(
            "list",
            None,
            None,
            False,
            "Jalon",
            "oui, non ou la date de réalisation (JJ/MM/AAAA)",
            "Jalon",
            "Attendu : oui, non ou une date.",
        )
    if ind.type == "qualitatif":
        return EntryRule(
            "text",
            None,
            MAX_TEXT,
            True,
            "Texte",
            f"Texte libre ({MAX_TEXT} caractères au plus)",
            "Texte trop long",
            f"{MAX_TEXT} caractères au plus.",
        )
    words = "un nombre entier" if ind.entier else "un nombre"
    if ind.min is not None and ind.max is not None:
        bounds = f" entre {format_number(ind.min, None, ' ')} et {format_number(ind.max, None, ' ')}"
    elif ind.min is not None:
        bounds = f" supérieur ou égal à {format_number(ind.min, None, ' ')}"
    else:
        bounds = ""
    return EntryRule(
        "whole" if ind.entier else "decimal",
        ind.min if ind.min is not None else -999_999_999_999,
        ind.max if ind.max is not None else 999_999_999_999,
        True,  # Excel and LibreOffice refuse « 2,5 » in a count cell
        "Valeur",
        f"{words.capitalize()}{bounds} ({unit_label(ind.unite)})",
        "Valeur refusée",
        f"Attendu : {words}{bounds}.",
    )


def _validation_for(ind: Indicator):
    """The XLSX data validation of an indicator's value cell (messages shown, errors stop)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    rule = entry_rule(ind)
    common = {
        "allow_blank": True,
        "errorStyle": "stop" if rule.stop else "warning",
        "showErrorMessage": True,  # openpyxl's default (False) makes the validation do nothing
        "showInputMessage": True,
        "promptTitle": rule.prompt_title,
        "prompt": rule.prompt,
        "errorTitle": rule.error_title,
        "error": rule.error,
    }
    if rule.kind == "list":
        return DataValidation(type="list", formula1='"oui,non"', **common)
    if rule.kind == "text":
        return DataValidation(
            type="textLength", operator="lessThanOrEqual", formula1=f"{rule.high:.10g}", **common
        )
    return DataValidation(
        type=rule.kind,
        operator="between",
        formula1=f"{rule.low:.10g}",
        formula2=f"{rule.high:.10g}",
        **common,
    )


def _ods_condition(rule: EntryRule) -> str:
    """The OpenDocument validation condition (the syntax LibreOffice writes itself)."""
    if rule.kind == "list":
        return 'of:cell-content-is-in-list("oui";"non")'
    if rule.kind == "text":
        return f"of:cell-content-text-length()<={rule.high:.10g}"
    kind = "whole-number" if rule.kind == "whole" else "decimal-number"
    return f"of:cell-content-is-{kind}() and cell-content-is-between({rule.low:.10g},{rule.high:.10g})"


def template_ods(frame: pd.DataFrame, ref: Reference) -> bytes:
    """The template as an OpenDocument spreadsheet (LibreOffice's format, common in French public
    bodies): the same columns, widths, header, input rules and « Aide » sheet as the XLSX."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style, TableCellProperties, TableColumnProperties, TextProperties
    from odf.table import (
        ContentValidation,
        ContentValidations,
        ErrorMessage,
        HelpMessage,
        Table,
        TableCell,
        TableColumn,
        TableRow,
    )
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    header = Style(name="entete", family="table-cell")
    header.addElement(TableCellProperties(backgroundcolor="#0072B2"))
    header.addElement(TextProperties(fontweight="bold", color="#FFFFFF"))
    entry = Style(name="saisie", family="table-cell")
    entry.addElement(TableCellProperties(backgroundcolor="#FFF8DC"))
    title = Style(name="titre", family="table-cell")
    title.addElement(TextProperties(fontweight="bold", fontsize="13pt"))
    for style in (header, entry, title):
        doc.automaticstyles.addElement(style)
    widths = {}
    for name, chars in {**_WIDTHS, "aide": 110}.items():
        widths[name] = Style(name=f"col-{name}", family="table-column")
        widths[name].addElement(TableColumnProperties(columnwidth=f"{chars * 0.21:.2f}cm"))
        doc.automaticstyles.addElement(widths[name])

    def cell(value: object, style=None, validation: str | None = None) -> TableCell:
        attrs = {"valuetype": "string"}
        if style is not None:
            attrs["stylename"] = style
        if validation is not None:
            attrs["contentvalidationname"] = validation
        out = TableCell(**attrs)
        text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
        if text:
            out.addElement(P(text=text))
        return out

    validations = ContentValidations()
    names: dict[EntryRule, str] = {}
    sheet = Table(name="Dépôt")
    for name in TEMPLATE_COLUMNS:
        sheet.addElement(TableColumn(stylename=widths[name]))
    row = TableRow()
    for name in TEMPLATE_COLUMNS:
        row.addElement(cell(name, header))
    sheet.addElement(row)
    value_col = TEMPLATE_COLUMNS.index("valeur")
    for number, record in enumerate(frame.itertuples(index=False), start=2):
        rule = entry_rule(ref.by_code[record.indicateur])
        if rule not in names:
            names[rule] = f"regle{len(names) + 1}"
            check = ContentValidation(
                name=names[rule],
                condition=_ods_condition(rule),
                allowemptycell="true",
                basecelladdress=f"'Dépôt'.G{number}",
                displaylist="unsorted" if rule.kind == "list" else "none",
            )
            check.addElement(HelpMessage(title=rule.prompt_title, display="true"))
            check.lastChild.addElement(P(text=rule.prompt))
            check.addElement(
                ErrorMessage(
                    title=rule.error_title, display="true", messagetype="stop" if rule.stop else "warning"
                )
            )
            check.lastChild.addElement(P(text=rule.error))
            validations.addElement(check)
        row = TableRow()
        for position, value in enumerate(record):
            if position == value_col:
                row.addElement(cell(value, entry, names[rule]))
            elif position == value_col + 1:
                row.addElement(cell(value, entry))
            else:
                row.addElement(cell(value))
        sheet.addElement(row)
    doc.spreadsheet.addElement(validations)
    doc.spreadsheet.addElement(sheet)
    help_sheet = Table(name="Aide")
    help_sheet.addElement(TableColumn(stylename=widths["aide"]))
    for index, line in enumerate(HELP_LINES):
        row = TableRow()
        row.addElement(cell(line, title if index == 0 else None))
        help_sheet.addElement(row)
    doc.spreadsheet.addElement(help_sheet)
    buffer = io.BytesIO()
    doc.write(buffer)
    return buffer.getvalue()


def template_xlsx(frame: pd.DataFrame, ref: Reference) -> bytes:
    """The template as a real workbook: header, widths, frozen header, data validation on values."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    sheet = book.active
    sheet.title = "Dépôt"
    sheet.append(TEMPLATE_COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="0072B2")
        cell.alignment = Alignment(vertical="center")
    for position, name in enumerate(TEMPLATE_COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(1, position).column_letter].width = _WIDTHS[name]
    value_col = TEMPLATE_COLUMNS.index("valeur") + 1
    entry = PatternFill("solid", fgColor="FFF8DC")
    rules: dict[str, object] = {}
    for row_number, record in enumerate(frame.itertuples(index=False), start=2):
        sheet.append(list(record))
        sheet.cell(row_number, 1).number_format = "@"  # INSEE codes stay text
        for col in (value_col, value_col + 1):
            sheet.cell(row_number, col).fill = entry
        ind = ref.by_code[record.indicateur]
        key = f"{ind.type}|{ind.entier}|{ind.min}|{ind.max}|{ind.unite}"
        if key not in rules:
            rules[key] = _validation_for(ind)
            sheet.add_data_validation(rules[key])
        rules[key].add(sheet.cell(row_number, value_col))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    help_sheet = book.create_sheet("Aide")
    for line in HELP_LINES:
        help_sheet.append([line])
    help_sheet.column_dimensions["A"].width = 110
    help_sheet["A1"].font = Font(bold=True, size=13)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def template_bytes(
    ref: Reference, territories: Iterable[str], periode: str, values: pd.DataFrame | None, suffix: str
) -> bytes:
    """The template as `.csv`, `.xlsx` or `.ods` bytes (raises TemplateError)."""
    suffix = suffix.lower()
    writers = {".csv": lambda f: template_csv(f), ".xlsx": template_xlsx, ".ods": template_ods}
    if suffix not in TEMPLATE_SUFFIXES:
        raise TemplateError(f"Format « {suffix or '(aucun)'} » non pris en charge : .csv, .xlsx ou .ods.")
    frame = template_frame(ref, territories, periode, values)
    frame = neutralise_frame(frame)  # a last known text value may start like a formula
    return template_csv(frame) if suffix == ".csv" else writers[suffix](frame, ref)


def template_filename(territories: Iterable[str], periode: str, suffix: str) -> str:
    """A file name such as `depot_62119_2026-T3.xlsx`."""
    codes = list(territories)
    who = codes[0] if len(codes) == 1 else f"{len(codes)}-territoires"
    return f"depot_{who}_{parse_period(periode).code}{suffix}"


def period_choices(ref: Reference, today: dt.date) -> list[str]:
    """Periods one may upload today, newest first: started quarters, then started years."""
    first, last = ref.convention.debut.year, ref.convention.fin.year
    quarters = [
        Period(y, q) for y in range(first, last + 1) for q in range(1, 5) if dt.date(y, 3 * q - 2, 1) <= today
    ]
    years = [Period(y) for y in range(first, last + 1) if dt.date(y, 1, 1) <= today]
    return [p.code for p in sorted(quarters, reverse=True)] + [p.code for p in sorted(years, reverse=True)]


def default_period(today: dt.date) -> str:
    """The quarter usually reported: the one before today's quarter."""
    return Period(today.year, (today.month - 1) // 3 + 1).previous().code
