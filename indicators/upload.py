"""Reading an uploaded file (CSV or XLSX) tolerantly into raw rows, before validation.

What French users send: CSV saved by Excel or LibreOffice (UTF-8 with or without BOM,
cp1252), separated by `;`, `,` or tabs, numbers written `1 234,5` or `1.234,5 €`,
headers typed by hand (`Code commune`, `Période`); or a real `.xlsx` workbook.
`read_upload` never raises on bad content: file-level problems come back as issues, so
that the validation report lists them like any other error.

    >>> table = read_upload(b"territoire;indicateur;periode;valeur\\n62119;X;2026-T3;1 234,5\\n", "f.csv")
    >>> table.rows[0].values["valeur"]
    '1 234,5'
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath

from indicators.formatting import format_number

# Canonical columns: the first four are required, commentaire is optional.
REQUIRED_COLUMNS = ("territoire", "indicateur", "periode", "valeur")
COLUMNS = (*REQUIRED_COLUMNS, "commentaire")

# Headers are compared once normalised (lower case, no accents, letters and digits only).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "territoire": (
        "territoire",
        "territoires",
        "commune",
        "codeinsee",
        "codecommune",
        "insee",
        "codeterritoire",
        "codeinseecommune",
    ),
    "indicateur": ("indicateur", "indicateurs", "codeindicateur"),
    "periode": ("periode", "periodes", "trimestre", "periodedereference", "annee"),
    "valeur": ("valeur", "valeurs", "valeursaisie", "value"),
    "commentaire": ("commentaire", "commentaires", "remarque", "remarques", "observation", "observations"),
}
_ALIAS_TO_COLUMN = {alias: col for col, aliases in HEADER_ALIASES.items() for alias in aliases}

SEPARATORS = (";", "\t", ",")
SUPPORTED_SUFFIXES = (".csv", ".txt", ".xlsx")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007']+")
_GROUPED = {sep: re.compile(r"[-+]?\d{1,3}(" + re.escape(sep) + r"\d{3})+") for sep in ",."}
_PLAIN = re.compile(r"-?\d+(\.\d+)?")
_PLAIN_FR = re.compile(r"-?\d+,\d+")
_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")
_HEADER_SCAN = 10  # the header is looked for among the first non-blank rows


@dataclass(frozen=True)
class FileIssue:
    """A problem with the file as a whole (or its header): kind, French message, line, column."""

    kind: str
    message: str
    line: int | None = None
    column: str | None = None
    value: str = ""


@dataclass
class RawRow:
    """One non-blank data row: its line in the file and its cells by canonical column."""

    line: int
    values: dict[str, object]


@dataclass
class RawTable:
    """What was read from the file: rows, file-level issues and how it was read."""

    rows: list[RawRow] = field(default_factory=list)
    issues: list[FileIssue] = field(default_factory=list)
    header_line: int | None = None
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> header as written
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str | None = None
    separator: str | None = None
    sheet: str | None = None

    @property
    def readable(self) -> bool:
        """True when the file could be read as a table with the required columns."""
        return not self.issues


# -- small text helpers -------------------------------------------------------------------
def normalise_key(text: object) -> str:
    """Lower case, accents removed, letters and digits only (`Code Commune` → `codecommune`)."""
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(c for c in stripped.lower() if c.isalnum())


def column_of_header(header: object) -> str | None:
    """The canonical column a header stands for, or None when it is an extra column."""
    return _ALIAS_TO_COLUMN.get(normalise_key(header))


def parse_number(value: object) -> float:
    """Read a number written the French or the English way; raise ValueError otherwise.

    Accepts `1 234,5`, `1.234,5`, `1,234.5`, `12.5`, `110 021,39 €`, `12,5 %`, `−3`.

    >>> parse_number("1.234,5 €")
    1234.5
    """
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    if _PLAIN.fullmatch(text):  # fast path: 12, -3, 12.5
        return float(text)
    if _PLAIN_FR.fullmatch(text):  # 12,5
        return float(text.replace(",", "."))
    text = text.replace("\u2212", "-")
    text = text.removesuffix("€").removesuffix("%").strip().removesuffix("€").strip()
    text = text.removeprefix("€").strip()
    text = _SPACES.sub("", text)
    if not text:
        raise ValueError(value)
    has_comma, has_dot = "," in text, "." in text
    if has_comma and has_dot:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        grouping = "." if decimal == "," else ","
        whole, _, fraction = text.rpartition(decimal)
        if not _GROUPED[grouping].fullmatch(whole):
            raise ValueError(value)
        text = whole.replace(grouping, "") + "." + fraction
    elif has_comma or has_dot:
        mark = "," if has_comma else "."
        if text.count(mark) > 1:  # 1.234.567: thousands only
            if not _GROUPED[mark].fullmatch(text):
                raise ValueError(value)
            text = text.replace(mark, "")
        else:
            text = text.replace(",", ".")
    if not _NUMBER.fullmatch(text):
        raise ValueError(value)
    return float(text)


def cell_text(value: object) -> str:
    """A cell as text for codes and periods: `62119.0` → `62119`, None → ``."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.15g}".replace(".", ",")
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value).strip()


