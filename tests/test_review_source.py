"""A review's figures read slice by slice from the store (services.review.StoreSource: a
territory's values, an indicator's values, an area's rollups) are those computed from every
value in force (indicators.figures.FrameSource): same summaries, series, maps, completeness,
alerts and staffing, for every kind of territory, a provisional review included.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from db.store import Store
from indicators.access import SYSTEM
from indicators.catalogue import EPCI_CODE
from indicators.completeness import completeness_matrix
from indicators.engagement import commune_engagements
from indicators.figures import FrameSource, ReviewFigures
from indicators.review import as_of, get_review, headline_indicators
from indicators.surveys import publishable
from services import pilotage
from services.demo import install_demo
from services.review import gather_review
from services.territories import set_sector_members, territories
from services.uploads import commit_import, prepare_import
from services.values import current_values

TODAY = dt.date(2026, 11, 29)


pytestmark = pytest.mark.both_backends  # DuckDB and PostgreSQL (tests/conftest.py)


@pytest.fixture(scope="module")
def store(backend, store_maker, ref):
    with store_maker.opened(backend, "seeded") as store:
        install_demo(store, ref, accounts=False)
        sector = next(t.code for t in ref.territories if t.type == "secteur")
        set_sector_members(store, ref, SYSTEM, sector, [c.code for c in ref.communes()[:9]])
        # a value observed at the EPCI wins over the sum of its communes for its quarter
        data = f"territoire;indicateur;periode;valeur\n{EPCI_CODE};PE_PLACES_EAJE;2026-T2;1234\n".encode()
        plan = prepare_import(store, ref, data, "epci.csv", SYSTEM, today=TODAY)
        assert plan.accepted, plan.report.errors[:2]
        commit_import(store, ref, plan, SYSTEM)
        pilotage.set_target(store, ref, SYSTEM, "PE_PLACES_EAJE", 2028, 1500)
        yield store


def _from_every_value(store: Store, ref, code: str, today: dt.date) -> ReviewFigures:
    """The same review computed in pandas from a frame of every value in force."""
    convention = ref.convention.code
    values = publishable(current_values(store, ref), ref)
    groups = territories(store, ref)
    review = as_of(get_review(code), values, today)
    return ReviewFigures(
        ref=ref,
        review=review,
        today=today,
        source=FrameSource(values, ref, groups),
        territories=groups,
        targets=pilotage.targets_frame(store, convention),
        meetings=pilotage.meetings_frame(store, convention),
        comments=pilotage.comments_frame(store, convention, revue=review.code),
        engagements=commune_engagements(ref, pilotage.engagements_frame(store, convention)),
        completeness=completeness_matrix(values, ref, review.quarters(), territories=groups),
        demo=True,
    ).finish()


def _same_frame(a: pd.DataFrame, b: pd.DataFrame, what: str) -> None:
    assert list(a.columns) == list(b.columns), what
    assert len(a) == len(b), what
    for column in a.columns:
        for x, y in zip(a[column], b[column], strict=True):
            if isinstance(x, float) and isinstance(y, float):
                assert (math.isnan(x) and math.isnan(y)) or math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9), (
                    what,
                    column,
                    x,
                    y,
                )
            else:
                assert (pd.isna(x) and pd.isna(y)) if pd.isna(x) is True else x == y, (what, column, x, y)


@pytest.mark.parametrize(
    ("review", "today"),
    [("annuelle-2026", TODAY), ("mi-parcours", TODAY), ("annuelle-2026", dt.date(2026, 8, 15))],
)
def test_the_store_slices_give_the_figures_of_every_value(store, ref, review, today):
    mine = gather_review(store, ref, review, today=today)
    every = _from_every_value(store, ref, review, today)
    assert mine.review == every.review
    _same_frame(mine.completeness, every.completeness, "complétude")
    assert mine.alerts == every.alerts
    structure = next(t.code for t in ref.territories if t.type == "structure")
    sector = next(t.code for t in ref.territories if t.type == "secteur")
    commune = ref.communes()[0].code
    for territory in (EPCI_CODE, structure, sector, commune):
        _same_frame(mine.summary_of(territory), every.summary_of(territory), f"synthèse {territory}")
    codes = ["PE_CAPACITE_THEORIQUE", "PE_PLACES_EAJE", "AJ_ACTIONS_ORGANISEES", "POP_MUNICIPALE"]
    codes += [i.code for f in ref.fiches for i in headline_indicators(ref, f.code)]
    for code in dict.fromkeys(codes):
        for territory in (EPCI_CODE, sector, commune):
            _same_frame(
                mine.series(code, territory), every.series(code, territory), f"série {code} {territory}"
            )
        if "commune" in ref.indicator(code).niveaux:
            _same_frame(mine.commune_values(code), every.commune_values(code), f"carte {code}")
    _same_frame(mine.staffing(), every.staffing(), "chargés")
    assert mine.largest_communes(6) == every.largest_communes(6)
    assert mine.shows_demo() == every.shows_demo() is True
    assert [mine.shows_demo(c) for c in codes] == [every.shows_demo(c) for c in codes]
    _same_frame(mine.progress(), every.progress(), "cibles")
    assert (
        mine.summary.set_index("code").loc["PE_PLACES_EAJE", "source"]
        == every.summary.set_index("code").loc["PE_PLACES_EAJE", "source"]
    )


def test_a_summary_reads_its_territory_and_rollups_not_every_value(store, ref, monkeypatch):
    """The overview's figures never load every value (a store of 35 000 communes would)."""
    from services.review import StoreSource

    def refuse(self):
        raise AssertionError("every value read")

    monkeypatch.setattr(StoreSource, "everything", refuse)
    figures = gather_review(store, ref, "annuelle-2026", today=TODAY)
    assert len(figures.summary) == len(ref.indicators)
    figures.summary_of(ref.communes()[0].code)
    figures.series("PE_PLACES_EAJE")
    figures.commune_values("PE_PLACES_EAJE")
    figures.staffing()
    figures.progress()
    figures.largest_communes(6)
    figures.shows_demo("PE_CAPACITE_THEORIQUE")
    figures.shows_demo()


