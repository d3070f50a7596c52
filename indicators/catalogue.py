"""The reference of the convention, read from `seed/` and validated by pydantic.

`load_reference(path)` reads every seed file and returns a `Reference`; any problem
raises `SeedError` with a French message naming the file, the line and the field, so
that `cli.py initialiser` fails before anything is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from indicators.periods import PeriodError, parse_period

EPCI_CODE = "200072460"

Kind = Literal["quantitatif", "jalon", "qualitatif", "barometre"]
Unit = Literal["nombre", "euros", "pourcentage", "taux_100", "etp", "habitants", "texte", "jalon"]
Level = Literal["commune", "structure", "epci"]
Periodicity = Literal["trimestrielle", "annuelle", "ponctuelle"]
TimeAggregation = Literal["stock", "flux"]
SpaceAggregation = Literal["somme", "ratio", "aucune"]
Direction = Literal["hausse", "baisse", "stable"]
TerritoryType = Literal["epci", "commune", "structure", "secteur"]
Instance = Literal["copil_restreint", "copil_elargi", "comite_technique", "comite_communal", "revue"]


class SeedError(Exception):
    """A seed file that cannot be loaded; the message is French and names file, line, field."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


class Signataire(_Model):
    nom: str
    representant: str | None = None


class ConventionInfo(_Model):
    code: str
    nom: str
    debut: dt.date
    fin: dt.date
    epci: str
    signataires: list[Signataire]
    section: str
    # A convention shipped for tests and demonstration (seed/ctg-ccra-demonstration): its
    # objectives and targets are fictitious, and every page, export and bilan says so.
    demonstration: bool = False
    sigle: str = ""  # the short name shown on the panels (e.g. CABBALR)
    demonstration_note: str = ""


class Enjeu(_Model):
    code: str
    titre: str
    section: str


class Ambition(_Model):
    code: str
    enjeu: str
    titre: str
    section: str


class Fiche(_Model):
    code: str
    ambition: str | None
    titre: str
    diagnostic: str = ""
    public_cible: str = ""
    objectifs: list[str] = []
    priorites_2026_2027: list[str] = []
    resultats_attendus: list[str] = []
    partenaires: str = ""
    section: str


class Indicator(_Model):
    """One indicator of the catalogue, with every rule the store and panels need."""

    code: str
    libelle: str
    fiche: str
    type: Kind
    unite: Unit
    niveaux: tuple[Level, ...]
    periodicite: Periodicity
    agregation_temps: TimeAggregation
    agregation_territoire: SpaceAggregation
    numerateur: str | None = None
    denominateur: str | None = None
    facteur: float | None = None
    sens: Direction
    min: float | None = None
    max: float | None = None
    entier: bool = False
    source_donnee: str
    section: str
    note: str | None = None

    _none = field_validator("numerateur", "denominateur", "facteur", "min", "max", "note", mode="before")(
        _blank_to_none
    )

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not value or not all(c.isupper() or c.isdigit() or c == "_" for c in value):
            raise ValueError("le code doit être en majuscules, chiffres et _")
        return value

    @field_validator("niveaux", mode="before")
    @classmethod
    def _levels(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split("|") if part.strip())
        return value

    @field_validator("entier", mode="before")
    @classmethod
    def _bool(cls, value: object) -> object:
        if isinstance(value, str):
            low = value.strip().lower()
            if low in ("oui", "o", "true", "1", "vrai"):
                return True
            if low in ("non", "n", "false", "0", "faux", ""):
                return False
        return value

    @model_validator(mode="after")
    def _ratio(self) -> Indicator:
        if self.agregation_territoire == "ratio":
            if not (self.numerateur and self.denominateur and self.facteur):
                raise ValueError("un ratio demande numerateur, denominateur et facteur")
        elif self.numerateur or self.denominateur:
            raise ValueError("numerateur/denominateur seulement pour agregation_territoire=ratio")
        if not self.niveaux:
            raise ValueError("au moins un niveau de collecte")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min est supérieur à max")
        return self

    @property
    def is_numeric(self) -> bool:
        """True for indicators whose values are numbers (not jalons nor texts)."""
        return self.type in ("quantitatif", "barometre")

    @property
    def is_computed(self) -> bool:
        """True for ratios, always recomputed from their components."""
        return self.agregation_territoire == "ratio"


