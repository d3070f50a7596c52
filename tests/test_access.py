"""What each role may and may not do: at the function level (where writes happen) and through AppTest."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher
from streamlit.testing.v1 import AppTest

from db import sessions as db_sessions
from db.store import Store
from indicators.access import SYSTEM, AccessDenied, Actor
from services import accounts as users
from services.pilotage import add_comment, record_meeting, set_engagement, set_target
from services.settings import get_settings
from services.territories import set_sector_members
from services.uploads import import_file, revert_import
from tests.auth_helpers import TEST_PASSWORD, ensure_account, login_as
from tests.conftest import MINI_SEED, ROOT, app_serving

pytestmark = pytest.mark.both_backends  # DuckDB and PostgreSQL (tests/conftest.py)

TODAY = dt.date(2026, 11, 29)
ADMIN = Actor("chef", "administrateur")
CHARGE = Actor("marie", "charge", frozenset({"62119"}))
LECTEUR = Actor("copil", "lecteur")


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    """Real argon2id with light parameters (the production ones are checked in test_users)."""
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def upload(rows: list[tuple[str, str]]) -> bytes:
    """A quarterly CSV of IA_CAFES_PARTENAIRES values (territory, value) for T3 2026."""
    lines = ["territoire;indicateur;periode;valeur"]
    lines += [f"{code};IA_CAFES_PARTENAIRES;2026-T3;{value}" for code, value in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def count(store: Store, table: str) -> int:
    return int(store.scalar(f"select count(*) from {table}"))


# -- function level ---------------------------------------------------------------------------
ADMIN_ONLY = {
    "create a user": lambda s, r, a: users.create_user(s, a, "nouveau", "lecteur", password=TEST_PASSWORD),
    "set a target": lambda s, r, a: set_target(s, r, a, "PE_PLACES_EAJE", 2030, 1500),
    "record a meeting": lambda s, r, a: record_meeting(
        s, r, a, "comite_technique", dt.date(2026, 2, 10), today=TODAY
    ),
    "set an engagement": lambda s, r, a: set_engagement(s, r, a, "62119", True, dt.date(2026, 3, 2)),
    "edit a sector": lambda s, r, a: set_sector_members(s, r, a, "SECTEUR_NORD", ["62119"]),
}


@pytest.mark.parametrize("action", ADMIN_ONLY)
def test_admin_only_actions(store, ref, action):
    for actor in (CHARGE, LECTEUR):
        before = count(store, "audit")
        with pytest.raises(AccessDenied, match=f"« {actor.login} »"):
            ADMIN_ONLY[action](store, ref, actor)
        assert count(store, "audit") == before  # refused: nothing written
    ADMIN_ONLY[action](store, ref, ADMIN)
    assert count(store, "audit") > 0


def test_comments_scope(store, ref):
    add_comment(store, ref, CHARGE, "A1", "annuelle-2026", "Béthune avance.", territoire="62119")
    with pytest.raises(AccessDenied, match="62126 n'est pas dans le périmètre du compte « marie »"):
        add_comment(store, ref, CHARGE, "A1", "annuelle-2026", "Beuvry.", territoire="62126")
    with pytest.raises(AccessDenied, match="« copil » est en lecture seule"):
        add_comment(store, ref, LECTEUR, "A1", "annuelle-2026", "Lu.", territoire="62119")
    add_comment(store, ref, ADMIN, "A1", "annuelle-2026", "Toute l'agglomération.")
    assert count(store, "commentaires") == 2


def test_chargé_uploads_own_territory_only(store, ref):
    result = import_file(store, ref, upload([("62119", "3")]), "t3.csv", CHARGE, today=TODAY)
    assert result.batch_id is not None
    observations = count(store, "observations")
    # One row outside the scope (line 3): the whole file is refused, naming that line; nothing written.
    result = import_file(
        store, ref, upload([("62119", "4"), ("62126", "2")]), "t3-bis.csv", CHARGE, today=TODAY
    )
    assert result.batch_id is None
    assert result.plan.report.flatten(("line", "kind")) == [[3, "hors-perimetre"]]
    assert "62126" in result.plan.report.errors[0].message
    assert count(store, "observations") == observations
    with pytest.raises(AccessDenied, match="réservée aux administrateurs"):
        revert_import(store, ref, 2, CHARGE)


def test_lecteur_cannot_upload(store, ref):
    result = import_file(store, ref, upload([("62119", "3")]), "t3.csv", LECTEUR, today=TODAY)
    assert result.batch_id is None and not result.plan.accepted
    assert any("lecture seule" in e.message for e in result.plan.report.errors)


def test_admin_uploads_anywhere_and_reverts(store, ref):
    result = import_file(store, ref, upload([("62119", "3"), ("62126", "2")]), "t3.csv", ADMIN, today=TODAY)
    assert result.batch_id is not None
    assert "annulé" in revert_import(store, ref, result.batch_id, ADMIN)


def test_cli_as_login_goes_through_the_account(store):
    ensure_account(store, "charge", ["62119"], login="marie")
    assert users.actor_for(store, "marie") == replace(
        CHARGE, convention="ctg-cabbalr-2026-2030", conventions=("ctg-cabbalr-2026-2030",)
    )
    users.disable_user(store, SYSTEM, "marie")
    with pytest.raises(users.UserError, match="désactivé"):
        users.actor_for(store, "marie")


# -- through AppTest --------------------------------------------------------------------------
@pytest.fixture
def app_store(mini_store, monkeypatch):
    """The 3-commune store as the app's database; caches and settings reset around the test."""
    with app_serving(mini_store.url, MINI_SEED):
        yield mini_store


