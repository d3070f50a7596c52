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

import pandas as pd

from indicators.catalogue import Indicator, Reference
from indicators.derived import is_derived
from indicators.formatting import format_number, format_value, neutralise_frame, unit_label
from indicators.periods import Period, PeriodError, parse_period
from reports.spreadsheet import csv_bytes

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


def _validation_for(ind: Indicator):
    from openpyxl.worksheet.datavalidation import DataValidation

    if ind.type == "jalon":
        return DataValidation(
            type="list",
            formula1='"oui,non"',
            allow_blank=True,
            errorStyle="warning",
            promptTitle="Jalon",
            prompt="oui, non ou la date de réalisation (JJ/MM/AAAA)",
            errorTitle="Jalon",
            error="Attendu : oui, non ou une date.",
        )
    if ind.type == "qualitatif":
        return DataValidation(
            type="textLength",
            operator="lessThanOrEqual",
            formula1="4000",
            allow_blank=True,
            prompt="Texte libre (4000 caractères au plus)",
        )
    kind = "whole" if ind.entier else "decimal"
    words = "un nombre entier" if ind.entier else "un nombre"
    low = ind.min if ind.min is not None else -999_999_999_999
    high = ind.max if ind.max is not None else 999_999_999_999
    if ind.min is not None and ind.max is not None:
        bounds = f" entre {format_number(ind.min, None, ' ')} et {format_number(ind.max, None, ' ')}"
    elif ind.min is not None:
        bounds = f" supérieur ou égal à {format_number(ind.min, None, ' ')}"
    else:
        bounds = ""
    return DataValidation(
        type=kind,
        operator="between",
        formula1=f"{low:.10g}",
        formula2=f"{high:.10g}",
        allow_blank=True,
        errorTitle="Valeur refusée",
        error=f"Attendu : {words}{bounds}.",
        prompt=f"{words.capitalize()}{bounds} ({unit_label(ind.unite)})",
    )


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
    for line in (
        "Dépôt trimestriel de la CTG : mode d'emploi",
        "Remplir la colonne « valeur » (et « commentaire » si utile), une ligne par indicateur.",
        "Nombres : 1234,5 ou 1 234,5 ; montants en euros sans le symbole ou avec (« 110 021,39 € ») ;",
        "pourcentages : 12,5 ou 12,5 % ; jalons : oui, non ou la date de réalisation (JJ/MM/AAAA).",
        "Une valeur laissée vide n'est pas une erreur : elle compte comme non renseignée.",
        "Les colonnes libelle, unite, nom_territoire et derniere_valeur_connue sont ignorées au dépôt.",
        "Déposer ensuite le fichier dans la page « Dépôt trimestriel » (aperçu, puis validation).",
    ):
        help_sheet.append([line])
    help_sheet.column_dimensions["A"].width = 110
    help_sheet["A1"].font = Font(bold=True, size=13)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def template_bytes(
    ref: Reference, territories: Iterable[str], periode: str, values: pd.DataFrame | None, suffix: str
) -> bytes:
    """The template as `.csv` or `.xlsx` bytes (raises TemplateError)."""
    suffix = suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise TemplateError(f"Format « {suffix or '(aucun)'} » non pris en charge : .csv ou .xlsx.")
    frame = template_frame(ref, territories, periode, values)
    frame = neutralise_frame(frame)  # a last known text value may start like a formula
    return template_csv(frame) if suffix == ".csv" else template_xlsx(frame, ref)


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
