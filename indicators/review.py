"""Reviews of the convention (annual reviews, mid-term bilan) and what panels say at each.

A `Review` fixes the cut-off period and the two comparisons every panel and the bilan
use: baseline (last year before the convention) → cut-off, and previous year → cut-off.

    >>> review = get_review("annuelle-2026")
    >>> review.cutoff.label
    'T3 2026'

`indicator_summary` is the one table of "where do we stand" used by the panels and the
bilan export; `status_of` decides progression / stable / recul from the desired direction
(`sens`) of the indicator, with a tolerance; `build_alerts` lists what the COPIL must hear
about (Annexe 6: "fonction d'alerte en direction du Copil").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd

from indicators.aggregation import Territories, cutoff_all, territory_periods, yearly_all
from indicators.catalogue import Indicator, Reference
from indicators.completeness import latest_quarter_with_data
from indicators.formatting import MISSING, format_change, format_value
from indicators.periods import FIRST_YEAR, LAST_YEAR, Period, last_complete_quarter, period_label

# Within this relative change (2 %) — or 1 point for a percentage — a value is "stable".
TOLERANCE = 0.02
TOLERANCE_POINTS = 1.0
TARGET_YEARS = (2028, 2030)

STATUS_LABELS = {
    "progression": "En progression",
    "stable": "Stable",
    "recul": "En recul",
    "sans_reference": "Sans référence",
    "non_renseigne": "Non renseigné",
}
DIRECTION_LABELS = {"hausse": "à la hausse", "baisse": "à la baisse", "stable": "stable"}


PROVISIONAL_MARK = "provisoire"


class ReviewError(LookupError):
    """An unknown review code; the message is French."""


@dataclass(frozen=True)
class Review:
    """One review of the convention: its code, French label, cut-off quarter and date.

    A review opened before its cut-off quarter is over is « provisoire » (`as_of`): its
    `cutoff` is then the data date (the latest quarter with data) and `planned_cutoff` the
    cut-off it will have; every figure, title, map and table reads `cutoff`.
    """

    code: str
    label: str
    cutoff: Period
    held_on: date  # latest date of the review meeting (end of its window)
    feminine: bool = True  # « la revue annuelle », « le bilan mi-parcours »
    planned_cutoff: Period | None = None  # set on a provisional review: its own cut-off

    def named(self, preposition: str = "") -> str:
        """The review's name in a French sentence, with its article.

        >>> get_review("annuelle-2026").named("à"), get_review("mi-parcours").named("à")
        ('à la revue annuelle 2026', 'au bilan mi-parcours (juin 2028)')
        """
        name = self.label[0].lower() + self.label[1:]
        article = {
            ("", True): "la",
            ("", False): "le",
            ("à", True): "à la",
            ("à", False): "au",
            ("de", True): "de la",
            ("de", False): "du",
        }[(preposition, self.feminine)]
        return f"{article} {name}"

    @property
    def provisional(self) -> bool:
        """True when the review's cut-off quarter is not over yet (see `as_of`)."""
        return self.planned_cutoff is not None

    @property
    def figure_label(self) -> str:
        """The data date as a chart or map says it: `T3 2026`, `T3 2026 (revue provisoire)`."""
        return self.cutoff.label + (f" (revue {PROVISIONAL_MARK})" if self.provisional else "")

    @property
    def data_date_text(self) -> str:
        """`T3 2026`, or `T3 2026 (revue provisoire : arrêté prévu au T1 2028)`."""
        if not self.provisional:
            return self.cutoff.label
        return f"{self.cutoff.label} (revue provisoire : arrêté prévu au {self.planned_cutoff.label})"  # type: ignore[union-attr]

    @property
    def previous_year(self) -> int:
        """The year compared with the cut-off ("previous year → cut-off")."""
        return self.cutoff.year - 1

    @property
    def target_year(self) -> int:
        """The target year the review looks at: 2028 until mid-term, then 2030."""
        return (
            next(y for y in TARGET_YEARS if y >= self.cutoff.year)
            if self.cutoff.year <= 2030
            else TARGET_YEARS[-1]
        )

    @property
    def cutoff_label(self) -> str:
        """French label of the cut-off, e.g. `T3 2026`."""
        return self.cutoff.label

    def quarters(self) -> list[Period]:
        """The quarters of the convention up to the cut-off (2026-T1 … cut-off)."""
        return [
            Period(y, q)
            for y in range(FIRST_YEAR, self.cutoff.year + 1)
            for q in range(1, 5)
            if Period(y, q).sort_key <= self.cutoff.sort_key
        ]


