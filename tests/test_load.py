"""The shipped load test, short: two app processes behind nginx on one PostgreSQL store.

`make load-test` runs it for 2 minutes with 30 readers and 3 chargés (figures in the README);
here 25 seconds with 3 readers and 2 chargés prove the parts hold together: sticky sessions
through the proxy's cookie (which process a tab lands on is the proxy's hash: the report
says, the test does not bet on it), logins, pages, uploads through the uploader's own route on either
process, no error, every accepted file in the store once and no refused file kept.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.processes


def test_two_processes_behind_nginx_on_one_postgresql_store():
    done = subprocess.run(
        [sys.executable, "scripts/load_test.py", "--processes", "2", "--readers", "3", "--uploaders", "2",
         "--duration", "25"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )  # fmt: skip
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "Erreurs : 0." in out and "Perdu ou en double dans le stockage : 0." in out, out
    assert "2 processus de l'application sur un même stockage" in out, out
    assert "acceptés" in out and "(0 acceptés" not in out, out
