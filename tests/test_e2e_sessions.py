"""Logins that survive a reload, in Debian's Chromium: two app processes (`streamlit run
server.py`, as `make run` starts it) on one store, a DuckDB file and a PostgreSQL database
(the tests' throwaway cluster). Log in on the first; a reload, a new
tab, the second process and a restart of the first keep the login; the cookie is HttpOnly
(`document.cookie` does not show it); logout ends it on both; a password reset by an
administrator (through the services, from the test process) ends it on both, with the French
reason on the login form."""

from __future__ import annotations

import os
import time

import pytest

from db.store import Store
from indicators.access import SYSTEM
from indicators.sessions import COOKIE_NAME
from services.accounts import get_user, set_password
from services.sessions import live_sessions
from tests.app_process import AppProcess
from tests.auth_helpers import TEST_PASSWORD, ensure_account
from tests.conftest import ROOT
from tests.test_e2e_browser import ARGS, CHROMIUM, _settle

pytestmark = [pytest.mark.browser, pytest.mark.both_backends]
ARTEFACTS = ROOT / "test-artefacts"
LOGIN = "e2e-session"
CONNECTED = f"Connecté : {LOGIN}"


@pytest.fixture(scope="module")
def two_processes(backend, store_maker):
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium de Debian absent (/usr/bin/chromium)")
    path = store_maker.new(backend, "seeded")
    with Store(path) as store:
        store.migrate()
        ensure_account(store, "administrateur", login="e2e-admin")
        ensure_account(store, "lecteur", login=LOGIN)
    first, second = AppProcess(path).start(), AppProcess(path).start()
    yield first, second
    first.stop()
    second.stop()
    store_maker.drop(path)


def _show(page, url: str | None = None) -> str:
    """Open `url` (or reload) and return what the page shows once settled: logged in, or the form."""
    if url is None:
        page.reload(wait_until="networkidle")
    else:
        page.goto(url, wait_until="networkidle")
    page.wait_for_function(
        "c => document.body.innerText.includes(c) || document.body.innerText.includes('Se connecter')",
        arg=CONNECTED,
        timeout=60_000,
    )
    _settle(page)
    return "connecté" if CONNECTED in page.inner_text("body") else "formulaire"


def _session_cookie(context) -> dict | None:
    return next((c for c in context.cookies() if c["name"] == COOKIE_NAME), None)


def _log_in(page, url: str) -> None:
    assert _show(page, url) == "formulaire"
    page.get_by_label("Identifiant").fill(LOGIN)
    page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_function("c => document.body.innerText.includes(c)", arg=CONNECTED, timeout=60_000)
    deadline = time.monotonic() + 20
    while _session_cookie(page.context) is None and time.monotonic() < deadline:
        page.wait_for_timeout(200)  # the browser exchanges the ticket for the cookie
    _settle(page)


def _notice(page) -> str:
    return (
        page.locator("[data-testid='stAlert']").first.inner_text()
        if page.locator("[data-testid='stAlert']").count()
        else ""
    )


def test_a_login_survives_reloads_tabs_processes_and_restarts(two_processes):
    from playwright.sync_api import sync_playwright

    first, second = two_processes
    ARTEFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
        page = context.new_page()
        _log_in(page, first.url)

        cookie = _session_cookie(context)
        assert cookie is not None, "le navigateur n'a pas reçu le cookie de session"
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
        assert cookie["expires"] == -1  # a browser-session cookie: the server ends it by inactivity
        assert COOKIE_NAME not in page.evaluate("document.cookie")  # scripts cannot read it
        assert cookie["value"] not in page.url

        assert _show(page) == "connecté"  # reload
        menu = page.locator("[data-testid='stSidebar'] a[data-testid='stPageLink-NavLink']")
        assert menu.filter(has_text="Vue d'ensemble").count() == 1  # the menu too, at the first run
        page.screenshot(path=str(ARTEFACTS / "session-apres-rechargement.png"))
        tab = context.new_page()
        assert _show(tab, first.url) == "connecté"  # new tab
        tab.close()
        other = context.new_page()
        assert _show(other, second.url) == "connecté"  # the second app process
        first.stop()
        first.start()  # a restart of the first process, same port
        assert _show(page, first.url) == "connecté"
        assert cookie["value"] not in page.url and "ticket" not in page.url

        # Logout in one tab ends the session for every tab and process.
        page.get_by_role("button", name="Se déconnecter").click()
        page.wait_for_selector("text=Se connecter", timeout=60_000)
        _settle(page)
        deadline = time.monotonic() + 20
        while _session_cookie(context) is not None and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        assert _session_cookie(context) is None  # the browser dropped the cookie
        assert _show(page) == "formulaire"
        with Store(first.path) as store:
            assert live_sessions(store, LOGIN) == 0

        # A new login in this tab; the tab still open on the other process (old session) is
        # logged out at its next click, with the reason, and does not end the new login.
        _log_in(page, first.url)
        stale = _session_cookie(context)
        assert stale is not None and stale["value"] != cookie["value"]
        other.locator(
            "[data-testid='stSidebar'] a[data-testid='stPageLink-NavLink']", has_text="Communes"
        ).first.click()
        other.wait_for_function("() => document.body.innerText.includes('Se connecter')", timeout=60_000)
        _settle(other)
        assert "Cette session a été fermée (déconnexion)" in _notice(other)
        page.wait_for_timeout(1000)
        assert _session_cookie(context) is not None and _session_cookie(context)["value"] == stale["value"]
        assert _show(page) == "connecté"
        assert _show(other) == "connecté"  # reloaded, it finds the new login

        # A session revoked by an administrator is refused on every process.
        with Store(first.path) as store:
            set_password(store, SYSTEM, LOGIN, "Un-Nouveau-Secret-2027")
            assert get_user(store, LOGIN).session_version >= 1
        assert _show(page) == "formulaire"
        assert "Votre compte a été modifié" in _notice(page)
        page.screenshot(path=str(ARTEFACTS / "session-revoquee.png"))
        # The other process refuses it too: put the revoked cookie back, as a copied cookie would be.
        context.add_cookies(
            [{k: stale[k] for k in ("name", "value", "domain", "path", "httpOnly", "sameSite")}]
        )
        assert _show(other, second.url) == "formulaire"
        assert "Votre compte a été modifié" in _notice(other)
        context.add_cookies(
            [{k: stale[k] for k in ("name", "value", "domain", "path", "httpOnly", "sameSite")}]
        )
        assert _show(page, first.url) == "formulaire"
        assert page.locator("[data-testid='stException']").count() == 0
        browser.close()
