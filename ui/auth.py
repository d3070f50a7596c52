"""Login, session expiry and the acting account in the pages (Streamlit side of services/accounts.py).

`require_login(store)` is called by `ui.context.setup_page()`: when nobody is logged in (or
the session expired after `Settings.session_minutes` of inactivity, or the account changed
since) it draws the login form and stops the page. While no administrator exists, the form
asks for the one-time code printed by `python cli.py initialiser` on the server: opening the page
first never makes anyone administrator. The acting `Actor` lives in
`st.session_state["actor"]` with the session version it logged in with; both are checked
against the store at every run, so a password reset, a role change or a disabling ends the
session at the next click.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import streamlit as st

from db.store import Store
from indicators.access import ROLE_LABELS, AccessDenied, Actor
from services.accounts import (
    PASSWORD_MIN_LENGTH,
    AccountError,
    AccountLocked,
    AuthenticationError,
    SessionEnded,
    TooManyAttempts,
    acting_on_the_page,
    authenticate,
    change_own_password,
    check_session,
    create_first_admin,
    create_first_admin_with_code,
    demo_accounts,
    get_user,
    has_admin,
    prepare_login,
    purge_expired,
)
from services.settings import get_settings
from ui.text import plain

ACTOR_KEY = "actor"
SEEN_KEY = "auth_seen"
VERSION_KEY = "auth_version"
NOTICE_KEY = "auth_notice"


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


def log_in(actor: Actor, version: int) -> None:
    """Remember the account for this browser session, with the session version it logged in with."""
    st.session_state[ACTOR_KEY] = actor
    st.session_state[VERSION_KEY] = version
    st.session_state[SEEN_KEY] = datetime.now()


def log_out(notice: str | None = None) -> None:
    """Forget the account of this browser session."""
    for key in (ACTOR_KEY, SEEN_KEY, VERSION_KEY):
        st.session_state.pop(key, None)
    if notice:
        st.session_state[NOTICE_KEY] = notice


def require_login(store: Store, convention: str | None = None) -> Actor:
    """The logged-in `Actor`, with its rights in `convention` when it may open it (else in the
    first convention it may open); otherwise draw the login (or first-administrator) form and stop."""
    acting_on_the_page()  # every write of this run is audited as coming from the pages
    actor = current_actor()
    if actor is not None:
        minutes = get_settings().session_minutes
        seen = st.session_state.get(SEEN_KEY)
        if not isinstance(seen, datetime) or datetime.now() - seen > timedelta(minutes=minutes):
            log_out(f"Votre session a expiré après {minutes} minutes d'inactivité : reconnectez-vous.")
        else:
            try:
                fresh = check_session(store, actor.login, st.session_state.get(VERSION_KEY, -1), convention)
            except SessionEnded as exc:
                log_out(f"{exc} Vous avez été déconnecté.")
            else:
                st.session_state[ACTOR_KEY] = fresh
                st.session_state[SEEN_KEY] = datetime.now()
                _sidebar(store, fresh)
                return fresh
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


def _sidebar(store: Store, actor: Actor) -> None:
    with st.sidebar:
        st.caption(
            f"Connecté : **{plain(actor.login)}** · {ROLE_LABELS[actor.role]}"
            + (f" · territoires {', '.join(sorted(actor.territoires))}" if actor.territoires else "")
        )
        if st.button("Se déconnecter", key="auth_logout", icon=":material/logout:", width="stretch"):
            log_out("Vous êtes déconnecté.")
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
            user = change_own_password(store, actor, current, new, address=client_address())
        except (AccountLocked, TooManyAttempts) as exc:
            log_out(str(exc))
            st.rerun()
        except (AccountError, AccessDenied) as exc:
            st.error(plain(str(exc)))
        else:
            st.session_state[VERSION_KEY] = user.session_version  # this session stays, the others end
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
            log_in(user.actor, user.session_version)
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
            log_in(user.actor, user.session_version)
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


def session_version_of(store: Store, login: str) -> int:
    """The current session version of an account (tests seed a session with it)."""
    user = get_user(store, login)
    return user.session_version if user is not None else -1
