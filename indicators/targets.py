"""Progress toward a target: from the baseline to the target, in the desired direction.

The share achieved is (current − baseline) / (target − baseline): 0 % at the baseline,
100 % at the target, negative when the indicator moved away from it. For an indicator
whose desired direction is `stable`, the target is a level to hold: it is reached while
the value stays within a tolerance of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from indicators.aggregation import Territories
from indicators.catalogue import Reference
from indicators.formatting import NBSP, format_number, is_missing
from indicators.review import Review, indicator_summary
from indicators.upload import parse_number

STABLE_TOLERANCE = 0.05  # a `stable` indicator holds its target within ±5 %

STATUS_REACHED = "atteinte"
STATUS_ON_WAY = "en progression"
STATUS_NOT_STARTED = "pas de progression"
STATUS_AWAY = "s'éloigne de la cible"
STATUS_GAP = "écart à la cible"
STATUS_UNKNOWN = "non renseigné"

PROGRESS_COLUMNS = [
    "indicateur",
    "libelle",
    "territoire",
    "annee",
    "unite",
    "sens",
    "reference",
    "annee_reference",
    "actuelle",
    "annee_actuelle",
    "cible",
    "part",
    "statut",
    "cible_contraire",
]


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
    """Missing, or not a number (a target or a value to compare must be numeric)."""
    if is_missing(value):
        return True
    try:
        float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True
    return False


def progress(
    baseline: float | None,
    current: float | None,
    target: float | None,
    sens: str,
    tolerance: float = STABLE_TOLERANCE,
) -> Progress:
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


def progress_frame(
    ref: Reference,
    values: pd.DataFrame,
    targets: pd.DataFrame,
    review: Review,
    *,
    summary_of: Callable[[str], pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """One row per current target: the baseline and the value at the review's cut-off, taken
    from `indicators.review.indicator_summary` (the panels' figures: ratios recomputed, a flux
    annualised), then the share of the way to the target, respecting the desired direction.

    `summary_of(territory)`: the summary the panels show (services.review.ReviewFigures),
    so that progress reads the very same figures; by default computed from `values`."""
    rows = []
    known = targets[targets["indicateur"].isin(list(ref.by_code))] if not targets.empty else targets
    territories = Territories(ref)
    for territory, group in known.groupby("territoire", sort=False) if not known.empty else []:
        codes = list(dict.fromkeys(group["indicateur"]))
        if summary_of is not None:
            summary = summary_of(str(territory)).set_index("code")
        else:
            summary = indicator_summary(
                values, ref, review, territory=str(territory), codes=codes, territories=territories
            ).set_index("code")
        for t in group.itertuples():
            ind = ref.indicator(t.indicateur)
            line = summary.loc[t.indicateur]
            base = None if _missing(line["reference"]) else float(line["reference"])
            latest = None if _missing(line["comparable"]) else float(line["comparable"])
            result = progress(base, latest, t.valeur, ind.sens)
            rows.append(
                {
                    "indicateur": ind.code,
                    "libelle": ind.libelle,
                    "territoire": t.territoire,
                    "annee": int(t.annee),
                    "unite": ind.unite,
                    "sens": ind.sens,
                    "reference": base,
                    "annee_reference": line["periode_reference"],
                    "actuelle": latest,
                    "annee_actuelle": line["periode_valeur"],
                    "cible": float(t.valeur),
                    "part": result.share,
                    "statut": result.label,
                    "cible_contraire": result.against_direction,
                }
            )
    return pd.DataFrame(rows, columns=PROGRESS_COLUMNS)


class TargetInputError(ValueError):
    """A target typed in a form that is not a number; the message is French."""


def read_target(text: str | None) -> float | None:
    """A target typed the French way (`1 200`, `55,5`); None when left empty (target removed)."""
    if text is None or not str(text).strip():
        return None
    try:
        return parse_number(text)
    except ValueError:
        raise TargetInputError(
            f"« {str(text).strip()} » n'est pas un nombre (exemples : 1 200 ou 55,5)."
        ) from None


def target_input_text(value: float | None) -> str:
    """The text to pre-fill a target field with (`1 200`, `55,5`, empty when unset)."""
    if _missing(value):
        return ""
    text = format_number(value, None, " ")
    return text.rstrip("0").rstrip(",") if "," in text else text
