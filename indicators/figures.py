"""The figures of one review, computed once from plain frames: what every page, the bilan
and the PNG show about a review.

    >>> figures.summary            # one row per indicator for the agglomeration
    >>> figures.alerts             # the alerts for the COPIL
    >>> figures.summary_of("62119")  # the same figures for a commune

Cards and statuses, alerts, completeness (the fiche 9 indicator included), governance
counts, engagement counts, per-commune values, series, targets and progress all come
from a `ReviewFigures`; computing one of them a second time elsewhere is a bug
(tests/test_parity.py checks the pages and the bilan agree). The store is read by
`services.review.gather_review`, which builds it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from indicators import completeness as completeness_rules
from indicators import governance
from indicators.aggregation import Territories, by_commune_at, series
from indicators.catalogue import EPCI_CODE, Reference
from indicators.derived import derived_values
from indicators.engagement import EngagementCounts, engagement_counts
from indicators.periods import FIRST_YEAR
from indicators.review import Alert, Review, build_alerts, indicator_summary
from indicators.rules import store_violations
from indicators.targets import progress_frame


@dataclass
class ReviewFigures:
    """The figures of one review of one convention, read and computed once."""

    ref: Reference
    review: Review
    today: dt.date
    values: pd.DataFrame
    territories: Territories
    targets: pd.DataFrame
    meetings: pd.DataFrame
    comments: pd.DataFrame
    engagements: pd.DataFrame  # one row per commune (indicators.engagement.commune_engagements)
    completeness: pd.DataFrame  # territory × quarter matrix of the review
    demo: bool
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)  # the agglomeration
    alerts: list[Alert] = field(default_factory=list)
    _summaries: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    _by_commune: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    _series: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict, repr=False)
    _violations: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def convention(self) -> str:
        return self.ref.convention.code

    @property
    def as_of(self) -> dt.date:
        """The date governance is judged at: the review date, or today if it comes first."""
        return min(self.today, self.review.held_on)

    # -- completeness ------------------------------------------------------------------
    @property
    def completeness_rate(self) -> float | None:
        """The agglomeration's rate: the value of « Complétude de l'outil » (fiche 9)."""
        return completeness_rules.overall_rate(self.completeness)

    def completeness_of(self, group: str | None = None) -> pd.DataFrame:
        """The matrix, optionally restricted to a structure or sector (and its communes)."""
        if not group:
            return self.completeness
        members = self.territories.members.get(group, set()) | {group}
        if group not in self.territories.names or self.territories.types.get(group) not in (
            "structure",
            "secteur",
        ):
            raise completeness_rules.CompletenessError(f"Structure ou secteur inconnu : « {group} ».")
        return self.completeness[self.completeness["territoire"].isin(members)].reset_index(drop=True)

    def territory_rate(self, code: str) -> float | None:
        """The completeness rate of one territory over the review's quarters."""
        return completeness_rules.overall_rate(self.completeness[self.completeness["territoire"] == code])

    @property
    def missing_territories(self) -> list[str]:
        """Territories that sent nothing for the review's cut-off quarter."""
        return completeness_rules.missing_territories(self.completeness, self.review.cutoff)

    # -- engagement and governance -----------------------------------------------------
    @property
    def engagement_counts(self) -> EngagementCounts:
        """Fiches d'engagement signed and élus référents named, out of the communes."""
        return engagement_counts(self.engagements)

    def governance_calendar(self) -> pd.DataFrame:
        """Every due date of Annexe 5 with the meetings held, judged at `as_of`."""
        return governance.calendar_status(self.ref, self.meetings, self.as_of, self.territories)

    def governance_yearly(self) -> pd.DataFrame:
        """Meetings held per instance and year against the convention's minimum."""
        return governance.yearly_counts(self.ref, self.meetings, self.as_of, self.territories)

    def governance_due(self) -> pd.DataFrame:
        """Meetings due and not held at `as_of` (the governance alerts)."""
        return governance.due_not_held(self.ref, self.meetings, self.as_of, self.territories)

    # -- indicators --------------------------------------------------------------------
    def computed(self, territory: str = EPCI_CODE) -> dict[str, float | None]:
        """The indicators the application computes, for `territory` (indicators.derived)."""
        return derived_values(self.ref, territory, self.territories, self.completeness, self.engagements)

    def summary_of(self, territory: str = EPCI_CODE) -> pd.DataFrame:
        """Where each indicator stands for `territory` at the review (indicator_summary)."""
        if territory not in self._summaries:
            self._summaries[territory] = indicator_summary(
                self.values,
                self.ref,
                self.review,
                territory=territory,
                targets=self.targets,
                territories=self.territories,
                computed=self.computed(territory),
            )
        return self._summaries[territory]

    def commune_values(self, code: str, since_year: int = FIRST_YEAR) -> pd.DataFrame:
        """Every commune's value of indicator `code` at the cut-off (ratios recomputed)."""
        key = f"{code}|{since_year}"
        if key not in self._by_commune:
            self._by_commune[key] = by_commune_at(self.values, self.ref, code, self.review.cutoff, since_year)
        return self._by_commune[key]

    def series(self, code: str, territory: str = EPCI_CODE) -> pd.DataFrame:
        """The period series of indicator `code` for `territory` (aggregation rules applied)."""
        key = (code, territory)
        if key not in self._series:
            self._series[key] = series(self.values, self.ref, code, territory, self.territories)
        return self._series[key]

    def targets_of(self, code: str, territory: str = EPCI_CODE) -> dict[int, float]:
        """{year: target} of an indicator for a territory."""
        rows = self.targets[(self.targets["indicateur"] == code) & (self.targets["territoire"] == territory)]
        return {int(r.annee): float(r.valeur) for r in rows.itertuples() if pd.notna(r.valeur)}

    @property
    def violations(self) -> pd.DataFrame:
        """Every violation of the validation rules up to the review's year (indicators.rules):
        the page « Contrôles de cohérence » and the bilan's annex read it."""
        if self._violations is None:
            self._violations = store_violations(self.values, self.ref, self.review.cutoff, self.territories)
        return self._violations

    def progress(self) -> pd.DataFrame:
        """Progress toward every target set (indicators.targets.progress_frame)."""
        return progress_frame(self.ref, self.values, self.targets, self.review, summary_of=self.summary_of)

    def finish(self) -> ReviewFigures:
        """Compute the agglomeration's summary and the alerts (once, when built)."""
        self.summary = self.summary_of(EPCI_CODE)
        self.alerts = build_alerts(
            self.summary,
            self.review,
            missing=self.missing_territories,
            names=self.territories.names,
            governance_due=self.governance_due(),
        )
        return self
