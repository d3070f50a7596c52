"""Stored sessions (services/sessions.py, rules in indicators/sessions.py, SQL in db/sessions.py)
on a real DuckDB file: the ticket and the token are stored as digests only, the ticket works
once, a session ends after the inactivity timeout, at logout and with every change of its
account; and the two HTTP routes (ui/session_routes.py) served by a real uvicorn on localhost
set and clear an HttpOnly cookie."""

from __future__ import annotations

import hashlib
import http.client
import threading
import time
from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher

from db import sessions as db_sessions
from db import users as db_users
from db.store import Store
from indicators.access import SYSTEM
from indicators.accounts import SessionEnded
from indicators.sessions import CHANGED, CLOSED, COOKIE_NAME, GONE, UNKNOWN
from services import accounts as users
from services import sessions
from services.settings import get_settings
from tests.ports import free_port

SECRET = "Tr3s-Secret-Mot-De-Passe"
OTHER_SECRET = "Un-Autre-Secret-2026!"
T0 = datetime(2026, 10, 5, 9, 0)


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    """Real argon2id with light parameters (the production ones are tested in test_users)."""
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def minutes(monkeypatch):
    """An inactivity timeout of 30 minutes for the test."""
    monkeypatch.setenv("CTG_SESSION_MINUTES", "30")
    get_settings.cache_clear()
    yield 30
    get_settings.cache_clear()


@pytest.fixture
def marie(mini_store):
    users.create_first_admin(mini_store, "admin", SECRET)
    users.create_user(mini_store, SYSTEM, "marie", "lecteur", password=SECRET)
    return users.authenticate(mini_store, "marie", SECRET)


def logged_in(store: Store, user, now: datetime = T0) -> tuple[str, str]:
    """(session id, cookie token) of a fresh session whose ticket the browser exchanged."""
    opened = sessions.open_session(store, user, now=now)
    token = sessions.exchange_ticket(store, opened.ticket, now=now)
    assert token is not None
    return opened.session_id, token


def rows(store: Store) -> list[dict]:
    with store.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(db_sessions._sessions.select())]


def refused(store: Store, token: str, now: datetime) -> str:
    with pytest.raises(SessionEnded) as exc:
        sessions.resume(store, token, now=now)
    return str(exc.value)


def test_the_store_keeps_digests_never_the_ticket_nor_the_token(mini_store, marie, minutes):
    opened = sessions.open_session(mini_store, marie, now=T0)
    assert len(opened.ticket) >= 43  # secrets.token_urlsafe(32)
    (row,) = rows(mini_store)
    assert row["ticket_digest"] == hashlib.sha256(opened.ticket.encode()).hexdigest()
    assert row["token_digest"] is None and row["login"] == "marie"
    assert row["session_version"] == marie.session_version
    assert row["expires_at"] == T0 + timedelta(minutes=30)
    token = sessions.exchange_ticket(mini_store, opened.ticket, now=T0)
    assert token is not None and len(token) >= 43 and token != opened.ticket
    (row,) = rows(mini_store)
    assert row["token_digest"] == hashlib.sha256(token.encode()).hexdigest()
    assert row["ticket_digest"] is None and row["ticket_expires_at"] is None
    stored = repr(rows(mini_store))
    assert token not in stored and opened.ticket not in stored
    live = sessions.resume(mini_store, token, now=T0 + timedelta(minutes=1))
    assert live.actor == marie.actor and live.session_id == opened.session_id
    assert not live.waiting_ticket


def test_a_ticket_works_once_and_for_a_minute(mini_store, marie, minutes):
    opened = sessions.open_session(mini_store, marie, now=T0)
    assert sessions.check_session(mini_store, opened.session_id, now=T0).waiting_ticket
    assert sessions.exchange_ticket(mini_store, opened.ticket, now=T0 + timedelta(seconds=61)) is None
    late = sessions.open_session(mini_store, marie, now=T0)
    assert sessions.exchange_ticket(mini_store, late.ticket, now=T0 + timedelta(seconds=30)) is not None
    assert sessions.exchange_ticket(mini_store, late.ticket, now=T0 + timedelta(seconds=31)) is None
    for junk in ("", "x" * 43, "x" * 5000, None, late.ticket + "x"):
        assert sessions.exchange_ticket(mini_store, junk, now=T0) is None
    # A session whose ticket was never exchanged (no cookie) still serves its tab.
    assert sessions.check_session(mini_store, opened.session_id, now=T0 + timedelta(minutes=2))


