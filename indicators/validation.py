"""Validation of an uploaded file: a report that collects every problem, never the first only.

Each problem is an `Issue` (line, column, value, kind, French message, severity); the
`Report` holds errors, warnings, the clean rows ready to be written (a frame, `clean`) and
counts. A file with one error is refused whole. Unit, integer, bounds, periodicity and form
(number, jalon oui/non/date, text) of a value all come from the indicator's row of
`indicateurs.csv`.

The checks are column operations (`_Columns`): each distinct territory, indicator, period
and value is checked once, and the verdicts are spread over the rows as arrays; numbers
are compared with their bounds as arrays. The French message of a problem is written by
the per-value rules (`_number`, `_jalon`, `_text`, `_periodicity`, raising pydantic's
custom errors: a kind of `issue_kinds` and its message), called for the failing values
only; jalons and texts (a few rows) go through their rule for each distinct cell. A
pydantic model per row, validated in the loop, was 39 % of an upload's time: it is gone;
pydantic still checks the reference's rows (`indicators/catalogue.py`).

    >>> report = validate_upload(read_upload(data, "t3.csv"), ref, actor=SYSTEM, today=date.today())
    >>> report.valid, report.flatten()
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd
from pydantic_core import PydanticCustomError

from indicators.access import Actor
from indicators.catalogue import Indicator, Reference
from indicators.changes import previous_map
from indicators.derived import derived_source
from indicators.formatting import format_number, format_value, is_formula_like, neutralise, neutralise_frame
from indicators.issue_kinds import ISSUE_LABELS
from indicators.periods import Period, PeriodError, parse_period
from indicators.plausibility import Ceilings
from indicators.upload import (
    COLUMNS,
    RawTable,
    cell_text,
    normalise_key,
    parse_number,
)

Severity = Literal["erreur", "avertissement"]
SUSPICIOUS_FACTOR = 3.0  # a value more than 3 times the previous period's is flagged...
SUSPICIOUS_MIN_UNITS = 10  # ...for a count, when it also grew by at least 10 units
MAX_TEXT = 4000


@dataclass(frozen=True)
class Issue:
    """One problem: where (line, column), what was read, its kind and a French message."""

    line: int | None
    column: str | None
    value: str
    kind: str
    message: str
    severity: Severity = "erreur"


class CleanRow(NamedTuple):
    """A validated row, ready to be written as an observation (a tuple: cheap to build)."""

    line: int
    indicateur: str
    territoire: str
    periode: str
    annee: int
    trimestre: int | None
    valeur: float | None
    valeur_texte: str | None
    commentaire: str | None


@dataclass
class Report:
    """The outcome of validating one file: errors, warnings, clean rows and counts."""

    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    clean: pd.DataFrame | None = None  # the clean rows as columns (CLEAN_COLUMNS), in file order
    _rows: list[CleanRow] | None = field(default=None, repr=False)

    @property
    def rows(self) -> list[CleanRow]:
        """The clean rows, one CleanRow each (built from `clean` when first asked)."""
        if self._rows is None:
            self._rows = _clean_rows(self.clean)
        return self._rows

    @property
    def n_rows(self) -> int:
        """How many clean rows (without building them)."""
        return 0 if self.clean is None else len(self.clean)

    @property
    def valid(self) -> bool:
        """True when the file has no error (warnings do not block it)."""
        return not self.errors

    def add(self, issue: Issue) -> None:
        """Record an issue in errors or warnings by its severity."""
        (self.errors if issue.severity == "erreur" else self.warnings).append(issue)

    def flatten(
        self, fields: tuple[str, ...] = ("line", "column", "value", "kind"), warnings: bool = False
    ) -> list[list]:
        """The errors (or warnings) as lists of the given fields, for tests.

        >>> report.flatten(("line", "kind"))
        [[3, 'pas-un-nombre']]
        """
        issues = self.warnings if warnings else self.errors
        return [[getattr(issue, name) for name in fields] for issue in issues]

    def to_frame(self) -> pd.DataFrame:
        """Errors then warnings as a table with French headers (for the page and the CSV)."""
        rows = [
            {
                "ligne": issue.line if issue.line is not None else "",
                "colonne": issue.column or "",
                "valeur lue": issue.value,
                "gravité": issue.severity,
                "type": ISSUE_LABELS.get(issue.kind, issue.kind),
                "code": issue.kind,
                "message": issue.message,
            }
            for issue in [*self.errors, *self.warnings]
        ]
        return pd.DataFrame(
            rows, columns=["ligne", "colonne", "valeur lue", "gravité", "type", "code", "message"]
        )

    def to_csv(self) -> bytes:
        """The report as a CSV for French Excel (`;`, UTF-8 with BOM)."""
        return neutralise_frame(self.to_frame()).to_csv(sep=";", index=False).encode("utf-8-sig")

    def summary(self) -> str:
        """One French sentence: lines read, filled in, errors, warnings."""
        s = self.stats
        parts = [
            f"{s.get('lignes', 0)} ligne(s) lue(s)",
            f"{s.get('renseignees', 0)} valeur(s) renseignée(s)",
            f"{s.get('non_renseignees', 0)} non renseignée(s)",
            f"{len(self.errors)} erreur(s)",
            f"{len(self.warnings)} avertissement(s)",
        ]
        return ", ".join(parts) + "."


# -- pydantic value models built from the catalogue ----------------------------------------------
def _fail(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, "{message}", {"message": message})


def _named(ind: Indicator) -> str:
    """How a message names an indicator: its French label first, the code second."""
    return f"« {ind.libelle} » ({ind.code})"


def _shown(value: object) -> str:
    return cell_text(value) if not isinstance(value, dt.date) else value.strftime("%d/%m/%Y")


def _number(ind: Indicator, raw: object) -> tuple[float, None]:
    try:
        number = parse_number(raw)
    except ValueError:
        raise _fail(
            "pas-un-nombre",
            f"« {_shown(raw)} » n'est pas un nombre : {_named(ind)} attend {_expected_words(ind)}.",
        ) from None
    if math.isnan(number) or math.isinf(number):
        raise _fail("pas-un-nombre", f"« {_shown(raw)} » n'est pas un nombre.")
    if ind.entier and not number.is_integer():
        raise _fail(
            "pas-un-entier",
            f"« {_shown(raw)} » n'est pas un nombre entier : {_named(ind)} compte des unités.",
        )
    if ind.min is not None and number < ind.min:
        raise _fail(
            "sous-minimum",
            f"{format_number(number, None, ' ')} est inférieur au minimum "
            f"({_bound(ind, ind.min)}) de {_named(ind)}.",
        )
    if ind.max is not None and number > ind.max:
        raise _fail(
            "au-dessus-maximum",
            f"{format_number(number, None, ' ')} dépasse le maximum ({_bound(ind, ind.max)}) "
            f"de {_named(ind)}.",
        )
    return number, None


_YES = {"oui", "o", "yes", "vrai", "x", "fait", "realise", "realisee", "1"}
_NO = {"non", "n", "no", "faux", "nonrealise", "nonrealisee", "pasfait", "0"}
_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y")


def _jalon(ind: Indicator, raw: object) -> tuple[float, str]:
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        return 1.0, raw.strftime("%d/%m/%Y")
    if isinstance(raw, int | float) and not isinstance(raw, bool) and raw in (0, 1):
        raw = str(int(raw))
    text = cell_text(raw)
    key = normalise_key(text)
    if key in _YES:
        return 1.0, "oui"
    if key in _NO:
        return 0.0, "non"
    for fmt in _DATE_FORMATS:
        try:
            return 1.0, dt.datetime.strptime(text, fmt).strftime("%d/%m/%Y")
        except ValueError:
            continue
    raise _fail(
        "jalon-invalide",
        f"« {text} » : le jalon {_named(ind)} s'indique par oui, non ou la date de réalisation (JJ/MM/AAAA).",
    )


def _text(ind: Indicator, raw: object) -> tuple[None, str]:
    text = _shown(raw)
    if len(text) > MAX_TEXT:
        raise _fail(
            "texte-trop-long", f"Texte de {len(text)} caractères pour {_named(ind)} : au plus {MAX_TEXT}."
        )
    return None, neutralise(text)


def _periodicity(ind: Indicator, period: Period) -> Period:
    if ind.periodicite == "trimestrielle" and not period.is_quarter:
        raise _fail(
            "periodicite-incompatible",
            f"{_named(ind)} est trimestriel : indiquer un trimestre (ex. {period.year}-T1), "
            f"pas l'année {period.year}.",
        )
    if ind.periodicite == "annuelle" and period.is_quarter:
        raise _fail(
            "periodicite-incompatible",
            f"{_named(ind)} est annuel : indiquer l'année ({period.year}), pas le trimestre {period.label}.",
        )
    return period


def _bound(ind: Indicator, value: float) -> str:
    symbol = {"euros": " €", "pourcentage": " %"}.get(ind.unite, "")
    return format_number(value, None, " ") + symbol


def _expected_words(ind: Indicator) -> str:
    """What a value of `ind` looks like, in words (« un nombre entier », « un montant en euros »...)."""
    if ind.entier:
        return "un nombre entier"
    return {
        "euros": "un montant en euros",
        "pourcentage": "un pourcentage entre 0 et 100",
        "taux_100": "un taux pour 100",
        "etp": "un nombre d'ETP",
    }.get(ind.unite, "un nombre")


# -- lookups ------------------------------------------------------------------------------------
def _name_key(text: str) -> str:
    """Name comparison key: accents, case, hyphens ignored; `St`/`Ste` read `Saint`/`Sainte`."""
    words = re.split(r"[^0-9a-z]+", _fold(text))
    mapped = {"st": "saint", "ste": "sainte"}
    return "".join(mapped.get(w, w) for w in words if w)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


class Lookups:
    """Territories and indicators of the reference, found by code or by name."""

    def __init__(self, ref: Reference) -> None:
        self.territories = {t.code: t for t in ref.territories}
        self.territory_names: dict[str, str] = {}
        for t in ref.territories:
            self.territory_names.setdefault(_name_key(t.nom), t.code)
        self.indicators = ref.by_code
        self.indicator_names = {normalise_key(i.libelle): i.code for i in ref.indicators}
        self.derived = {d.code: derived_source(ref, d.code) for d in ref.derived}  # computed, never sent

    def territory(self, raw: str) -> str | None:
        """The territory code for a code or a name, or None."""
        text = raw.strip()
        if text in self.territories:
            return text
        if text.upper() in self.territories:
            return text.upper()
        return self.territory_names.get(_name_key(text))

    def indicator(self, raw: str) -> str | None:
        """The indicator code for a code (any case) or its exact label, or None."""
        code = raw.strip().upper().replace(" ", "_")
        if code in self.indicators:
            return code
        return self.indicator_names.get(normalise_key(raw))


def territories_named(table: RawTable, ref: Reference) -> list[str]:
    """The territory codes a read file names (by code or by name), sorted; unknown ones left out."""
    frame = table.frame
    if frame is None or "territoire" not in frame.columns:
        return []
    lookups = Lookups(ref)
    _codes, uniques = _factor(frame["territoire"].to_numpy(dtype=object))
    found = {lookups.territory(cell_text(u)) for u in uniques}
    return sorted(c for c in found if c is not None)


def _quarter_start(period: Period) -> dt.date:
    return dt.date(period.year, 3 * (period.quarter - 1) + 1 if period.quarter else 1, 1)


# -- columns: each distinct cell checked once, the verdict spread over its rows --------------------
def _factor(values: np.ndarray) -> tuple[np.ndarray, list]:
    """Integer codes of an object column and its distinct cells, in order of appearance.

    Cells read from a workbook may be numbers, dates or booleans: 1, 1.0 and True are equal
    for Python but not for the checks (« 1 » is not « True »), so they are told apart by type.
    """
    if pd.api.types.infer_dtype(values, skipna=False) in ("string", "empty"):
        codes, uniques = pd.factorize(values)
        return codes, list(uniques)
    index: dict[tuple[type, object], int] = {}
    codes = np.fromiter(
        (index.setdefault((type(v), v), len(index)) for v in values), dtype=np.intp, count=len(values)
    )
    return codes, [key[1] for key in index]


def _combine(*codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes of each distinct combination of several code columns, and the first row of each."""
    key = np.zeros(len(codes[0]), dtype=np.int64)
    for column in codes:
        key = key * (int(column.max(initial=0)) + 2) + (column + 1)
    combined, _ = pd.factorize(key)
    first = np.full(int(combined.max(initial=-1)) + 1, -1, dtype=np.intp)
    positions = np.arange(len(combined))[::-1]
    first[combined[::-1]] = positions  # the last write wins: the first row of each combination
    return combined, first