def _synthetic_store(folder, communes: int):
    """A store holding `communes` communes: the real ones and synthetic copies of them
    (scripts/benchmark_store.py, the benchmark's scratch stores)."""
    import importlib.util

    from tests.conftest import ROOT

    spec = importlib.util.spec_from_file_location("benchmark_store", ROOT / "scripts" / "benchmark_store.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.build(folder, communes)


PEAK_SCRIPT = """
import datetime as dt, json, resource, sys
from db.store import Store
from indicators.catalogue import load_reference
from services.review import gather_review
ref = load_reference(sys.argv[2])
with Store(sys.argv[1]) as store:
    figures = gather_review(store, ref, "annuelle-2026", today=dt.date(2026, 11, 29))
    figures.summary_of("62119")
    figures.series("PE_PLACES_EAJE")
print(json.dumps({"mo": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def test_the_overview_reads_its_slice_whatever_the_communes_stored(tmp_path, ref):
    """With 3 000 communes stored (30 times the agglomeration), the overview, a commune's
    summary and a series read as many values as with 100, and the process's peak memory
    does not follow the values stored."""
    import json
    import subprocess
    import sys

    from services.review import StoreSource
    from tests.conftest import ROOT

    small, small_seed, small_held = _synthetic_store(tmp_path / "petite", 100)
    big, big_seed, big_held = _synthetic_store(tmp_path / "grande", 3000)
    assert big_held["valeurs"] > 20 * small_held["valeurs"]

    def rows_read(path, seed) -> int:
        from indicators.catalogue import load_reference

        counted = {"rows": 0}
        originals = {}
        for name in ("of_territories", "of_indicators", "rollups", "everything"):
            original = getattr(StoreSource, name)
            originals[name] = original

            def counting(self, *args, _original=original, **kwargs):
                frame = _original(self, *args, **kwargs)
                counted["rows"] += len(frame)
                return frame

            setattr(StoreSource, name, counting)
        try:
            with Store(path) as store:
                figures = gather_review(store, load_reference(seed), "annuelle-2026", today=TODAY)
                figures.summary_of("62119")
                figures.series("PE_PLACES_EAJE")
        finally:
            for name, original in originals.items():
                setattr(StoreSource, name, original)
        return counted["rows"]

    assert rows_read(big, big_seed) == rows_read(small, small_seed)

    def peak(path, seed) -> float:
        done = subprocess.run(
            [sys.executable, "-c", PEAK_SCRIPT, str(path), str(seed)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        )
        return json.loads(done.stdout.strip().splitlines()[-1])["mo"]

    # reading every value of the big store into pandas adds about 480 MB (measured)
    assert peak(big, big_seed) - peak(small, small_seed) < 120
