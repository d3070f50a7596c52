"""Rollups (db/rollups.py) kept up to date at every write equal a rebuild from scratch and the
domain's definition (indicators.aggregation.area_rollups), after random uploads, reverts,
demonstration data removed and installed again, sector edits and reference reloads.

Real DuckDB files and PostgreSQL databases, real uploads through services/uploads.py (CSV, validation, diff, commit).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import math
import random
import threading

import pandas as pd
import pytest

from db import rollups
from db.store import Store
from indicators.access import SYSTEM
from indicators.aggregation import area_rollups
from indicators.catalogue import EPCI_CODE
from indicators.completeness import completeness_matrix
from indicators.periods import Period, parse_period
from indicators.surveys import publishable
from reports.template import expected_indicators
from services.demo import install_demo, remove_demo
from services.reference import install_reference
from services.territories import set_sector_members, territories
from services.uploads import commit_import, prepare_import, revert_import
from services.values import current_values

TODAY = dt.date(2027, 2, 1)  # every quarter of 2026 and the year 2026 can be uploaded
RATIO_PARTS = ("PE_PLACES_ACCUEIL", "PE_ENFANTS_MOINS_3")  # PE_CAPACITE_THEORIQUE's components
QUARTERS = [Period(2026, q) for q in range(1, 5)]


pytestmark = pytest.mark.both_backends  # DuckDB and PostgreSQL (tests/conftest.py)


@pytest.fixture
def demo_store(new_store_url, ref):
    with Store(new_store_url("seeded")) as store:
        install_demo(store, ref, accounts=False)
        yield store


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame[["indicateur", "territoire", "periode", "valeur", "n_territoires"]].copy()
    frame["valeur"] = frame["valeur"].astype("float64")
    frame["n_territoires"] = frame["n_territoires"].astype("int64")
    return frame.sort_values(["territoire", "indicateur", "periode"]).reset_index(drop=True)


def _assert_same(got: pd.DataFrame, expected: pd.DataFrame, what: str) -> None:
    got, expected = _sorted(got), _sorted(expected)
    keys = ["territoire", "indicateur", "periode"]
    merged = got.merge(expected, on=keys, how="outer", suffixes=("", "_attendu"), indicator=True)
    alone = merged[merged["_merge"] != "both"]
    assert alone.empty, f"{what}: rows on one side only\n{alone.head(10)}"
    far = ~merged.apply(
        lambda r: math.isclose(r["valeur"], r["valeur_attendu"], rel_tol=1e-9, abs_tol=1e-9), axis=1
    )
    assert not far.any(), f"{what}: different sums\n{merged[far].head(10)}"
    assert (merged["n_territoires"] == merged["n_territoires_attendu"]).all(), what


def _check(store: Store, ref) -> int:
    """Stored rollups == rebuilt from scratch == the pandas definition, for every area."""
    convention = ref.convention.code
    with store.connect() as conn:
        stored, fresh = rollups.stored_rows(conn, convention), rollups.fresh_rows(conn, convention)
    _assert_same(stored, fresh, "maintenues / recalculées")
    with store.connect() as conn:
        counts, fresh_counts = rollups.stored_counts(conn, convention), rollups.fresh_counts(conn, convention)
    pd.testing.assert_frame_equal(counts, fresh_counts, check_dtype=False)
    matrix = completeness_matrix(publishable(current_values(store, ref), ref), ref, QUARTERS)
    kept = counts.rename(columns={"recus": "gardes"})
    merged = matrix.merge(kept, on=["territoire", "periode"], how="left").fillna({"gardes": 0})
    assert (merged["recus"] == merged["gardes"]).all(), merged[merged["recus"] != merged["gardes"]].head()
    assert len(kept[kept["periode"].isin([q.code for q in QUARTERS])]) == int((matrix["recus"] > 0).sum())
    values = publishable(current_values(store, ref), ref)
    groups = territories(store, ref)
    areas = [EPCI_CODE] + [t.code for t in ref.territories if t.type in ("structure", "secteur")]
    expected = pd.concat(
        [area_rollups(values, ref, area, groups).assign(territoire=area) for area in areas], ignore_index=True
    )
    _assert_same(stored, expected, "maintenues / indicators.aggregation")
    return len(stored)


def _latest(values: pd.DataFrame) -> dict[tuple[str, str], float]:
    numeric = values[values["valeur"].notna()].copy()
    numeric["k"] = numeric["periode"].map(lambda p: parse_period(p).sort_key)
    numeric = numeric.sort_values("k")
    return {
        (i, t): float(v)
        for i, t, v in zip(numeric["indicateur"], numeric["territoire"], numeric["valeur"], strict=True)
    }


def _upload(store: Store, ref, rng: random.Random) -> int | None:
    """A file of a few territories' quarterly values (scaled down: parts stay within their
    wholes) and some communes' 2026 ratio components; committed, its batch id returned."""
    values = current_values(store, ref)
    latest = _latest(values)
    kinds = {t.code: t.type for t in ref.territories}
    candidates = [t.code for t in ref.territories if t.type in ("commune", "structure")]
    quarter = Period(2026, rng.randint(1, 4))
    rows = []
    for territory in rng.sample(candidates, rng.randint(1, 6)):
        factor = rng.uniform(0.6, 1.0)
        for ind in expected_indicators(ref, territory, quarter):
            base = latest.get((ind.code, territory))
            if base is None or not ind.is_numeric or rng.random() < 0.2:
                continue
            value = math.floor(base * factor) if ind.entier else round(base * factor, 2)
            rows.append((territory, ind.code, quarter.code, str(value).replace(".", ",")))
        if kinds[territory] == "commune" and rng.random() < 0.6:
            for code in RATIO_PARTS:
                base = latest.get((code, territory))
                if base is not None:
                    rows.append((territory, code, "2026", str(math.ceil(base * rng.uniform(1.0, 1.2)))))
    if not rows:
        return None
    frame = pd.DataFrame(rows, columns=["territoire", "indicateur", "periode", "valeur"])
    buffer = io.StringIO()
    frame.to_csv(buffer, sep=";", index=False)
    plan = prepare_import(store, ref, buffer.getvalue().encode("utf-8"), "aleatoire.csv", SYSTEM, today=TODAY)
    if not plan.accepted:
        return None
    return commit_import(store, ref, plan, SYSTEM).batch_id


