"""Readable by everyone, in Debian's Chromium, on a store with demonstration data:

- every page of the menu, for each role: no English text from Streamlit's own widgets, no
  critical or serious axe-core violation (WCAG 2.1 A and AA), no table cut or scrolling
  sideways at 1440 px; a screenshot of each in test-artefacts/;
- on a phone (390 px) the review selector and the data date are on the first screen, and the
  demonstration notice is one slim line;
- a keyboard-only path: log in, choose a review, upload a file, download the bilan.
"""

from __future__ import annotations

import re

import pytest

from db.store import Store
from tests.auth_helpers import TEST_PASSWORD, ensure_account
from tests.test_e2e_browser import ARGS, ARTEFACTS, CHROMIUM, _settle, _slug, server_store_path
from tests.test_e2e_browser import server as _server  # noqa: F401 (the fixture `server`: a served store)

pytestmark = pytest.mark.browser
NAV_LINK = "[data-testid='stSidebar'] a[data-testid='stPageLink-NavLink']"
ROLES = {
    "lecteur": ("a11y-lecteur", []),
    "charge": ("a11y-charge", ["62119"]),
    "administrateur": ("a11y-admin", []),
}
# What Streamlit 1.67 writes by itself (frontend bundle): none of it may reach the screen.
ENGLISH = [
    "Upload",
    "Drag and drop",
    "Browse files",
    "per file",
    "Choose options",
    "Choose an option",
    "Select all",
    "No results",
    "Press Enter",
    "Press Ctrl",
    "yyyy",
    "dd/mm",
    "Skip to main content",
    "Running...",
    "Clear all",
    "Download as CSV",
    "Show/hide columns",
]
_SIZE = re.compile(r"\b\d+(?:\.\d+)?\s?(?:B|KB|MB)\b")  # « 8.5KB », Streamlit's file sizes

VISIBLE_TEXT_JS = """
() => {
  const out = [];
  const visible = el => {
    for (let e = el; e; e = e.parentElement) {
      if (e.getAttribute && (e.getAttribute('aria-hidden') === 'true' || e.dataset.testid === 'stIconMaterial'))
        return false;
    }
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none' || parseFloat(style.fontSize) === 0
        || parseFloat(style.opacity) === 0) return false;
    const r = el.getClientRects();
    return r.length > 0 && r[0].width > 0 && r[0].height > 0;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const t = n.textContent.trim();
    if (t && n.parentElement && visible(n.parentElement)) out.push(t);
  }
  document.querySelectorAll('input[placeholder], textarea[placeholder]').forEach(i => {
    if (i.placeholder && visible(i)) out.push(i.placeholder);
  });
  return out;
}
"""

# Keyboard stops that a screen reader announces in English (Streamlit's heading anchors).
ENGLISH_STOPS_JS = """
() => [...document.querySelectorAll('a[aria-label="Link to heading"]')]
  .filter(a => a.offsetParent !== null).map(a => a.getAttribute('href'))
"""

# Every short table (HTML) and every grid: nothing cut, nothing off to the right.
CUT_TABLES_JS = """
() => {
  const cut = [];
  document.querySelectorAll('[data-testid="stTable"]').forEach((t, i) => {
    if (t.clientWidth === 0) return;  // inside a closed expander or another tab
    for (const box of [t, t.firstElementChild].filter(Boolean))
      if (box.scrollWidth > box.clientWidth + 1)
        cut.push(`tableau ${i} : défile de côté (${box.scrollWidth} > ${box.clientWidth})`);
    t.querySelectorAll('th').forEach(th => {
      if (th.scrollWidth > th.clientWidth + 1) cut.push(`tableau ${i} : en-tête coupé « ${th.innerText} »`);
    });
  });
  document.querySelectorAll('[data-testid="stDataFrame"]').forEach((d, i) => {
    const s = d.querySelector('.dvn-scroller');
    if (!s || s.clientWidth === 0) return;
    if (s.scrollWidth > s.clientWidth + 2)
      cut.push(`grille ${i} : colonnes hors de l'écran (${s.scrollWidth} > ${s.clientWidth}) : ` +
        [...d.querySelectorAll('th')].map(th => th.innerText).join(', '));
  });
  return cut;
}
"""