class DerivedIndicator(_Model):
    """An indicator the application computes from what it holds (`indicateurs_calcules.csv`)."""

    code: str
    calcul: Literal["completude", "engagements"]
    explication: str


class Territory(_Model):
    code: str
    nom: str
    type: TerritoryType
    section: str


class Membership(_Model):
    groupe: str
    commune: str
    section: str


class ReferenceObservation(_Model):
    indicateur: str
    territoire: str
    periode: str
    valeur: float
    section: str
    conflit: str | None = None
    arbitrage: str | None = None  # on the one row of a conflict the figures use: why
    note: str | None = None

    _none = field_validator("conflit", "arbitrage", "note", mode="before")(_blank_to_none)

    @field_validator("periode")
    @classmethod
    def _period(cls, value: str) -> str:
        try:
            return parse_period(value).code
        except PeriodError as exc:
            raise ValueError(str(exc)) from None


class Contradiction(_Model):
    """One statement of the convention on a point where it contradicts itself (not a figure
    of `observations_reference.csv`: a period, a classification, a rounded count...)."""

    conflit: str
    sujet: str
    enonce: str
    section: str
    arbitrage: str | None = None  # on the statement the dashboard follows: what it does and why
    note: str | None = None

    _none = field_validator("arbitrage", "note", mode="before")(_blank_to_none)


class SurveyQuestion(_Model):
    """One question of a baromètre: its result is the share of respondents (in %)."""

    code: str
    question: str
    sens: Direction
    section: str | None = None

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        return Indicator._code(value)


class Survey(_Model):
    """One annual baromètre of the CAF (Annexe 5): its target and its questions."""

    code: str
    libelle: str
    enjeu: str
    cible: str
    section: str
    questions: list[SurveyQuestion]


class Surveys(_Model):
    """`barometres.yaml`: the baromètres and the minimum sample size to publish a result."""

    effectif_minimum: int
    raison_effectif_minimum: str
    section: str
    barometres: list[Survey]

    @field_validator("effectif_minimum")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError("l'effectif minimum doit être au moins 1")
        return value


SAMPLE_SIZE_SUFFIX = "_EFFECTIF"


def survey_indicators(surveys: Surveys) -> list[Indicator]:
    """The two indicators of every question: CODE (the %) and CODE_EFFECTIF (respondents)."""
    out = []
    for survey in surveys.barometres:
        for q in survey.questions:
            section = q.section or survey.section
            out.append(
                Indicator(
                    code=q.code,
                    libelle=f"{survey.libelle} : {q.question[0].lower()}{q.question[1:]}",
                    fiche="GOUV",
                    type="barometre",
                    unite="pourcentage",
                    niveaux=("epci",),
                    periodicite="annuelle",
                    agregation_temps="stock",
                    agregation_territoire="aucune",
                    sens=q.sens,
                    min=0,
                    max=100,
                    source_donnee="baromètre",
                    section=section,
                    note=(
                        f"Question du {survey.libelle} (cible : {survey.cible}). Publiée seulement "
                        f"avec au moins {surveys.effectif_minimum} répondants ({q.code}{SAMPLE_SIZE_SUFFIX})."
                    ),
                )
            )
            out.append(
                Indicator(
                    code=q.code + SAMPLE_SIZE_SUFFIX,
                    libelle=f"Nombre de répondants : {q.question[0].lower()}{q.question[1:]}",
                    fiche="GOUV",
                    type="quantitatif",
                    unite="nombre",
                    niveaux=("epci",),
                    periodicite="annuelle",
                    agregation_temps="stock",
                    agregation_territoire="aucune",
                    sens="stable",
                    min=0,
                    entier=True,
                    source_donnee="baromètre",
                    section=section,
                    note=f"Effectif de la question {q.code} du {survey.libelle}.",
                )
            )
    return out