def _objects(values: list) -> np.ndarray:
    """A 1-D object array of `values` (numpy would make tuples or None-only lists otherwise)."""
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and value == "")


class _Checks:
    """The checks of one distinct cell: a territory, an indicator or a period as written, or
    a (level, value, periodicity) combination. Each returns its verdict and its issues
    (without a line): the file repeats the same few, each is checked once."""

    def __init__(self, ref: Reference, actor: Actor, today: dt.date) -> None:
        self.ref = ref
        self.actor = actor
        self.today = today
        self.lookups = Lookups(ref)
        self.ceilings = Ceilings(ref)
        self.first = Period(ref.convention.debut.year, 1)
        self.last = Period(ref.convention.fin.year, 4)

    def territory(self, text: str) -> tuple[str | None, list[Issue]]:
        def bad(kind: str, message: str) -> tuple[None, list[Issue]]:
            return None, [Issue(None, "territoire", text, kind, message)]

        if not text:
            return bad("territoire-manquant", "Territoire non indiqué.")
        code = self.lookups.territory(text)
        if code is None:
            return bad(
                "territoire-inconnu",
                f"Territoire « {text} » inconnu : indiquer le code INSEE ou le nom d'une "
                "commune (ou le code d'une structure) de la convention.",
            )
        if not self.actor.may_write_territory(code):
            return bad(
                "hors-perimetre",
                f"Le territoire {code} ({self.lookups.territories[code].nom}) n'est pas dans "
                f"le périmètre du compte « {self.actor.login} » : le fichier est refusé en entier.",
            )
        return code, []

    def indicator(self, text: str) -> tuple[Indicator | None, list[Issue]]:
        def bad(kind: str, message: str) -> tuple[None, list[Issue]]:
            return None, [Issue(None, "indicateur", text, kind, message)]

        if not text:
            return bad("indicateur-manquant", "Indicateur non indiqué.")
        code = self.lookups.indicator(text)
        if code is None:
            return bad(
                "indicateur-inconnu", f"Indicateur « {text} » inconnu du catalogue (voir le modèle de dépôt)."
            )
        ind = self.lookups.indicators[code]
        if self.lookups.derived.get(code):
            return bad(
                "indicateur-calcule",
                f"« {ind.libelle} » est calculé par l'application à partir de {self.lookups.derived[code]} : "
                "ne le déposez pas.",
            )
        if ind.is_computed:
            factor = format_number(ind.facteur, None, " ")
            return bad(
                "indicateur-calcule",
                f"{_named(ind)} est un indicateur calculé ({factor} × "
                f"« {self.lookups.indicators[ind.numerateur].libelle} » / "
                f"« {self.lookups.indicators[ind.denominateur].libelle} ») : déposer ses composantes, "
                "pas le résultat.",
            )
        return ind, []

    def period(self, text: str) -> tuple[Period | None, list[Issue]]:
        def bad(kind: str, message: str) -> tuple[None, list[Issue]]:
            return None, [Issue(None, "periode", text, kind, message)]

        if not text:
            return bad(
                "periode-manquante", "Période non indiquée (ex. 2026-T3, ou 2026 pour une valeur annuelle)."
            )
        try:
            period = parse_period(text)
        except PeriodError:
            return bad(
                "periode-invalide", f"« {text} » n'est pas une période (attendu : 2026-T3, T3 2026 ou 2026)."
            )
        if not (self.first.year <= period.year <= self.last.year):
            return bad(
                "periode-hors-convention",
                f"{period.label} est hors de la convention ({self.first.label} … {self.last.label}).",
            )
        if _quarter_start(period) > self.today:
            return bad(
                "periode-future",
                f"{period.label} n'a pas encore commencé (aujourd'hui : {self.today:%d/%m/%Y}).",
            )
        return period, []

    def level(self, text: str, ind: Indicator, code: str) -> list[Issue]:
        kind = self.lookups.territories[code].type
        if kind in ind.niveaux:
            return []
        return [
            Issue(
                None,
                "territoire",
                text,
                "niveau-non-collecte",
                f"{_named(ind)} n'est pas collecté au niveau {kind} ({code}) : niveaux "
                f"prévus {', '.join(ind.niveaux)}.",
            )
        ]

    @staticmethod
    def value(ind: Indicator, raw: object) -> tuple[tuple[float | None, str | None] | None, list[Issue]]:
        """The value of a cell for `ind` (number; jalon oui/non/date; text), or its issue."""
        parser = {"jalon": _jalon, "qualitatif": _text}.get(ind.type, _number)
        try:
            return parser(ind, raw), []
        except PydanticCustomError as exc:
            return None, [Issue(None, "valeur", _shown(raw), exc.type, exc.message())]

    @staticmethod
    def periodicity(ind: Indicator, period: Period, text: str) -> list[Issue]:
        try:
            _periodicity(ind, period)
        except PydanticCustomError as exc:
            return [Issue(None, "periode", text, exc.type, exc.message())]
        return []