def _reviews() -> list[Review]:
    # Annual reviews: COPIL élargi of November–December (Annexe 5); the last complete
    # quarter before it is T3. Mid-term: June 2028, with T1 2028 as last complete quarter.
    out = [
        Review(f"annuelle-{y}", f"Revue annuelle {y}", Period(y, 3), date(y, 12, 31))
        for y in range(FIRST_YEAR, LAST_YEAR + 1)
    ]
    mid_term = Review(
        "mi-parcours", "Bilan mi-parcours (juin 2028)", Period(2028, 1), date(2028, 6, 30), feminine=False
    )
    out.insert(3, mid_term)
    return out


REVIEWS: list[Review] = _reviews()
REVIEWS_BY_CODE = {r.code: r for r in REVIEWS}


def get_review(code: str) -> Review:
    """The review with this code (`annuelle-2026` … `annuelle-2030`, `mi-parcours`)."""
    try:
        return REVIEWS_BY_CODE[code]
    except KeyError:
        raise ReviewError(f"Revue inconnue : « {code} » (attendu : {', '.join(REVIEWS_BY_CODE)}).") from None


def data_date(
    review: Review,
    values: pd.DataFrame,
    today: date,
    latest: Callable[[Period], Period | None] | None = None,
) -> Period:
    """The quarter a review's figures are at. Once its cut-off quarter is over: the cut-off.
    Before: the latest quarter with data, not after the last complete quarter before today
    (the quarters after it are not due: never 0 % complete, never an alert). `latest(until)`:
    that quarter as a store finds it (default: `latest_quarter_with_data` over `values`)."""
    if today > review.cutoff.end:
        return review.cutoff
    until = min(review.cutoff, last_complete_quarter(today))
    first = Period(FIRST_YEAR, 1)
    found = latest(until) if latest is not None else latest_quarter_with_data(values, until)
    return found if found is not None else max(until, first)


def as_of(
    review: Review,
    values: pd.DataFrame,
    today: date,
    latest: Callable[[Period], Period | None] | None = None,
) -> Review:
    """The review as it can be read on `today`: itself once its cut-off is over, else the
    same review « provisoire », at its data date (`data_date`)."""
    if today > review.cutoff.end or review.provisional:
        return review
    return replace(
        review,
        cutoff=data_date(review, values, today, latest),
        planned_cutoff=review.cutoff,
        label=f"{review.label} · {PROVISIONAL_MARK}",
    )


def current_review(today: date) -> Review:
    """The review to show by default: the next one to be held (or the last one)."""
    upcoming = [r for r in REVIEWS if r.held_on >= today]
    return min(upcoming, key=lambda r: r.held_on) if upcoming else REVIEWS[-1]


MIDTERM_REVIEW = "mi-parcours"


def review_codes() -> list[str]:
    """The review periods a comment belongs to: `annuelle-2026` … `annuelle-2030`, `mi-parcours`."""
    return sorted((r.code for r in REVIEWS), key=lambda c: (c == MIDTERM_REVIEW, c))


def review_label(code: str) -> str:
    """French label of a review code (`Revue annuelle 2026`, `Bilan mi-parcours (juin 2028)`)."""
    review = REVIEWS_BY_CODE.get(code)
    return review.label if review else code


def ambition_choices(ref: Reference) -> dict[str, str]:
    """What a review's qualitative analysis may concern: the ambitions, then the network
    fiche F9 (a fiche without ambition), code → `A1 · titre`."""
    choices = {a.code: f"{a.code} · {a.titre}" for a in ref.ambitions}
    for fiche in ref.fiches:
        if fiche.ambition is None:
            choices[fiche.code] = f"{fiche.code} · {fiche.titre}"
    return choices


# -- Headline indicators ----------------------------------------------------------------


def headline_indicators(ref: Reference, fiche: str, n: int = 3) -> list[Indicator]:
    """The indicators shown on a fiche's card: numeric ones of the fiche, ratios first,
    then those collected each quarter in the communes, in catalogue order."""
    numeric = [i for i in ref.indicators if i.fiche == fiche and i.is_numeric]

    def rank(item: tuple[int, Indicator]) -> tuple[int, int]:
        index, ind = item
        if ind.is_computed:
            return (0, index)
        if ind.periodicite == "trimestrielle" and "commune" in ind.niveaux:
            return (1, index)
        return (2, index)

    return [ind for _, ind in sorted(enumerate(numeric), key=rank)][:n]


