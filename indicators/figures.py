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

The values come from a `ValueSource`: each figure asks for its own slice (one territory's
values and its area's rollups for a summary or a series, one indicator over the communes for
a map), so a page reads only what it shows. `FrameSource` serves them from a frame of every
value (the same rules on the same rows: tests/test_review_source.py checks that the store's
source and this one give the same figures).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd

from indicators import chart_facts, governance
from indicators import completeness as completeness_rules
from indicators.aggregation import Territories, area_periods, area_rollups, by_commune_at, series_of
from indicators.catalogue import Reference
from indicators.derived import derived_values
from indicators.engagement import EngagementCounts, engagement_counts
from indicators.periods import FIRST_YEAR
from indicators.review import Alert, Review, build_alerts, indicator_summary, source_sections
from indicators.rules import store_violations
from indicators.staffing import ETP_CODE, HEADCOUNT_CODE, staffing_frame
from indicators.targets import progress_frame


class ValueSource(Protocol):
    """Where a review's figures read the values in force (as shown: indicators.surveys)."""

    def of_territories(self, codes: Iterable[str]) -> pd.DataFrame:
        """Every value of these territories (columns of db.observations.current_values)."""
        ...

    def of_indicators(self, codes: Iterable[str]) -> pd.DataFrame:
        """Every value of these indicators, whatever the territory."""
        ...

    def rollups(self, area: str, codes: Iterable[str] | None = None) -> pd.DataFrame:
        """What the area's parts add up to (indicators.aggregation.area_rollups's rows)."""
        ...

    def sources(self) -> dict[str, list[str]]:
        """Where each indicator's values come from (indicators.review.source_sections)."""
        ...

    def everything(self) -> pd.DataFrame:
        """Every value in force (what a document listing all of them reads)."""
        ...

    def any_demo(self) -> bool:
        """True when some value in force is a demonstration value (indicators.chart_facts.any_demo)."""
        ...

    def batch(self) -> contextlib.AbstractContextManager[None]:
        """The reads made inside it, read together (a store opens its file once for them)."""
        ...


