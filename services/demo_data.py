"""Demonstration data a statistician would accept: pure (reference in, frames out),
deterministic (`random.Random(42)`), flagged `is_demo` when written (`services/demo.py`) and
removed in one command.

How the values are built, so that a COPIL member sees a believable picture:
- **levels from the convention.** Where the convention gives an agglomeration figure for a
  year 2021-2025 (1 075 assistants maternels in 2025, 110 021,39 € of bonus inclusion in
  2024, 17 PEDT...), the demonstration spreads it over the communes (and structures) so that
  they add up to it exactly (to the cent for amounts). Where it gives none, a documented
  plausible level (`LEVELS`) is used for 2025 and flagged like every other demo value;
- **small trends up to the last complete quarter before today.** Quarterly indicators get a
  2025 yearly baseline and the quarters of 2026 up to that quarter; each indicator follows
  one scenario, drawn so the whole shows a mix: progress (6 to 10 % a year in the desired
  direction), stability, or decline (6 to 10 % a year against it). Totals of the agglomeration
  are fixed first, then spread over the territories, so an agglomeration trend is never an
  artefact of rounding or of a commune's noise; stocks move by small persistent steps;
- **parts of a whole stay parts.** Rates are never generated (recomputed from their parts),
  a total is the sum of its parts, a subset never exceeds its set (children with a handicap
  ≤ children accueillis, EAJE places ≤ formal childcare places, active ≤ all assistants
  maternels...): every rule of `seed/regles_validation.csv` holds (tested);
- **realistic silences.** A few of the smallest communes send nothing for the last quarter
  (completeness and the transmission alert have something true to show); annual indicators
  of a year not yet over are not generated;
- **what is not generated:** context indicators other than the denominators of a ratio,
  governance counts (they come from the meetings), jalons and texts, the completeness rate
  and the count of élus référents (computed by the application, `seed/indicateurs_calcules.csv`).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from datetime import date, timedelta

import pandas as pd

from indicators.catalogue import EPCI_CODE, SAMPLE_SIZE_SUFFIX, Indicator, Reference
from indicators.derived import is_derived
from indicators.periods import FIRST_YEAR, Period, last_complete_quarter

SEED = 42
AUTHOR = "démonstration"
SECTION = "Données de démonstration (générées)"
BASELINE_YEAR = FIRST_YEAR - 1  # the demonstration's baseline year (2025)
CONVENTION_YEARS = range(2021, FIRST_YEAR)  # years whose convention figures are spread
SILENT_SHARE = 0.07  # communes that send nothing for the last quarter (among the smallest)
COMMITTEE_SHARE = 0.6  # communes whose 2026 comité de pilotage communal the demonstration holds

# Yearly level of the agglomeration in 2025 where the convention gives none, with why.
LEVELS: dict[str, tuple[float, str]] = {
    "PE_PLACES_EAJE": (
        1_250,
        "22 grandes crèches (≈ 40 places), 33 micro-crèches (≤ 12), 1 crèche familiale",
    ),
    "PE_ACTIONS_ENGAGEES": (30, "actions petite enfance engagées par les communes et les chargés"),
    "IL_TAUX_ILLETTRISME": (11.0, "1 personne sur 10 au niveau national (fiche Ambition 2), un peu plus ici"),
    "RE_PROJETS_PASSERELLES": (12, "dispositifs passerelles « qui se développent » (fiche Ambition 1)"),
    "EJ_PROJETS_JEUNES": (40, "projets de jeunes accompagnés"),
    "AJ_ACTIONS_ORGANISEES": (60, "actions pour l'autonomie des 16-25 ans"),
    "IA_CAFES_PARTENAIRES": (27, "« En 2025 : 27 séances sont prévues » (Annexe 2)"),
    "IA_EVENEMENTS": (80, "cafés des partenaires, stages croisés, rencontres"),
    "IA_PROJETS_COCONSTRUITS": (20, "projets co-construits"),
    "AT_FOCUS_GROUPES": (8, "focus-groupes avec les habitants"),
    "AT_RENCONTRES_BASSINS": (6, "rencontres par bassin de vie (secteurs Nord, Sud, Est, Ouest)"),
    "CCT_REUNIONS_PILOTAGE": (6, "COPIL restreint, COPIL élargi, comités techniques (Annexe 5)"),
    "CCT_GROUPES_TRAVAIL": (45, "groupes de travail animés par les chargés"),
}
ACTIVITY_RANGE = (20, 90)  # events a year of a chargés' activity indicator (Annexe 6), drawn
# Ratios of the demonstration, each with why.
UNDER_3_PER_INHABITANT = 0.029  # three years of births: (2 764 + 2 760 + 2 610) / 275 327
PLACES_PER_ASSMAT = 2.9  # agreements of an assistant maternel used for under-threes
CHILDREN_PER_EAJE_PLACE = 1.6  # children accueillis in a year per place (part-time, turnover)
ACTIVE_SHARE_ASSMAT = 0.84  # 1 006 / 1 195 active in 2023 (Annexe 2)
EAJE_MIN_POPULATION = 2_500  # communes below it have no crèche in the demonstration
ACM_MIN_POPULATION = 1_500  # nor an accueil collectif de mineurs (ALSH) of their own
# Devices counted per commune: at most one each (a commune has one PEDT, one CME/CMJ...).
ONE_PER_COMMUNE = {"RE_PEDT", "EJ_INSTANCES_JEUNES", "RE_CITES_EDUCATIVES"}
# Parts added up by a total of the same rule (the total is their sum, never drawn apart).
SCENARIO_SHARES = (("progression", 0.45), ("stable", 0.30), ("recul", 0.25))


def demo_quarters(today: date) -> list[Period]:
    """The quarters of the convention generated: 2026-T1 … the last complete quarter."""
    last = last_complete_quarter(today)
    return [
        Period(y, q) for y in range(FIRST_YEAR, last.year + 1) for q in range(1, 5) if Period(y, q) <= last
    ]


def generated_indicators(ref: Reference) -> list[Indicator]:
    """The indicators the demonstration fills (see the module docstring)."""
    denominators = {i.denominateur for i in ref.indicators if i.is_computed}
    out = []
    for ind in ref.indicators:
        if not ind.is_numeric or ind.is_computed or is_derived(ref, ind.code):
            continue
        if ind.fiche == "CTX" and ind.code not in denominators:
            continue
        if ind.fiche == "GOUV" and ind.source_donnee != "baromètre":
            continue
        out.append(ind)
    return out


# -- apportionment -----------------------------------------------------------------------
def apportion(
    total: float, weights: dict[str, float], step: float = 1.0, cap: float | None = None
) -> dict[str, float]:
    """Split `total` over the keys in proportion to `weights`, in units of `step` (1 for
    counts, 0.01 for euros), largest remainders first: the parts add up to `total` exactly.
    With `cap`, no part exceeds it (the rest goes to the next largest weights)."""
    units = round(total / step)
    keys = [k for k, w in weights.items() if w > 0]
    if units <= 0 or not keys:
        return {k: 0.0 for k in weights}
    out = {k: 0 for k in weights}
    remaining, pool = units, keys
    while remaining > 0 and pool:
        mass = sum(weights[k] for k in pool)
        shares = {k: remaining * weights[k] / mass for k in pool}
        floors = {k: math.floor(s) for k, s in shares.items()}
        if cap is not None:
            floors = {k: min(f, int(cap / step) - out[k]) for k, f in floors.items()}
        for k, f in floors.items():
            out[k] += f
        left = remaining - sum(floors.values())
        order = sorted(pool, key=lambda k: (-(shares[k] - math.floor(shares[k])), -weights[k], k))
        for k in order:
            if left == 0:
                break
            if cap is None or out[k] < int(cap / step):
                out[k] += 1
                left -= 1
        remaining = left
        pool = [k for k in pool if cap is None or out[k] < int(cap / step)]
    return {k: round(v * step, 2) for k, v in out.items()}


def _nudge(
    values: dict[str, float], target: float, weights: dict[str, float], rng: random.Random
) -> dict[str, float]:
    """A stock moving to `target` by small persistent steps: one unit at a time, added to
    (or taken from) territories drawn by weight."""
    out = dict(values)
    diff = round(target - sum(out.values()))
    keys = [k for k, w in weights.items() if w > 0]
    while diff != 0 and keys:
        if diff > 0:
            k = rng.choices(keys, [weights[k] for k in keys])[0]
            out[k] += 1
            diff -= 1
        else:
            owners = [k for k in keys if out[k] >= 1]
            if not owners:
                break
            k = rng.choices(owners, [weights[k] for k in owners])[0]
            out[k] -= 1
            diff += 1
    return out


# -- the generator -------------------------------------------------------------------------
class _Demo:
    def __init__(self, ref: Reference, today: date) -> None:
        self.ref = ref
        self.rng = random.Random(SEED)
        self.quarters = demo_quarters(today)
        self.rows: list[dict] = []
        self.types = {t.code: t.type for t in ref.territories}
        self.communes = [c.code for c in ref.communes()]
        self.structures = [t.code for t in ref.territories if t.type == "structure"]
        self.pop = self._latest("POP_MUNICIPALE")
        self.stored = self._reference_frame()
        etp = {
            o.territoire: o.valeur
            for o in ref.observations
            if o.indicateur == "CCT_ETP" and o.periode == str(FIRST_YEAR)
        }
        self.etp_share = {s: etp.get(s, 0.0) / (sum(etp.values()) or 1.0) for s in self.structures}
        smallest = sorted(self.communes, key=lambda c: self.pop.get(c, 0.0))[: len(self.communes) // 4]
        self.silent = set(self.rng.sample(smallest, max(1, round(SILENT_SHARE * len(self.communes)))))
        self.scenarios = self._draw_scenarios()
        self._growth: dict[str, float] = {}
        self._levels: dict[str, float] = {}
        self.noise = {c: math.exp(self.rng.gauss(0, 0.2)) for c in self.communes}

    def _latest(self, code: str) -> dict[str, float]:
        best: dict[str, tuple[str, float]] = {}
        for o in self.ref.observations:
            if o.indicateur == code and (o.territoire not in best or o.periode > best[o.territoire][0]):
                best[o.territoire] = (o.periode, o.valeur)
        return {k: v for k, (_, v) in best.items()}

    def _reference_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "indicateur": o.indicateur,
                    "territoire": o.territoire,
                    "periode": o.periode,
                    "valeur": o.valeur,
                }
                for o in self.ref.observations
                if o.conflit is None or o.arbitrage is not None
            ]
        )

    def _draw_scenarios(self) -> dict[str, str]:
        codes = [i.code for i in generated_indicators(self.ref) if i.sens != "stable"]
        pool = []
        for name, share in SCENARIO_SHARES:
            pool += [name] * round(share * len(codes))
        pool = (pool + ["stable"] * len(codes))[: len(codes)]
        self.rng.shuffle(pool)
        return dict(zip(codes, pool, strict=True))

    def growth(self, ind: Indicator) -> float:
        """Yearly growth of an indicator (drawn once), signed by its scenario and direction."""
        if ind.code not in self._growth:
            scenario = self.scenarios.get(ind.code, "stable")
            size = 0.06 + 0.04 * self.rng.random()
            toward = 1 if ind.sens == "hausse" else -1
            sign = {"progression": 1, "recul": -1}.get(scenario, 0)
            self._growth[ind.code] = size * toward * sign
        return self._growth[ind.code]

    # -- weights of the territories ------------------------------------------------------
    def weights(self, ind: Indicator) -> dict[str, float]:
        """Share of each commune (and structure) collecting `ind`, by what it measures."""
        out: dict[str, float] = {}
        communes = [c for c in self.communes if "commune" in ind.niveaux]
        structures = [s for s in self.structures if "structure" in ind.niveaux]
        early_childhood = ind.code.startswith("PE_") and ind.code not in (
            "PE_ASSMAT",
            "PE_ASSMAT_ACTIFS",
            "PE_ACTIONS_ENGAGEES",
        )
        if early_childhood and ind.code != "PE_ENFANTS_MOINS_3":
            for c in communes:  # crèches are in the larger communes
                out[c] = (
                    self.pop.get(c, 0.0) * self.noise[c]
                    if self.pop.get(c, 0.0) >= EAJE_MIN_POPULATION
                    else 0.0
                )
            share = {"SIVOM_BETHUNOIS": 0.04}  # two crèches of the SIVOM (Annexe 3)
        elif ind.source_donnee == "chargé":
            for c in communes:
                out[c] = self.pop.get(c, 0.0) * self.noise[c]
            share = self.etp_share  # the chargés of the CABBALR and the SIVOM (Annexe 7)
        else:
            for c in communes:
                out[c] = self.pop.get(c, 0.0) * self.noise[c]
            share = {"SIVOM_BETHUNOIS": 0.03} if ind.code.startswith("EJ_") else {}
        total = sum(out.values()) or 1.0
        out = {k: v / total for k, v in out.items()}
        structure_share = sum(share.get(s, 0.0) for s in structures)
        out = {k: v * (1 - structure_share) for k, v in out.items()}
        for s in structures:
            out[s] = share.get(s, 0.0)
        return out

    # -- rows ------------------------------------------------------------------------------
    def add(self, ind: Indicator, territory: str, period: Period, value: float) -> None:
        if ind.entier:
            value = round(value)
        elif ind.unite == "pourcentage":
            value = round(value, 1)
        else:
            value = round(value, 2)
        if ind.min is not None:
            value = max(ind.min, value)
        if ind.max is not None:
            value = min(ind.max, value)
        self.rows.append(
            {
                "indicateur": ind.code,
                "territoire": territory,
                "periode": period.code,
                "annee": period.year,
                "trimestre": period.quarter,
                "valeur": float(value),
                "source_section": SECTION,
            }
        )

    def step(self, ind: Indicator) -> float:
        return 0.01 if ind.unite == "euros" else (1.0 if ind.entier else 0.01)

    def convention_totals(self, ind: Indicator) -> dict[int, float]:
        """The agglomeration's figures of the convention for 2021-2025 (retained values)."""
        rows = self.stored[(self.stored["indicateur"] == ind.code) & (self.stored["territoire"] == EPCI_CODE)]
        return {
            int(p): float(v)
            for p, v in zip(rows["periode"], rows["valeur"], strict=True)
            if p.isdigit() and int(p) in CONVENTION_YEARS
        }

    def has_local_values(self, ind: Indicator, year: int) -> bool:
        rows = self.stored[(self.stored["indicateur"] == ind.code) & (self.stored["periode"] == str(year))]
        return bool((rows["territoire"] != EPCI_CODE).any())

    def spread(self, ind: Indicator, year: int, total: float, weights: dict[str, float]) -> dict[str, float]:
        cap = 1.0 if ind.code in ONE_PER_COMMUNE else None
        parts = apportion(total, weights, self.step(ind), cap)
        for territory, value in parts.items():
            self.add(ind, territory, Period(year), value)
        return parts

    # -- indicator families ----------------------------------------------------------------
    def quarterly(self, ind: Indicator) -> None:
        """A 2025 yearly baseline, then the quarters of 2026 up to the last complete one."""
        g = self.growth(ind)
        level = LEVELS[ind.code][0] if ind.code in LEVELS else self.activity_level(ind)
        flux = ind.agregation_temps == "flux"
        if ind.agregation_territoire == "aucune":
            self.shared_counts(ind, g)
            return
        weights = self.weights(ind) if {"commune", "structure"} & set(ind.niveaux) else {EPCI_CODE: 1.0}
        values = self.spread(ind, BASELINE_YEAR, level, weights)
        done = 0.0  # cumulated quarters: rounding each quarter alone would erase the trend
        for index, quarter in enumerate(self.quarters, start=1):
            years = index / 4
            if flux:
                cumulated = round(sum(level / 4 * (1 + g) ** (k / 4) for k in range(1, index + 1)))
                total, done = cumulated - done, cumulated
                jitter = {k: w * self.rng.uniform(0.85, 1.15) for k, w in weights.items()}
                current = apportion(total, jitter, self.step(ind))
            else:
                values = _nudge(values, round(level * (1 + g) ** years), weights, self.rng)
                current = values
            for territory, value in current.items():
                if territory in self.silent and quarter == self.quarters[-1]:
                    continue
                self.add(ind, territory, quarter, value)

    def shared_counts(self, ind: Indicator, g: float) -> None:
        """Counts a sum would double (axes followed, partners associated): each territory its
        own, the agglomeration its distinct ones (8 ambitions at most for the axes)."""
        territories = [t for t in [*self.communes, *self.structures] if self.types[t] in ind.niveaux]
        axes = "AXES" in ind.code
        own = {t: (self.rng.randint(1, 6) if axes else self.rng.randint(2, 12)) for t in territories}
        for index, quarter in enumerate(self.quarters, start=1):
            if not axes and g > 0 and index > 1:
                for t in self.rng.sample(territories, max(1, len(territories) // 10)):
                    own[t] += 1
            for territory, value in own.items():
                if territory in self.silent and quarter == self.quarters[-1]:
                    continue
                self.add(ind, territory, quarter, value)
            agglomeration = 8 if axes else round(0.55 * sum(own.values()))
            self.add(ind, EPCI_CODE, quarter, agglomeration)
        self.add(ind, EPCI_CODE, Period(BASELINE_YEAR), 7 if axes else round(0.5 * sum(own.values())))

    def annual(self, ind: Indicator, done: dict[str, dict[int, dict[str, float]]]) -> None:
        """The convention's figures spread over the territories; a 2025 baseline if none."""
        if ind.code in done:
            return
        local = {"commune", "structure"} & set(ind.niveaux)
        totals = self.convention_totals(ind)
        spreads: dict[int, dict[str, float]] = {}
        if local and ind.agregation_territoire == "somme":
            weights = self.weights(ind)
            for year, total in sorted(totals.items()):
                if not self.has_local_values(ind, year):
                    spreads[year] = self.spread(ind, year, total, weights)
            if BASELINE_YEAR not in totals and not self.has_local_values(ind, BASELINE_YEAR):
                base = self.baseline(ind, totals)
                if base is not None:
                    spreads[BASELINE_YEAR] = self.spread(ind, BASELINE_YEAR, base, weights)
        elif not totals and ind.code in LEVELS:
            self.add(ind, EPCI_CODE, Period(BASELINE_YEAR), LEVELS[ind.code][0])
        done[ind.code] = spreads

    def baseline(self, ind: Indicator, totals: dict[int, float]) -> float | None:
        """The 2025 level: the latest convention figure moved by the trend, else LEVELS."""
        if totals:
            year = max(totals)
            return totals[year] * (1 + self.growth(ind)) ** (BASELINE_YEAR - year)
        if ind.code in LEVELS:
            return LEVELS[ind.code][0]
        if ind.source_donnee == "chargé":
            return self.activity_level(ind)
        return None

    def activity_level(self, ind: Indicator) -> float:
        """The 2025 level of an activity indicator without any figure (drawn once)."""
        if ind.code not in self._levels:
            self._levels[ind.code] = float(self.rng.randint(*ACTIVITY_RANGE))
        return self._levels[ind.code]

    # -- families tied by the rules ---------------------------------------------------------
    def early_childhood(self, done: dict) -> None:
        """Assistants maternels, places, children under 3 and children accueillis, built
        together so every part stays within its whole, commune by commune."""
        by = self.ref.by_code
        communes = self.communes
        pop_weights = {c: self.pop.get(c, 0.0) * self.noise[c] for c in communes}
        assmat: dict[int, dict[str, float]] = {}
        for year, total in sorted(self.convention_totals(by["PE_ASSMAT"]).items()):
            assmat[year] = self.spread(by["PE_ASSMAT"], year, total, pop_weights)
        actives = self.convention_totals(by["PE_ASSMAT_ACTIFS"])
        actives.setdefault(BASELINE_YEAR, round(ACTIVE_SHARE_ASSMAT * sum(assmat[BASELINE_YEAR].values())))
        for year, total in sorted(actives.items()):
            if year in assmat:
                self.spread(by["PE_ASSMAT_ACTIFS"], year, total, assmat[year])
        eaje = dict(self.rows_of("PE_PLACES_EAJE", str(BASELINE_YEAR)))
        children = {
            c: max(1.0, round(self.pop.get(c, 0.0) * UNDER_3_PER_INHABITANT * self.rng.uniform(0.9, 1.1)))
            for c in communes
        }
        for c in communes:
            self.add(by["PE_ENFANTS_MOINS_3"], c, Period(BASELINE_YEAR), children[c])
            places = eaje.get(c, 0.0) + round(PLACES_PER_ASSMAT * assmat[BASELINE_YEAR].get(c, 0.0))
            self.add(by["PE_PLACES_ACCUEIL"], c, Period(BASELINE_YEAR), places)
        # Children accueillis in EAJE follow the places; the subgroups are parts of them.
        places_by_territory = {t: v for t, v in eaje.items()}
        subgroups = ["PE_ENFANTS_HANDICAP_EAJE", "PE_ENFANTS_PAUVRETE_EAJE", "PE_ENFANTS_INSERTION_EAJE"]
        for year in (BASELINE_YEAR - 1, BASELINE_YEAR):
            accueillis = {
                t: round(CHILDREN_PER_EAJE_PLACE * v * self.rng.uniform(0.95, 1.05))
                for t, v in places_by_territory.items()
            }
            for t, v in accueillis.items():
                self.add(by["PE_ENFANTS_ACCUEILLIS_EAJE"], t, Period(year), v)
            for code in subgroups:
                totals = self.convention_totals(by[code])
                total = totals.get(year) or self.baseline(by[code], totals)
                parts = apportion(total, accueillis)
                for t, v in parts.items():
                    self.add(by[code], t, Period(year), min(v, accueillis[t]))
            done.update({code: {} for code in ("PE_ENFANTS_ACCUEILLIS_EAJE", *subgroups)})
        done.update(
            {
                code: {}
                for code in ("PE_ASSMAT", "PE_ASSMAT_ACTIFS", "PE_ENFANTS_MOINS_3", "PE_PLACES_ACCUEIL")
            }
        )

    def sums_of_parts(self, done: dict) -> None:
        """Totals that are the sum of their parts (a rule `TOTAL = A + B` or `A + B ≤ TOTAL`
        of the seed): the parts are spread, the total is added up, territory by territory."""
        for rule in self.ref.rules:
            total_side, parts_side = (
                (rule.gauche, rule.droite) if rule.operateur == "=" else (rule.droite, rule.gauche)
            )
            if len(total_side) != 1 or len(parts_side) < 2 or rule.operateur not in ("=", "<="):
                continue
            (total_code,) = total_side
            if total_code not in self.generated or any(p not in self.ref.by_code for p in parts_side):
                continue
            for part in parts_side:
                if part in self.generated:
                    self.annual(self.ref.by_code[part], done)
            sums: dict[tuple[str, str], float] = {}
            frame = pd.concat([self.stored, pd.DataFrame(self.rows)], ignore_index=True)
            for part in parts_side:
                rows = frame[(frame["indicateur"] == part) & (frame["territoire"] != EPCI_CODE)]
                for t, p, v in zip(rows["territoire"], rows["periode"], rows["valeur"], strict=True):
                    sums[(t, str(p))] = round(sums.get((t, str(p)), 0.0) + float(v), 2)
            ind = self.ref.by_code[total_code]
            for (territory, period), value in sorted(sums.items()):
                if not self.has_local_values(ind, int(period[:4])):
                    self.add(ind, territory, Period(int(period[:4])), value)
            done[total_code] = {}

    def rows_of(self, code: str, period: str) -> Iterable[tuple[str, float]]:
        return (
            (r["territoire"], r["valeur"])
            for r in self.rows
            if r["indicateur"] == code and r["periode"] == period
        )

    def surveys(self) -> None:
        """2025 results of the baromètres: each question its share and its respondents;
        one question of the young people's baromètre under the minimum (withheld)."""
        if self.ref.surveys is None:
            return
        sizes = {"BARO_HABITANTS": (400, 900), "BARO_JEUNES": (150, 400), "BARO_ACTEURS": (60, 150)}
        small = (
            self.ref.surveys.barometres[1].questions[-1].code
            if len(self.ref.surveys.barometres) > 1
            else None
        )
        for survey in self.ref.surveys.barometres:
            low, high = sizes.get(survey.code, (100, 300))
            for q in survey.questions:
                share = self.rng.uniform(20, 35) if q.sens == "baisse" else self.rng.uniform(40, 75)
                respondents = 24 if q.code == small else self.rng.randint(low, high)
                self.add(self.ref.by_code[q.code], EPCI_CODE, Period(BASELINE_YEAR), share)
                self.add(
                    self.ref.by_code[q.code + SAMPLE_SIZE_SUFFIX],
                    EPCI_CODE,
                    Period(BASELINE_YEAR),
                    respondents,
                )

    def build(self) -> pd.DataFrame:
        self.generated = {i.code: i for i in generated_indicators(self.ref)}
        done: dict[str, dict] = {}
        for ind in self.generated.values():
            if ind.periodicite == "trimestrielle":
                self.quarterly(ind)
                done[ind.code] = {}
        self.early_childhood(done)
        self.surveys()
        done.update(
            {code: {} for code in self.generated if self.ref.by_code[code].source_donnee == "baromètre"}
        )
        self.sums_of_parts(done)
        for ind in self.generated.values():
            self.annual(ind, done)
        if "RE_COMMUNES_PEDT" in self.generated:  # the communes that have a PEDT, counted
            covered = sum(
                1 for t, v in self.rows_of("RE_PEDT", str(BASELINE_YEAR)) if v > 0 and t in self.pop
            )
            self.add(self.ref.by_code["RE_COMMUNES_PEDT"], EPCI_CODE, Period(BASELINE_YEAR), covered)
        frame = pd.DataFrame(self.rows)
        return frame.drop_duplicates(subset=["indicateur", "territoire", "periode"], keep="last").reset_index(
            drop=True
        )


# The indicators the CABBALR demonstration builds together (early childhood): a convention
# without them (the fictitious one of seed/ctg-ccra-demonstration) gets the plain generator.
CABBALR_FAMILY = {"PE_ASSMAT", "PE_ASSMAT_ACTIFS", "PE_PLACES_EAJE", "PE_ENFANTS_ACCUEILLIS_EAJE"}


def demo_observations(ref: Reference, today: date | None = None) -> pd.DataFrame:
    """The demonstration values, one row per (indicator, territory, period): yearly
    baselines and the quarters up to the last complete quarter before `today`."""
    if not CABBALR_FAMILY <= set(ref.by_code):
        return _plain_demo(ref, today or date.today())
    return _Demo(ref, today or date.today()).build()


def _plain_demo(ref: Reference, today: date) -> pd.DataFrame:
    """Demonstration values of a convention of any catalogue, commune by commune: a 2025
    baseline in proportion to the population (1 to 4 per 100 inhabitants, drawn once per
    indicator, a little noise per commune), then the quarters of 2026 of a quarterly indicator
    (a quarter of the yearly level, drifting by its drawn trend); the agglomeration adds up."""
    rng = random.Random(SEED)
    demo = _Demo.__new__(_Demo)  # only its rounding and bounds (`add`)
    demo.rows = []
    pop = {o.territoire: o.valeur for o in ref.observations if o.indicateur == "POP_MUNICIPALE"}
    communes = [c.code for c in ref.communes() if c.code in pop]
    quarters = demo_quarters(today)
    for ind in generated_indicators(ref):
        if "commune" not in ind.niveaux:
            continue
        rate = rng.uniform(0.01, 0.04)
        trend = rng.choice((-0.08, 0.0, 0.08)) * (1 if ind.sens == "hausse" else -1)
        for code in communes:
            level = pop[code] * rate * math.exp(rng.gauss(0, 0.15))
            demo.add(ind, code, Period(BASELINE_YEAR), level)
            if ind.periodicite != "trimestrielle":
                continue
            per_quarter = level / 4 if ind.agregation_temps == "flux" else level
            for i, quarter in enumerate(quarters, start=1):
                demo.add(ind, code, quarter, per_quarter * (1 + trend * i / 4))
    return pd.DataFrame(demo.rows)


def demo_comments(ref: Reference) -> pd.DataFrame:
    """A short qualitative analysis for a few ambitions at the 2026 annual review."""
    if not CABBALR_FAMILY <= set(ref.by_code):  # texts about CABBALR's ambitions: none elsewhere
        return pd.DataFrame(
            [
                {
                    "ambition": ref.ambitions[0].code,
                    "revue": "annuelle-2026",
                    "territoire": None,
                    "texte": "Analyse de démonstration (fictive) : premières données transmises par les communes.",
                    "author": AUTHOR,
                }
            ]
        )
    texts = [
        "Démarrage de la collecte trimestrielle : la plupart des communes ont transmis leurs "
        "premières données. Points de vigilance sur l'offre d'accueil dans les communes rurales.",
        "Les actions de lutte contre l'illectronisme se structurent avec les partenaires ; "
        "premiers ateliers ouverts au second trimestre.",
        "Les cafés des partenaires réunissent régulièrement les acteurs : la dynamique "
        "d'interconnaissance est engagée.",
        "Réseau des chargés de coopération : réunions mensuelles installées, outil de suivi "
        "en cours d'appropriation.",
    ]
    codes = [a.code for a in ref.ambitions][: len(texts) - 1] + ["F9"]
    picks = [codes[0], codes[1] if len(codes) > 2 else codes[0]]
    picks += [codes[-2], codes[-1]] if len(codes) > 2 else []
    return pd.DataFrame(
        [
            {"ambition": code, "revue": "annuelle-2026", "territoire": None, "texte": text, "author": AUTHOR}
            for code, text in zip(picks, texts, strict=False)
        ]
    )


def demo_meetings(ref: Reference) -> pd.DataFrame:
    """Governance meetings of 2026 recorded as held: the first dated occurrence of each
    instance whose window opened before the cut-off of the 2026 review (30/09/2026).

    A comité de pilotage communal names its commune (a comité without one would count for
    no commune): the demonstration records one in September for COMMITTEE_SHARE of the
    communes.
    """
    rng = random.Random(SEED)
    cutoff = date(2026, 9, 30)
    rows, seen = [], set()
    for entry in ref.calendar:
        if entry.instance == "revue" or entry.instance in seen or entry.date_debut is None:
            continue
        if entry.date_debut.year != 2026 or entry.date_debut > cutoff:
            continue
        seen.add(entry.instance)
        held_on = entry.date_debut.replace(day=min(15, entry.date_debut.day + 14))
        base = {
            "instance": entry.instance,
            "calendrier_code": entry.code,
            "territoire": None,
            "date": held_on,
            "tenue": True,
            "note": "Réunion de démonstration",
            "author": AUTHOR,
        }
        if entry.instance != "comite_communal":
            rows.append(base)
            continue
        communes = sorted(c.code for c in ref.communes())
        last = min(entry.date_fin or cutoff, cutoff)
        span = max((last - entry.date_debut).days, 0)
        for code in sorted(rng.sample(communes, round(COMMITTEE_SHARE * len(communes)))):
            day = entry.date_debut + timedelta(days=rng.randint(0, span))
            rows.append({**base, "territoire": code, "date": day, "note": "Comité de démonstration"})
    return pd.DataFrame(rows)
