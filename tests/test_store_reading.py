"""A batch of reads through one connection (`Store.reading`): a review's figures open the
DuckDB file once instead of once per query; the pinned connection is per thread."""

from __future__ import annotations

import datetime as dt
import threading

import sqlalchemy as sa

from services.demo import install_demo
from services.review import gather_review


def test_a_review_reads_through_one_connection(store, ref):
    install_demo(store, ref, accounts=False)
    opened = []
    sa.event.listen(store.engine, "connect", lambda *args: opened.append(1))
    figures = gather_review(store, ref, "annuelle-2026", today=dt.date(2026, 12, 2))
    assert len(opened) == 1
    assert not figures.summary.empty
    opened.clear()
    figures.summary_of("62119")  # asked later: its territory's values and rollups, read together
    assert len(opened) == 1
    opened.clear()
    figures.series("PE_PLACES_EAJE", "62498")
    assert len(opened) == 1


def test_the_pinned_connection_belongs_to_its_thread(store):
    seen = []
    with store.reading():
        mine = store._pinned.get()
        other = threading.Thread(target=lambda: seen.append(store._pinned.get()))
        other.start()
        other.join()
        with store.reading():  # nested: the same connection
            assert store._pinned.get() is mine
        assert store.scalar("select 1") == 1
    assert mine is not None and seen == [None]
    assert store._pinned.get() is None
