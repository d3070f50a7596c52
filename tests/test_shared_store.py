"""Several app processes on one store: what one process writes, the others show at once.

Each process caches its reads (ui/context.py) and clears them after its own writes. A write
made elsewhere (another app process behind the proxy, the command line) moves the store's
change marker; the next page run of this process sees it and clears its caches.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from indicators.access import SYSTEM
from services.audit import store_marker
from services.demo import install_demo, remove_demo
from services.uploads import revert_import
from tests.auth_helpers import login_as
from tests.conftest import ROOT, app_serving

DEMO_LINE = "Données de démonstration"


def _shows_demo(at: AppTest) -> bool:
    return any(DEMO_LINE in str(m.value) for m in at.markdown)


def test_a_write_by_another_process_shows_at_the_next_page_run(store, ref):
    with app_serving(store.url):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        login_as(at, "lecteur")
        at.run()
        assert not at.exception
        assert not _shows_demo(at)
        install_demo(store, ref, accounts=False)  # not through this app: its caches know nothing
        at.run()
        assert _shows_demo(at)
        remove_demo(store, ref)
        at.run()
        assert not _shows_demo(at)


def test_the_marker_moves_with_every_kind_of_write(store, ref):
    seen = [store_marker(store)]
    install_demo(store, ref, accounts=False)
    seen.append(store_marker(store))
    from services.uploads import batch_history

    last = int(batch_history(store, ref.convention.code)["n°"].max())
    revert_import(store, ref, last, SYSTEM)
    seen.append(store_marker(store))
    remove_demo(store, ref)
    seen.append(store_marker(store))
    assert len(set(seen)) == len(seen), seen