class _Columns:
    """The row checks of a file, as column operations (one instance per validation).

    Every check of the per-row model is kept, in the same order of precedence: where
    (territory, scope), what (indicator, not computed, level), when (period, periodicity),
    the value (number, integer, bounds; jalon; text), the comment, then, for the rows
    without error, the plausibility ceilings, the duplicates and the « valeur suspecte »
    warnings. The distinct cells of each column are checked once (a file of 100 000 rows
    holds a few hundred territories, indicators and periods); the verdicts are arrays.
    """

    def __init__(self, checks: _Checks, frame: pd.DataFrame, report: Report) -> None:
        self.checks = checks
        self.report = report
        self.n = len(frame)
        self.lines = frame["ligne"].to_numpy(dtype=np.int64)
        self.frame = frame

    def column(self, name: str) -> np.ndarray:
        if name in self.frame.columns:
            return self.frame[name].to_numpy(dtype=object)
        return np.full(self.n, None, dtype=object)

    def emit(self, rows: np.ndarray, codes: np.ndarray, issues: list[list[Issue]]) -> None:
        """Add, for each row of the mask `rows`, the issues of its distinct cell (with its line)."""
        add = self.report.add
        for position in np.flatnonzero(rows):
            line = int(self.lines[position])
            for p in issues[codes[position]]:
                add(Issue(line, p.column, p.value, p.kind, p.message, p.severity))

    def run(self, previous: Mapping[tuple[str, str, str], float] | pd.DataFrame | None) -> None:
        """Every check, in order; the clean rows end in `report.clean`."""
        self._count()
        errors = self._where() | self._what() | self._when()
        errors |= self._level()
        value_bad = self._value() | self._periodicity()
        errors |= value_bad
        self.parsed = self.checked & self.per_ok & ~value_bad  # a value read (whatever its territory)
        self._formulas()
        comment = self._comment()
        accepted = self.filled & ~errors & self.parsed & self.ter_ok
        self._plausible(accepted)
        clean = self._duplicates(self._clean_frame(accepted, comment))
        self._suspicious(clean, previous)
        self.report.clean = clean.drop(columns="_raw").reset_index(drop=True)

    def _by_combination(self, rows: np.ndarray, *codes: np.ndarray, check) -> tuple[np.ndarray, list]:
        """Run `check(*first row's codes)` once per distinct combination of `codes` among
        `rows`; return each row's combination code (0 outside `rows`) and the results."""
        subset = [c[rows] for c in codes]
        combo, first = _combine(*subset)
        results = [check(*(c[r] for c in subset)) for r in first]
        row_codes = np.zeros(self.n, dtype=np.intp)
        row_codes[rows] = combo
        return row_codes, results

    def _count(self) -> None:
        """Rows read, filled in, left empty (the value's cell decides)."""
        self.val_codes, self.val_uniques = _factor(self.column("valeur"))
        self.filled = ~np.array([_is_empty(v) for v in self.val_uniques], dtype=bool)[self.val_codes]
        stats = self.report.stats
        stats["lignes"] = self.n
        stats["renseignees"] = int(self.filled.sum())
        stats["non_renseignees"] = self.n - stats["renseignees"]

    def _where(self) -> np.ndarray:
        """The territory; a row left empty is still refused outside the actor's scope."""
        self.ter_codes, uniques = _factor(self.column("territoire"))
        self.ter_texts = [cell_text(u) for u in uniques]
        found = [self.checks.territory(t) for t in self.ter_texts]
        self.ter_code_u = _objects([f[0] for f in found])
        issues = [f[1] for f in found]
        self.ter_ok = np.array([f[0] is not None for f in found], dtype=bool)[self.ter_codes]
        outside = np.array([bool(f[1]) and f[1][0].kind == "hors-perimetre" for f in found], dtype=bool)
        self.emit(~self.filled & outside[self.ter_codes], self.ter_codes, issues)
        self.emit(self.filled & ~self.ter_ok, self.ter_codes, issues)
        return self.filled & ~self.ter_ok

    def _what(self) -> np.ndarray:
        """The indicator: known, not computed by the application."""
        self.ind_codes, uniques = _factor(self.column("indicateur"))
        found = [self.checks.indicator(cell_text(u)) for u in uniques]
        self.ind_u = [f[0] for f in found]
        self.ind_ok = np.array([f[0] is not None for f in found], dtype=bool)[self.ind_codes]
        self.emit(self.filled & ~self.ind_ok, self.ind_codes, [f[1] for f in found])
        self.checked = self.filled & self.ind_ok  # the rows whose value can be checked
        kinds = [{"jalon": 1, "qualitatif": 2}.get(i.type, 0) if i else -1 for i in self.ind_u]
        self.row_kind = np.array(kinds + [-1])[self.ind_codes]  # 0 number, 1 jalon, 2 text
        return self.filled & ~self.ind_ok

    def _when(self) -> np.ndarray:
        """The period: well formed, within the convention, started."""
        self.per_codes, uniques = _factor(self.column("periode"))
        self.per_texts = [cell_text(u) for u in uniques]
        found = [self.checks.period(t) for t in self.per_texts]
        self.per_u = [f[0] for f in found]
        self.per_ok = np.array([f[0] is not None for f in found], dtype=bool)[self.per_codes]
        self.emit(self.filled & ~self.per_ok, self.per_codes, [f[1] for f in found])
        return self.filled & ~self.per_ok

    def _level(self) -> np.ndarray:
        """Is the indicator collected for this kind of territory (commune, structure, EPCI)."""
        both = self.filled & self.ter_ok & self.ind_ok
        bad = np.zeros(self.n, dtype=bool)
        if both.any():
            codes, issues = self._by_combination(
                both,
                self.ter_codes,
                self.ind_codes,
                check=lambda t, i: self.checks.level(self.ter_texts[t], self.ind_u[i], self.ter_code_u[t]),
            )
            bad[both] = np.array([bool(i) for i in issues], dtype=bool)[codes[both]]
            self.emit(bad, codes, issues)
        return bad

    def _value(self) -> np.ndarray:
        """The value by its indicator's catalogue row: numbers parsed once per distinct cell
        and compared with their bounds as arrays; jalons and texts through their parser."""
        self.valeur = np.full(self.n, np.nan)
        self.texte = np.full(self.n, None, dtype=object)
        bad = np.zeros(self.n, dtype=bool)
        numeric = self.checked & (self.row_kind == 0)
        if numeric.any():
            bad |= self._numbers(numeric)
        others = self.checked & (self.row_kind > 0)
        if others.any():  # jalons and texts: few rows, each distinct cell through its parser
            codes, results = self._by_combination(
                others,
                self.ind_codes,
                self.val_codes,
                check=lambda i, v: self.checks.value(self.ind_u[i], self.val_uniques[v]),
            )
            wrong = np.array([r[0] is None for r in results], dtype=bool)[codes]
            number = np.array([np.nan if r[0] is None or r[0][0] is None else r[0][0] for r in results])
            text = _objects([None if r[0] is None else r[0][1] for r in results])
            bad[others] = wrong[others]
            self.valeur[others] = number[codes[others]]
            self.texte[others] = text[codes[others]]
            self.emit(others & bad, codes, [r[1] for r in results])
        return bad

    def _numbers(self, numeric: np.ndarray) -> np.ndarray:
        number_u = np.full(len(self.val_uniques), np.nan)
        parsed_u = np.zeros(len(self.val_uniques), dtype=bool)
        for code in np.unique(self.val_codes[numeric]):
            try:
                number_u[code] = parse_number(self.val_uniques[code])
                parsed_u[code] = True
            except ValueError:
                pass

        def attribute(name: str) -> np.ndarray:
            values = [getattr(i, name) if i is not None else None for i in self.ind_u] + [None]
            return np.array([np.nan if v is None else float(v) for v in values])[self.ind_codes]

        number = number_u[self.val_codes]
        with np.errstate(invalid="ignore"):
            integer = attribute("entier") == 1.0
            wrong = (
                ~parsed_u[self.val_codes]
                | ~np.isfinite(number)
                | (integer & (np.mod(number, 1.0) != 0))
                | (number < attribute("min"))
                | (number > attribute("max"))
            )
        wrong &= numeric
        self.valeur[numeric & ~wrong] = number[numeric & ~wrong]
        if wrong.any():  # the French message: the per-value rule, for the failing values only
            codes, issues = self._by_combination(
                wrong,
                self.ind_codes,
                self.val_codes,
                check=lambda i, v: self.checks.value(self.ind_u[i], self.val_uniques[v])[1],
            )
            self.emit(wrong, codes, issues)
        return wrong

    def _periodicity(self) -> np.ndarray:
        """A quarter for a quarterly indicator, a year for a yearly one."""
        timed = self.checked & self.per_ok
        bad = np.zeros(self.n, dtype=bool)
        if timed.any():
            codes, issues = self._by_combination(
                timed,
                self.ind_codes,
                self.per_codes,
                check=lambda i, p: self.checks.periodicity(self.ind_u[i], self.per_u[p], self.per_texts[p]),
            )
            bad[timed] = np.array([bool(i) for i in issues], dtype=bool)[codes[timed]]
            self.emit(bad, codes, issues)
        return bad

    def _formulas(self) -> None:
        """A text that a spreadsheet would run: kept, neutralised, with a warning."""
        text_rows = self.parsed & (self.row_kind == 2)
        if not text_rows.any():
            return
        formula = np.array([is_formula_like(_shown(v)) for v in self.val_uniques], dtype=bool)
        warning = [
            [
                Issue(
                    None,
                    "valeur",
                    _shown(v),
                    "formule-neutralisee",
                    "Le texte commence comme une formule de tableur : une apostrophe a été ajoutée "
                    "pour qu'il ne s'exécute jamais.",
                    "avertissement",
                )
            ]
            for v in self.val_uniques
        ]
        self.emit(text_rows & formula[self.val_codes], self.val_codes, warning)

    def _comment(self) -> np.ndarray:
        """Each row's comment, neutralised and cut to MAX_TEXT (a warning for a formula)."""
        codes, uniques = _factor(self.column("commentaire"))
        clean, warnings = [], []
        for raw in uniques:
            text = _shown(raw) if not _is_empty(raw) else ""
            clean.append(neutralise(text)[:MAX_TEXT] if text else None)
            warnings.append(
                [
                    Issue(
                        None,
                        "commentaire",
                        text,
                        "formule-neutralisee",
                        "Le commentaire commence comme une formule de tableur : une apostrophe a été "
                        "ajoutée pour qu'il ne s'exécute jamais.",
                        "avertissement",
                    )
                ]
                if text and is_formula_like(text)
                else []
            )
        formula = np.array([bool(w) for w in warnings], dtype=bool)
        self.emit(self.filled & formula[codes], codes, warnings)
        return _objects(clean)[codes]

    def _clean_frame(self, accepted: np.ndarray, comment: np.ndarray) -> pd.DataFrame:
        """The accepted rows as the columns of an observation (plus `_raw`, the value's cell)."""
        positions = np.flatnonzero(accepted)
        per_u = self.per_u
        ind_code_u = _objects([i.code if i else None for i in self.ind_u])
        per_code_u = _objects([p.code if p else None for p in per_u])
        year_u = np.array([p.year if p else 0 for p in per_u] + [0], dtype=np.int64)[:-1]
        quarter_u = np.array([p.quarter if p and p.quarter else np.nan for p in per_u] + [np.nan])[:-1]
        per_rows = self.per_codes[positions]
        return pd.DataFrame(
            {
                "ligne": self.lines[positions],
                "indicateur": pd.Series(ind_code_u[self.ind_codes[positions]], dtype=object),
                "territoire": pd.Series(self.ter_code_u[self.ter_codes[positions]], dtype=object),
                "periode": pd.Series(per_code_u[per_rows], dtype=object),
                "annee": year_u[per_rows],
                "trimestre": quarter_u[per_rows],
                "valeur": self.valeur[positions],
                "valeur_texte": pd.Series(self.texte[positions], dtype=object),
                "commentaire": pd.Series(comment[positions], dtype=object),
                "_raw": self.val_codes[positions],
            }
        )

    def _plausible(self, accepted: np.ndarray) -> None:
        """Refuse a count or an amount above its plausibility ceiling (indicators/plausibility)."""
        rows = accepted & ~np.isnan(self.valeur)
        if not rows.any():
            return
        ceilings = self.checks.ceilings
        codes, found = self._by_combination(
            rows,
            self.ind_codes,
            self.ter_codes,
            check=lambda i, t: ceilings.ceiling(self.ind_u[i], self.ter_code_u[t]),
        )
        ceiling = np.array([np.inf if f is None else f for f in found])
        over = np.zeros(self.n, dtype=bool)
        over[rows] = self.valeur[rows] > ceiling[codes[rows]]
        for position in np.flatnonzero(over):
            ind = self.ind_u[self.ind_codes[position]]
            ceiling_value, how = ceilings.of(ind, self.ter_code_u[self.ter_codes[position]])
            number = float(self.valeur[position])
            shown = (
                format_number(number, None, " ") if abs(number) < 1e15 else f"{number:.3g}".replace(".", ",")
            )
            self.report.add(
                Issue(
                    int(self.lines[position]),
                    "valeur",
                    _shown(self.val_uniques[self.val_codes[position]]),
                    "au-dessus-maximum",
                    f"{shown} est invraisemblable pour « {ind.libelle} » ({ind.code}) : au plus "
                    f"{format_number(round(ceiling_value), None, ' ')}, soit {how}. Vérifiez l'unité et les zéros.",
                )
            )
        accepted &= ~over

    def _duplicates(self, clean: pd.DataFrame) -> pd.DataFrame:
        """The same (indicator, territory, period) twice: the same value is kept once (a
        warning), another value refuses the file (compared with the first row given)."""
        repeated = clean.duplicated(KEYS_, keep="first").to_numpy()
        if not repeated.any():
            return clean
        group = clean.groupby(KEYS_, sort=False).ngroup().to_numpy()
        first_of = np.zeros(group.max() + 1, dtype=np.intp)
        first_of[group[~repeated]] = np.flatnonzero(~repeated)
        units = {i.code: i.unite for i in self.checks.ref.indicators}
        lines, codes, territories, periods, values, texts, raws = (
            clean[c].tolist()
            for c in ("ligne", "indicateur", "territoire", "periode", "valeur", "valeur_texte", "_raw")
        )
        labels = {p: parse_period(p).label for p in set(periods)}
        shown_of: dict[int, str] = {}  # a file repeats the same values: each shown once
        for position in np.flatnonzero(repeated):
            first = first_of[group[position]]
            label = f"{codes[position]}, {territories[position]}, {labels[periods[position]]}"
            raw = raws[position]
            if raw not in shown_of:
                shown_of[raw] = _shown(self.val_uniques[raw])
            value = shown_of[raw]
            number, earlier = values[position], values[first]
            same_number = (math.isnan(earlier) and math.isnan(number)) or earlier == number
            if same_number and texts[first] == texts[position]:
                self.report.add(
                    Issue(
                        int(lines[position]),
                        "valeur",
                        value,
                        "doublon",
                        f"{label} est déjà donné ligne {lines[first]} avec la même valeur : ligne ignorée.",
                        "avertissement",
                    )
                )
            else:
                shown = (
                    texts[first]
                    if texts[first] is not None
                    else format_value(None if math.isnan(earlier) else earlier, units[codes[position]], " ")
                )
                self.report.add(
                    Issue(
                        int(lines[position]),
                        "valeur",
                        value,
                        "doublon-contradictoire",
                        f"{label} est déjà donné ligne {lines[first]} avec une autre valeur ({shown}).",
                    )
                )
        return clean[~repeated]

    def _suspicious(self, clean: pd.DataFrame, previous) -> None:
        """A number more than three times the previous period's (the file's own, else the stored one)."""
        indicators = self.checks.lookups.indicators
        numeric_codes = {c for c, i in indicators.items() if i.is_numeric}
        rows = clean[clean["valeur"].notna() & clean["indicateur"].isin(numeric_codes)]
        if rows.empty:
            return
        before_of = {p: parse_period(p).previous().code for p in rows["periode"].unique()}
        own = dict(
            zip(
                zip(
                    clean["indicateur"].tolist(),
                    clean["territoire"].tolist(),
                    clean["periode"].tolist(),
                    strict=True,
                ),
                clean["valeur"].tolist(),
                strict=True,
            )
        )  # plain dicts: a few thousand lookups cost less than two merges
        stored = previous_map(previous) if isinstance(previous, pd.DataFrame) else (previous or {})
        nan = float("nan")
        before = np.array(
            [
                own[key] if key in own else stored.get(key, nan)
                for key in zip(
                    rows["indicateur"].tolist(),
                    rows["territoire"].tolist(),
                    [before_of[p] for p in rows["periode"].tolist()],
                    strict=True,
                )
            ],
            dtype=float,
        )
        value = rows["valeur"].to_numpy(dtype=float)
        integer = rows["indicateur"].map(lambda c: bool(indicators[c].entier)).to_numpy(dtype=bool)
        with np.errstate(invalid="ignore"):
            flagged = (before > 0) & (value > SUSPICIOUS_FACTOR * before)
            flagged &= ~(integer & (value - before < SUSPICIOUS_MIN_UNITS))
        lines, codes, periods = (rows[c].tolist() for c in ("ligne", "indicateur", "periode"))
        for position in np.flatnonzero(flagged):
            unite = indicators[codes[position]].unite
            number, earlier = float(value[position]), float(before[position])
            self.report.add(
                Issue(
                    int(lines[position]),
                    "valeur",
                    format_value(number, unite, " "),
                    "valeur-suspecte",
                    f"{format_value(number, unite, ' ')} est plus de trois fois la valeur de "
                    f"{parse_period(before_of[periods[position]]).label} ({format_value(earlier, unite, ' ')}) : "
                    "à vérifier (la valeur est acceptée).",
                    "avertissement",
                )
            )


