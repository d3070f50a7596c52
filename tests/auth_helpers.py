"""Log an AppTest in as a given role, with a real account in the store the app uses.

    from tests.auth_helpers import login_as

    at = AppTest.from_file("app.py")
    login_as(at, "charge", territoires=["62119"])   # or "lecteur", "administrateur"
    at.run()

The account is created (once) in the store named by `CTG_DATABASE_URL` (set it with
monkeypatch.setenv and clear `get_settings.cache_clear()` before calling), then a session is
opened in the store and the AppTest seeded as if the login form had been filled:
`at.session_state["actor"]` holds the `Actor` and `auth_session` the id of its stored
session, so every page's `setup_page()` lets it through. Returns the `Actor`.
"""

from __future__ import annotations

from collections.abc import Iterable

from db.store import Store
from indicators.access import SYSTEM, Actor
from services.accounts import actor_for, create_user, get_user
from services.sessions import open_session
from services.settings import Settings
from ui.auth import ACTOR_KEY, SESSION_KEY

TEST_PASSWORD = "mot-de-passe-de-test"

_DEFAULT_LOGINS = {"lecteur": "test-lecteur", "charge": "test-charge", "administrateur": "test-admin"}


def ensure_account(
    store: Store,
    role: str = "administrateur",
    territoires: Iterable[str] = (),
    login: str | None = None,
    password: str = TEST_PASSWORD,
) -> Actor:
    """An active account of this role in `store` (created if missing); its `Actor`."""
    role = "charge" if role in ("chargé", "charge") else role
    login = login or _DEFAULT_LOGINS[role]
    codes = list(territoires) or (["62119"] if role == "charge" else [])
    if get_user(store, login) is None:
        create_user(store, SYSTEM, login, role, codes, password=password)
    return actor_for(store, login)


def login_as(
    at, role: str = "administrateur", territoires: Iterable[str] = (), login: str | None = None
) -> Actor:
    """Create the account in the app's store and seed the AppTest session with it."""
    with Store(Settings().database_url) as store:
        store.migrate()
        actor = ensure_account(store, role, territoires, login)
        opened = open_session(store, get_user(store, actor.login))
    at.session_state[ACTOR_KEY] = actor
    at.session_state[SESSION_KEY] = opened.session_id
    return actor