def population_indicators(ref: Reference) -> list[Indicator]:
    """The population figures of a commune (municipale, comptée à part, totale), in catalogue order."""
    return [i for i in ref.indicators if i.unite == "habitants" and "commune" in i.niveaux]


def population_indicator(ref: Reference) -> Indicator | None:
    """The commune population shown on the commune page and in the bilan (population municipale)."""
    found = population_indicators(ref)
    return found[0] if found else None


def fiche_indicators(ref: Reference, fiche: str) -> list[Indicator]:
    """Every indicator of a fiche, in catalogue order."""
    return [i for i in ref.indicators if i.fiche == fiche]


# -- Status ------------------------------------------------------------------------------


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def status_of(
    value: float | None,
    reference: float | None,
    sens: str,
    unite: str = "nombre",
    tolerance: float = TOLERANCE,
) -> str:
    """`progression`, `stable`, `recul` or `non_renseigne` for a move reference → value.

    The desired direction decides: a rise is a progression for `hausse`, a decline for
    `baisse`; for `stable` any move beyond the tolerance is a `recul`. Within the tolerance
    (relative, or TOLERANCE_POINTS for a percentage) the value is `stable`.

    >>> status_of(110, 100, "hausse"), status_of(110, 100, "baisse"), status_of(101, 100, "hausse")
    ('progression', 'recul', 'stable')
    """
    if _missing(value) or _missing(reference):
        return "non_renseigne"
    delta = float(value) - float(reference)  # type: ignore[arg-type]
    if unite == "pourcentage":
        small = abs(delta) <= TOLERANCE_POINTS
    elif reference == 0:
        small = delta == 0
    else:
        small = abs(delta) / abs(float(reference)) <= tolerance  # type: ignore[arg-type]
    if small:
        return "stable"
    if sens == "stable":
        return "recul"
    rising = delta > 0
    return "progression" if rising == (sens == "hausse") else "recul"


# -- Summary -----------------------------------------------------------------------------

SUMMARY_COLUMNS = [
    "code",
    "libelle",
    "fiche",
    "type",
    "unite",
    "sens",
    "agregation_temps",
    "reference",
    "periode_reference",
    "valeur",
    "periode_valeur",
    "n_periodes",
    "comparable",
    "annee_precedente",
    "periode_precedente",
    "cible",
    "annee_cible",
    "evolution_reference",
    "evolution_annee",
    "avancement_cible",
    "statut",
    "statut_libelle",
    "valeur_texte",
    "source",
    "premiere_valeur",
    "periode_premiere",
    "tendance",
    "arbitrage_reference",
]


def _targets_for(
    targets: pd.DataFrame | None, code: str, territory: str, year: int, epci: str
) -> float | None:
    if targets is None or targets.empty:
        return None
    rows = targets[(targets["indicateur"] == code) & (targets["annee"] == year)]
    if "territoire" in rows:
        rows = rows[rows["territoire"].fillna(epci) == territory]
    rows = rows[rows["valeur"].notna()]
    return None if rows.empty else float(rows["valeur"].iloc[-1])


def source_sections(values: pd.DataFrame) -> dict[str, list[str]]:
    """Per indicator, where its values come from: its first two source sections (in the order
    of `current_values`), then « dépôts des territoires » when some were uploaded."""
    pairs = pd.DataFrame(columns=["indicateur", "source_section"])
    if not values.empty and "source_section" in values:
        pairs = values[["indicateur", "source_section"]].dropna().drop_duplicates()
    deposits = []
    if not values.empty and "batch_kind" in values:
        deposits = list(values[values["batch_kind"].isin(DEPOSIT_KINDS)]["indicateur"].unique())
    return sections_found(pairs, deposits)


def sections_found(pairs: pd.DataFrame, deposits: Iterable[str]) -> dict[str, list[str]]:
    """`source_sections` from the distinct (indicateur, source_section) pairs in the order of
    `current_values` and the indicators some territory uploaded."""
    found: dict[str, list[str]] = {}
    for code, group in pairs.groupby("indicateur", sort=False):
        found[str(code)] = list(group["source_section"])[:2]
    for code in deposits:
        found.setdefault(str(code), []).append(DEPOSITS_SOURCE)
    return found


