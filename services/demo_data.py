"""Demonstration data: plausible values for 2026-T1 … 2026-T3, so a first-time user sees
living panels. Deterministic (`random.Random(42)`); the rows are written flagged
`is_demo` (see `services/demo.py`) and removed in one command.

What is generated, read from the catalogue (never a hard-coded list):
- every numeric indicator collected at the `commune` or `structure` level, for each
  commune and structure, each quarter (a flux: the quarter's activity; a stock: the
  situation at the end of the quarter); values follow the commune's share of the
  population around the EPCI baseline when the convention gives one;
- indicators collected only at the EPCI level, for the EPCI;
- ratios are never generated (they are recomputed); context indicators (fiche CTX) only
  when a ratio needs them as a denominator; governance counts come from the meetings;
- a few territories send nothing for the last quarter, so completeness and the alerts
  have something to show.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

import pandas as pd

from indicators.aggregation import territory_periods, yearly_all
from indicators.catalogue import EPCI_CODE, Indicator, Reference
from indicators.derived import is_derived
from indicators.periods import Period

SEED = 42
QUARTERS = [Period(2026, 1), Period(2026, 2), Period(2026, 3)]
AUTHOR = "démonstration"
SECTION = "Données de démonstration (générées)"

# Per-inhabitant rates that keep the demonstration plausible where the convention gives no
# baseline (children under 3 ≈ 3 years of births; about 55 places for 100 such children).
PLAUSIBLE_RATES = {"PE_ENFANTS_MOINS_3": 0.031, "PE_PLACES_ACCUEIL": 0.017, "PE_PLACES_EAJE": 0.006}
# Scale of an EPCI-wide yearly figure by unit when nothing better is known.
DEFAULT_SCALE = {
    "nombre": 60.0,
    "euros": 120_000.0,
    "pourcentage": 55.0,
    "taux_100": 50.0,
    "etp": 20.0,
    "habitants": 275_000.0,
}
SHARE_OF_STRUCTURE = 0.02
SILENT_SHARE = 0.07  # communes and structures that send nothing for the last quarter
COMMITTEE_SHARE = 0.6  # communes whose 2026 comité de pilotage communal the demonstration holds


def _population(ref: Reference) -> dict[str, float]:
    pops: dict[str, tuple[str, float]] = {}
    for obs in ref.observations:
        if obs.indicateur == "POP_MUNICIPALE":
            if obs.territoire not in pops or obs.periode > pops[obs.territoire][0]:
                pops[obs.territoire] = (obs.periode, obs.valeur)
    return {code: value for code, (_, value) in pops.items()}


def _baselines(ref: Reference) -> dict[str, float]:
    """EPCI yearly baseline (last year before 2026) of every numeric indicator that has one."""
    frame = pd.DataFrame(
        [
            {"indicateur": o.indicateur, "territoire": o.territoire, "periode": o.periode, "valeur": o.valeur}
            for o in ref.observations
        ]
    )
    if frame.empty:
        return {}
    yearly = yearly_all(territory_periods(frame, ref, EPCI_CODE), ref)
    before = yearly[yearly["annee"] < 2026].groupby("indicateur")["valeur"].last()
    return {
        code: float(v)
        for code, v in before.items()
        if code in ref.by_code and not ref.indicator(code).is_computed
    }


def _denominators(ref: Reference) -> set[str]:
    return {i.denominateur for i in ref.indicators if i.is_computed and i.denominateur}


def generated_indicators(ref: Reference) -> list[Indicator]:
    """The indicators the demonstration fills (see the module docstring)."""
    dens = _denominators(ref)
    out = []
    for ind in ref.indicators:
        if not ind.is_numeric or ind.is_computed or is_derived(ref, ind.code):
            continue
        if ind.fiche == "CTX" and ind.code not in dens:
            continue
        if ind.fiche == "GOUV" and ind.type != "barometre":
            continue
        out.append(ind)
    return out


def _clip(value: float, ind: Indicator, draw: float) -> float:
    """Bound a value; a count is rounded up with probability equal to its fraction (`draw`
    uniform in [0, 1)), so small shares of an EPCI figure keep their sum."""
    if ind.min is not None:
        value = max(ind.min, value)
    if ind.max is not None:
        value = min(ind.max, value)
    if ind.entier:
        whole = math.floor(value)
        return float(whole + (1 if draw < value - whole else 0))
    return round(value, 2)


def demo_observations(ref: Reference) -> pd.DataFrame:
    """The demonstration values, one row per (indicator, territory, quarter)."""
    rng = random.Random(SEED)
    pops = _population(ref)
    total_pop = sum(pops.get(c.code, 0.0) for c in ref.communes()) or 1.0
    baselines = _baselines(ref)
    communes = [c.code for c in ref.communes()]
    structures = [t.code for t in ref.territories if t.type == "structure"]
    # Small communes stay silent, so the EPCI sums are not dominated by a missing town.
    small = sorted(communes, key=lambda c: pops.get(c, 0.0))[: max(1, len(communes) // 2)]
    silent = set(rng.sample(small, max(1, round(SILENT_SHARE * len(communes)))))
    rows = []
    for ind in generated_indicators(ref):
        # One drift per indicator: mostly in the desired direction, sometimes against it.
        good = rng.random() < 0.7
        direction = {"hausse": 1, "baisse": -1, "stable": 0}[ind.sens] or rng.choice((-1, 1))
        drift = (0.02 + 0.05 * rng.random()) * direction * (1 if good else -1)
        if ind.sens == "stable" and good:
            drift = 0.0
        flux = ind.agregation_temps == "flux"
        yearly_epci = baselines.get(ind.code)
        if yearly_epci is None and ind.code in PLAUSIBLE_RATES:
            yearly_epci = PLAUSIBLE_RATES[ind.code] * total_pop
        if yearly_epci is None:
            yearly_epci = DEFAULT_SCALE.get(ind.unite, 50.0)
            if ind.unite == "pourcentage" and ind.sens == "baisse":
                yearly_epci = 15.0  # a rate to bring down (illiteracy...) is a minority
        per_quarter = yearly_epci / 4 if flux else yearly_epci
        local = {"commune", "structure"} & set(ind.niveaux) and ind.agregation_territoire == "somme"
        if ind.type == "barometre":
            quarters = [QUARTERS[-1]]  # a baromètre is published once a year
        elif ind.fiche == "CTX":
            quarters = [QUARTERS[0]]  # context (denominators): one figure for the year
        else:
            quarters = QUARTERS
        if local:
            targets = []
            if "commune" in ind.niveaux:
                targets += [(c, pops.get(c, 0.0) / total_pop) for c in communes]
            if "structure" in ind.niveaux:
                targets += [(s, SHARE_OF_STRUCTURE) for s in structures]
        elif "epci" in ind.niveaux:
            targets = [(EPCI_CODE, 1.0)]
        else:
            continue
        for territory, share in targets:
            noise_level = rng.uniform(0.85, 1.15)
            draw = rng.random()  # a stock keeps its rounding from quarter to quarter
            for index, quarter in enumerate(quarters):
                if territory in silent and quarter == QUARTERS[-1]:
                    continue
                if territory in small and rng.random() < 0.02:  # an occasional value left out
                    continue
                if ind.unite in ("pourcentage", "taux_100") and not local:
                    value = per_quarter * (1 + drift * (index + 1)) * rng.uniform(0.97, 1.03)
                else:
                    value = per_quarter * share * noise_level * (1 + drift * (index + 1))
                    value *= rng.uniform(0.9, 1.1) if flux else 1.0
                if flux:
                    draw = rng.random()
                rows.append(
                    {
                        "indicateur": ind.code,
                        "territoire": territory,
                        "periode": quarter.code,
                        "annee": quarter.year,
                        "trimestre": quarter.quarter,
                        "valeur": _clip(value, ind, draw),
                        "source_section": SECTION,
                    }
                )
    return pd.DataFrame(rows)


def demo_comments(ref: Reference) -> pd.DataFrame:
    """A short qualitative analysis for a few ambitions at the 2026 annual review."""
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