def app(path: str = "pages/referentiel.py") -> AppTest:
    """One page run on its own: the login lives in its setup_page(), whatever the menu says."""
    return AppTest.from_file(str(ROOT / path), default_timeout=60)


def texts(at: AppTest) -> str:
    return " ".join(
        str(e.value)
        for e in (
            *at.markdown,
            *at.caption,
            *at.info,
            *at.error,
            *at.warning,
            *at.success,
            *at.title,
            *at.subheader,
        )
    )


def _fill_first_admin(at: AppTest, code: str, login: str = "admin") -> None:
    at.text_input(key="auth_first_code").input(code)
    at.text_input(key="auth_first_login").input(login)
    at.text_input(key="auth_first_password").input("Premier-Admin-2026")
    at.text_input(key="auth_first_again").input("Premier-Admin-2026")
    at.button(key="FormSubmitter:auth_first_admin_form-Créer le compte administrateur").click().run()


def test_first_run_needs_the_code_printed_on_the_server(app_store):
    at = app().run()
    assert not at.exception
    assert [s.value for s in at.subheader] == ["Installation : premier compte administrateur"]
    assert "Référentiel de la convention" not in texts(at)  # the page itself is not drawn
    # Whoever opens the page first cannot become administrator: no code, or a guessed one, fails.
    for guess in ("", "aaaaa-bbbbb-ccccc-ddddd"):
        _fill_first_admin(at, guess, login="pirate")
        assert not at.exception, at.exception
        assert at.error[0].value.startswith("Code d'installation incorrect ou expiré")
    assert not users.has_admin(app_store) and users.get_user(app_store, "pirate") is None
    code = users.issue_setup_code(app_store)  # what `cli.py init` prints on the server
    _fill_first_admin(at, code)
    assert not at.exception, at.exception
    assert at.title[0].value == "Référentiel de la convention"
    assert users.actor_for(app_store, "admin").is_admin
    # The code served once; a new session gets the login form, never this one again.
    fresh = app().run()
    assert [s.value for s in fresh.subheader] == ["Connexion"]
    assert users.issue_setup_code(app_store) is None


def test_demo_removal_leaves_no_door_open(app_store, mini_ref):
    """The takeover of issue 11: after `demo --remove`, the first visitor could create the
    administrator. Now the page asks for the server's one-time code."""
    from db.observations import remove_demo

    users.create_demo_accounts(app_store)
    assert users.has_admin(app_store)  # demo-admin
    remove_demo(app_store, mini_ref.convention.code)
    assert not users.has_admin(app_store)
    at = app().run()
    assert [s.value for s in at.subheader] == ["Installation : premier compte administrateur"]
    _fill_first_admin(at, "", login="premier-venu")
    assert at.error and users.get_user(app_store, "premier-venu") is None
    assert "actor" not in at.session_state