def _is_blank(cells: list[object]) -> bool:
    # cells are stripped when read: blank means None or ""
    return all(c is None or c == "" for c in cells)


# -- decoding ---------------------------------------------------------------------------------
def decode(data: bytes) -> tuple[str, str]:
    """Decode text bytes: UTF-8 (with or without BOM), else cp1252, else latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def _looks_binary(data: bytes) -> bool:
    head = data[:4096]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls > len(head) * 0.05


def sniff_separator(lines: list[str]) -> str | None:
    """The separator of the first non-blank lines: the one splitting the header most often."""
    sample = [line for line in lines if line.strip()][:5]
    if not sample:
        return None
    best, best_count = SEPARATORS[0], 0
    for sep in SEPARATORS:
        count = sum(1 for _ in csv.reader([sample[0]], delimiter=sep).__next__()) - 1
        if count > best_count:
            best, best_count = sep, count
    return best


# -- header -----------------------------------------------------------------------------------
def _locate_header(rows: list[tuple[int, list[object]]]) -> tuple[int, dict[str, int], list[str]] | None:
    """Index (in rows), canonical → position, extra headers; the row mapping most columns."""
    best = None
    for index, (_line, cells) in enumerate(rows[:_HEADER_SCAN]):
        mapping: dict[str, int] = {}
        extras: list[str] = []
        for position, cell in enumerate(cells):
            column = column_of_header(cell)
            if column is None:
                if cell_text(cell):
                    extras.append(cell_text(cell))
                continue
            exact = normalise_key(cell) == column
            if column not in mapping or (exact and normalise_key(cells[mapping[column]]) != column):
                mapping[column] = position
        score = sum(1 for c in REQUIRED_COLUMNS if c in mapping)
        if score and (best is None or score > best[0]):
            best = (score, index, mapping, extras)
        if score == len(REQUIRED_COLUMNS):
            break
    if best is None:
        return None
    return best[1], best[2], best[3]


def _tabulate(rows: list[tuple[int, list[object]]], table: RawTable, max_rows: int) -> RawTable:
    rows = [(line, cells) for line, cells in rows if not _is_blank(cells)]
    if not rows:
        table.issues.append(FileIssue("fichier-vide", "Le fichier ne contient aucune ligne."))
        return table
    found = _locate_header(rows)
    if found is None:
        table.issues.append(
            FileIssue(
                "colonnes-manquantes",
                "Aucune ligne d'en-tête reconnue : le fichier doit avoir les colonnes territoire, "
                "indicateur, periode, valeur (et commentaire, facultative).",
                line=rows[0][0],
            )
        )
        return table
    index, mapping, extras = found
    header_line, header_cells = rows[index]
    table.header_line = header_line
    table.columns = {c: cell_text(header_cells[p]) for c, p in mapping.items()}
    table.ignored_columns = extras
    missing = [c for c in REQUIRED_COLUMNS if c not in mapping]
    for column in missing:
        table.issues.append(
            FileIssue(
                "colonne-manquante",
                f"Colonne « {column} » absente de l'en-tête.",
                line=header_line,
                column=column,
            )
        )
    if missing:
        return table
    data = rows[index + 1 :]
    if not data:
        table.issues.append(
            FileIssue(
                "fichier-vide",
                "Le fichier ne contient que l'en-tête, aucune ligne de valeurs.",
                line=header_line,
            )
        )
        return table
    if len(data) > max_rows:
        table.issues.append(
            FileIssue(
                "trop-de-lignes", f"Le fichier compte {len(data)} lignes : au plus {max_rows} par dépôt."
            )
        )
        return table
    for line, cells in data:
        values = {c: (cells[p] if p < len(cells) else None) for c, p in mapping.items()}
        table.rows.append(RawRow(line=line, values=values))
    return table


# -- CSV -------------------------------------------------------------------------------------
def _read_csv(data: bytes, table: RawTable, max_rows: int) -> RawTable:
    if _looks_binary(data):
        table.issues.append(
            FileIssue("fichier-illisible", "Le fichier n'est pas un fichier texte (CSV) lisible.")
        )
        return table
    text, table.encoding = decode(data)
    separator = sniff_separator(text[:65536].splitlines())
    if separator is None:
        table.issues.append(FileIssue("fichier-vide", "Le fichier ne contient aucune ligne."))
        return table
    table.separator = separator
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    rows: list[tuple[int, list[object]]] = []
    start = 1
    try:
        for cells in reader:
            stripped = [c.strip() for c in cells]
            if any(stripped):  # blank lines are skipped, line numbers kept
                rows.append((start, stripped))
            start = reader.line_num + 1
            if len(rows) > max_rows + _HEADER_SCAN + 1000:
                break  # enough to say it is too long, without reading a huge file
    except csv.Error as exc:
        table.issues.append(
            FileIssue(
                "fichier-illisible", f"CSV illisible ligne {reader.line_num} : {exc}.", line=reader.line_num
            )
        )
        return table
    if not any(len(cells) > 1 for _, cells in rows):
        table.issues.append(
            FileIssue(
                "non-tabulaire",
                "Le fichier n'est pas un tableau : aucune colonne séparée par « ; », « , » ou une tabulation.",
            )
        )
        return table
    return _tabulate(rows, table, max_rows)


# -- XLSX ------------------------------------------------------------------------------------
def _xlsx_cell(cell) -> object:
    value = cell.value
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
        return f"{value * 100:.10g} %".replace(".", ",")  # a cell shown as 12,5 % holds 0.125
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, str):
        return value.strip()
    return value


def _read_xlsx(data: bytes, table: RawTable, max_rows: int) -> RawTable:
    import openpyxl  # imported here: reading a CSV should not pay for it

    invalid = FileIssue(
        "classeur-invalide",
        "Le fichier .xlsx n'est pas un classeur Excel valide (fichier renommé ou abîmé ?).",
    )
    if not data.startswith(b"PK"):
        table.issues.append(invalid)
        return table
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        table.issues.append(invalid)
        return table
    except Exception:  # openpyxl raises many kinds on a damaged workbook
        table.issues.append(invalid)
        return table
    try:
        first: RawTable | None = None
        for sheet in workbook.worksheets:
            if getattr(sheet, "sheet_state", "visible") != "visible":
                continue
            attempt = RawTable(encoding="xlsx", sheet=sheet.title)
            rows: list[tuple[int, list[object]]] = []
            for line, cells in enumerate(sheet.iter_rows(), start=1):
                rows.append((line, [_xlsx_cell(c) for c in cells]))
                if len(rows) > max_rows + _HEADER_SCAN + 1000:
                    break
            _tabulate(rows, attempt, max_rows)
            if attempt.header_line is not None and not any(
                i.kind == "colonne-manquante" for i in attempt.issues
            ):
                return attempt
            first = first or attempt
    finally:
        workbook.close()
    if first is None:
        table.issues.append(FileIssue("fichier-vide", "Le classeur ne contient aucune feuille visible."))
        return table
    return first


# -- entry point ---------------------------------------------------------------------------------
def read_upload(
    data: bytes, filename: str, *, max_bytes: int = 10 * 1024 * 1024, max_rows: int = 50_000
) -> RawTable:
    """Read an uploaded CSV or XLSX into raw rows; file-level problems come back as issues."""
    table = RawTable()
    suffix = PurePath(filename or "").suffix.lower()
    if len(data) > max_bytes:
        size = format_number(round(len(data) / 1_048_576, 1), None, " ")
        table.issues.append(
            FileIssue(
                "fichier-trop-volumineux",
                f"Le fichier pèse {size} Mo : au plus {format_number(round(max_bytes / 1_048_576, 1), None, ' ')} Mo "
                "par dépôt.",
            )
        )
        return table
    if not data.strip():
        table.issues.append(FileIssue("fichier-vide", "Le fichier est vide."))
        return table
    is_zip = data.startswith(b"PK\x03\x04")
    if suffix == ".xlsx" or (suffix == "" and is_zip):
        return _read_xlsx(data, table, max_rows)
    if suffix not in SUPPORTED_SUFFIXES and (suffix or is_zip):
        table.issues.append(
            FileIssue(
                "format-non-pris-en-charge",
                f"Format « {suffix or 'inconnu'} » non pris en charge : enregistrer le tableau "
                "en .xlsx ou en .csv.",
            )
        )
        return table
    return _read_csv(data, table, max_rows)