@dataclass
class FrameSource:
    """A `ValueSource` over a frame of every value in force, the rules applied in pandas."""

    values: pd.DataFrame
    ref: Reference
    territories: Territories

    def of_territories(self, codes: Iterable[str]) -> pd.DataFrame:
        return (
            self.values[self.values["territoire"].isin(set(codes))] if not self.values.empty else self.values
        )

    def batch(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()

    def of_indicators(self, codes: Iterable[str]) -> pd.DataFrame:
        return (
            self.values[self.values["indicateur"].isin(set(codes))] if not self.values.empty else self.values
        )

    def rollups(self, area: str, codes: Iterable[str] | None = None) -> pd.DataFrame:
        return area_rollups(self.values, self.ref, area, self.territories, codes)

    def sources(self) -> dict[str, list[str]]:
        return source_sections(self.values)

    def everything(self) -> pd.DataFrame:
        return self.values

    def any_demo(self) -> bool:
        return chart_facts.any_demo(self.values)


@dataclass
class ReviewFigures:
    """The figures of one review of one convention, read and computed once."""

    ref: Reference
    review: Review
    today: dt.date
    source: ValueSource
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
    _sources: dict[str, list[str]] | None = field(default=None, repr=False)
    _values: pd.DataFrame | None = field(default=None, repr=False)
    _own: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)  # a territory's values
    _rolled: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)  # an area's rollups
    _of: dict[tuple[str, ...], pd.DataFrame] = field(default_factory=dict, repr=False)  # indicators' values
    _violations: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def convention(self) -> str:
        return self.ref.convention.code

    @property
    def values(self) -> pd.DataFrame:
        """Every value in force (read when first asked: a page reads `values_of` its slice)."""
        if self._values is None:
            self._values = self.source.everything()
        return self._values

    def values_of(self, territories: Iterable[str]) -> pd.DataFrame:
        """The values in force of some territories (all indicators)."""
        return self.source.of_territories(territories)

    def _territory(self, code: str) -> pd.DataFrame:
        """One territory's own values, read once (every summary and series of it uses them)."""
        if code not in self._own:
            self._own[code] = self.source.of_territories([code])
        return self._own[code]

    def _rollups(self, area: str) -> pd.DataFrame:
        """An area's rollups, every indicator, read once."""
        if area not in self._rolled:
            self._rolled[area] = self.source.rollups(area)
        return self._rolled[area]

    def _indicators(self, codes: Iterable[str]) -> pd.DataFrame:
        """Some indicators' values over every territory, read once."""
        key = tuple(sorted(set(codes)))
        if key not in self._of:
            self._of[key] = self.source.of_indicators(key)
        return self._of[key]

    def staffing(self, territories: Iterable[str] | None = None) -> pd.DataFrame:
        """The chargés' ETP and headcount per employer and year (indicators.staffing)."""
        return staffing_frame(self._indicators([ETP_CODE, HEADCOUNT_CODE]), territories)

    def largest_communes(self, n: int) -> list[str]:
        """The `n` most populous communes, largest first (the ones a map names)."""
        return chart_facts.largest_communes(self._indicators([chart_facts.POPULATION_CODE]), self.ref, n)

    def shows_demo(self, code: str | None = None) -> bool:
        """True when a chart of `code` (None: of every indicator) draws demonstration values."""
        if code is None:
            return self.source.any_demo()
        ind = self.ref.indicator(code)
        codes = [c for c in (code, ind.numerateur, ind.denominateur) if c]
        return chart_facts.shows_demo(self._indicators(codes), self.ref, code)

    @property
    def sources(self) -> dict[str, list[str]]:
        """Where each indicator's values come from (one read for every summary)."""
        if self._sources is None:
            self._sources = self.source.sources()
        return self._sources

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
    def computed(self, territory: str | None = None) -> dict[str, float | None]:
        """The indicators the application computes, for `territory` (indicators.derived)."""
        territory = territory or self.ref.epci
        return derived_values(self.ref, territory, self.territories, self.completeness, self.engagements)

    def summary_of(self, territory: str | None = None) -> pd.DataFrame:
        """Where each indicator stands for `territory` at the review (indicator_summary)."""
        territory = territory or self.ref.epci
        if territory not in self._summaries:
            with self.source.batch():
                own, rolled = self._territory(territory), self._rollups(territory)
            periods = area_periods(own, rolled, self.ref, territory)
            self._summaries[territory] = indicator_summary(
                own,
                self.ref,
                self.review,
                territory=territory,
                targets=self.targets,
                territories=self.territories,
                computed=self.computed(territory),
                periods=periods,
                sources=self.sources,
            )
        return self._summaries[territory]

    def commune_values(self, code: str, since_year: int = FIRST_YEAR) -> pd.DataFrame:
        """Every commune's value of indicator `code` at the cut-off (ratios recomputed)."""
        key = f"{code}|{since_year}"
        if key not in self._by_commune:
            ind = self.ref.indicator(code)
            codes = [c for c in (code, ind.numerateur, ind.denominateur) if c]
            self._by_commune[key] = by_commune_at(
                self._indicators(codes), self.ref, code, self.review.cutoff, since_year
            )
        return self._by_commune[key]

    def series(self, code: str, territory: str | None = None) -> pd.DataFrame:
        """The period series of indicator `code` for `territory` (aggregation rules applied)."""
        territory = territory or self.ref.epci
        key = (code, territory)
        if key not in self._series:
            ind = self.ref.indicator(code)
            codes = {c for c in (code, ind.numerateur, ind.denominateur) if c}
            with self.source.batch():
                own, rolled = self._territory(territory), self._rollups(territory)
            own = own[own["indicateur"].isin(codes)] if not own.empty else own
            if not rolled.empty:
                rolled = rolled[rolled["indicateur"].str.split("~").str[0].isin(codes)]
            self._series[key] = series_of(own, rolled, self.ref, code)
        return self._series[key]

    def targets_of(self, code: str, territory: str | None = None) -> dict[int, float]:
        """{year: target} of an indicator for a territory (default: the EPCI)."""
        territory = territory or self.ref.epci
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
        return progress_frame(self.ref, pd.DataFrame(), self.targets, self.review, summary_of=self.summary_of)

    def finish(self) -> ReviewFigures:
        """Compute the agglomeration's summary and the alerts (once, when built)."""
        self.summary = self.summary_of(self.ref.epci)
        self.alerts = build_alerts(
            self.summary,
            self.review,
            missing=self.missing_territories,
            names=self.territories.names,
            governance_due=self.governance_due(),
        )
        return self
