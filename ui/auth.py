"""Login, sessions and the acting account in the pages (Streamlit side of services/accounts.py
and services/sessions.py).

`require_login(store)` is called by `ui.context.setup_page()`: when nobody is logged in (or
the session expired after `Settings.session_minutes` of inactivity, or the account changed
since) it draws the login form and stops the page. While no administrator exists, the form
asks for the one-time code printed by `python cli.py initialiser` on the server: opening the page
first never makes anyone administrator.

Every login is a session stored in the store (`services/sessions.py`): the acting `Actor`
lives in `st.session_state["actor"]` with the id of its stored session, checked at every run
(revoked, expired, account changed: a password reset, a role change or a disabling ends the
session at the next click, on every app process). Right after the password is checked, the
page hands the browser a one-time ticket, which the browser exchanges at
`POST /session/ouvrir` (`ui/session_routes.py`, mounted by `server.py`) for an HttpOnly
cookie; a reload, a new tab, a restart or another app process then finds the cookie in
`st.context.cookies` and resumes the session without asking for the password again.
"""

from __future__ import annotations

import json

import streamlit as st

from db.store import Store
from indicators.access import ROLE_LABELS, AccessDenied, Actor
from indicators.sessions import COOKIE_NAME
from services.accounts import (
    PASSWORD_MIN_LENGTH,
    AccountError,
    AccountLocked,
    AuthenticationError,
    SessionEnded,
    TooManyAttempts,
    User,
    acting_on_the_page,
    authenticate,
    change_own_password,
    create_first_admin,
    create_first_admin_with_code,
    demo_accounts,
    has_admin,
    prepare_login,
    purge_expired,
)
from services.sessions import check_session, close_session, open_session, resume
from services.settings import get_settings
from ui.session_routes import CLOSE_PATH, LOGOUT_BODY, OPEN_PATH, REFUSED_BODY
from ui.text import plain

ACTOR_KEY = "actor"
SESSION_KEY = "auth_session"  # the id of the stored session (never sent to the browser)
TICKET_KEY = "auth_ticket"  # the one-time ticket the browser exchanges for the cookie
NOTICE_KEY = "auth_notice"
CLEAR_KEY = "auth_clear_cookie"  # the browser should drop its cookie: LOGOUT_BODY or REFUSED_BODY
REFUSED_KEY = "auth_refused"  # the cookie token this tab already refused or closed


def client_address() -> str:
    """The client's address: the connection's, or X-Forwarded-For's first behind a trusted proxy."""
    if get_settings().trust_forwarded_for:
        forwarded = st.context.headers.get("X-Forwarded-For")
        first = forwarded.split(",")[0].strip() if isinstance(forwarded, str) else ""
        if first:
            return first
    address = st.context.ip_address
    return address if isinstance(address, str) and address else "inconnue"


def current_actor() -> Actor | None:
    """The logged-in account of this browser session, or None."""
    actor = st.session_state.get(ACTOR_KEY)
    return actor if isinstance(actor, Actor) else None


def is_logged_in() -> bool:
    """True when an account is logged in (the session may still expire at the next run)."""
    return current_actor() is not None


def is_admin() -> bool:
    """True when the logged-in account is an administrator."""
    actor = current_actor()
    return actor is not None and actor.is_admin


def _cookie_token() -> str | None:
    """The session token of the browser's cookie, as sent when this tab connected."""
    try:
        token = st.context.cookies.get(COOKIE_NAME)
    except Exception:  # no browser behind this run (AppTest, bare mode)
        return None
    return token if isinstance(token, str) and token else None


def log_in(store: Store, user: User) -> None:
    """Open a stored session for an account whose password was just checked, remember it for
    this tab, and have the browser exchange its one-time ticket for the cookie."""
    opened = open_session(store, user)
    st.session_state[ACTOR_KEY] = user.actor
    st.session_state[SESSION_KEY] = opened.session_id
    st.session_state[TICKET_KEY] = opened.ticket
    st.session_state.pop(REFUSED_KEY, None)


def _forget(notice: str | None, *, clear_cookie: str | None) -> None:
    """Forget the account in this tab (the stored session is ended by the caller or already
    was); `clear_cookie` (LOGOUT_BODY, REFUSED_BODY) has the browser drop its cookie."""
    for key in (ACTOR_KEY, SESSION_KEY, TICKET_KEY):
        st.session_state.pop(key, None)
    if clear_cookie:
        st.session_state[CLEAR_KEY] = clear_cookie
        st.session_state[REFUSED_KEY] = _cookie_token()
    if notice:
        st.session_state[NOTICE_KEY] = notice