def test_a_new_store_has_the_rollups_of_its_reference_and_demonstration(demo_store, ref):
    assert _check(demo_store, ref) > 0
    epci = rollups.area_rows(demo_store, ref.convention.code, EPCI_CODE, ["PE_PLACES_EAJE"])
    assert not epci.empty and set(epci["indicateur"]) == {"PE_PLACES_EAJE"}
    assert (epci["n_territoires"] > 1).all()


def test_rollups_follow_random_uploads_reverts_demo_sectors_and_reference_reloads(demo_store, ref):
    rng = random.Random(20261202)
    convention = ref.convention.code
    batches: list[int] = []
    sectors = [t.code for t in ref.territories if t.type == "secteur"]
    communes = [c.code for c in ref.communes()]
    done: dict[str, int] = {}
    actions = ["upload"] * 6 + ["revert"] * 3 + ["sector"] * 2 + ["demo", "reference"]
    rng.shuffle(actions)
    for step, action in enumerate(["upload", *actions]):
        if action == "upload":
            batch = _upload(demo_store, ref, rng)
            if batch is None:
                continue
            batches.append(batch)
        elif action == "revert" and batches:
            revert_import(demo_store, ref, batches.pop(rng.randrange(len(batches))), SYSTEM)
        elif action == "sector" and sectors:
            set_sector_members(
                demo_store, ref, SYSTEM, rng.choice(sectors), rng.sample(communes, rng.randint(0, 12))
            )
        elif action == "demo":
            remove_demo(demo_store, ref)
            _check(demo_store, ref)
            install_demo(demo_store, ref, accounts=False)
        elif action == "reference":
            install_reference(demo_store, dataclasses.replace(ref, digest=f"{ref.digest}-{step}"))
        else:
            continue
        done[action] = done.get(action, 0) + 1
        _check(demo_store, ref)
    assert done.get("upload", 0) >= 3 and done.get("revert", 0) >= 1 and len(done) == 5, done
    assert demo_store.scalar("select count(*) from agregats where convention = :c", {"c": convention}) > 0


