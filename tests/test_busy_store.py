"""A busy store (another process holds DuckDB's lock) gives a French sentence, never a traceback:
exit code 2 from `cli.py import`, a message on the page."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, app_serving
from tests.upload_helpers import CORPUS


@pytest.fixture
def locked_store(store):
    """The path of a store whose file another process holds open (DuckDB's exclusive lock)."""
    path = store.path
    store.close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time, duckdb\n"
            "con = duckdb.connect(sys.argv[1])\n"
            "print('verrou', flush=True)\n"
            "time.sleep(120)\n",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "verrou"
    yield Path(path)
    holder.kill()
    holder.wait(timeout=30)


def test_cli_import_on_a_busy_store_exits_2_with_a_sentence(locked_store):
    env = {
        **os.environ,
        "CTG_DATABASE_URL": f"duckdb:///{locked_store}",
        "CTG_BUSY_TIMEOUT_SECONDS": "1",
    }
    done = subprocess.run(
        [sys.executable, "cli.py", "import", str(CORPUS / "good_libreoffice_fr.csv")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stderr.strip() == (
        "Erreur : La base est occupée par un autre traitement depuis plus de 1 s ; réessayez dans un instant."
    )


def test_the_page_says_the_store_is_busy(locked_store, monkeypatch):
    monkeypatch.setenv("CTG_BUSY_TIMEOUT_SECONDS", "1")
    with app_serving(f"duckdb:///{locked_store}"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [
        "La base est occupée par un autre traitement depuis plus de 1 s ; réessayez dans un instant. "
        "Rien n'a été perdu : rechargez la page dans un instant."
    ]
