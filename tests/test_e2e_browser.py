"""End to end in Debian's Chromium: `streamlit run server.py` on a temporary store with
demonstration data; log in, visit every page of the menu, save a screenshot of each under
test-artefacts/, and check that no page shows an exception."""

from __future__ import annotations

import os
import re
import shutil
import time
import unicodedata

import pytest

from db.store import Store
from services.demo import install_demo
from tests.app_process import AppProcess
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


_STORES: dict[str, object] = {}
PUBLIC_TITLES = {"Déclaration d'accessibilité"}


def server_store_path(url: str):
    """The DuckDB file the test server at `url` serves."""
    return _STORES[url]


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
    app = AppProcess(f"duckdb:///{path}").start()
    _STORES[app.url] = path
    yield app.url
    app.stop()


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
        page.wait_for_selector("text=Connexion", timeout=60_000)
        _settle(page)
        page.screenshot(path=str(ARTEFACTS / "page-connexion.png"))
        page.get_by_label("Identifiant").fill("e2e-admin")
        page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_selector('h1:has-text("Vue d\'ensemble")', timeout=60_000)
        _settle(page)
        visited = []
        for title in _titles():
            link = page.locator(
                "[data-testid='stSidebar'] a[data-testid='stPageLink-NavLink']", has_text=title
            ).first
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
            if title not in PUBLIC_TITLES:  # readable without logging in: no data, no banner
                assert "Données de démonstration" in body, title
            visited.append(title)
        browser.close()
    assert {"Vue d'ensemble", "Ambitions", "Communes", "Complétude"} <= set(visited)


def _login(page, url: str, login: str) -> None:
    page.goto(url, wait_until="networkidle")
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_selector('h1:has-text("Vue d\'ensemble")', timeout=60_000)
    _settle(page)


def test_charge_uploads_fixes_and_commits_a_quarterly_file(server, tmp_path):
    """A chargé's day: a file with mistakes is refused whole, the fixed file is previewed,
    committed, and its values are in the store with the chargé as author."""
    from playwright.sync_api import sync_playwright

    from db.observations import value_history

    path = server_store_path(server)
    with Store(path) as store:
        ensure_account(store, "charge", territoires=["62119"], login="e2e-charge")
    bad = tmp_path / "depot_bethune_T3.csv"
    bad.write_text(
        "territoire;indicateur;periode;valeur\n"
        "Béthune;PE_PLACES_EAJE;T3 2026;abc\n"
        "62178;PE_PLACES_EAJE;T3 2026;12\n",
        encoding="utf-8-sig",
    )
    good = tmp_path / "depot_bethune_T3_corrige.csv"
    good.write_text(
        "territoire;indicateur;periode;valeur\nBéthune;PE_PLACES_EAJE;T3 2026;1 048\n",
        encoding="cp1252",
    )
    ARTEFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 2000}, locale="fr-FR")
        _login(page, server, "e2e-charge")
        page.locator(
            "[data-testid='stSidebar'] a[data-testid='stPageLink-NavLink']", has_text="Dépôt trimestriel"
        ).first.click()
        page.wait_for_selector('h1:has-text("Dépôt trimestriel")', timeout=60_000)
        _settle(page)

        page.locator("input[type='file']").set_input_files(str(bad))
        page.wait_for_selector("text=Fichier refusé : 2 erreur(s)", timeout=60_000)
        _settle(page)
        page.screenshot(path=str(ARTEFACTS / "depot-refuse.png"), full_page=True)

        page.locator("input[type='file']").set_input_files(str(good))
        page.wait_for_selector("text=Aperçu", timeout=60_000)
        _settle(page)
        page.screenshot(path=str(ARTEFACTS / "depot-apercu.png"), full_page=True)
        page.get_by_role("button", name=re.compile("Valider le dépôt")).click()
        page.wait_for_selector("text=enregistré", timeout=60_000)
        _settle(page)
        page.screenshot(path=str(ARTEFACTS / "depot-valide.png"), full_page=True)
        assert page.locator("[data-testid='stException']").count() == 0
        browser.close()

    with Store(path) as store:
        history = value_history(store, "ctg-cabbalr-2026-2030", "PE_PLACES_EAJE", "62119", "2026-T3")
        bruay = value_history(store, "ctg-cabbalr-2026-2030", "PE_PLACES_EAJE", "62178", "2026-T3")
    assert history.iloc[0]["valeur"] == 1048
    assert history.iloc[0]["author"] == "e2e-charge"
    assert history.iloc[0]["filename"] == good.name
    assert not (bruay["author"] == "e2e-charge").any()  # the refused file wrote nothing


def _open(page, title: str, heading: str | None) -> None:
    """Click a page of the sidebar menu and wait until it has drawn."""
    before = page.locator("h1").first.inner_text() if page.locator("h1").count() else ""
    page.locator(
        "[data-testid='stSidebar'] a[data-testid='stPageLink-NavLink']", has_text=title
    ).first.click()
    if heading:
        page.wait_for_selector(f'h1:has-text("{heading}")', timeout=60_000)
    else:
        page.wait_for_function(
            "b => { const h = document.querySelector('h1'); return h && h.innerText !== b; }",
            arg=before,
            timeout=60_000,
        )
    _settle(page)


def test_a_markdown_image_in_a_comment_is_never_an_image(server):
    """Issue 11: `![x](http://…/pixel.png)` in a chargé's comment made every reader's browser
    call an outside server. In Chromium, the comment shows as typed: no <img>, no request."""
    from playwright.sync_api import sync_playwright

    pixel = "http://127.0.0.1:9/pixel.png?u=lecteur"
    hostile = f"![suivi]({pixel}) [Reconnectez-vous ici](http://127.0.0.1:9/login) <img src='{pixel}'>"
    ARTEFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 2000}, locale="fr-FR")
        outside = []
        page.on("request", lambda r: outside.append(r.url) if "127.0.0.1:9" in r.url else None)
        _login(page, server, "e2e-admin")
        _open(page, "Commentaires", "Analyses qualitatives")
        page.get_by_role("textbox", name="Analyse").fill(hostile)
        page.get_by_role("button", name="Enregistrer l'analyse").click()
        page.wait_for_selector("text=Analyse enregistrée.", timeout=60_000)
        _settle(page)
        page.screenshot(path=str(ARTEFACTS / "commentaire-texte-brut.png"), full_page=True)
        assert page.get_by_text(hostile, exact=False).count() >= 1  # shown as typed
        for where in ("Commentaires", "Ambitions"):
            if where == "Ambitions":
                _open(page, "Ambitions", None)
            assert page.locator("img[src*='127.0.0.1:9']").count() == 0, where
            assert page.locator("a[href*='127.0.0.1:9']").count() == 0, where
            assert "Reconnectez-vous ici" in page.inner_text("body"), where
        page.screenshot(path=str(ARTEFACTS / "ambition-commentaire-texte-brut.png"), full_page=True)
        browser.close()
    assert outside == []