KEYS_ = ["indicateur", "territoire", "periode"]


def validate_upload(
    table: RawTable,
    ref: Reference,
    *,
    actor: Actor,
    today: dt.date,
    previous: Mapping[tuple[str, str, str], float] | pd.DataFrame | None = None,
) -> Report:
    """Validate every row of a read file; return the report (never raises on bad content).

    `today` is the clock (a period that has not started is refused); `previous` gives the
    current stored value of each (indicateur, territoire, periode), for the warnings: a
    mapping, or the frame of current values itself.
    """
    report = Report()
    report.stats = {"lignes": 0, "renseignees": 0, "non_renseignees": 0}
    for problem in table.issues:
        report.add(Issue(problem.line, problem.column, problem.value, problem.kind, problem.message))
    if actor.role == "lecteur":
        report.add(
            Issue(
                None,
                None,
                "",
                "droits-insuffisants",
                f"Le compte « {actor.login} » est en lecture seule : dépôt impossible.",
            )
        )
    if report.errors:
        return _finish(report)
    frame = table.frame
    if frame is not None and len(frame):
        _Columns(_Checks(ref, actor, today), frame, report).run(previous)
    return _finish(report)


def finish_report(report: Report) -> Report:
    """Sort the issues by line and column and count them (after issues were added)."""
    return _finish(report)