def log_out(store: Store, notice: str | None = None) -> None:
    """End this tab's session in the store (every tab and process of this browser is logged
    out), forget it here and have the browser drop its cookie."""
    close_session(store, session_id=st.session_state.get(SESSION_KEY), token=_cookie_token())
    _forget(notice, clear_cookie=LOGOUT_BODY)


def _resume_from_cookie(store: Store, convention: str | None = None) -> Actor | None:
    """The account of the browser's cookie when its session may still act, else None (with the
    French reason as the login form's notice)."""
    token = _cookie_token()
    if token is None or token == st.session_state.get(REFUSED_KEY):
        return None
    try:
        live = resume(store, token, convention=convention)
    except SessionEnded as exc:
        _forget(str(exc), clear_cookie=REFUSED_BODY)
        return None
    st.session_state[ACTOR_KEY] = live.actor
    st.session_state[SESSION_KEY] = live.session_id
    return live.actor


def restore_session(store: Store, convention: str | None = None) -> Actor | None:
    """Before the menu is drawn: the account of this tab, or the one the browser's cookie brings
    back (a reload, a new tab, a restart, another app process), or None."""
    actor = current_actor()
    if actor is not None:
        return actor
    return _resume_from_cookie(store, convention)


def require_login(store: Store, convention: str | None = None) -> Actor:
    """The logged-in `Actor`, with its rights in `convention` when it may open it (else in the
    first convention it may open); otherwise draw the login (or first-administrator) form and stop."""
    acting_on_the_page()  # every write of this run is audited as coming from the pages
    actor = current_actor()
    session_id = st.session_state.get(SESSION_KEY)
    if actor is not None and isinstance(session_id, str):
        try:
            live = check_session(store, session_id, convention=convention)
        except SessionEnded as exc:
            _forget(f"{exc} Vous avez été déconnecté.", clear_cookie=REFUSED_BODY)
        else:
            st.session_state[ACTOR_KEY] = live.actor
            _hand_ticket(live.waiting_ticket)
            _sidebar(store, live.actor)
            return live.actor
    elif actor is not None:  # an actor without a stored session is nobody
        _forget(None, clear_cookie=None)
    resumed = _resume_from_cookie(store, convention)
    if resumed is not None:
        _sidebar(store, resumed)
        return resumed
    if not has_admin(store) and not _first_admin_from_secrets(store):
        _first_admin_form(store)
    else:
        _login_form(store)
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises


def require_admin_page(actor: Actor) -> None:
    """Stop a page reserved to administrators, with a French message, for other accounts."""
    if not actor.is_admin:
        st.error(
            f"Page réservée aux administrateurs : le compte « {plain(actor.login)} » a le rôle "
            f"{ROLE_LABELS[actor.role]}.",
            icon=":material/block:",
        )
        st.stop()


def _browser_post(path: str, body: str | None = None) -> None:
    """Have the browser POST to one of the session routes (same origin, never in a URL)."""
    payload = "" if body is None else f", body: {json.dumps(body)}"
    st.html(
        f"<script>fetch({json.dumps(path)}, {{method: 'POST', credentials: 'same-origin', "
        f"cache: 'no-store', headers: {{'Content-Type': 'text/plain'}}{payload}}});</script>",
        unsafe_allow_javascript=True,
        width="content",
    )


def _hand_ticket(waiting: bool) -> None:
    """While the browser has not exchanged the ticket for its cookie, ask it to (once per render)."""
    ticket = st.session_state.get(TICKET_KEY)
    if not waiting or not isinstance(ticket, str):
        st.session_state.pop(TICKET_KEY, None)
        return
    with st.sidebar:
        _browser_post(OPEN_PATH, ticket)


def _sidebar(store: Store, actor: Actor) -> None:
    with st.sidebar:
        st.caption(
            f"Connecté : **{plain(actor.login)}** · {ROLE_LABELS[actor.role]}"
            + (f" · territoires {', '.join(sorted(actor.territoires))}" if actor.territoires else "")
        )
        if st.button("Se déconnecter", key="auth_logout", icon=":material/logout:", width="stretch"):
            log_out(store, "Vous êtes déconnecté.")
            st.rerun()
        with st.popover("Changer mon mot de passe", icon=":material/key:", width="stretch"):
            _own_password_form(store, actor)


