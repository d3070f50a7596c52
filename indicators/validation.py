"""Validation of an uploaded file: a report that collects every problem, never the first only.

Each problem is an `Issue` (line, column, value, kind, French message, severity); the
`Report` holds errors, warnings, the clean rows ready to be written and counts. A file
with one error is refused whole. The value of a row is checked by a pydantic model built
from the catalogue for its indicator (`value_model`): unit, integer, bounds, periodicity
and form (number, jalon oui/non/date, text) all come from `indicateurs.csv`.

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

import pandas as pd
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError, create_model
from pydantic_core import PydanticCustomError

from indicators.access import Actor
from indicators.catalogue import Indicator, Reference
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
    rows: list[CleanRow] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)

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


def _quarter_start(period: Period) -> dt.date:
    return dt.date(period.year, 3 * (period.quarter - 1) + 1 if period.quarter else 1, 1)


# -- the row checks ----------------------------------------------------------------------------
class _Validator:
    def __init__(
        self,
        ref: Reference,
        actor: Actor,
        today: dt.date,
        previous: Mapping[tuple[str, str, str], float] | None,
    ) -> None:
        self.ref = ref
        self.actor = actor
        self.today = today
        self.previous = previous or {}
        self.lookups = Lookups(ref)
        self.ceilings = Ceilings(ref)
        self.report = Report()
        self.first = Period(ref.convention.debut.year, 1)
        self.last = Period(ref.convention.fin.year, 4)
        self._caches: dict[str, dict] = {
            name: {} for name in ("territoire", "indicateur", "periode", "niveau", "valeur")
        }
        self.seen: dict[tuple[str, str, str], CleanRow] = {}

    def issue(
        self, line: int, column: str, value: object, kind: str, message: str, severity: Severity = "erreur"
    ) -> None:
        self.report.add(Issue(line, column, _shown(value), kind, message, severity))

    def _cached(self, name: str, key: object, line: int, compute, *args):
        """Checks are memoised by their input (a file repeats the same codes and values);
        the issues are kept without a line and emitted for each line that has them."""
        cache = self._caches[name]
        hit = cache.get(key)
        if hit is None:
            hit = cache[key] = compute(*args)
        if hit[1]:
            for p in hit[1]:
                self.report.add(Issue(line, p.column, p.value, p.kind, p.message, p.severity))
        return hit[0]

    def territory(self, line: int, text: str) -> str | None:
        return self._cached("territoire", text, line, self._territory, text)

    def _territory(self, text: str) -> tuple[str | None, list[Issue]]:
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

    def indicator(self, line: int, raw: object) -> Indicator | None:
        text = cell_text(raw)
        return self._cached("indicateur", text, line, self._indicator, text)

    def _indicator(self, text: str) -> tuple[Indicator | None, list[Issue]]:
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

    def period(self, line: int, text: str) -> Period | None:
        return self._cached("periode", text, line, self._parse_period, text)

    def _parse_period(self, text: str) -> tuple[Period | None, list[Issue]]:
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

    def level(self, line: int, text: str, ind: Indicator, code: str) -> bool:
        return self._cached("niveau", (ind.code, code, text), line, self._level, text, ind, code)

    def _level(self, text: str, ind: Indicator, code: str) -> tuple[bool, list[Issue]]:
        kind = self.lookups.territories[code].type
        if kind in ind.niveaux:
            return True, []
        return False, [
            Issue(
                None,
                "territoire",
                text,
                "niveau-non-collecte",
                f"{_named(ind)} n'est pas collecté au niveau {kind} ({code}) : niveaux "
                f"prévus {', '.join(ind.niveaux)}.",
            )
        ]

    def value(
        self, line: int, value: object, period_text: str, ind: Indicator, period: Period | None
    ) -> tuple[float | None, str | None] | None:
        key = (ind.code, period_text, type(value), value)
        return self._cached("valeur", key, line, self._value, value, ind, period, period_text)

    def _value(
        self, value: object, ind: Indicator, period: Period | None, period_text: str
    ) -> tuple[tuple[float | None, str | None] | None, list[Issue]]:
        data = {"periode": period if period is not None else Period(self.first.year, 1), "valeur": value}
        try:
            checked = self.lookups.model(ind.code).model_validate(data)
        except ValidationError as exc:
            problems = []
            for err in exc.errors():
                column = str(err["loc"][0])
                if column == "periode" and period is None:
                    continue
                shown = period_text if column == "periode" else value
                problems.append(Issue(None, column, _shown(shown), err["type"], err["msg"]))
            return None, problems
        return (checked.valeur if period is not None else None), []

    def comment(self, line: int, raw: object) -> str | None:
        text = _shown(raw)
        if not text:
            return None
        if is_formula_like(text):
            self.issue(
                line,
                "commentaire",
                text,
                "formule-neutralisee",
                "Le commentaire commence comme une formule de tableur : une apostrophe a été "
                "ajoutée pour qu'il ne s'exécute jamais.",
                "avertissement",
            )
        return neutralise(text)[:MAX_TEXT]

    def row(self, line: int, raw: dict[str, object]) -> None:
        stats = self.report.stats
        stats["lignes"] += 1
        value = raw.get("valeur")
        if value is None or value == "":
            stats["non_renseignees"] += 1
            self.scope_of_empty(line, cell_text(raw.get("territoire")))
            return
        stats["renseignees"] += 1
        before = len(self.report.errors)
        territory_text = cell_text(raw.get("territoire"))
        territory = self.territory(line, territory_text)
        ind = self.indicator(line, raw.get("indicateur"))
        period_text = cell_text(raw.get("periode"))
        period = self.period(line, period_text)
        if ind is not None and territory is not None:
            self.level(line, territory_text, ind, territory)
        parsed = self.value(line, value, period_text, ind, period) if ind is not None else None
        if (
            parsed is not None
            and parsed[1] is not None
            and ind.type == "qualitatif"
            and is_formula_like(_shown(value))
        ):
            self.issue(
                line,
                "valeur",
                value,
                "formule-neutralisee",
                "Le texte commence comme une formule de tableur : une apostrophe a été ajoutée "
                "pour qu'il ne s'exécute jamais.",
                "avertissement",
            )
        comment = raw.get("commentaire")
        comment = self.comment(line, comment) if comment not in (None, "") else None
        if len(self.report.errors) > before or parsed is None or territory is None or period is None:
            return
        if parsed[0] is not None and not self.plausible(line, value, parsed[0], ind, territory):
            return
        clean = CleanRow(
            line, ind.code, territory, period.code, period.year, period.quarter, parsed[0], parsed[1], comment
        )
        self.accept(clean, value, ind)

    def scope_of_empty(self, line: int, text: str) -> None:
        """A row left empty is still refused outside the actor's territories (one such row
        refuses the file, as the documentation says, whether or not it has a value)."""
        code = self.lookups.territory(text) if text else None
        if code is not None and not self.actor.may_write_territory(code):
            self.territory(line, text)  # the hors-perimetre issue, with this line

    def plausible(self, line: int, value: object, number: float, ind: Indicator, territory: str) -> bool:
        """Refuse a count or an amount above its plausibility ceiling (indicators/plausibility)."""
        found = self.ceilings.of(ind, territory)
        if found is None or number <= found[0]:
            return True
        ceiling, how = found
        shown = format_number(number, None, " ") if abs(number) < 1e15 else f"{number:.3g}".replace(".", ",")
        self.issue(
            line,
            "valeur",
            value,
            "au-dessus-maximum",
            f"{shown} est invraisemblable pour « {ind.libelle} » ({ind.code}) : au plus "
            f"{format_number(round(ceiling), None, ' ')}, soit {how}. Vérifiez l'unité et les zéros.",
        )
        return False

    def accept(self, clean: CleanRow, value: object, ind: Indicator) -> None:
        key = (clean.indicateur, clean.territoire, clean.periode)
        first = self.seen.get(key)
        if first is not None:
            label = f"{clean.indicateur}, {clean.territoire}, {parse_period(clean.periode).label}"
            if (first.valeur, first.valeur_texte) == (clean.valeur, clean.valeur_texte):
                self.issue(
                    clean.line,
                    "valeur",
                    value,
                    "doublon",
                    f"{label} est déjà donné ligne {first.line} avec la même valeur : ligne ignorée.",
                    "avertissement",
                )
            else:
                shown = (
                    first.valeur_texte
                    if first.valeur_texte is not None
                    else format_value(first.valeur, ind.unite, " ")
                )
                self.issue(
                    clean.line,
                    "valeur",
                    value,
                    "doublon-contradictoire",
                    f"{label} est déjà donné ligne {first.line} avec une autre valeur ({shown}).",
                )
            return
        self.seen[key] = clean
        self.report.rows.append(clean)

    def suspicious(self) -> None:
        previous_of: dict[str, str] = {}
        for clean in self.report.rows:
            if clean.valeur is None or not self.lookups.indicators[clean.indicateur].is_numeric:
                continue
            previous_code = previous_of.get(clean.periode)
            if previous_code is None:
                previous_code = previous_of[clean.periode] = parse_period(clean.periode).previous().code
            key = (clean.indicateur, clean.territoire, previous_code)
            earlier = self.seen.get(key)
            before = earlier.valeur if earlier is not None else self.previous.get(key)
            if before is None or not before > 0 or not clean.valeur > SUSPICIOUS_FACTOR * before:
                continue
            ind = self.lookups.indicators[clean.indicateur]
            if ind.entier and clean.valeur - before < SUSPICIOUS_MIN_UNITS:
                continue  # 2 then 7 events is ordinary; 20 then 70 is worth a look
            unite = ind.unite
            self.report.add(
                Issue(
                    clean.line,
                    "valeur",
                    format_value(clean.valeur, unite, " "),
                    "valeur-suspecte",
                    f"{format_value(clean.valeur, unite, ' ')} est plus de trois fois la valeur de "
                    f"{parse_period(previous_code).label} ({format_value(before, unite, ' ')}) : "
                    "à vérifier (la valeur est acceptée).",
                    "avertissement",
                )
            )


def validate_upload(
    table: RawTable,
    ref: Reference,
    *,
    actor: Actor,
    today: dt.date,
    previous: Mapping[tuple[str, str, str], float] | None = None,
) -> Report:
    """Validate every row of a read file; return the report (never raises on bad content).

    `today` is the clock (a period that has not started is refused); `previous` maps
    (indicateur, territoire, periode) to the current stored value, for the warnings.
    """
    checker = _Validator(ref, actor, today, previous)
    report = checker.report
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
    for raw in table.rows:
        checker.row(raw.line, raw.values)
    checker.suspicious()
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
    report.stats["valides"] = len(report.rows) if report.valid else 0
    return report


def rows_frame(report: Report) -> pd.DataFrame:
    """The clean rows as a DataFrame (columns of the observations table plus `ligne`)."""
    columns = [
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
    if not report.rows:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(report.rows, columns=columns)  # CleanRow fields, in this order
    frame["valeur"] = frame["valeur"].astype("float64")
    return frame
