"""Reading an uploaded file (CSV, TSV, XLSX or ODS) tolerantly into raw rows, before validation.

What French users send: CSV saved by Excel or LibreOffice (UTF-8 with or without BOM,
cp1252), separated by `;`, `,` or tabs (`.tsv` from a shared spreadsheet), numbers written
`1 234,5` or `1.234,5 €`, headers typed by hand (`Code commune`, `Période`); or a real
`.xlsx` (Excel) or `.ods` (LibreOffice) workbook.
`read_upload` never raises on bad content: file-level problems come back as issues, so
that the validation report lists them like any other error.

Reading is bounded (`Limits`): the size is checked before anything is read; a workbook is a
zip whose central directory gives each part's uncompressed size, so a workbook past the
limits on uncompressed size, shared strings or sheets is refused before any XML is parsed,
and the zip reader itself never inflates a part beyond its declared size (a lying size is
a CRC error). Rows are streamed (openpyxl read-only for `.xlsx`, `iterparse` for `.ods`),
only the sheet holding the header is read whole, rows past the limit are counted, not kept.

    >>> table = read_upload(b"territoire;indicateur;periode;valeur\\n62119;X;2026-T3;1 234,5\\n", "f.csv")
    >>> table.rows[0].values["valeur"]
    '1 234,5'
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import itertools
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import PurePath

import numpy as np
import pandas as pd

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
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
WORKBOOK_SUFFIXES = (".xlsx", ".ods")
SUPPORTED_SUFFIXES = (*TEXT_SUFFIXES, *WORKBOOK_SUFFIXES)
MEGABYTE = 1_048_576
EXCEL_MAX_CELL = 32_767  # Excel's own limit on the characters of a cell
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007']+")
_GROUPED = {sep: re.compile(r"[-+]?\d{1,3}(" + re.escape(sep) + r"\d{3})+") for sep in ",."}
_PLAIN = re.compile(r"-?\d+(\.\d+)?")
_PLAIN_FR = re.compile(r"-?\d+,\d+")
_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")
_HEADER_SCAN = 10  # the header is looked for among the first non-blank rows


@dataclass(frozen=True)
class Limits:
    """How much of a file is read at most (settings: `CTG_UPLOAD_*`)."""

    max_bytes: int = 10 * MEGABYTE
    max_rows: int = 50_000
    max_unpacked_bytes: int = 64 * MEGABYTE  # every part of a workbook, uncompressed
    max_shared_strings_bytes: int = 32 * MEGABYTE  # the shared-strings table of an .xlsx
    max_sheets: int = 20
    max_cell_chars: int = EXCEL_MAX_CELL


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
    """What was read from the file: its cells as columns, file-level issues and how it was read.

    `frame` holds one row per non-blank data row: `ligne` (its line in the file) and the
    canonical columns the header names, each cell as read (text, number, date), object
    columns. `rows` gives the same rows one by one (built when first asked).
    """

    frame: pd.DataFrame | None = None
    issues: list[FileIssue] = field(default_factory=list)
    header_line: int | None = None
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> header as written
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str | None = None
    separator: str | None = None
    sheet: str | None = None
    positions: dict[str, int] = field(default_factory=dict, repr=False)  # canonical -> cell index

    @property
    def readable(self) -> bool:
        """True when the file could be read as a table with the required columns."""
        return not self.issues

    @property
    def rows(self) -> list[RawRow]:
        """The data rows one by one: line and cells by canonical column."""
        if self.frame is None or self.frame.empty:
            return []
        names = [c for c in self.frame.columns if c != "ligne"]
        lines = self.frame["ligne"].tolist()
        cells = [self.frame[c].tolist() for c in names]
        return [
            RawRow(line=int(line), values=dict(zip(names, values, strict=True)))
            for line, *values in zip(lines, *cells, strict=True)
        ]


def cells_frame(lines: list[int], columns: dict[str, list[object]]) -> pd.DataFrame:
    """The frame of a RawTable: `ligne`, then each canonical column as an object column."""
    frame = pd.DataFrame({"ligne": np.asarray(lines, dtype=np.int64)})
    for name, values in columns.items():
        column = np.empty(len(values), dtype=object)
        column[:] = values
        frame[name] = pd.Series(column, dtype=object, copy=False)
    return frame


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


# -- limits ----------------------------------------------------------------------------------
def _megabytes(size: int) -> str:
    return format_number(round(size / MEGABYTE, 1), None, " ")


def size_issue(size: int, max_bytes: int) -> FileIssue | None:
    """The « fichier trop volumineux » issue for a file of `size` bytes, or None within the limit.

    The command line calls it on the file's size before reading it.
    """
    if size <= max_bytes:
        return None
    return FileIssue(
        "fichier-trop-volumineux",
        f"Le fichier pèse {_megabytes(size)} Mo : au plus {_megabytes(max_bytes)} Mo par dépôt.",
    )


def _too_many_rows(count: int, max_rows: int) -> FileIssue:
    return FileIssue(
        "trop-de-lignes",
        f"Le fichier compte {format_number(count, None, ' ')} lignes : "
        f"au plus {format_number(max_rows, None, ' ')} par dépôt.",
    )


class _TooLong(Exception):
    """A cell longer than the limit: reading stops at once."""

    def __init__(self, line: int, length: int) -> None:
        self.line, self.length = line, length


def _cell_issue(exc: _TooLong, limit: int) -> FileIssue:
    return FileIssue(
        "texte-trop-long",
        f"Une cellule de la ligne {exc.line} compte {format_number(exc.length, None, ' ')} caractères : "
        f"au plus {format_number(limit, None, ' ')} par cellule.",
        line=exc.line,
    )


def _check_cells(line: int, cells: list[object], limit: int) -> None:
    for cell in cells:
        if isinstance(cell, str) and len(cell) > limit:
            raise _TooLong(line, len(cell))


# -- rows to a table ---------------------------------------------------------------------------
class _Collector:
    """Keeps the first non-blank rows (enough for the header and the limit), counts the rest."""

    def __init__(self, limits: Limits) -> None:
        self.keep = limits.max_rows + _HEADER_SCAN + 1
        self.cell_limit = limits.max_cell_chars
        self.rows: list[tuple[int, list[object]]] = []
        self.count = 0

    def add(self, line: int, cells: list[object], times: int = 1) -> None:
        """One row (or `times` identical rows from `line` on: an .ods repeats rows that way)."""
        if _is_blank(cells):
            return
        _check_cells(line, cells, self.cell_limit)
        self.count += times
        for offset in range(min(times, self.keep - len(self.rows))):
            self.rows.append((line + offset, list(cells)))


def _tabulate(
    rows: list[tuple[int, list[object]]], table: RawTable, max_rows: int, total: int | None = None
) -> RawTable:
    """Find the header among `rows` (non-blank, with their line) and keep the data rows.

    `total` is the number of non-blank rows of the whole sheet when only the first ones
    were kept: the too-many-rows message gives the true count.
    """
    rows = [(line, cells) for line, cells in rows if not _is_blank(cells)]
    total = len(rows) if total is None else total
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
    table.positions = dict(mapping)
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
    data_count = total - index - 1
    if data_count > max_rows:
        table.issues.append(_too_many_rows(data_count, max_rows))
        return table
    table.frame = cells_frame(
        [line for line, _ in data],
        {c: [cells[p] if p < len(cells) else None for _, cells in data] for c, p in mapping.items()},
    )
    return table


def _has_header(table: RawTable) -> bool:
    return table.header_line is not None and not any(i.kind == "colonne-manquante" for i in table.issues)


# -- CSV -------------------------------------------------------------------------------------
def _utf16(data: bytes) -> bool:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    head = data[:400]
    # Text in UTF-16 without BOM: one byte in two is a NUL.
    return len(head) >= 8 and (head[1::2].count(0) > len(head) * 0.4 or head[0::2].count(0) > len(head) * 0.4)


_CHUNK = 20_000  # records per pandas chunk: rows past the limit are counted chunk by chunk
_WIDTH_SCAN = 50  # lines whose fields give the table's width


def _physical_lines(text: str) -> int:
    """Lines of a text, ended by \\n, \\r\\n or \\r (the last one may have no end)."""
    ends = text.count("\n") + text.count("\r") - text.count("\r\n")
    return ends + (1 if text and not text.endswith(("\n", "\r")) else 0)


def _csv_columns(text: str, separator: str, table: RawTable, limits: Limits) -> RawTable | None:
    """Read CSV text into columns with pandas' C parser; None when the text needs the row
    by row reader (`_csv_rows`) to give the same table and the same messages: rows wider than
    the first lines, a cell over several lines (line numbers), a cell past the length limit,
    a NUL character, or no cell beyond the first column."""
    if "\x00" in text:
        return None
    head = list(itertools.islice(io.StringIO(text, newline=""), _WIDTH_SCAN))
    width = max((len(cells) for cells in csv.reader(head, delimiter=separator)), default=0)
    if width < 2:
        return None
    keep = limits.max_rows + _HEADER_SCAN + 1
    chunks: list[pd.DataFrame] = []
    kept = total = records = 0
    beyond_first = False
    try:
        reader = pd.read_csv(
            io.StringIO(text),
            sep=separator,
            header=None,
            names=range(width),
            dtype=object,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            quoting=csv.QUOTE_MINIMAL,
            engine="c",
            chunksize=_CHUNK,
        )
        for chunk in reader:
            raw = [chunk[c].tolist() for c in chunk.columns]
            records += len(chunk)
            if max(max(map(len, column), default=0) for column in raw) > limits.max_cell_chars:
                return None  # the row by row reader names the line
            stripped = [[cell.strip() for cell in column] for column in raw]
            filled = [np.fromiter(map(bool, column), dtype=bool, count=len(column)) for column in stripped]
            blank = ~np.logical_or.reduce(filled)
            beyond_first |= bool(np.logical_or.reduce(filled[1:]).any())
            count = int((~blank).sum())
            total += count
            if kept < keep:
                frame = pd.DataFrame({"ligne": np.asarray(chunk.index, dtype=np.int64) + 1})
                for position, column in enumerate(stripped):
                    frame[position] = pd.Series(np.array(column, dtype=object), dtype=object)
                frame = frame[~blank]
                chunks.append(frame.iloc[: keep - kept])
                kept += min(count, keep - kept)
    except (pd.errors.ParserError, ValueError):
        return None  # ragged rows, a broken quote: the row by row reader says where
    if not beyond_first or records != _physical_lines(text):
        return None  # no table, or a cell over several lines: records are no longer lines
    rows = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=["ligne"])
    head_rows = [
        (int(line), list(cells))
        for line, *cells in rows.iloc[: _HEADER_SCAN + 1].itertuples(index=False, name=None)
    ]
    table.separator = separator
    _tabulate(head_rows, table, limits.max_rows, total)
    if table.issues:
        return table
    data = rows[rows["ligne"] > table.header_line]
    table.frame = pd.DataFrame({"ligne": data["ligne"].to_numpy(dtype=np.int64)})
    for column, position in table.positions.items():
        table.frame[column] = pd.Series(data[position].to_numpy(dtype=object), dtype=object)
    return table


def _read_csv(data: bytes, table: RawTable, limits: Limits) -> RawTable:
    if _utf16(data):
        table.issues.append(
            FileIssue(
                "fichier-illisible",
                "Le fichier est encodé en UTF-16 (« Texte Unicode » d'Excel) : enregistrez le fichier "
                "en UTF-8 (dans Excel : « CSV UTF-8 (délimité par des virgules) » ; dans LibreOffice : "
                "jeu de caractères « Unicode (UTF-8) ») puis déposez-le de nouveau.",
            )
        )
        return table
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
    fast = _csv_columns(text, separator, RawTable(encoding=table.encoding), limits)
    if fast is not None:
        return fast
    return _csv_rows(text, separator, table, limits)


def _csv_rows(text: str, separator: str, table: RawTable, limits: Limits) -> RawTable:
    """Read CSV text row by row (Python's csv module): any shape of file, exact line numbers."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    rows = _Collector(limits)
    start = 1
    previous_limit = csv.field_size_limit(limits.max_cell_chars + 1)  # process-wide: restored below
    try:
        for cells in reader:
            rows.add(start, [c.strip() for c in cells])  # blank lines are skipped, line numbers kept
            start = reader.line_num + 1
    except _TooLong as exc:
        table.issues.append(_cell_issue(exc, limits.max_cell_chars))
        return table
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            table.issues.append(
                _cell_issue(_TooLong(start, limits.max_cell_chars + 1), limits.max_cell_chars)
            )
            return table
        table.issues.append(
            FileIssue(
                "fichier-illisible", f"CSV illisible ligne {reader.line_num} : {exc}.", line=reader.line_num
            )
        )
        return table
    finally:
        csv.field_size_limit(previous_limit)
    if not any(len(cells) > 1 for _, cells in rows.rows):
        table.issues.append(
            FileIssue(
                "non-tabulaire",
                "Le fichier n'est pas un tableau : aucune colonne séparée par « ; », « , » ou une tabulation.",
            )
        )
        return table
    return _tabulate(rows.rows, table, limits.max_rows, rows.count)


# -- workbooks: the zip first --------------------------------------------------------------------
def _invalid(kind_label: str) -> FileIssue:
    return FileIssue(
        "classeur-invalide",
        f"Le fichier n'est pas un classeur {kind_label} valide (fichier renommé ou abîmé ?).",
    )


def _check_zip(data: bytes, suffix: str, limits: Limits) -> FileIssue | None:
    """Refuse a workbook past the limits from its zip central directory alone (nothing inflated)."""
    label = "Excel (.xlsx)" if suffix == ".xlsx" else "LibreOffice (.ods)"
    if not data.startswith(b"PK"):
        return _invalid(label)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return _invalid(label)
    names = {info.filename for info in infos}
    needed = "xl/workbook.xml" if suffix == ".xlsx" else "content.xml"
    if needed not in names:
        return _invalid(label)
    if any(info.flag_bits & 0x1 for info in infos):
        return FileIssue(
            "classeur-invalide",
            "Le classeur est protégé par un mot de passe : enregistrez-le sans mot de passe.",
        )
    unpacked = sum(info.file_size for info in infos)
    if len(infos) > 10_000 or unpacked > limits.max_unpacked_bytes:
        return FileIssue(
            "fichier-trop-volumineux",
            f"Le classeur occupe {_megabytes(unpacked)} Mo une fois décompressé : au plus "
            f"{_megabytes(limits.max_unpacked_bytes)} Mo. Déposez seulement la feuille du modèle "
            "(ou enregistrez-la en CSV).",
        )
    shared = sum(i.file_size for i in infos if i.filename.lower() == "xl/sharedstrings.xml")
    if shared > limits.max_shared_strings_bytes:
        return FileIssue(
            "fichier-trop-volumineux",
            f"La table des textes du classeur occupe {_megabytes(shared)} Mo : au plus "
            f"{_megabytes(limits.max_shared_strings_bytes)} Mo.",
        )
    if suffix == ".xlsx":
        sheets = sum(1 for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
        if sheets > limits.max_sheets:
            return _too_many_sheets(sheets, limits.max_sheets)
    return None


def _too_many_sheets(count: int, limit: int) -> FileIssue:
    return FileIssue(
        "trop-de-feuilles",
        f"Le classeur compte {count} feuilles : au plus {limit}. Déposez le modèle seul "
        "(une feuille de valeurs, la feuille « Aide » peut rester).",
    )


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


def _xlsx_rows(sheet, limits: Limits, *, first: int | None = None):
    """(line, cells) of a read-only sheet, streamed; `first` stops after that many non-blank rows."""
    seen = 0
    for line, cells in enumerate(sheet.iter_rows(), start=1):
        values = [_xlsx_cell(c) for c in cells]
        if _is_blank(values):
            continue
        _check_cells(line, values, limits.max_cell_chars)
        yield line, values
        seen += 1
        if first is not None and seen >= first:
            return


# -- XLSX through python-calamine: what it is handed is checked first --------------------------
# calamine (Rust) holds a sheet as a dense rectangle from A1 to its farthest cell, and aborts
# the whole process when that rectangle does not fit in memory (one cell in XFD1048576 is
# enough). The sheet's XML is scanned first (the zip's sizes are already bounded): every
# cell must carry its reference, and the rectangle must stay under _CALAMINE_CELLS; else
# the streamed openpyxl reader reads the file. calamine gives no number formats: the cells
# shown as a percentage are found from the styles (as openpyxl's `number_format`).
_CALAMINE_CELLS = 2_000_000  # cells of the rectangle A1..farthest cell (about 64 MB in calamine)
_ATTRS = re.compile(rb'([\w:]+)="([^"]*)"')
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")
_CELL_LINE = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="[A-Z]{1,3}([0-9]{1,7})"')
_CELL_LETTERS = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]{1,3})[0-9]')
_CELL_ATTRS = re.compile(rb"<(?:\w+:)?c\s([^>]*)>")
_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\s([^>]*)>")
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\s([^>]*)>")
_XF_BLOCK = re.compile(rb"<(?:\w+:)?cellXfs\b.*?</(?:\w+:)?cellXfs>", re.S)
_XF_TAG = re.compile(rb"<(?:\w+:)?xf\b([^>]*)>")
_NUMFMT_TAG = re.compile(rb"<(?:\w+:)?numFmt\s([^>]*)>")
_PERCENT_BUILTIN = {9, 10}  # 0% and 0.00%


