"""Progress toward a target: from the baseline to the target, in the desired direction.

The share achieved is (current − baseline) / (target − baseline): 0 % at the baseline,
100 % at the target, negative when the indicator moved away from it. For an indicator
whose desired direction is `stable`, the target is a level to hold: it is reached while
the value stays within a tolerance of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from indicators.aggregation import Territories, yearly_ratio
from indicators.catalogue import Reference
from indicators.formatting import MISSING, NBSP, format_number, format_value

STABLE_TOLERANCE = 0.05  # a `stable` indicator holds its target within ±5 %

STATUS_REACHED = "atteinte"
STATUS_ON_WAY = "en progression"
STATUS_NOT_STARTED = "pas de progression"
STATUS_AWAY = "s'éloigne de la cible"
STATUS_GAP = "écart à la cible"
STATUS_UNKNOWN = "non renseigné"

PROGRESS_COLUMNS = ["indicateur", "libelle", "territoire", "annee", "unite", "sens", "reference",
                    "annee_reference", "actuelle", "annee_actuelle", "cible", "part", "statut",
                    "cible_contraire"]


@dataclass(frozen=True)
class Progress:
    """Where an indicator stands between its baseline and its target."""

    share: float | None  # 1.0 = target reached; None when it cannot be computed
    status: str
    against_direction: bool = False  # the target itself goes against the desired direction

    @property
    def label(self) -> str:
        """French text: `62,5 % du chemin`, `atteinte`, `non renseigné`..."""
        if self.share is None:
            return self.status
        if self.status == STATUS_REACHED:
            return STATUS_REACHED
        return f"{format_number(self.share * 100, 1)}{NBSP}% du chemin"


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def progress(baseline: float | None, current: float | None, target: float | None, sens: str,
             tolerance: float = STABLE_TOLERANCE) -> Progress:
    """Progress from `baseline` to `target` given the `current` value and the desired direction."""
    if _missing(current) or _missing(target):
        return Progress(None, STATUS_UNKNOWN)
    current, target = float(current), float(target)  # type: ignore[arg-type]
    if sens == "stable":
        gap = abs(current - target)
        limit = abs(target) * tolerance if target else tolerance
        return Progress(None, STATUS_REACHED if gap <= limit else STATUS_GAP)
    if _missing(baseline):
        reached = current >= target if sens == "hausse" else current <= target
        return Progress(1.0 if reached else None, STATUS_REACHED if reached else STATUS_UNKNOWN)
    baseline = float(baseline)  # type: ignore[arg-type]
    against = (target < baseline) if sens == "hausse" else (target > baseline)
    if target == baseline:
        reached = current >= target if sens == "hausse" else current <= target
        return Progress(1.0 if reached else 0.0, STATUS_REACHED if reached else STATUS_AWAY, against)
    share = (current - baseline) / (target - baseline)
    if share >= 1:
        status = STATUS_REACHED
    elif share > 0:
        status = STATUS_ON_WAY
    elif share == 0:
        status = STATUS_NOT_STARTED
    else:
        status = STATUS_AWAY
    return Progress(share, status, against)


def progress_frame(ref: Reference, values: pd.DataFrame, targets: pd.DataFrame,
                   cutoff_year: int | None = None, first_year: int | None = None) -> pd.DataFrame:
    """One row per current target: baseline (last year before the convention), latest value
    up to `cutoff_year`, the target and the share achieved (ratios recomputed)."""
    first_year = first_year or ref.convention.debut.year
    territories = Territories(ref)
    rows = []
    for t in targets.itertuples():
        if t.indicateur not in ref.by_code:
            continue
        ind = ref.indicator(t.indicateur)
        yearly = yearly_ratio(values, ref, ind.code, t.territoire, territories) if not values.empty else None
        base = latest = None
        base_year = latest_year = None
        if yearly is not None and not yearly.empty:
            before = yearly[yearly["annee"] < first_year]
            if not before.empty:
                base, base_year = float(before["valeur"].iloc[-1]), int(before["annee"].iloc[-1])
            upto = yearly[yearly["annee"] >= first_year]
            if cutoff_year is not None:
                upto = upto[upto["annee"] <= cutoff_year]
            if not upto.empty:
                latest, latest_year = float(upto["valeur"].iloc[-1]), int(upto["annee"].iloc[-1])
        result = progress(base, latest, t.valeur, ind.sens)
        rows.append({"indicateur": ind.code, "libelle": ind.libelle, "territoire": t.territoire,
                     "annee": int(t.annee), "unite": ind.unite, "sens": ind.sens,
                     "reference": base, "annee_reference": base_year, "actuelle": latest,
                     "annee_actuelle": latest_year, "cible": float(t.valeur), "part": result.share,
                     "statut": result.label, "cible_contraire": result.against_direction})
    return pd.DataFrame(rows, columns=PROGRESS_COLUMNS)


def describe_target(value: float | None, unite: str) -> str:
    """French text of a target value (`1 200`, `45,0 %`), `non renseigné` when unset."""
    return MISSING if _missing(value) else format_value(value, unite)