DEPOSIT_KINDS = ("depot", "saisie")
DEPOSITS_SOURCE = "dépôts des territoires"


def source_map(
    values: pd.DataFrame, ref: Reference, found: dict[str, list[str]] | None = None
) -> dict[str, str]:
    """Per indicator, where its values come from: provider · sections of the convention or deposits
    (`found`: `source_sections` already computed, e.g. by the store)."""
    found = source_sections(values) if found is None else found
    return {
        ind.code: f"{ind.source_donnee} · {' ; '.join(found.get(ind.code, [])) or ind.section}"
        for ind in ref.indicators
    }


def indicator_summary(
    values: pd.DataFrame,
    ref: Reference,
    review: Review,
    *,
    territory: str | None = None,
    codes: Iterable[str] | None = None,
    targets: pd.DataFrame | None = None,
    territories: Territories | None = None,
    computed: dict[str, float] | None = None,
    periods: pd.DataFrame | None = None,
    sources: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    """Where each indicator stands for a territory at a review (one row per indicator).

    `periods` and `sources`, when given, are what `territory_periods` and `source_sections`
    would compute from every value (a store reads them from its rollups: `values` may then
    hold the territory's own values only).

    `values`: current values (db.observations.current_values). `targets`: optional frame
    with columns indicateur, annee, valeur (and territoire; missing = EPCI), e.g. from the
    pilotage tables. `computed`: values at the cut-off computed by the application
    (indicators.derived: completeness, élus référents); they replace any observed value. Columns: see SUMMARY_COLUMNS: the
    baseline (last yearly value before 2026), the value at the cut-off (a flux adds the
    quarters of the cut-off year, and is annualised in `comparable` for the comparisons),
    the previous year, the target of the review's target year, the changes, the progress
    toward the target (in %) and the status.
    """
    territory = territory or ref.epci
    territories = territories or Territories(ref)
    wanted = list(codes) if codes is not None else [i.code for i in ref.indicators]
    if periods is None:
        periods = (
            territory_periods(values, ref, territory, territories)
            if not values.empty
            else pd.DataFrame(columns=["indicateur", "periode", "annee", "trimestre", "valeur", "_key"])
        )
    yearly = yearly_all(periods, ref)
    at_cut = cutoff_all(periods, ref, review.cutoff, FIRST_YEAR).set_index("indicateur")
    before = yearly[yearly["annee"] < FIRST_YEAR].groupby("indicateur").last()
    # First value of the convention period, for the trend within it (stocks only).
    cut_key = review.cutoff.year * 10 + (review.cutoff.quarter or 5)
    since = (
        periods[(periods["annee"] >= FIRST_YEAR) & (periods["_key"] <= cut_key)]
        if not periods.empty
        else periods
    )
    first = since.sort_values("_key").groupby("indicateur").first() if not since.empty else since
    previous = yearly[yearly["annee"] == review.previous_year].set_index("indicateur")
    texts = pd.DataFrame()
    if not values.empty and "valeur_texte" in values:
        texts = values[(values["territoire"] == territory) & values["valeur_texte"].notna()]
        texts = texts.groupby("indicateur").last() if not texts.empty else texts
    sources = source_map(values, ref, sources)
    # Where the convention contradicts itself, the baseline is the value seed/ retains: its
    # reason travels with it (never a silent choice).
    chosen: dict[tuple[str, str], str] = {}
    if not values.empty and "arbitrage" in values:
        flagged = values[(values["territoire"] == territory) & values["arbitrage"].notna()]
        chosen = {
            (str(c), str(p)): str(a)
            for c, p, a in zip(flagged["indicateur"], flagged["periode"], flagged["arbitrage"], strict=True)
        }
    # one dict per frame, read by code in the loop (a frame's .loc per cell costs more than the rest)
    before_of, previous_of, at_cut_of = _by_code(before), _by_code(previous), _by_code(at_cut)
    first_of, texts_of = _by_code(first), _by_code(texts)
    rows = []
    for code in wanted:
        ind = ref.indicator(code)
        row: dict[str, object] = {c: None for c in SUMMARY_COLUMNS}
        row.update(
            code=code,
            libelle=ind.libelle,
            fiche=ind.fiche,
            type=ind.type,
            unite=ind.unite,
            sens=ind.sens,
            agregation_temps=ind.agregation_temps,
            source=sources[code],
            annee_cible=review.target_year,
            n_periodes=0,
        )
        if not ind.is_numeric:
            if code in texts_of:
                row["valeur_texte"] = str(texts_of[code]["valeur_texte"])
                row["periode_valeur"] = str(texts_of[code]["periode"])
            row.update(statut="non_renseigne", statut_libelle=STATUS_LABELS["non_renseigne"])
            rows.append(row)
            continue
        if code in before_of:
            row["reference"] = float(before_of[code]["valeur"])
            row["periode_reference"] = str(int(before_of[code]["annee"]))
            row["arbitrage_reference"] = chosen.get((code, row["periode_reference"]))
        if code in previous_of:
            row["annee_precedente"] = float(previous_of[code]["valeur"])
            row["periode_precedente"] = str(review.previous_year)
        if computed is not None and code in computed:  # computed by the application: the one figure
            if computed[code] is not None:
                row.update(
                    valeur=computed[code],
                    periode_valeur=review.cutoff.code,
                    n_periodes=1,
                    comparable=computed[code],
                )
        elif code in at_cut_of:
            hit = at_cut_of[code]
            row.update(
                valeur=float(hit["valeur"]),
                periode_valeur=str(hit["periode"]),
                n_periodes=int(hit["n_periodes"]),
                comparable=float(hit["comparable"]),
            )
        if ind.agregation_temps == "stock" and not ind.is_computed and code in first_of:
            row["premiere_valeur"] = float(first_of[code]["valeur"])
            row["periode_premiere"] = str(first_of[code]["periode"])
        trend = "non_renseigne"
        if row["periode_premiere"] and row["periode_premiere"] != row["periode_valeur"]:
            trend = status_of(row["valeur"], row["premiere_valeur"], ind.sens, ind.unite)  # type: ignore[arg-type]
        row["tendance"] = trend
        target = _targets_for(targets, code, territory, review.target_year, ref.epci)
        row["cible"] = target
        comparable, base = row["comparable"], row["reference"]
        if not _missing(comparable):
            if not _missing(base):
                row["evolution_reference"] = float(comparable) - float(base)  # type: ignore[arg-type]
            if not _missing(row["annee_precedente"]):
                row["evolution_annee"] = float(comparable) - float(row["annee_precedente"])  # type: ignore[arg-type]
            if target is not None and not _missing(base) and target != base:
                row["avancement_cible"] = 100 * (float(comparable) - float(base)) / (target - float(base))  # type: ignore[arg-type]
        compare_to = base if not _missing(base) else row["annee_precedente"]
        statut = status_of(comparable, compare_to, ind.sens, ind.unite)  # type: ignore[arg-type]
        if statut == "non_renseigne" and not _missing(comparable):
            statut = "sans_reference"  # a value, but nothing before 2026 to compare it with
        row.update(statut=statut, statut_libelle=STATUS_LABELS[statut])
        rows.append(row)
    frame = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    for col in (
        "reference",
        "valeur",
        "comparable",
        "annee_precedente",
        "cible",
        "evolution_reference",
        "evolution_annee",
        "avancement_cible",
        "premiere_valeur",
    ):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    return frame


def _by_code(frame: pd.DataFrame) -> dict[str, dict]:
    """{indicator code: its row as a dict} of a frame indexed by indicator (one row each)."""
    if frame.empty:
        return {}
    if not frame.index.is_unique:
        raise ValueError("une ligne par indicateur attendue")
    return frame.to_dict("index")


def value_text(row: pd.Series | dict, column: str = "valeur") -> str:
    """French text of one summary cell (`non renseigné` when missing)."""
    value = row[column]
    if column == "valeur" and row.get("type") in ("jalon", "qualitatif"):
        text = row.get("valeur_texte")
        return MISSING if text is None or pd.isna(text) or not str(text).strip() else str(text)
    if column.startswith("evolution"):
        return format_change(value, str(row["unite"]))
    if column == "avancement_cible":
        return MISSING if _missing(value) else f"{format_value(value, 'pourcentage')}"
    return format_value(None if _missing(value) else value, str(row["unite"]))


def reference_text(row: pd.Series | dict) -> str:
    """The baseline as shown everywhere: `1 075 (2025)`; where the convention contradicts
    itself, the reason of the value retained follows it."""
    if _missing(row["reference"]):
        return MISSING
    text = f"{value_text(row, 'reference')} ({row['periode_reference']})"
    reason = row.get("arbitrage_reference")
    if isinstance(reason, str) and reason:
        text += f" — la convention se contredit ; valeur retenue : {reason}"
    return text


def cutoff_caption(row: pd.Series | dict) -> str:
    """How the value at the cut-off was obtained: `T3 2026`, or `cumul T1–T3 2026` for a flux."""
    period = row.get("periode_valeur")
    if period is None or pd.isna(period) or not period:
        return MISSING
    n = int(row.get("n_periodes") or 0)
    if row.get("agregation_temps") == "flux" and 1 < n < 4:
        year = str(period)[:4]
        return f"cumul T1–T{n} {year}"
    return period_label(str(period))


def format_summary(summary: pd.DataFrame, review: Review) -> pd.DataFrame:
    """The summary as a French table for display (every cell a text, nothing empty)."""
    rows = []
    for _, row in summary.iterrows():
        rows.append(
            {
                "Indicateur": row["libelle"],
                "Référence": reference_text(row),
                f"Valeur ({review.cutoff_label})": value_text(row, "valeur"),
                "Période": cutoff_caption(row),
                f"{review.previous_year}": value_text(row, "annee_precedente"),
                "Évolution depuis la référence": value_text(row, "evolution_reference"),
                f"Évolution depuis {review.previous_year}": value_text(row, "evolution_annee"),
                f"Cible {review.target_year}": value_text(row, "cible"),
                "Statut": row["statut_libelle"],
                "Sens souhaité": DIRECTION_LABELS.get(str(row["sens"]), str(row["sens"])),
                "Source": row["source"],
            }
        )
    return pd.DataFrame(rows)


# -- Alerts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    """One alert for the COPIL: its kind, a French message and the object concerned."""

    kind: str  # indicateur | transmission | gouvernance
    message: str
    objet: str = ""


ALERT_KIND_LABELS = {"indicateur": "Indicateur", "transmission": "Transmission", "gouvernance": "Gouvernance"}


def _names(codes: list[str], names: dict[str, str], limit: int = 8) -> str:
    shown = [names.get(c, c) for c in codes[:limit]]
    more = len(codes) - limit
    return ", ".join(shown) + (f" et {more} autre{'s' if more > 1 else ''}" if more > 0 else "")


def build_alerts(
    summary: pd.DataFrame,
    review: Review,
    *,
    missing: Iterable[str] = (),
    names: dict[str, str] | None = None,
    governance_due: pd.DataFrame | None = None,
) -> list[Alert]:
    """Alerts for the COPIL at a review.

    - indicators of `summary` whose status is `recul` (moving against their direction);
    - territories (`missing` codes) that sent nothing for the review's cut-off quarter;
    - governance meetings due and not held: the rows of `indicators.governance.due_not_held`
      (columns `code`, `message`), the one rule for what the convention requires.
    """
    names = names or {}
    out: list[Alert] = []
    for _, row in summary[summary["statut"] == "recul"].iterrows():
        since = (
            f"depuis {row['periode_reference']}"
            if not _missing(row["reference"])
            else f"depuis {row['periode_precedente']}"
        )
        out.append(
            Alert(
                "indicateur",
                f"{row['libelle']} : {value_text(row, 'evolution_reference')} "
                f"{since} (sens souhaité : {DIRECTION_LABELS.get(row['sens'], row['sens'])}).",
                str(row["code"]),
            )
        )
    missing = sorted(missing)
    if missing:
        out.append(
            Alert(
                "transmission",
                f"{len(missing)} territoire{'s' if len(missing) > 1 else ''} "
                f"sans aucune valeur transmise pour {review.cutoff_label} : "
                f"{_names(missing, names)}.",
                "transmission",
            )
        )
    if governance_due is not None:
        out.extend(
            Alert("gouvernance", str(row.message), str(row.code)) for row in governance_due.itertuples()
        )
    return out


def indicator_status_counts(summary: pd.DataFrame, fiche: str | None = None) -> dict[str, int]:
    """How many numeric indicators (of one fiche, or all) have each status, in STATUS_LABELS order.

    The one count behind the overview's summary and the cards' totals.
    """
    rows = summary[summary["type"].isin(["quantitatif", "barometre"])]
    if fiche is not None:
        rows = rows[rows["fiche"] == fiche]
    counts = rows["statut"].value_counts()
    return {status: int(counts.get(status, 0)) for status in STATUS_LABELS}