def test_inactivity_ends_a_session_and_each_run_pushes_it_back(mini_store, marie, minutes):
    session_id, token = logged_in(mini_store, marie)
    sessions.resume(mini_store, token, now=T0 + timedelta(minutes=29))  # activity: the end moves on
    (row,) = rows(mini_store)
    assert row["last_seen"] == T0 + timedelta(minutes=29)
    assert row["expires_at"] == T0 + timedelta(minutes=59)
    sessions.check_session(mini_store, session_id, now=T0 + timedelta(minutes=58, seconds=30))
    # At most one write a minute: 10 s later nothing is written.
    sessions.check_session(mini_store, session_id, now=T0 + timedelta(minutes=58, seconds=40))
    assert rows(mini_store)[0]["last_seen"] == T0 + timedelta(minutes=58, seconds=30)
    later = T0 + timedelta(minutes=58, seconds=30 + 30 * 60)
    assert (
        refused(mini_store, token, later)
        == "Votre session a expiré après 30 minutes d'inactivité : reconnectez-vous."
    )
    with pytest.raises(SessionEnded):
        sessions.check_session(mini_store, session_id, now=later)


def test_logout_ends_the_session_by_its_token_or_its_id(mini_store, marie, minutes):
    first_id, first = logged_in(mini_store, marie)
    second_id, second = logged_in(mini_store, marie)
    assert sessions.live_sessions(mini_store, "marie", now=T0) == 2
    assert sessions.close_session(mini_store, token=first, now=T0)
    assert refused(mini_store, first, T0) == CLOSED
    assert sessions.close_session(mini_store, session_id=second_id, now=T0)
    assert refused(mini_store, second, T0) == CLOSED
    assert not sessions.close_session(mini_store, session_id=second_id, now=T0)  # already ended
    assert sessions.live_sessions(mini_store, "marie", now=T0) == 0


def test_unknown_tokens_are_refused(mini_store, marie, minutes):
    logged_in(mini_store, marie)
    for junk in ("", "court", "a" * 43, "a" * 500, None):
        assert refused(mini_store, junk, T0) == UNKNOWN
    with pytest.raises(SessionEnded):
        sessions.check_session(mini_store, "pas-une-session", now=T0)


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda s: users.set_password(s, SYSTEM, "marie", OTHER_SECRET), CHANGED),
        (lambda s: users.update_user(s, SYSTEM, "marie", role="administrateur"), CHANGED),
        (lambda s: users.update_user(s, SYSTEM, "marie", role="chargé", territoires="62119"), CHANGED),
        (lambda s: users.disable_user(s, SYSTEM, "marie"), "Le compte « marie » est désactivé."),
        (lambda s: users.delete_user(s, SYSTEM, "marie"), GONE),
    ],
    ids=["mot-de-passe", "role", "territoires", "desactivation", "suppression"],
)
def test_every_change_of_the_account_ends_its_sessions(mini_store, marie, minutes, change, reason):
    _, token = logged_in(mini_store, marie, now=datetime.now())
    _, other = logged_in(mini_store, marie, now=datetime.now())
    users.create_user(mini_store, SYSTEM, "lea", "lecteur", password=SECRET)
    _, hers = logged_in(mini_store, users.get_user(mini_store, "lea"), now=datetime.now())
    users.update_user(mini_store, SYSTEM, "marie", nom="Marie Dupont")  # a name: sessions go on
    sessions.resume(mini_store, token)
    change(mini_store)
    now = datetime.now()
    assert refused(mini_store, token, now) == reason and refused(mini_store, other, now) == reason
    ended = [r for r in rows(mini_store) if r["login"] != "lea"]
    assert len(ended) == 2 and all(r["revoked_at"] is not None for r in ended)
    assert "marie" not in {r["login"] for r in rows(mini_store)} or reason != GONE  # pseudonymised
    assert sessions.resume(mini_store, hers).actor.login == "lea"  # another account: untouched


def test_a_disabled_then_enabled_account_logs_in_again(mini_store, marie, minutes):
    _, token = logged_in(mini_store, marie, now=datetime.now())
    users.disable_user(mini_store, SYSTEM, "marie")
    users.enable_user(mini_store, SYSTEM, "marie")
    assert refused(mini_store, token, datetime.now()) == CHANGED  # ended for good
    _, fresh = logged_in(mini_store, users.get_user(mini_store, "marie"), now=datetime.now())
    assert sessions.resume(mini_store, fresh).actor.login == "marie"