Operator = Literal["<=", ">=", "=", "<", ">"]
Severity = Literal["erreur", "avertissement"]
COMMUNE_COUNT = "NOMBRE_COMMUNES"  # a rule's side may name the number of communes of the EPCI


class ValidationRule(_Model):
    """A rule between indicators (DHIS2's validation rules): `gauche` `operateur` `droite`,
    each side a sum of indicator codes, a number or NOMBRE_COMMUNES, checked for the same
    territory and period at the levels listed."""

    code: str
    gauche: tuple[str, ...]
    operateur: Operator
    droite: tuple[str, ...]
    niveaux: tuple[Level, ...]
    gravite: Severity
    message: str
    section: str

    @field_validator("gauche", "droite", mode="before")
    @classmethod
    def _side(cls, value: object) -> object:
        if isinstance(value, str):
            terms = tuple(part.strip() for part in value.split("+"))
            if not all(terms):
                raise ValueError("une somme de codes séparés par « + » est attendue")
            return terms
        return value

    @field_validator("operateur", mode="before")
    @classmethod
    def _operator(cls, value: object) -> object:
        return {"≤": "<=", "≥": ">=", "==": "="}.get(str(value).strip(), value)

    @field_validator("niveaux", mode="before")
    @classmethod
    def _levels(cls, value: object) -> object:
        return Indicator._levels(value)

    def codes(self) -> list[str]:
        """The indicator codes on either side (numbers and NOMBRE_COMMUNES left out)."""
        return [t for t in (*self.gauche, *self.droite) if not _is_constant(t)]


def _is_constant(term: str) -> bool:
    if term == COMMUNE_COUNT:
        return True
    try:
        float(term.replace(",", "."))
    except ValueError:
        return False
    return True


class CalendarEntry(_Model):
    code: str
    instance: Instance
    libelle: str
    date_debut: dt.date | None = None
    date_fin: dt.date | None = None
    minimum_par_an: int | None = None
    section: str
    note: str | None = None

    _none = field_validator("date_debut", "date_fin", "minimum_par_an", "note", mode="before")(_blank_to_none)


@dataclass
class Reference:
    """Everything in `seed/`, validated and cross-checked."""

    convention: ConventionInfo
    enjeux: list[Enjeu]
    ambitions: list[Ambition]
    fiches: list[Fiche]
    indicators: list[Indicator]
    territories: list[Territory]
    memberships: list[Membership]
    observations: list[ReferenceObservation]
    calendar: list[CalendarEntry]
    contradictions: list[Contradiction] = field(default_factory=list)
    surveys: Surveys | None = None
    rules: list[ValidationRule] = field(default_factory=list)
    derived: list[DerivedIndicator] = field(default_factory=list)
    digest: str = ""
    folder: Path | None = None  # the seed folder it was read from
    by_code: dict[str, Indicator] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_code = {ind.code: ind for ind in self.indicators}

    @property
    def short_name(self) -> str:
        """The convention's short name (its `sigle`, else its code)."""
        return self.convention.sigle or self.convention.code

    @property
    def label(self) -> str:
        """How a selector names the convention: its short name, « (fictive) » for a demonstration one."""
        return self.short_name + (" (fictive)" if self.convention.demonstration else "")

    @property
    def epci(self) -> str:
        """The code of the convention's EPCI (the territory whose values are the agglomeration's)."""
        return self.convention.epci

    def geojson_path(self) -> Path | None:
        """The communes' polygons shipped beside the seed files (the one `*.geojson`), or None."""
        if self.folder is None:
            return None
        found = sorted(self.folder.glob("*.geojson"))
        return found[0] if found else None

    def derived_kind(self, code: str) -> str | None:
        """How the application computes `code` (`completude`, `engagements`), None when collected."""
        return next((d.calcul for d in self.derived if d.code == code), None)

    def indicator(self, code: str) -> Indicator:
        """The indicator with this code (KeyError if unknown)."""
        return self.by_code[code]

    def communes(self) -> list[Territory]:
        """The communes of the EPCI, by code."""
        return sorted((t for t in self.territories if t.type == "commune"), key=lambda t: t.code)

    def fiche_of_ambition(self, ambition: str) -> Fiche | None:
        """The fiche-projet of an ambition."""
        return next((f for f in self.fiches if f.ambition == ambition), None)

    def summary(self) -> str:
        """One line per kind of reference row, for the CLI."""
        return (
            f"{len(self.enjeux)} enjeux, {len(self.ambitions)} ambitions, {len(self.fiches)} fiches, "
            f"{len(self.indicators)} indicateurs, {len(self.territories)} territoires "
            f"({len(self.communes())} communes), "
            f"{len(self.observations)} observations de référence, {len(self.calendar)} échéances"
        )


