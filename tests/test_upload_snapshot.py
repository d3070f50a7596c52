"""The commit reuses the dry run's diff only when nothing it compared with has changed since;
the preview formats only the rows it shows.

The dry run keeps a fingerprint of the values in force it read (same snapshot); the commit
reads it again inside its transaction. Another upload or a revert landing between the two
changes it, and the diff is computed again: nothing is written from a stale picture.
"""

from __future__ import annotations

import duckdb

from db.observations import current_fingerprint, current_values
from indicators.access import SYSTEM
from services.uploads import commit_import, import_file, prepare_import, preview_frame, revert_import
from tests import upload_helpers
from tests.upload_helpers import TODAY

upload_ref, upload_store = upload_helpers.upload_ref, upload_helpers.upload_store  # fixtures
_upload_template = upload_helpers._upload_template

HEADER = "territoire;indicateur;periode;valeur;commentaire\n"


def _csv(*rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode("utf-8")


def _value(store, ref, territoire: str, periode: str) -> float | None:
    values = current_values(store, ref.convention.code)
    row = values[
        (values["indicateur"] == "PE_PLACES_ACCUEIL")
        & (values["territoire"] == territoire)
        & (values["periode"] == periode)
    ]
    return None if row.empty else float(row["valeur"].iloc[0])


def _fingerprint(store, ref, indicators, territories=None):
    with store.engine.connect() as conn:
        return current_fingerprint(conn, ref.convention.code, indicators, territories)


def test_the_fingerprint_follows_the_values_in_force(upload_store, upload_ref):
    codes = ["PE_PLACES_ACCUEIL"]
    empty = _fingerprint(upload_store, upload_ref, codes)
    import_file(
        upload_store, upload_ref, _csv("62119;PE_PLACES_ACCUEIL;2026-T3;10;"), "a.csv", SYSTEM, today=TODAY
    )
    one = _fingerprint(upload_store, upload_ref, codes)
    assert one != empty and one[0] == empty[0] + 1
    assert _fingerprint(upload_store, upload_ref, codes) == one  # read again: the same
    second = import_file(
        upload_store, upload_ref, _csv("62119;PE_PLACES_ACCUEIL;2026-T3;11;"), "b.csv", SYSTEM, today=TODAY
    )
    changed = _fingerprint(upload_store, upload_ref, codes)
    assert changed[0] == one[0] and changed != one  # same rows, another value
    revert_import(upload_store, upload_ref, second.batch_id, SYSTEM)
    assert _fingerprint(upload_store, upload_ref, codes) == one  # the earlier value is back
    assert _fingerprint(upload_store, upload_ref, ["IA_CAFES_PARTENAIRES"]) != one


def test_a_plan_committed_as_prepared_writes_its_diff(upload_store, upload_ref):
    data = _csv("62119;PE_PLACES_ACCUEIL;2026-T3;10;", "62178;PE_PLACES_ACCUEIL;2026-T3;20;")
    plan = prepare_import(upload_store, upload_ref, data, "a.csv", SYSTEM, today=TODAY)
    assert plan.snapshot is not None and plan.snapshot[:2] == (["PE_PLACES_ACCUEIL"], ["62119", "62178"])
    assert plan.snapshot[2] == _fingerprint(
        upload_store, upload_ref, ["PE_PLACES_ACCUEIL"], ["62119", "62178"]
    )
    counts = dict(plan.counts)
    result = commit_import(upload_store, upload_ref, plan, SYSTEM)
    assert result.committed and result.plan.counts == counts
    assert _value(upload_store, upload_ref, "62178", "2026-T3") == 20.0


def test_an_upload_landing_in_between_makes_the_commit_diff_again(upload_store, upload_ref):
    first = prepare_import(
        upload_store,
        upload_ref,
        _csv("62119;PE_PLACES_ACCUEIL;2026-T3;10;", "62178;PE_PLACES_ACCUEIL;2026-T3;20;"),
        "a.csv",
        SYSTEM,
        today=TODAY,
    )
    assert first.counts["new"] == 2
    # Another session commits one of the same values, and the other one differently.
    import_file(
        upload_store,
        upload_ref,
        _csv("62119;PE_PLACES_ACCUEIL;2026-T3;10;", "62178;PE_PLACES_ACCUEIL;2026-T3;25;"),
        "b.csv",
        SYSTEM,
        today=TODAY,
    )
    result = commit_import(upload_store, upload_ref, first, SYSTEM)
    # Against the values now in force: 62119 is unchanged (not written twice), 62178 changes back.
    assert result.committed
    assert {k: result.plan.counts[k] for k in ("new", "changed", "unchanged")} == {
        "new": 0,
        "changed": 1,
        "unchanged": 1,
    }
    assert _value(upload_store, upload_ref, "62178", "2026-T3") == 20.0
    path = upload_store.engine.url.database
    upload_store.close()
    with duckdb.connect(path, read_only=True) as con:
        written = con.execute(
            "select count(*) from observations where batch_id = ?", [result.batch_id]
        ).fetchone()[0]
    assert written == 1


def test_a_revert_in_between_makes_the_commit_diff_again(upload_store, upload_ref):
    landed = import_file(
        upload_store, upload_ref, _csv("62119;PE_PLACES_ACCUEIL;2026-T3;10;"), "a.csv", SYSTEM, today=TODAY
    )
    again = prepare_import(
        upload_store, upload_ref, _csv("62119;PE_PLACES_ACCUEIL;2026-T3;10;"), "a.csv", SYSTEM, today=TODAY
    )
    assert not again.has_changes  # the dry run: already stored
    revert_import(upload_store, upload_ref, landed.batch_id, SYSTEM)
    result = commit_import(upload_store, upload_ref, again, SYSTEM)
    assert result.committed and result.plan.counts["new"] == 1  # the value was gone: written again
    assert _value(upload_store, upload_ref, "62119", "2026-T3") == 10.0


def test_the_preview_formats_only_the_rows_asked_for(upload_store, upload_ref):
    import_file(
        upload_store,
        upload_ref,
        _csv("62119;PE_PLACES_ACCUEIL;2026-T3;10;", "62178;PE_PLACES_ACCUEIL;2026-T3;20;"),
        "a.csv",
        SYSTEM,
        today=TODAY,
    )
    rows = [
        "62119;PE_PLACES_ACCUEIL;2026-T3;10;",  # unchanged
        "62178;PE_PLACES_ACCUEIL;2026-T3;1 234;",  # changed
        "62119;PE_PLACES_ACCUEIL;2026-T2;7;",  # new
        "62178;PE_PLACES_ACCUEIL;2026-T2;8;",  # new
    ]
    plan = prepare_import(upload_store, upload_ref, _csv(*rows), "b.csv", SYSTEM, today=TODAY)
    assert plan.accepted, plan.report.errors
    full = plan.preview(upload_ref)
    assert list(full["statut"]) == ["modifiée", "nouvelle", "nouvelle", "inchangée"]
    assert list(full["ligne"]) == [3, 4, 5, 2]
    assert full["ancienne valeur"].iloc[0] == "20" and full["nouvelle valeur"].iloc[0] == "1\u202f234"
    assert plan.preview(upload_ref) is full  # formatted once per plan
    changes = plan.preview(upload_ref, changes_only=True)
    assert changes.equals(full[full["statut"] != "inchangée"].reset_index(drop=True))
    first_two = plan.preview(upload_ref, changes_only=True, limit=2)
    assert first_two.equals(changes.head(2))
    assert preview_frame(plan.diff.iloc[0:0], upload_ref).empty
