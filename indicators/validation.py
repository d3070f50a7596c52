"""Validation of an uploaded file: a report that collects every problem, never the first only.

Each problem is an `Issue` (line, column, value, kind, French message, severity); the
`Report` holds errors, warnings, the clean rows ready to be written (a frame, `clean`) and
counts. A file with one error is refused whole. Unit, integer, bounds, periodicity and form
(number, jalon oui/non/date, text) of a value all come from the indicator's row of
`indicateurs.csv`.

The checks are column operations (`_Columns`): each distinct territory, indicator, period
and value is checked once, and the verdicts are spread over the rows as arrays; numbers
are compared with their bounds as arrays. The French message of a problem is written by
the same per-value rules (`_number`, `_jalon`, `_text`, `_periodicity`, raising pydantic's
custom errors, the kinds of `issue_kinds`), called for the failing values only. The same
rules make `value_model`, the pydantic schema of one row (periode, valeur) of an
indicator, for a caller checking a single value.

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
from functools import partial
from typing import Annotated, Any, Literal, NamedTuple

import numpy as np
import pandas as pd
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, create_model
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


def value_model(ind: Indicator) -> type[BaseModel]:
    """The pydantic model of (periode, valeur) for one indicator, from its catalogue row."""
    parser = {"jalon": _jalon, "qualitatif": _text}.get(ind.type, _number)
    return create_model(
        f"Depot_{ind.code}",
        __config__=ConfigDict(frozen=True, arbitrary_types_allowed=True),
        periode=(Annotated[Any, AfterValidator(partial(_periodicity, ind))], ...),
        valeur=(Annotated[Any, BeforeValidator(partial(parser, ind))], ...),
    )


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
        self._models: dict[str, type[BaseModel]] = {}

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

    def model(self, code: str) -> type[BaseModel]:
        """The value model of an indicator (built once)."""
        if code not in self._models:
            self._models[code] = value_model(self.indicators[code])
        return self._models[code]


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
        checks, stats = self.checks, self.report.stats
        raw_value = self.column("valeur")
        val_codes, val_uniques = _factor(raw_value)
        filled = ~np.array([_is_empty(v) for v in val_uniques], dtype=bool)[val_codes]
        stats["lignes"] = self.n
        stats["renseignees"] = int(filled.sum())
        stats["non_renseignees"] = self.n - stats["renseignees"]

        # where: the territory (a row left empty is still refused outside the actor's scope)
        ter_codes, ter_uniques = _factor(self.column("territoire"))
        ter_texts = [cell_text(u) for u in ter_uniques]
        found = [checks.territory(t) for t in ter_texts]
        ter_code_u = np.array([f[0] for f in found] + [None], dtype=object)[:-1]
        ter_issues = [f[1] for f in found]
        ter_ok = np.array([f[0] is not None for f in found], dtype=bool)[ter_codes]
        outside = np.array([bool(f[1]) and f[1][0].kind == "hors-perimetre" for f in found], dtype=bool)
        self.emit(~filled & outside[ter_codes], ter_codes, ter_issues)
        self.emit(filled & ~ter_ok, ter_codes, ter_issues)

        # what: the indicator
        ind_codes, ind_uniques = _factor(self.column("indicateur"))
        found_i = [checks.indicator(cell_text(u)) for u in ind_uniques]
        ind_u = [f[0] for f in found_i]
        ind_ok = np.array([f[0] is not None for f in found_i], dtype=bool)[ind_codes]
        self.emit(filled & ~ind_ok, ind_codes, [f[1] for f in found_i])

        # when: the period
        per_codes, per_uniques = _factor(self.column("periode"))
        per_texts = [cell_text(u) for u in per_uniques]
        found_p = [checks.period(t) for t in per_texts]
        per_u = [f[0] for f in found_p]
        per_ok = np.array([f[0] is not None for f in found_p], dtype=bool)[per_codes]
        self.emit(filled & ~per_ok, per_codes, [f[1] for f in found_p])

        # the level: is the indicator collected for this kind of territory
        errors = filled & ~(ter_ok & ind_ok & per_ok)
        both = filled & ter_ok & ind_ok
        level_bad = np.zeros(self.n, dtype=bool)
        if both.any():
            ters, inds = ter_codes[both], ind_codes[both]
            combo, first = _combine(ters, inds)
            issues = [checks.level(ter_texts[ters[r]], ind_u[inds[r]], ter_code_u[ters[r]]) for r in first]
            codes = np.zeros(self.n, dtype=np.intp)
            codes[both] = combo
            bad_combo = np.array([bool(i) for i in issues], dtype=bool)
            level_bad[both] = bad_combo[combo]
            self.emit(level_bad, codes, issues)
        errors |= level_bad

        # the value, by the indicator's catalogue row; the periodicity of a valid period
        valeur = np.full(self.n, np.nan)
        texte = np.full(self.n, None, dtype=object)
        value_bad = np.zeros(self.n, dtype=bool)
        checked = filled & ind_ok
        kinds = np.array([{"jalon": 1, "qualitatif": 2}.get(i.type, 0) if i else -1 for i in ind_u] + [-1])
        row_kind = kinds[ind_codes]
        numeric = checked & (row_kind == 0)
        if numeric.any():
            number_u = np.full(len(val_uniques), np.nan)
            parsed_u = np.zeros(len(val_uniques), dtype=bool)
            for code in np.unique(val_codes[numeric]):
                try:
                    number_u[code] = parse_number(val_uniques[code])
                    parsed_u[code] = True
                except ValueError:
                    pass

            def attribute(name: str) -> np.ndarray:
                values = [getattr(i, name) if i is not None else None for i in ind_u] + [None]
                return np.array([np.nan if v is None else float(v) for v in values])[ind_codes]

            number = number_u[val_codes]
            with np.errstate(invalid="ignore"):
                integer = attribute("entier") == 1.0
                lowest, highest = attribute("min"), attribute("max")
                wrong = (
                    ~parsed_u[val_codes]
                    | ~np.isfinite(number)
                    | (integer & (np.mod(number, 1.0) != 0))
                    | (number < lowest)
                    | (number > highest)
                )
            wrong &= numeric
            valeur[numeric & ~wrong] = number[numeric & ~wrong]
            value_bad |= wrong
            if wrong.any():
                inds, vals = ind_codes[wrong], val_codes[wrong]
                combo, first = _combine(inds, vals)
                issues = [checks.value(ind_u[inds[r]], val_uniques[vals[r]])[1] for r in first]
                codes = np.zeros(self.n, dtype=np.intp)
                codes[wrong] = combo
                self.emit(wrong, codes, issues)
        others = checked & (row_kind > 0)
        if others.any():  # jalons and texts: few rows, each distinct cell through its parser
            inds, vals = ind_codes[others], val_codes[others]
            combo, first = _combine(inds, vals)
            results = [checks.value(ind_u[inds[r]], val_uniques[vals[r]]) for r in first]
            bad_combo = np.array([r[0] is None for r in results], dtype=bool)
            number_c = np.array([np.nan if r[0] is None or r[0][0] is None else r[0][0] for r in results])
            text_c = np.array([None if r[0] is None else r[0][1] for r in results] + [None], dtype=object)[
                :-1
            ]
            codes = np.zeros(self.n, dtype=np.intp)
            codes[others] = combo
            value_bad[others] = bad_combo[combo]
            valeur[others] = number_c[combo]
            texte[others] = text_c[combo]
            self.emit(others & value_bad, codes, [r[1] for r in results])
        timed = checked & per_ok
        periodicity_bad = np.zeros(self.n, dtype=bool)
        if timed.any():
            inds, pers = ind_codes[timed], per_codes[timed]
            combo, first = _combine(inds, pers)
            issues = [checks.periodicity(ind_u[inds[r]], per_u[pers[r]], per_texts[pers[r]]) for r in first]
            codes = np.zeros(self.n, dtype=np.intp)
            codes[timed] = combo
            periodicity_bad[timed] = np.array([bool(i) for i in issues], dtype=bool)[combo]
            self.emit(periodicity_bad, codes, issues)
        errors |= value_bad | periodicity_bad
        parsed = checked & per_ok & ~value_bad & ~periodicity_bad

        # a text that a spreadsheet would run: kept, neutralised, with a warning
        text_rows = parsed & (row_kind == 2)
        if text_rows.any():
            formula = np.array([is_formula_like(_shown(v)) for v in val_uniques], dtype=bool)
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
                for v in val_uniques
            ]
            self.emit(text_rows & formula[val_codes], val_codes, warning)

        # the comment
        com_codes, com_uniques = _factor(self.column("commentaire"))
        com_clean, com_warning = [], []
        for raw in com_uniques:
            text = _shown(raw) if not _is_empty(raw) else ""
            com_clean.append(neutralise(text)[:MAX_TEXT] if text else None)
            com_warning.append(
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
        formula_c = np.array([bool(w) for w in com_warning], dtype=bool)
        self.emit(filled & formula_c[com_codes], com_codes, com_warning)
        comment = np.array(com_clean + [None], dtype=object)[:-1][com_codes]

        # the rows without error: plausibility, duplicates, warnings
        accepted = filled & ~errors & parsed & ter_ok
        self._plausible(accepted, valeur, ind_codes, ind_u, ter_codes, ter_code_u, val_codes, val_uniques)
        positions = np.flatnonzero(accepted)
        ind_code_u = np.array([i.code if i else None for i in ind_u] + [None], dtype=object)[:-1]
        per_code_u = np.array([p.code if p else None for p in per_u] + [None], dtype=object)[:-1]
        year_u = np.array([p.year if p else 0 for p in per_u] + [0], dtype=np.int64)[:-1]
        quarter_u = np.array([p.quarter if p and p.quarter else np.nan for p in per_u] + [np.nan])[:-1]
        clean = pd.DataFrame(
            {
                "ligne": self.lines[positions],
                "indicateur": pd.Series(ind_code_u[ind_codes[positions]], dtype=object),
                "territoire": pd.Series(ter_code_u[ter_codes[positions]], dtype=object),
                "periode": pd.Series(per_code_u[per_codes[positions]], dtype=object),
                "annee": year_u[per_codes[positions]],
                "trimestre": quarter_u[per_codes[positions]],
                "valeur": valeur[positions],
                "valeur_texte": pd.Series(texte[positions], dtype=object),
                "commentaire": pd.Series(comment[positions], dtype=object),
                "_raw": val_codes[positions],
            }
        )
        clean = self._duplicates(clean, val_uniques)
        self._suspicious(clean, previous)
        self.report.clean = clean.drop(columns="_raw").reset_index(drop=True)

    def _plausible(
        self, accepted, valeur, ind_codes, ind_u, ter_codes, ter_code_u, val_codes, val_uniques
    ) -> None:
        """Refuse a count or an amount above its plausibility ceiling (indicators/plausibility)."""
        rows = accepted & ~np.isnan(valeur)
        if not rows.any():
            return
        inds, ters = ind_codes[rows], ter_codes[rows]
        combo, first = _combine(inds, ters)
        found = [self.checks.ceilings.ceiling(ind_u[inds[r]], ter_code_u[ters[r]]) for r in first]
        ceiling = np.array([np.inf if f is None else f for f in found])[combo]
        over = np.zeros(self.n, dtype=bool)
        over[rows] = valeur[rows] > ceiling
        for position in np.flatnonzero(over):
            ind = ind_u[ind_codes[position]]
            ceiling_value, how = self.checks.ceilings.of(ind, ter_code_u[ter_codes[position]])
            number = float(valeur[position])
            shown = (
                format_number(number, None, " ") if abs(number) < 1e15 else f"{number:.3g}".replace(".", ",")
            )
            self.report.add(
                Issue(
                    int(self.lines[position]),
                    "valeur",
                    _shown(val_uniques[val_codes[position]]),
                    "au-dessus-maximum",
                    f"{shown} est invraisemblable pour « {ind.libelle} » ({ind.code}) : au plus "
                    f"{format_number(round(ceiling_value), None, ' ')}, soit {how}. Vérifiez l'unité et les zéros.",
                )
            )
        accepted &= ~over

    def _duplicates(self, clean: pd.DataFrame, val_uniques: list) -> pd.DataFrame:
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
                shown_of[raw] = _shown(val_uniques[raw])
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