def french_message(err: dict) -> str:
    """A French message for one pydantic error (pydantic's own messages are English)."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind == "literal_error":
        return f"« {value} » n'est pas une valeur permise (attendu : {ctx.get('expected', '')})"
    if kind in ("float_parsing", "float_type"):
        return f"« {value} » n'est pas un nombre"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"« {value} » n'est pas un nombre entier"
    if kind == "missing":
        return "valeur manquante"
    if kind.startswith("date") or kind.startswith("datetime"):
        return f"« {value} » n'est pas une date (attendu : AAAA-MM-JJ)"
    if kind.startswith("bool"):
        return f"« {value} » n'est pas oui/non"
    if kind == "extra_forbidden":
        return "champ inattendu"
    if kind in ("string_type", "list_type", "dict_type", "model_type"):
        return f"type inattendu pour « {value} »"
    if kind == "value_error":
        return str(ctx.get("error", err.get("msg", "")))
    return str(err.get("msg", kind))


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "ligne"
        parts.append(f"champ « {loc} » : {french_message(err)}")
    return " ; ".join(parts)


def _read_csv(path: Path, model: type[_Model]) -> list:
    if not path.exists():
        raise SeedError(f"{path.name} : fichier manquant dans {path.parent}")
    rows = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        expected = set(model.model_fields) - {"by_code"}
        missing = [
            c
            for c in model.model_fields
            if c not in (reader.fieldnames or []) and model.model_fields[c].is_required()
        ]
        if missing:
            raise SeedError(f"{path.name}, ligne 1 : colonne(s) manquante(s) : {', '.join(missing)}")
        for record in reader:
            line = reader.line_num
            if not any((v or "").strip() for v in record.values() if isinstance(v, str)):
                continue
            data = {k: v for k, v in record.items() if k in expected}
            extra = [k for k in record if k not in expected and k is not None]
            if extra or None in record:
                raise SeedError(
                    f"{path.name}, ligne {line} : colonne(s) inattendue(s) : "
                    f"{', '.join(str(e) for e in extra) or 'valeurs en trop'}"
                )
            try:
                rows.append(model.model_validate(data))
            except ValidationError as exc:
                raise SeedError(f"{path.name}, ligne {line} : {_describe(exc)}") from None
    return rows


def _check_unique(name: str, items: list, key) -> None:
    seen: set = set()
    for index, item in enumerate(items):
        value = key(item)
        if value in seen:
            raise SeedError(f"{name} : doublon « {value} » (élément {index + 1})")
        seen.add(value)


def _cross_check(ref: Reference) -> None:
    enjeux = {e.code for e in ref.enjeux}
    ambitions = {a.code for a in ref.ambitions}
    fiches = {f.code for f in ref.fiches} | {"GOUV", "CCT", "CTX"}
    territories = {t.code: t for t in ref.territories}
    if ref.epci not in territories or territories[ref.epci].type != "epci":
        raise SeedError(
            f"territoires.csv : l'EPCI de la convention ({ref.epci}, convention.yaml) doit y figurer, de type epci"
        )
    for a in ref.ambitions:
        if a.enjeu not in enjeux:
            raise SeedError(f"convention.yaml : ambition {a.code}, champ « enjeu » : {a.enjeu} inconnu")
    for survey in ref.surveys.barometres if ref.surveys else []:
        if survey.enjeu not in enjeux:
            raise SeedError(f"barometres.yaml : {survey.code}, champ « enjeu » : {survey.enjeu} inconnu")
    for i, rule in enumerate(ref.rules, start=2):
        _check_rule(ref, i, rule)
    for f in ref.fiches:
        if f.ambition is not None and f.ambition not in ambitions:
            raise SeedError(f"convention.yaml : fiche {f.code}, champ « ambition » : {f.ambition} inconnue")
    for i, ind in enumerate(ref.indicators, start=2):
        if ind.fiche not in fiches:
            raise SeedError(f"indicateurs.csv, ligne {i} : champ « fiche » : {ind.fiche} inconnue")
        for comp in (ind.numerateur, ind.denominateur):
            if comp is not None and comp not in ref.by_code:
                raise SeedError(f"indicateurs.csv, ligne {i} : composante {comp} inconnue")
            if comp is not None and ref.by_code[comp].agregation_territoire != "somme":
                raise SeedError(f"indicateurs.csv, ligne {i} : la composante {comp} doit s'additionner")
    for i, m in enumerate(ref.memberships, start=2):
        if m.groupe not in territories or territories[m.groupe].type not in ("structure", "secteur"):
            raise SeedError(f"appartenances.csv, ligne {i} : champ « groupe » : {m.groupe} inconnu")
        if m.commune not in territories or territories[m.commune].type != "commune":
            raise SeedError(f"appartenances.csv, ligne {i} : champ « commune » : {m.commune} inconnue")
    for i, o in enumerate(ref.observations, start=2):
        if o.indicateur not in ref.by_code:
            raise SeedError(
                f"observations_reference.csv, ligne {i} : champ « indicateur » : {o.indicateur} inconnu"
            )
        if o.territoire not in territories:
            raise SeedError(
                f"observations_reference.csv, ligne {i} : champ « territoire » : {o.territoire} inconnu"
            )
        ind = ref.by_code[o.indicateur]
        if ind.min is not None and o.valeur < ind.min or ind.max is not None and o.valeur > ind.max:
            raise SeedError(
                f"observations_reference.csv, ligne {i} : champ « valeur » : "
                f"{o.valeur} hors des bornes de {o.indicateur}"
            )
    keys: dict[tuple, ReferenceObservation] = {}
    chosen: dict[str, int] = {}
    for i, o in enumerate(ref.observations, start=2):
        key = (o.indicateur, o.territoire, o.periode)
        if key in keys and not (o.conflit and keys[key].conflit == o.conflit):
            raise SeedError(
                f"observations_reference.csv, ligne {i} : {key} est déjà donné "
                "(indiquer une clé « conflit » commune si la convention se contredit)"
            )
        keys[key] = o
        if o.arbitrage and not o.conflit:
            raise SeedError(
                f"observations_reference.csv, ligne {i} : champ « arbitrage » sans clé « conflit »"
            )
        if o.arbitrage:
            if o.conflit in chosen:
                raise SeedError(
                    f"observations_reference.csv, ligne {i} : le conflit « {o.conflit} » a déjà "
                    f"une valeur retenue (ligne {chosen[o.conflit]}) : une seule par conflit"
                )
            chosen[o.conflit] = i
    statements: dict[str, list[Contradiction]] = {}
    for c in ref.contradictions:
        statements.setdefault(c.conflit, []).append(c)
    for key, items in statements.items():
        if key in chosen:
            raise SeedError(f"contradictions.csv : la clé « {key} » est déjà un conflit de valeurs")
        if len(items) < 2:
            raise SeedError(f"contradictions.csv : « {key} » n'a qu'un énoncé (au moins deux attendus)")
        if sum(1 for c in items if c.arbitrage) > 1:
            raise SeedError(f"contradictions.csv : « {key} » a plus d'un énoncé retenu (« arbitrage »)")
    for o in ref.observations:
        if o.conflit and o.conflit not in chosen:
            raise SeedError(
                f"observations_reference.csv : le conflit « {o.conflit} » n'a pas de valeur retenue "
                "(écrire dans « arbitrage », sur la ligne retenue, pourquoi c'est elle que les "
                "calculs utilisent : aucun choix silencieux)"
            )


def _check_rule(ref: Reference, line: int, rule: ValidationRule) -> None:
    where = f"regles_validation.csv, ligne {line} ({rule.code})"
    indicators = []
    for code in rule.codes():
        if code not in ref.by_code:
            raise SeedError(f"{where} : indicateur {code} inconnu")
        ind = ref.by_code[code]
        if not ind.is_numeric or ind.is_computed or ref.derived_kind(code) is not None:
            raise SeedError(
                f"{where} : {code} n'est pas une valeur chiffrée déposée (jalon, texte, ratio ou "
                "indicateur calculé par l'application)"
            )
        indicators.append(ind)
    if not indicators:
        raise SeedError(f"{where} : au moins un indicateur est attendu")
    kinds = {i.periodicite == "trimestrielle" for i in indicators}
    if kinds == {True, False} and any(
        i.periodicite == "trimestrielle" and i.agregation_temps == "flux" for i in indicators
    ):
        raise SeedError(
            f"{where} : un flux trimestriel ne se compare pas à une valeur annuelle (périodicités à accorder)"
        )
    units = {i.unite for i in indicators}
    if len(units) > 1 and not units <= {"nombre", "habitants", "etp"}:  # counts of people
        raise SeedError(f"{where} : unités différentes ({', '.join(sorted(units))})")


def load_reference(path: str | Path) -> Reference:
    """Read and validate every seed file under `path`; raise SeedError on the first problem."""
    root = Path(path)
    conv_path = root / "convention.yaml"
    if not conv_path.exists():
        raise SeedError(f"convention.yaml : fichier manquant dans {root}")
    try:
        raw = yaml.safe_load(conv_path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", ligne {mark.line + 1}" if mark else ""
        raise SeedError(f"convention.yaml{line} : YAML illisible ({exc})") from None
    if not isinstance(raw, dict):
        raise SeedError("convention.yaml : le fichier doit contenir convention, enjeux, ambitions, fiches")

    def build(key: str, model: type[_Model]) -> list:
        items = raw.get(key)
        if not isinstance(items, list):
            raise SeedError(f"convention.yaml : la liste « {key} » est manquante")
        out = []
        for index, item in enumerate(items, start=1):
            try:
                out.append(model.model_validate(item))
            except ValidationError as exc:
                raise SeedError(f"convention.yaml : {key} n°{index} : {_describe(exc)}") from None
        return out

    try:
        convention = ConventionInfo.model_validate(raw.get("convention"))
    except ValidationError as exc:
        raise SeedError(f"convention.yaml : convention : {_describe(exc)}") from None
    surveys = None
    survey_path = root / "barometres.yaml"
    if survey_path.exists():
        try:
            surveys = Surveys.model_validate(yaml.safe_load(survey_path.read_text(encoding="utf-8")))
        except yaml.YAMLError as exc:
            raise SeedError(f"barometres.yaml : YAML illisible ({exc})") from None
        except ValidationError as exc:
            raise SeedError(f"barometres.yaml : {_describe(exc)}") from None
    indicators = _read_csv(root / "indicateurs.csv", Indicator)
    if surveys is not None:
        listed = [i.code for i in indicators if i.type == "barometre"]
        if listed:
            raise SeedError(
                f"indicateurs.csv : {', '.join(listed)} : un baromètre se déclare dans barometres.yaml "
                "(chaque question avec son effectif)"
            )
        indicators += survey_indicators(surveys)
    ref = Reference(
        convention=convention,
        enjeux=build("enjeux", Enjeu),
        ambitions=build("ambitions", Ambition),
        fiches=build("fiches", Fiche),
        indicators=indicators,
        territories=_read_csv(root / "territoires.csv", Territory),
        memberships=_read_csv(root / "appartenances.csv", Membership),
        observations=_read_csv(root / "observations_reference.csv", ReferenceObservation),
        calendar=_read_csv(root / "calendrier.csv", CalendarEntry),
        contradictions=_read_csv(root / "contradictions.csv", Contradiction),
        surveys=surveys,
        rules=_read_csv(root / "regles_validation.csv", ValidationRule)
        if (root / "regles_validation.csv").exists()
        else [],
        derived=(
            _read_csv(root / "indicateurs_calcules.csv", DerivedIndicator)
            if (root / "indicateurs_calcules.csv").exists()
            else []
        ),
    )
    _check_unique("indicateurs_calcules.csv", ref.derived, lambda d: d.code)
    unknown = [d.code for d in ref.derived if d.code not in ref.by_code]
    if unknown:
        raise SeedError(
            f"indicateurs_calcules.csv : indicateur(s) absent(s) du catalogue : {', '.join(unknown)}"
        )
    _check_unique("indicateurs.csv", ref.indicators, lambda i: i.code)
    _check_unique("territoires.csv", ref.territories, lambda t: t.code)
    _check_unique("convention.yaml (enjeux)", ref.enjeux, lambda e: e.code)
    _check_unique("convention.yaml (ambitions)", ref.ambitions, lambda a: a.code)
    _check_unique("convention.yaml (fiches)", ref.fiches, lambda f: f.code)
    _check_unique("calendrier.csv", ref.calendar, lambda c: c.code)
    _check_unique("regles_validation.csv", ref.rules, lambda r: r.code)
    _cross_check(ref)
    digest = hashlib.sha256()
    for name in sorted(p.name for p in root.iterdir() if p.suffix in (".csv", ".yaml")):
        digest.update(name.encode() + b"\0" + (root / name).read_bytes())
    ref.digest = digest.hexdigest()
    ref.folder = root
    return ref


def convention_folders(path: str | Path) -> list[Path]:
    """The seed folders under `path`: `path` itself when it holds a convention.yaml (one
    convention), else each sub-folder holding one, by name."""
    root = Path(path)
    if (root / "convention.yaml").exists():
        return [root]
    if not root.is_dir():
        raise SeedError(f"{root} : dossier des données de référence introuvable")
    folders = sorted(p for p in root.iterdir() if p.is_dir() and (p / "convention.yaml").exists())
    if not folders:
        raise SeedError(f"{root} : aucun dossier de convention (un sous-dossier avec convention.yaml)")
    return folders


def load_references(path: str | Path) -> list[Reference]:
    """Every convention under `path` (see `convention_folders`), validated; the real
    conventions first, then the demonstration ones, each group by folder name. Two folders
    giving one convention code, or one EPCI, are refused."""
    refs = [load_reference(folder) for folder in convention_folders(path)]
    for key, what in ((lambda r: r.convention.code, "code de convention"), (lambda r: r.epci, "EPCI")):
        seen: dict[str, Path | None] = {}
        for ref in refs:
            if key(ref) in seen:
                raise SeedError(
                    f"{ref.folder} : {what} {key(ref)} déjà donné par {seen[key(ref)]} "
                    "(une convention par dossier, un EPCI par convention)"
                )
            seen[key(ref)] = ref.folder
    return sorted(refs, key=lambda r: r.convention.demonstration)