def test_the_session_version_is_checked_even_without_the_revocation(mini_store, marie, minutes):
    """The version is the second lock: a bump written without ending the rows still ends them."""
    _, token = logged_in(mini_store, marie, now=datetime.now())
    mini_store.write(lambda conn: db_users.update(conn, "marie", bump_session=True))
    assert refused(mini_store, token, datetime.now()) == CHANGED


def test_own_password_change_keeps_this_session_and_ends_the_others(mini_store, marie, minutes):
    here_id, here = logged_in(mini_store, marie, now=datetime.now())
    _, elsewhere = logged_in(mini_store, marie, now=datetime.now())
    users.change_own_password(mini_store, marie.actor, SECRET, OTHER_SECRET, keep_session=here_id)
    assert sessions.resume(mini_store, here).actor.login == "marie"
    assert refused(mini_store, elsewhere, datetime.now()) == CHANGED
    # Another account's session id cannot be carried over.
    users.create_user(mini_store, SYSTEM, "lea", "lecteur", password=SECRET)
    lea = users.get_user(mini_store, "lea")
    users.change_own_password(mini_store, lea.actor, SECRET, "Encore-Un-Secret-2026", keep_session=here_id)
    assert sessions.resume(mini_store, here).actor.login == "marie"


def test_another_store_object_on_the_same_file_honours_the_same_sessions(mini_store, marie, minutes):
    """What a second app process sees: another engine on the same DuckDB file."""
    _, token = logged_in(mini_store, marie, now=datetime.now())
    with Store(mini_store.url) as elsewhere:
        assert sessions.resume(elsewhere, token).actor.login == "marie"
        users.set_password(elsewhere, SYSTEM, "marie", OTHER_SECRET)
    assert refused(mini_store, token, datetime.now()) == CHANGED


def test_ended_sessions_are_purged_a_day_later(mini_store, marie, minutes):
    now = datetime.now()
    _, closed = logged_in(mini_store, marie, now=now)
    sessions.close_session(mini_store, token=closed, now=now)
    logged_in(mini_store, marie, now=now)  # left to expire
    _, live = logged_in(mini_store, marie, now=now + timedelta(hours=30))
    assert users.purge_expired(mini_store, now=now + timedelta(hours=12))["sessions"] == 0
    assert users.purge_expired(mini_store, now=now + timedelta(hours=26))["sessions"] == 2
    assert sessions.resume(mini_store, live, now=now + timedelta(hours=30)).actor.login == "marie"


# -- the HTTP routes, on a real uvicorn ----------------------------------------------------------------
@pytest.fixture
def routes_server(mini_store, monkeypatch):
    """uvicorn serving the session routes (as `server.py` mounts them) on the test store."""
    import uvicorn
    from starlette.applications import Starlette

    from ui import session_routes

    monkeypatch.setenv("CTG_DATABASE_URL", mini_store.url)
    get_settings.cache_clear()
    monkeypatch.setattr(session_routes, "_store", None)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            Starlette(routes=session_routes.routes()), host="127.0.0.1", port=port, log_level="error"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield port
    server.should_exit = True
    thread.join(timeout=10)
    get_settings.cache_clear()


def post(port: int, path: str, body: str = "", headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    sent = {"Host": f"127.0.0.1:{port}", "Origin": f"http://127.0.0.1:{port}", **(headers or {})}
    conn.request("POST", path, body=body.encode(), headers={k: v for k, v in sent.items() if v is not None})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def test_the_route_exchanges_a_ticket_for_an_httponly_cookie_once(mini_store, marie, routes_server):
    opened = sessions.open_session(mini_store, marie)
    response = post(routes_server, "/session/ouvrir", opened.ticket)
    assert response.status == 204
    cookie = response.getheader("set-cookie")
    name, value = cookie.split(";")[0].split("=", 1)
    assert name == COOKIE_NAME
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "path=/", "samesite=lax"} <= flags and "secure" not in flags
    assert not any(f.startswith(("max-age", "expires")) for f in flags)  # ends with the browser
    assert response.getheader("cache-control") == "no-store"
    assert sessions.resume(mini_store, value).session_id == opened.session_id
    assert post(routes_server, "/session/ouvrir", opened.ticket).status == 403  # once


def test_the_cookie_is_secure_behind_a_tls_proxy(mini_store, marie, routes_server):
    opened = sessions.open_session(mini_store, marie)
    response = post(routes_server, "/session/ouvrir", opened.ticket, {"X-Forwarded-Proto": "https"})
    assert response.status == 204 and "; secure" in response.getheader("set-cookie").lower()