def _own_password_form(store: Store, actor: Actor) -> None:
    with st.form("auth_own_password", clear_on_submit=True):
        current = st.text_input("Mot de passe actuel", type="password", key="auth_own_current")
        new = st.text_input(
            f"Nouveau mot de passe (au moins {PASSWORD_MIN_LENGTH} caractères)",
            type="password",
            key="auth_own_new",
        )
        again = st.text_input("Nouveau mot de passe, à nouveau", type="password", key="auth_own_again")
        submitted = st.form_submit_button("Changer mon mot de passe")
    if submitted:
        if new != again:
            st.error("Les deux nouveaux mots de passe diffèrent.")
            return
        try:
            change_own_password(
                store,
                actor,
                current,
                new,
                address=client_address(),
                keep_session=st.session_state.get(SESSION_KEY),  # this session stays, the others end
            )
        except (AccountLocked, TooManyAttempts) as exc:
            log_out(store, str(exc))
            st.rerun()
        except (AccountError, AccessDenied) as exc:
            st.error(plain(str(exc)))
        else:
            st.success("Mot de passe changé. Vos autres sessions ouvertes sont fermées.")


def _header() -> None:
    st.title("Tableau de bord de la CTG 2026-2030")
    st.caption("Conventions Territoriales Globales · CAF du Pas-de-Calais")


def _login_form(store: Store) -> None:
    prepare_login()
    _header()
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.info(plain(notice), icon=":material/info:")
    clear = st.session_state.pop(CLEAR_KEY, None)
    if clear in (LOGOUT_BODY, REFUSED_BODY):
        _browser_post(CLOSE_PATH, clear)  # the browser drops the cookie of the session that ended
    with st.form("auth_login_form"):
        st.subheader("Connexion")
        login = st.text_input("Identifiant", key="auth_login")
        password = st.text_input("Mot de passe", type="password", key="auth_password")
        submitted = st.form_submit_button("Se connecter", type="primary")
    if submitted:
        try:
            user = authenticate(store, login, password, address=client_address())
        except AuthenticationError as exc:
            st.error(plain(str(exc)), icon=":material/lock:")
        else:
            log_in(store, user)
            purge_expired(store)  # the retention period, applied at each login (cheap)
            st.rerun()
    st.caption(
        "Mot de passe oublié ou connexion bloquée : adressez-vous à un administrateur du tableau de bord."
    )
    st.page_link(
        "pages/accessibilite.py", label="Déclaration d'accessibilité", icon=":material/accessibility_new:"
    )
    demo = demo_accounts(store)
    if demo:
        lines = "\n".join(f"- `{login}` / `{password}` : {role}" for login, role, password in demo)
        st.info(
            "**Démonstration** : ces comptes publics existent tant que les données de démonstration "
            f"sont chargées ; ils disparaissent avec elles.\n\n{lines}",
            icon=":material/science:",
        )


def _first_admin_form(store: Store) -> None:
    _header()
    st.subheader("Installation : premier compte administrateur")
    st.info(
        "Aucun compte administrateur n'existe. Il se crée sur le serveur, par qui l'administre : "
        "`python cli.py users add admin --role administrateur`, ou ici avec le **code à usage "
        "unique** que `python cli.py initialiser` affiche (valable 24 heures).",
        icon=":material/key:",
    )
    with st.form("auth_first_admin_form"):
        code = st.text_input("Code d'installation (affiché par `cli.py initialiser`)", key="auth_first_code")
        login = st.text_input("Identifiant", value="admin", key="auth_first_login")
        nom = st.text_input("Nom et prénom (facultatif)", key="auth_first_nom")
        password = st.text_input(
            f"Mot de passe (au moins {PASSWORD_MIN_LENGTH} caractères)",
            type="password",
            key="auth_first_password",
        )
        again = st.text_input("Mot de passe, à nouveau", type="password", key="auth_first_again")
        submitted = st.form_submit_button("Créer le compte administrateur", type="primary")
    if submitted:
        if password != again:
            st.error("Les deux mots de passe diffèrent.")
            return
        try:
            user = create_first_admin_with_code(store, code, login, password, nom, address=client_address())
        except (AccountError, AccessDenied) as exc:
            st.error(plain(str(exc)))
        else:
            log_in(store, user)
            st.rerun()


def _first_admin_from_secrets(store: Store) -> bool:
    """Create the first administrator from `.streamlit/secrets.toml` when it is configured there."""
    try:
        section = st.secrets.get("premier_administrateur")
    except Exception:  # no secrets.toml: Streamlit raises its own not-found error
        return False
    if not section or not section.get("mot_de_passe"):
        return False
    try:
        create_first_admin(store, section.get("login", "admin"), section["mot_de_passe"], section.get("nom"))
    except (AccountError, AccessDenied) as exc:
        st.error(f"Premier administrateur de secrets.toml refusé : {plain(str(exc))}")
        return False
    st.session_state[NOTICE_KEY] = (
        "Le premier compte administrateur a été créé depuis "
        "`.streamlit/secrets.toml` : connectez-vous avec lui."
    )
    return True