def _attrs(text: bytes) -> dict[str, str]:
    return {
        k.decode().rpartition(":")[2] if k.endswith(b":id") else k.decode(): html.unescape(
            v.decode("utf-8", "replace")
        )
        for k, v in _ATTRS.findall(text)
    }


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters:
        number = number * 26 + char - 64
    return number


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str] | None:
    """Sheet name -> its part in the zip (xl/worksheets/...), from workbook.xml and its rels."""
    try:
        book = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    targets = {}
    for tag in _REL_TAG.findall(rels):
        attrs = _attrs(tag)
        target = attrs.get("Target", "")
        targets[attrs.get("Id")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    parts = {}
    for tag in _SHEET_TAG.findall(book):
        attrs = _attrs(tag)
        if attrs.get("id") in targets and "name" in attrs:
            parts[attrs["name"]] = targets[attrs["id"]]
    return parts


def _percent_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indexes of the cell styles whose number format shows a percentage."""
    try:
        styles = archive.read("xl/styles.xml")
    except KeyError:
        return set()
    formats = {}
    for tag in _NUMFMT_TAG.findall(styles):
        attrs = _attrs(tag)
        if attrs.get("numFmtId", "").isdigit():
            formats[int(attrs["numFmtId"])] = attrs.get("formatCode", "")
    block = _XF_BLOCK.search(styles)
    if block is None:
        return set()
    found = set()
    for index, tag in enumerate(_XF_TAG.findall(block.group(0))):
        number = _attrs(tag).get("numFmtId", "0")
        number = int(number) if number.isdigit() else 0
        if number in _PERCENT_BUILTIN or "%" in formats.get(number, ""):
            found.add(index)
    return found


def _sheet_shape(xml: bytes, percent: set[int]) -> tuple[bool, set[tuple[int, int]]]:
    """Whether calamine may read this sheet XML, and the (line, column) of its percentage cells."""
    cells = len(_CELL_TAG.findall(xml))
    lines = _CELL_LINE.findall(xml)
    if len(lines) != cells:
        return False, set()  # a cell without its reference: calamine would place it itself
    if lines:
        rows = max(map(int, lines))
        columns = max(map(_column_number, set(_CELL_LETTERS.findall(xml))))
        if rows * columns > _CALAMINE_CELLS:
            return False, set()
    shown = set()
    if percent:
        for tag in _CELL_ATTRS.findall(xml):
            attrs = _attrs(tag)
            style = attrs.get("s", "")
            if style.isdigit() and int(style) in percent and "r" in attrs:
                match = re.fullmatch(r"([A-Z]{1,3})([0-9]{1,7})", attrs["r"])
                if match:
                    shown.add((int(match.group(2)), _column_number(match.group(1).encode())))
    return True, shown


def _calamine_cell(value: object, percent: bool) -> object:
    if isinstance(value, str):
        return value.strip()
    if percent and isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value * 100:.10g} %".replace(".", ",")  # a cell shown as 12,5 % holds 0.125
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)  # calamine reads every number as a float; openpyxl gives 310, not 310.0
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    return value


def _calamine_rows(sheet: list[list], shown: set[tuple[int, int]], limits: Limits, first: int | None = None):
    """(line, cells) of the non-blank rows of a sheet read by calamine (its rows from A1);
    `first` stops after that many."""
    seen = 0
    for index, raw in enumerate(sheet):
        line = index + 1
        if shown:
            cells = [_calamine_cell(v, (line, col) in shown) for col, v in enumerate(raw, start=1)]
        else:
            cells = [v.strip() if isinstance(v, str) else _calamine_cell(v, False) for v in raw]
        if _is_blank(cells):
            continue
        _check_cells(line, cells, limits.max_cell_chars)
        yield line, cells
        seen += 1
        if first is not None and seen >= first:
            return


def _read_xlsx_calamine(data: bytes, limits: Limits) -> RawTable | None:
    """Read a workbook whose zip passed `_check_zip` with calamine; None when a sheet's
    shape needs the streamed reader (see above)."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    table = RawTable()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = _sheet_parts(archive)
        if parts is None:
            return None
        percent = _percent_styles(archive)
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        try:
            sheets = [m for m in workbook.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
            if len(sheets) > limits.max_sheets:
                table.issues.append(_too_many_sheets(len(sheets), limits.max_sheets))
                return table
            first: RawTable | None = None
            for meta in sheets:
                if meta.visible != SheetVisibleEnum.Visible:
                    continue
                part = parts.get(meta.name)
                if part is None:
                    return None
                safe, shown = _sheet_shape(archive.read(part), percent)
                if not safe:
                    return None
                sheet = workbook.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
                probe = RawTable(encoding="xlsx", sheet=meta.name)
                _tabulate(
                    list(_calamine_rows(sheet, shown, limits, first=_HEADER_SCAN)), probe, limits.max_rows
                )
                if not _has_header(probe):
                    first = first or probe
                    continue
                attempt = RawTable(encoding="xlsx", sheet=meta.name)
                rows = _Collector(limits)
                for line, cells in _calamine_rows(sheet, shown, limits):
                    rows.add(line, cells)
                return _tabulate(rows.rows, attempt, limits.max_rows, rows.count)
        finally:
            workbook.close()
    if first is None:
        table.issues.append(FileIssue("fichier-vide", "Le classeur ne contient aucune feuille visible."))
    return first or table


def _read_xlsx(data: bytes, table: RawTable, limits: Limits) -> RawTable:
    problem = _check_zip(data, ".xlsx", limits)
    if problem is not None:
        table.issues.append(problem)
        return table
    try:
        read = _read_xlsx_calamine(data, limits)
    except _TooLong as exc:
        table.issues.append(_cell_issue(exc, limits.max_cell_chars))
        return table
    except Exception:  # calamine raises its own kinds on a damaged workbook; openpyxl says which
        read = None
    if read is not None:
        return read
    return _read_xlsx_streamed(data, table, limits)


def _read_xlsx_streamed(data: bytes, table: RawTable, limits: Limits) -> RawTable:
    """Read a workbook row by row with openpyxl (read-only): any shape, in bounded memory."""
    import openpyxl  # imported here: reading a CSV should not pay for it

    invalid = _invalid("Excel (.xlsx)")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged workbook
        table.issues.append(invalid)
        return table
    try:
        visible = [s for s in workbook.worksheets if getattr(s, "sheet_state", "visible") == "visible"]
        if len(workbook.worksheets) > limits.max_sheets:
            table.issues.append(_too_many_sheets(len(workbook.worksheets), limits.max_sheets))
            return table
        first: RawTable | None = None
        for sheet in visible:
            # Only the first rows of each sheet until the one holding the header...
            probe = RawTable(encoding="xlsx", sheet=sheet.title)
            _tabulate(list(_xlsx_rows(sheet, limits, first=_HEADER_SCAN)), probe, limits.max_rows)
            if not _has_header(probe):
                first = first or probe
                continue
            # ...which is then read whole (rows past the limit counted, not kept).
            attempt = RawTable(encoding="xlsx", sheet=sheet.title)
            rows = _Collector(limits)
            for line, cells in _xlsx_rows(sheet, limits):
                rows.add(line, cells)
            return _tabulate(rows.rows, attempt, limits.max_rows, rows.count)
    except _TooLong as exc:
        table.issues.append(_cell_issue(exc, limits.max_cell_chars))
        return table
    except Exception:  # a damaged sheet part
        table.issues.append(invalid)
        return table
    finally:
        workbook.close()
    if first is None:
        table.issues.append(FileIssue("fichier-vide", "Le classeur ne contient aucune feuille visible."))
        return table
    return first


# -- ODS -------------------------------------------------------------------------------------
_T = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_O = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_X = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_MAX_REPEAT = 64  # a non-empty cell repeated more than this many columns is cut (template: 9)


def _ods_value(cell) -> object:
    kind = cell.get(f"{_O}value-type")
    if kind in ("float", "currency"):
        number = float(cell.get(f"{_O}value"))
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind == "percentage":
        return f"{float(cell.get(f'{_O}value')) * 100:.10g} %".replace(".", ",")
    if kind == "date":
        text = cell.get(f"{_O}date-value") or ""
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            return text
        return moment.date() if moment.time() == dt.time() else moment
    if kind == "boolean":
        return "oui" if cell.get(f"{_O}boolean-value") == "true" else "non"
    paragraphs = [_paragraph_text(p) for p in cell.iter(f"{_X}p")]
    return "\n".join(paragraphs).strip() if paragraphs else None


def _paragraph_text(element) -> str:
    """The text of a <text:p>, spans included, <text:s text:c="3"/> read as three spaces."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == f"{_X}s":
            parts.append(" " * int(child.get(f"{_X}c", "1")))
        elif child.tag == f"{_X}tab":
            parts.append("\t")
        elif child.tag == f"{_X}line-break":
            parts.append("\n")
        else:
            parts.append(_paragraph_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _ods_sheets(archive: zipfile.ZipFile, limits: Limits):
    """Yield (sheet name, row iterator) of content.xml, streamed with iterparse."""
    from xml.etree.ElementTree import iterparse

    with archive.open("content.xml") as handle:
        events = iterparse(handle, events=("start", "end"))
        sheets = 0
        for event, element in events:
            if event == "start" and element.tag == f"{_T}table":
                sheets += 1
                if sheets > limits.max_sheets:
                    raise _TooManySheets(sheets)
                yield element.get(f"{_T}name") or f"Feuille {sheets}", _ods_rows(events, limits)


class _TooManySheets(Exception):
    def __init__(self, count: int) -> None:
        self.count = count


def _ods_rows(events, limits: Limits):
    """(line, cells, times) of the current table until its end: a row repeated `times` times
    (`table:number-rows-repeated`) comes once, never expanded; blank rows only advance the line."""
    line = 0
    for event, element in events:
        if event == "end" and element.tag == f"{_T}table-row":
            repeat = int(element.get(f"{_T}number-rows-repeated", "1"))
            cells: list[object] = []
            for cell in element:
                if cell.tag not in (f"{_T}table-cell", f"{_T}covered-table-cell"):
                    continue
                value = _ods_value(cell)
                times = int(cell.get(f"{_T}number-columns-repeated", "1"))
                if value in (None, ""):
                    cells.extend([None] * min(times, _MAX_REPEAT))
                else:
                    cells.extend([value] * min(times, _MAX_REPEAT))
                if len(cells) > 4 * _MAX_REPEAT:
                    break
            element.clear()
            if not _is_blank(cells):
                yield line + 1, cells, repeat
            line += repeat
        elif event == "end" and element.tag == f"{_T}table":
            element.clear()
            return


def _check_declared_sizes(archive: zipfile.ZipFile, limit: int) -> bool:
    """Inflate content.xml in chunks, counting: a part larger than its declared size is a CRC error."""
    total = 0
    try:
        with archive.open("content.xml") as handle:
            while chunk := handle.read(1 << 20):
                total += len(chunk)
                if total > limit:
                    return False
    except (zipfile.BadZipFile, OSError, EOFError):
        return False
    return True


def _read_ods(data: bytes, table: RawTable, limits: Limits) -> RawTable:
    problem = _check_zip(data, ".ods", limits)
    if problem is not None:
        table.issues.append(problem)
        return table
    invalid = _invalid("LibreOffice (.ods)")
    first: RawTable | None = None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if not _check_declared_sizes(archive, limits.max_unpacked_bytes):
                table.issues.append(invalid)
                return table
            for name, rows in _ods_sheets(archive, limits):
                collected = _Collector(limits)
                probe: list[tuple[int, list[object]]] = []
                header_found = None
                for line, cells, times in rows:
                    collected.add(line, cells, times)
                    if header_found is None:
                        probe.extend((line + k, cells) for k in range(min(times, _HEADER_SCAN)))
                        if len(probe) >= _HEADER_SCAN:
                            trial = RawTable(encoding="ods", sheet=name)
                            header_found = _has_header(_tabulate(probe, trial, limits.max_rows))
                            if not header_found:
                                break  # not the template's sheet: the rest of it is skipped
                attempt = RawTable(encoding="ods", sheet=name)
                if header_found is False:
                    first = first or _tabulate(probe, attempt, limits.max_rows)
                    for _ in rows:  # skip to the next sheet
                        pass
                    continue
                _tabulate(collected.rows, attempt, limits.max_rows, collected.count)
                if _has_header(attempt):
                    return attempt
                first = first or attempt
    except _TooLong as exc:
        table.issues.append(_cell_issue(exc, limits.max_cell_chars))
        return table
    except _TooManySheets as exc:
        table.issues.append(_too_many_sheets(exc.count, limits.max_sheets))
        return table
    except Exception:  # damaged XML, a bad number in office:value...
        table.issues.append(invalid)
        return table
    if first is None:
        table.issues.append(FileIssue("fichier-vide", "Le classeur ne contient aucune feuille."))
        return table
    return first


# -- entry point ---------------------------------------------------------------------------------
def read_upload(
    data: bytes,
    filename: str,
    *,
    max_bytes: int = 10 * MEGABYTE,
    max_rows: int = 50_000,
    limits: Limits | None = None,
) -> RawTable:
    """Read an uploaded CSV, TSV, XLSX or ODS into raw rows; file-level problems come back as issues.

    `limits` bounds everything read; `max_bytes` and `max_rows` override its first two fields.
    """
    limits = replace(limits or Limits(), max_bytes=max_bytes, max_rows=max_rows)
    table = RawTable()
    suffix = PurePath(filename or "").suffix.lower()
    too_big = size_issue(len(data), limits.max_bytes)
    if too_big is not None:
        table.issues.append(too_big)
        return table
    if not data.strip():
        table.issues.append(FileIssue("fichier-vide", "Le fichier est vide."))
        return table
    is_zip = data.startswith(b"PK\x03\x04")
    if suffix == ".xlsx" or (suffix == "" and is_zip):
        return _read_xlsx(data, table, limits)
    if suffix == ".ods":
        return _read_ods(data, table, limits)
    if suffix not in SUPPORTED_SUFFIXES and (suffix or is_zip):
        table.issues.append(
            FileIssue(
                "format-non-pris-en-charge",
                f"Format « {suffix or 'inconnu'} » non pris en charge : enregistrer le tableau "
                "en .xlsx, .ods, .csv ou .tsv.",
            )
        )
        return table
    return _read_csv(data, table, limits)