def test_login_form(app_store):
    ensure_account(app_store, "lecteur", login="copil")
    ensure_account(app_store, "administrateur", login="chef")
    at = app().run()
    assert [s.value for s in at.subheader] == ["Connexion"]
    at.text_input(key="auth_login").input("copil")
    at.text_input(key="auth_password").input("pas le bon mot de passe")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Identifiant ou mot de passe incorrect."]
    at.text_input(key="auth_password").input(TEST_PASSWORD)
    at.button[0].click().run()
    assert not at.exception and at.title[0].value == "Référentiel de la convention"
    assert at.session_state["actor"] == Actor(
        "copil", "lecteur", convention="ctg-test", conventions=("ctg-test",)
    )
    assert "Connecté : **copil** · lecteur (COPIL)" in texts(at)
    at.button(key="auth_logout").click().run()
    assert [s.value for s in at.subheader] == ["Connexion"] and "Vous êtes déconnecté." in texts(at)


def test_lock_out_message_in_the_form(app_store, monkeypatch):
    monkeypatch.setenv("CTG_LOCKOUT_ATTEMPTS", "2")
    monkeypatch.setenv("CTG_LOCKOUT_MINUTES", "30")
    get_settings.cache_clear()
    ensure_account(app_store, "administrateur", login="chef")
    ensure_account(app_store, "lecteur", login="copil")
    at = app().run()
    for _ in range(2):
        at.text_input(key="auth_login").input("copil")
        at.text_input(key="auth_password").input("mauvais")
        at.button[0].click().run()
    until = users.locked_logins(app_store)["copil"]
    assert at.error[0].value.startswith(f"Connexion bloquée jusqu'à {until:%H:%M} après 2 échecs")
    at.text_input(key="auth_password").input(TEST_PASSWORD)  # the right one: still blocked
    at.button[0].click().run()
    assert at.error[0].value.startswith("Connexion bloquée jusqu'à")
    assert "actor" not in at.session_state


def test_session_expires_after_inactivity(app_store, monkeypatch):
    monkeypatch.setenv("CTG_SESSION_MINUTES", "20")
    get_settings.cache_clear()
    ensure_account(app_store, "administrateur", login="chef")
    at = app()
    login_as(at, "lecteur")
    session_id = at.session_state["auth_session"]

    def last_seen(minutes_ago: int) -> None:  # the stored session, as if idle since then
        seen = datetime.now() - timedelta(minutes=minutes_ago)
        app_store.write(lambda conn: db_sessions.touch(conn, session_id, seen, seen + timedelta(minutes=20)))

    last_seen(19)
    at.run()
    assert at.title[0].value == "Référentiel de la convention"
    last_seen(21)
    at.run()
    assert [s.value for s in at.subheader] == ["Connexion"]
    assert "Votre session a expiré après 20 minutes d'inactivité" in texts(at)


def test_disabled_account_is_logged_out_at_next_click(app_store):
    ensure_account(app_store, "administrateur", login="chef")
    at = app()
    login_as(at, "lecteur", login="copil")
    at.run()
    assert at.title[0].value == "Référentiel de la convention"
    users.disable_user(app_store, SYSTEM, "copil")
    at.run()
    assert [s.value for s in at.subheader] == ["Connexion"]
    assert "Le compte « copil » est désactivé." in texts(at)


@pytest.mark.parametrize(
    "change, notice",
    [
        (lambda s: users.set_password(s, SYSTEM, "copil", "Un-Nouveau-Secret-2027"), "a été modifié"),
        (
            lambda s: users.update_user(s, SYSTEM, "copil", role="chargé", territoires="62119"),
            "a été modifié",
        ),
        (lambda s: users.disable_user(s, SYSTEM, "copil"), "est désactivé"),
        (lambda s: users.delete_user(s, SYSTEM, "copil"), "n'existe plus"),
    ],
    ids=["nouveau-mot-de-passe", "changement-de-role", "desactivation", "suppression"],
)
def test_open_sessions_end_when_the_account_changes(app_store, change, notice):
    ensure_account(app_store, "administrateur", login="chef")
    at = app()
    login_as(at, "lecteur", login="copil")
    at.run()
    assert at.title[0].value == "Référentiel de la convention"
    users.update_user(app_store, SYSTEM, "copil", nom="Claire Copil")  # a name: the session goes on
    at.run()
    assert at.title[0].value == "Référentiel de la convention"
    change(app_store)
    at.run()
    assert [s.value for s in at.subheader] == ["Connexion"], texts(at)
    assert notice in texts(at) and "Vous avez été déconnecté." in texts(at)
    assert "actor" not in at.session_state