def test_a_commit_is_in_the_rollups_at_once(demo_store, ref):
    convention = ref.convention.code
    before = rollups.area_rows(demo_store, convention, EPCI_CODE, ["PE_PLACES_EAJE"])
    before = before.set_index("periode")["valeur"]
    commune = ref.communes()[0].code
    own = current_values(demo_store, ref)
    own = own[
        (own["indicateur"] == "PE_PLACES_EAJE")
        & (own["territoire"] == commune)
        & (own["periode"] == "2026-T1")
    ]
    old = float(own["valeur"].iloc[0]) if not own.empty else 0.0
    data = f"territoire;indicateur;periode;valeur\n{commune};PE_PLACES_EAJE;2026-T1;{int(old) + 7}\n".encode()
    plan = prepare_import(demo_store, ref, data, "un.csv", SYSTEM, today=TODAY)
    assert plan.accepted, plan.report.errors[:2]
    batch = commit_import(demo_store, ref, plan, SYSTEM).batch_id
    after = rollups.area_rows(demo_store, convention, EPCI_CODE, ["PE_PLACES_EAJE"]).set_index("periode")[
        "valeur"
    ]
    assert after["2026-T1"] == pytest.approx(before.get("2026-T1", 0.0) + 7)
    revert_import(demo_store, ref, batch, SYSTEM)
    again = rollups.area_rows(demo_store, convention, EPCI_CODE, ["PE_PLACES_EAJE"]).set_index("periode")[
        "valeur"
    ]
    assert again["2026-T1"] == pytest.approx(before["2026-T1"])


def test_the_migration_builds_the_rollups_of_an_existing_store(demo_store, ref):
    convention = ref.convention.code

    def drop(conn) -> None:
        conn.exec_driver_sql("drop table agregats")
        conn.exec_driver_sql("delete from schema_migrations where version = 7")

    demo_store.write(drop)
    assert "agregats" in demo_store.migrate()
    with demo_store.connect() as conn:
        _assert_same(rollups.stored_rows(conn, convention), rollups.fresh_rows(conn, convention), "migration")


def test_writers_at_the_same_time_keep_the_rollups_right(demo_store, ref):
    """Three writers upload at once into the same areas (separate connections, as separate app
    processes would): every value committed is in force once and the rollups equal a rebuild
    (DuckDB retries a write conflict; PostgreSQL's writers take turns: dialect.begin_write)."""
    communes = [c.code for c in ref.communes()[:12]]
    errors: list[BaseException] = []
    committed: dict[str, float] = {}

    def writer(slot: int) -> None:
        try:
            with Store(demo_store.url) as store:
                for k, commune in enumerate(communes[slot::3]):
                    value = 500 + slot * 10 + k
                    data = f"territoire;indicateur;periode;valeur\n{commune};PE_PLACES_EAJE;2026-T3;{value}\n"
                    plan = prepare_import(store, ref, data.encode(), f"w{slot}.csv", SYSTEM, today=TODAY)
                    assert plan.accepted, plan.report.errors[:2]
                    assert commit_import(store, ref, plan, SYSTEM).batch_id
                    committed[commune] = float(value)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(slot,)) for slot in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert sorted(committed) == sorted(communes)
    values = current_values(demo_store, ref)
    t3 = values[(values["indicateur"] == "PE_PLACES_EAJE") & (values["periode"] == "2026-T3")]
    got = dict(zip(t3["territoire"], t3["valeur"].astype(float), strict=True))
    assert {c: got[c] for c in communes} == committed
    assert len(t3) == t3["territoire"].nunique()
    _check(demo_store, ref)
