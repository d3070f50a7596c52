"""End to end in Debian's Chromium: `streamlit run app.py` on a temporary store with
demonstration data; log in, visit every page of the menu, save a screenshot of each under
test-artefacts/, and check that no page shows an exception."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import unicodedata
import urllib.request

import pytest

from commands.demo import install_demo
from db.store import Store
from tests.auth_helpers import TEST_PASSWORD, ensure_account
from tests.conftest import ROOT

pytestmark = pytest.mark.browser
ARTEFACTS = ROOT / "test-artefacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _titles() -> list[str]:
    return re.findall(r'title="([^"]+)"', (ROOT / "app.py").read_text(encoding="utf-8"))


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


@pytest.fixture(scope="module")
def server(tmp_path_factory, _seeded_template, ref):
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium de Debian absent (/usr/bin/chromium)")
    path = tmp_path_factory.mktemp("e2e") / "ctg.duckdb"
    shutil.copy(_seeded_template, path)
    with Store(path) as store:
        install_demo(store, ref)
        ensure_account(store, "administrateur", login="e2e-admin")
    port = _free_port()
    env = {**os.environ, "CTG_DATABASE_URL": f"duckdb:///{path}"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("streamlit n'a pas démarré en 60 s")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _settle(page, timeout_s: float = 60.0) -> None:
    """Wait until Streamlit has finished running the script: no running status, no stale
    element, no skeleton, twice in a row."""
    deadline = time.monotonic() + timeout_s
    calm = 0
    page.wait_for_timeout(300)
    while time.monotonic() < deadline and calm < 3:
        busy = page.locator(
            "[data-testid='stStatusWidget'], [data-stale='true'], [data-testid='stSkeleton']"
        ).count()
        calm = calm + 1 if busy == 0 else 0
        page.wait_for_timeout(300)
    page.wait_for_timeout(800)  # plotly draws after the script ends


def test_visit_every_page(server):
    from playwright.sync_api import sync_playwright

    ARTEFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        # A tall window: Streamlit scrolls inside its own container, so a "full page"
        # screenshot is only the window.
        page = browser.new_page(viewport={"width": 1440, "height": 2400}, locale="fr-FR")
        page.goto(server, wait_until="networkidle")
        page.get_by_label("Identifiant").fill("e2e-admin")
        page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_selector('h1:has-text("Vue d\'ensemble")', timeout=60_000)
        _settle(page)
        visited = []
        for title in _titles():
            link = page.locator("[data-testid='stSidebarNav'] a", has_text=title).first
            if link.count() == 0:
                continue
            before = page.locator("h1").first.inner_text() if page.locator("h1").count() else ""
            link.click()
            if visited:  # the first link is the page already shown
                page.wait_for_function(
                    "b => { const h = document.querySelector('h1'); return h && h.innerText !== b; }",
                    arg=before,
                    timeout=60_000,
                )
            _settle(page)
            page.screenshot(path=str(ARTEFACTS / f"page-{_slug(title)}.png"), full_page=True)
            body = page.inner_text("body")
            assert page.locator("[data-testid='stException']").count() == 0, f"exception : {title}"
            assert "Traceback" not in body, title
            assert "Données de démonstration" in body, title
            visited.append(title)
        browser.close()
    assert {"Vue d'ensemble", "Ambitions", "Communes", "Complétude"} <= set(visited)