def test_own_password_change_ends_the_other_sessions(app_store):
    ensure_account(app_store, "administrateur", login="chef")
    here, elsewhere = app(), app()
    for at in (here, elsewhere):
        login_as(at, "lecteur", login="copil")
        at.run()
    here.text_input(key="auth_own_current").input(TEST_PASSWORD)
    here.text_input(key="auth_own_new").input("Mon-Nouveau-Secret")
    here.text_input(key="auth_own_again").input("Mon-Nouveau-Secret")
    next(b for b in here.button if b.label == "Changer mon mot de passe").click().run()
    here.run()
    assert here.title[0].value == "Référentiel de la convention"
    elsewhere.run()
    assert [s.value for s in elsewhere.subheader] == ["Connexion"]


@pytest.mark.parametrize("role", ["lecteur", "charge"])
@pytest.mark.parametrize("path", ["pages/utilisateurs.py", "pages/audit.py"])
def test_admin_pages_refuse_other_roles(app_store, role, path):
    # The menu does not offer these pages to other roles; the page itself refuses them too.
    at = app(path)
    login_as(at, role)
    at.run()
    assert not at.exception
    assert at.error and at.error[0].value.startswith("Page réservée aux administrateurs")
    assert not at.dataframe and not at.table


def test_admin_manages_accounts_in_the_page(app_store):
    at = app("pages/utilisateurs.py")
    login_as(at, "administrateur", login="chef")
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Comptes des utilisateurs"
    form = [w for w in at.text_input if w.label == "Identifiant"][0]
    form.input("marie")
    at.selectbox[0].set_value("charge")
    at.multiselect[0].set_value(["62119", "62178"])
    for widget in at.text_input:
        if "ot de passe" in widget.label:
            widget.input("Provisoire-2026-xx")
    next(b for b in at.button if b.label == "Créer le compte").click().run()
    assert not at.exception, at.exception
    assert any("Compte « marie » créé" in s.value for s in at.success)
    assert users.actor_for(app_store, "marie") == Actor(
        "marie", "charge", frozenset({"62119", "62178"}), convention="ctg-test", conventions=("ctg-test",)
    )
    assert "marie" in at.table[0].value["Identifiant"].tolist()
    # Disable it from the "Modifier un compte" tab.
    at.selectbox(key="users_edit_login").set_value("marie").run()
    at.button(key="users_disable").click().run()
    assert any("Compte « marie » désactivé" in s.value for s in at.success)
    assert not users.get_user(app_store, "marie").active
    # Delete it: confirmed, then gone, pseudonymised in the journal.
    at.selectbox(key="users_edit_login").set_value("marie").run()
    assert at.button(key="users_delete").disabled
    at.checkbox(key="users_delete_ok").check().run()
    at.button(key="users_delete").click().run()
    assert not at.exception, at.exception
    assert any("supprimé (désormais « compte-supprimé-" in s.value for s in at.success)
    assert users.get_user(app_store, "marie") is None
    assert not app_store.scalar("select count(*) from audit where objet = 'compte marie' or actor = 'marie'")


def test_audit_page_lists_changes_and_exports(app_store):
    users.create_user(app_store, SYSTEM, "marie", "chargé", "62119", password=TEST_PASSWORD)
    users.disable_user(app_store, SYSTEM, "marie")
    at = app("pages/audit.py")
    login_as(at, "administrateur", login="chef")
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Journal des modifications"
    changes = at.table[0].value
    assert "Désactivation d'un compte" in changes["Action"].tolist()
    at.selectbox[1].set_value("desactivation_compte").run()
    changes = at.table[0].value
    assert changes["Objet"].tolist() == ["compte marie"]
    assert changes["Changement"].tolist() == ["actif : oui → non"]
    assert "nan" not in texts(at).split() and "None" not in texts(at).split()


def test_own_password_from_the_sidebar(app_store):
    ensure_account(app_store, "administrateur", login="chef")
    at = app()
    login_as(at, "lecteur", login="copil")
    at.run()
    at.text_input(key="auth_own_current").input(TEST_PASSWORD)
    at.text_input(key="auth_own_new").input("Mon-Nouveau-Secret")
    at.text_input(key="auth_own_again").input("Mon-Nouveau-Secret")
    next(b for b in at.button if b.label == "Changer mon mot de passe").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == [
        "Mot de passe changé. Vos autres sessions ouvertes sont fermées."
    ]
    at.run()  # this session goes on with the new version...
    assert at.title[0].value == "Référentiel de la convention"
    assert users.authenticate(app_store, "copil", "Mon-Nouveau-Secret").login == "copil"