@pytest.fixture(scope="module")
def server(request):
    """The app served on a store with demonstration data (tests/test_e2e_browser.py)."""
    return request.getfixturevalue("_server")


def visible_english(page) -> list[str]:
    """English strings of Streamlit's widgets that are visible on the page."""
    texts = page.evaluate(VISIBLE_TEXT_JS)
    found = sorted({word for text in texts for word in ENGLISH if word.lower() in text.lower()})
    found += sorted({m.group(0) for text in texts for m in _SIZE.finditer(text)})
    return found


def serious_violations(page) -> list[str]:
    """axe-core's critical and serious violations (WCAG 2.1 A/AA rules), one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}},
    )
    lines = []
    for violation in results.response["violations"]:
        if violation["impact"] in ("critical", "serious"):
            targets = [", ".join(map(str, n["target"])) for n in violation["nodes"][:3]]
            lines.append(f"{violation['id']} ({violation['impact']}) : {' | '.join(targets)}")
    return lines


def _account(url: str, role: str) -> str:
    login, territories = ROLES[role]
    with Store(server_store_path(url)) as store:
        ensure_account(store, role, territoires=territories, login=login)
    return login


def _login(page, url: str, login: str) -> None:
    page.goto(url, wait_until="networkidle")
    page.wait_for_selector("text=Connexion", timeout=60_000)
    _settle(page)
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_selector('h1:has-text("Vue d\'ensemble")', timeout=60_000)
    _settle(page)


def _open(page, title: str) -> None:
    before = page.locator("h1").first.inner_text() if page.locator("h1").count() else ""
    page.locator(NAV_LINK, has_text=title).first.click()
    page.wait_for_function(
        "b => { const h = document.querySelector('h1'); return h && h.innerText !== b; }",
        arg=before,
        timeout=60_000,
    )
    _settle(page)


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_is_french_accessible_and_uncut(server, role):
    from playwright.sync_api import sync_playwright

    login = _account(server, role)
    ARTEFACTS.mkdir(exist_ok=True)
    problems: dict[str, list[str]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="fr-FR")
        page.goto(server, wait_until="networkidle")
        page.wait_for_selector("text=Connexion", timeout=60_000)
        _settle(page)
        found = visible_english(page) + serious_violations(page)
        if found:
            problems["Connexion"] = found
        _login(page, server, login)
        titles = [t.strip().split("\n")[-1] for t in page.locator(NAV_LINK).all_inner_texts()]
        assert "Vue d'ensemble" in titles and "Déclaration d'accessibilité" in titles
        for index, title in enumerate(titles):
            if index:
                _open(page, title)
            page.screenshot(path=str(ARTEFACTS / f"a11y-{role}-{_slug(title)}.png"), full_page=True)
            found = [f"texte anglais : {w}" for w in visible_english(page)]
            found += [f"lien anglais au clavier : {n}" for n in page.evaluate(ENGLISH_STOPS_JS)]
            found += [f"axe : {v}" for v in serious_violations(page)]
            found += page.evaluate(CUT_TABLES_JS)
            # what is folded away: every expander opened (client side, no rerun), every tab shown
            page.evaluate(
                "() => document.querySelectorAll(\"[data-testid='stExpander'] details:not([open]) > summary\")"
                ".forEach(s => s.click())"
            )
            page.wait_for_timeout(500)
            found += [f"texte anglais (dépliés) : {w}" for w in visible_english(page)]
            tabs = page.locator("[data-testid='stMain'] [role='tab']")
            for index in range(tabs.count()):
                tabs.nth(index).click()
                page.wait_for_timeout(300)
                found += [f"onglet {index + 1} : {c}" for c in page.evaluate(CUT_TABLES_JS)]
            if found:
                problems[title] = found
        browser.close()
    assert not problems, "\n".join(f"{page} : {'; '.join(items)}" for page, items in problems.items())


def test_phone_first_screen_has_the_review_and_the_data_date(server):
    from playwright.sync_api import sync_playwright

    login = _account(server, "lecteur")
    ARTEFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844}, locale="fr-FR", is_mobile=True)
        _login(page, server, login)
        page.screenshot(path=str(ARTEFACTS / "telephone-vue-d-ensemble.png"))
        selector = page.get_by_label("Revue", exact=True).first.bounding_box()
        date = page.get_by_text(re.compile(r"Données (arrêtées )?au T[1-4]")).first.bounding_box()
        notice = page.get_by_text("Données de démonstration").first.bounding_box()
        browser.close()
    assert selector is not None and selector["y"] + selector["height"] <= 844
    assert date is not None and date["y"] + date["height"] <= 844
    assert notice is not None and notice["height"] <= 60  # a slim line, not a block


def _tab_to(page, wanted: str, limit: int = 150, inside: str | None = None) -> str:
    """Press Tab until the focused element's name matches `wanted` (a regex), or until it is
    inside the element `inside` (a CSS selector); its name."""
    pattern = re.compile(wanted)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if inside and page.evaluate(
            "s => !!(document.activeElement && document.activeElement.closest(s))", inside
        ):
            return inside
        name = page.evaluate(
            """() => { const e = document.activeElement; if (!e) return '';
                 const label = e.getAttribute('aria-label') || '';
                 const ids = (e.getAttribute('aria-labelledby') || '').split(' ').filter(Boolean);
                 const by = ids.map(i => (document.getElementById(i) || {}).innerText || '').join(' ');
                 const own = [...(e.labels || [])].map(l => l.innerText).join(' ');
                 const text = ['A', 'BUTTON'].includes(e.tagName) ? e.innerText || '' : '';
                 return [label, by, own, text].join(' ').trim(); }"""
        )
        if pattern.search(name):
            return name
    raise AssertionError(f"« {wanted} » jamais atteint au clavier")


def _open_list(page, wanted: str, typed: str, attempts: int = 3) -> None:
    """Tab to the list named `wanted`, open it with Alt+↓ and type `typed` to filter it, until
    an option shows. A page still finishing its run may redraw the list under the keyboard (the
    focus is then on the page itself): the path is walked again, as a keyboard user would."""
    seen = []
    for _ in range(attempts):
        _settle(page)
        _tab_to(page, wanted)
        page.keyboard.press("Alt+ArrowDown")
        page.keyboard.type(typed)
        try:
            page.wait_for_selector("[role='option']", timeout=10_000)
            return
        except Exception:  # playwright's TimeoutError: say where the focus went, then retry
            seen.append(_focused(page))
            page.keyboard.press("Escape")
    raise AssertionError(f"la liste « {wanted} » ne s'ouvre pas au clavier ; focus : {seen}")


def _choose_file(page, path, attempts: int = 3) -> None:
    """Tab to the uploader's « Parcourir » button and press Enter until the file chooser opens
    (as `_open_list`: a page finishing its run may redraw the button under the keyboard)."""
    seen = []
    for _ in range(attempts):
        _settle(page)
        _tab_to(page, "Parcourir", inside="[data-testid='stFileUploaderDropzone'] button")
        page.wait_for_timeout(300)
        try:
            with page.expect_file_chooser(timeout=15_000) as chooser:
                page.keyboard.press("Enter")
        except Exception:  # playwright's TimeoutError: say where the focus went, then retry
            seen.append(_focused(page))
            continue
        chooser.value.set_files(str(path))
        return
    raise AssertionError(f"le sélecteur de fichier ne s'ouvre pas au clavier ; focus : {seen}")


def _press(
    page, wanted: str, done: str, *, limit: int = 150, attempts: int = 3, timeout: int = 20_000
) -> None:
    """Tab to the element named `wanted` and press Enter until `done` (a selector) shows; a key
    lost while the page redraws is pressed again (each action here is harmless twice)."""
    seen = []
    for _ in range(attempts):
        _settle(page)
        _tab_to(page, wanted, limit=limit)
        page.keyboard.press("Enter")
        try:
            page.wait_for_selector(done, timeout=timeout)
            _settle(page)
            return
        except Exception:  # playwright's TimeoutError: say where the focus went, then retry
            seen.append(_focused(page))
    raise AssertionError(f"« {wanted} » au clavier n'a pas donné « {done} » ; focus : {seen}")


def _download(page, wanted: str, attempts: int = 3):
    """Tab to the download button named `wanted` and press Enter until the download starts."""
    seen = []
    for _ in range(attempts):
        _tab_to(page, wanted)
        try:
            with page.expect_download(timeout=20_000) as download:
                page.keyboard.press("Enter")
        except Exception:  # playwright's TimeoutError: say where the focus went, then retry
            seen.append(_focused(page))
            _settle(page)
            continue
        return download.value
    raise AssertionError(f"« {wanted} » au clavier ne télécharge rien ; focus : {seen}")


def _focused(page) -> str:
    return page.evaluate("() => document.activeElement && document.activeElement.outerHTML.slice(0, 200)")


def test_keyboard_only_login_review_upload_and_bilan(server, tmp_path):
    from playwright.sync_api import sync_playwright

    login = _account(server, "charge")
    upload = tmp_path / "depot_clavier.csv"
    upload.write_text(
        "territoire;indicateur;periode;valeur\nBéthune;PE_PLACES_EAJE;T3 2026;1 050\n", encoding="utf-8"
    )
    ARTEFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(
            viewport={"width": 1440, "height": 1000}, locale="fr-FR", accept_downloads=True
        )
        page.goto(server, wait_until="networkidle")
        page.wait_for_selector("text=Connexion", timeout=60_000)
        _settle(page)
        # log in
        _tab_to(page, "Identifiant")
        page.keyboard.type(login)
        _tab_to(page, "Mot de passe")
        page.keyboard.type(TEST_PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_selector('h1:has-text("Vue d\'ensemble")', timeout=60_000)
        _settle(page)
        # choose a review
        _open_list(page, r"^Revue\b", "Revue annuelle 2027")
        page.keyboard.press("Enter")
        # its data date: the cut-off T3 2027, or a provisional review's latest quarter with data
        page.get_by_text(re.compile(r"Données (arrêtées au T3 2027|au T[1-4] 20\d\d)")).first.wait_for(
            timeout=60_000
        )
        _settle(page)
        # go to the upload page and send a file
        _press(page, "Dépôt trimestriel", 'h1:has-text("Dépôt trimestriel")')
        # the « Parcourir » button (its accessible name is Streamlit's own word, see ui/chrome.py)
        _choose_file(page, upload)
        page.wait_for_selector("text=Aperçu", timeout=60_000)
        _press(page, "Valider le dépôt", "text=enregistré")
        _settle(page)
        page.screenshot(path=str(ARTEFACTS / "clavier-depot.png"), full_page=True)
        # the Bilan page, then prepare and download the bilan
        _press(page, r"Bilan \(PDF\)", 'h1:has-text("Bilan (PDF)")', limit=300)
        _press(page, "Préparer le bilan PDF", "text=Télécharger le bilan PDF", attempts=2, timeout=120_000)
        _settle(page)
        page.keyboard.press("Shift+Tab")  # focus may have stayed after the button it replaced
        download = _download(page, "Télécharger le bilan PDF")
        head = open(download.path(), "rb").read(5)
        name = download.suggested_filename
        browser.close()
    assert head == b"%PDF-" and name == "bilan-ctg-annuelle-2027.pdf"