def test_the_route_refuses_other_sites_and_oversized_bodies(mini_store, marie, routes_server):
    opened = sessions.open_session(mini_store, marie)
    port = routes_server
    assert post(port, "/session/ouvrir", opened.ticket, {"Origin": "https://ailleurs.example"}).status == 403
    assert post(port, "/session/ouvrir", opened.ticket, {"Origin": None}).status == 403
    assert post(port, "/session/ouvrir", opened.ticket, {"Sec-Fetch-Site": "cross-site"}).status == 403
    assert post(port, "/session/ouvrir", "x" * 5000).status == 413
    assert post(port, "/session/ouvrir", "pas-un-ticket").status == 403
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", f"/session/ouvrir?ticket={opened.ticket}")
    assert conn.getresponse().status == 405  # never in a URL
    conn.close()
    assert post(port, "/session/ouvrir", opened.ticket).status == 204  # the ticket was not spent


def test_the_logout_route_ends_the_session_and_deletes_the_cookie(mini_store, marie, routes_server):
    _, token = logged_in(mini_store, marie, now=datetime.now())
    cookie = {"Cookie": f"{COOKIE_NAME}={token}"}
    assert post(routes_server, "/session/fermer", "autre chose", cookie).status == 400
    assert (
        post(routes_server, "/session/fermer", "fin", {**cookie, "Origin": "https://ailleurs.example"}).status
        == 403
    )
    sessions.resume(mini_store, token)  # neither ended it
    response = post(routes_server, "/session/fermer", "fin", cookie)
    assert response.status == 204
    deleted = response.getheader("set-cookie").lower()
    assert deleted.startswith(f"{COOKIE_NAME}=") and "max-age=0" in deleted and "httponly" in deleted
    assert refused(mini_store, token, datetime.now()) == CLOSED


def test_a_tab_whose_session_ended_does_not_end_a_newer_login(mini_store, marie, routes_server):
    """A stale tab asks to drop the cookie (`refus`): a live cookie stays, an ended one goes."""
    _, newer = logged_in(mini_store, marie, now=datetime.now())
    response = post(routes_server, "/session/fermer", "refus", {"Cookie": f"{COOKIE_NAME}={newer}"})
    assert response.status == 204 and response.getheader("set-cookie") is None
    assert sessions.resume(mini_store, newer).actor.login == "marie"
    sessions.close_session(mini_store, token=newer)
    response = post(routes_server, "/session/fermer", "refus", {"Cookie": f"{COOKIE_NAME}={newer}"})
    assert "max-age=0" in response.getheader("set-cookie").lower()


@pytest.mark.parametrize(
    "setting, scheme, proto, secure",
    [
        ("", "http", None, False),
        ("", "https", None, True),
        ("", "http", "https", True),
        ("", "http", "https, http", True),
        ("", "http", "http", False),
        ("true", "http", None, True),
        ("false", "http", "https", False),
    ],
)
def test_secure_follows_the_connection_or_the_setting(monkeypatch, setting, scheme, proto, secure):
    from ui.session_routes import served_over_tls

    monkeypatch.setenv("CTG_COOKIE_SECURE", setting)
    get_settings.cache_clear()
    try:
        assert served_over_tls(scheme, proto) is secure
    finally:
        get_settings.cache_clear()


def test_only_the_dashboards_own_pages_may_post():
    from ui.session_routes import same_origin

    assert same_origin("https://ctg.exemple.fr", "ctg.exemple.fr", None)
    assert same_origin(None, "ctg.exemple.fr", "same-origin")
    assert not same_origin("https://ctg.exemple.fr", "ctg.exemple.fr", "cross-site")
    assert not same_origin("https://ctg.exemple.fr.evil.example", "ctg.exemple.fr", None)
    assert not same_origin(None, "ctg.exemple.fr", None)
    assert not same_origin("null", "ctg.exemple.fr", None)


def test_migration_8_adds_the_sessions_to_a_store_of_before(mini_store, marie):
    """A store migrated up to 7 (accounts in it) gains the table; its accounts log in as before."""
    mini_store.write(lambda c: c.exec_driver_sql("drop table sessions"))
    mini_store.write(lambda c: c.exec_driver_sql("delete from schema_migrations where version = 8"))
    assert mini_store.migrate() == ["sessions"]
    _, token = logged_in(mini_store, users.authenticate(mini_store, "marie", SECRET), now=datetime.now())
    assert sessions.resume(mini_store, token).actor.login == "marie"