def _finish(report: Report) -> Report:
    order = {c: i for i, c in enumerate(COLUMNS)}

    def key(issue: Issue) -> tuple:
        return (issue.line or 0, order.get(issue.column or "", -1))

    report.errors.sort(key=key)
    report.warnings.sort(key=key)
    report.stats["erreurs"] = len(report.errors)
    report.stats["avertissements"] = len(report.warnings)
    report.stats["valides"] = report.n_rows if report.valid else 0
    return report


CLEAN_COLUMNS = [
    "ligne",
    "indicateur",
    "territoire",
    "periode",
    "annee",
    "trimestre",
    "valeur",
    "valeur_texte",
    "commentaire",
]


def _clean_rows(frame: pd.DataFrame | None) -> list[CleanRow]:
    if frame is None or frame.empty:
        return []
    columns = [frame[c].tolist() for c in CLEAN_COLUMNS]
    return [
        CleanRow(
            int(line),
            ind,
            ter,
            per,
            int(year),
            None if quarter is None or quarter != quarter else int(quarter),
            None if value is None or value != value else float(value),
            text,
            comment,
        )
        for line, ind, ter, per, year, quarter, value, text, comment in zip(*columns, strict=True)
    ]


def rows_frame(report: Report) -> pd.DataFrame:
    """The clean rows as a DataFrame (columns of the observations table plus `ligne`)."""
    if report.clean is None or report.clean.empty:
        return pd.DataFrame(columns=CLEAN_COLUMNS)
    frame = report.clean[CLEAN_COLUMNS].copy()
    frame["valeur"] = frame["valeur"].astype("float64")
    return frame
