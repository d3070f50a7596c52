"""Accounts: hashing, lock-out with an injected clock, audited changes, CLI (Journal: test_services_audit)."""

from __future__ import annotations

import io
import logging
from datetime import datetime, timedelta

import pandas as pd
import pytest
from argon2 import PasswordHasher, Type

from cli import main
from db import users
from db.observations import remove_demo
from db.store import Store
from indicators.access import SYSTEM, AccessDenied, Actor
from services.audit import describe_change
from services.settings import get_settings

SECRET = "Tr3s-Secret-Mot-De-Passe"
OTHER_SECRET = "Un-Autre-Secret-2026!"
T0 = datetime(2026, 10, 5, 9, 50)
PRODUCTION_HASHER = users._hasher


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    """Real argon2id with light parameters, so that the tests stay fast (production: below)."""
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def test_production_hash_parameters_are_strong():
    # OWASP minimum for argon2id: 19 MiB of memory, 2 iterations.
    assert PRODUCTION_HASHER.type is Type.ID
    assert PRODUCTION_HASHER.memory_cost >= 19 * 1024 and PRODUCTION_HASHER.time_cost >= 2


@pytest.fixture
def settings_env(monkeypatch):
    """Set CTG_* variables for one test; the settings cache is cleared before and after."""

    def set_(**values):
        for key, value in values.items():
            monkeypatch.setenv(f"CTG_{key.upper()}", str(value))
        get_settings.cache_clear()

    yield set_
    get_settings.cache_clear()


def audit_rows(store: Store) -> pd.DataFrame:
    return store.query_df("select actor, action, objet, avant, apres from audit order by id")


def test_password_is_stored_as_argon2_and_checked(mini_store):
    user = users.create_user(
        mini_store, SYSTEM, "Marie.Dupont", "chargé", "62119,62178", password=SECRET, nom="Marie Dupont"
    )
    assert user.login == "marie.dupont" and user.role == "charge"
    assert user.territoires == ("62119", "62178")
    stored = mini_store.scalar("select password_hash from utilisateurs where login = 'marie.dupont'")
    assert stored.startswith("$argon2id$") and SECRET not in stored
    assert users.authenticate(mini_store, "MARIE.DUPONT", SECRET).login == "marie.dupont"
    assert users.actor_for(mini_store, "marie.dupont") == Actor(
        "marie.dupont", "charge", frozenset({"62119", "62178"})
    )


def test_wrong_password_and_unknown_login_give_the_same_message(mini_store):
    users.create_user(mini_store, SYSTEM, "lea", "lecteur", password=SECRET)
    with pytest.raises(users.AuthenticationError) as wrong:
        users.authenticate(mini_store, "lea", "pas-le-bon-mot-de-passe")
    with pytest.raises(users.AuthenticationError) as unknown:
        users.authenticate(mini_store, "personne", SECRET)
    assert str(wrong.value) == str(unknown.value) == "Identifiant ou mot de passe incorrect."


@pytest.mark.parametrize(
    "spelling, role",
    [
        ("chargé", "charge"),
        ("charge", "charge"),
        ("Chargée", "charge"),
        ("lecteur", "lecteur"),
        ("administrateur", "administrateur"),
        ("admin", "administrateur"),
    ],
)
def test_role_spellings(spelling, role):
    assert users.normalize_role(spelling) == role


def test_bad_inputs_are_refused_in_french(mini_store):
    with pytest.raises(users.UserError, match="Rôle « chef » inconnu"):
        users.create_user(mini_store, SYSTEM, "x1", "chef", password=SECRET)
    with pytest.raises(users.UserError, match="au moins un territoire"):
        users.create_user(mini_store, SYSTEM, "x1", "chargé", password=SECRET)
    with pytest.raises(users.UserError, match="Territoire\\(s\\) inconnu\\(s\\) du référentiel : 99999"):
        users.create_user(mini_store, SYSTEM, "x1", "chargé", "62119,99999", password=SECRET)
    with pytest.raises(users.UserError, match="au moins 12 caractères"):
        users.create_user(mini_store, SYSTEM, "x1", "lecteur", password="court")
    with pytest.raises(users.UserError, match="Identifiant « Jean Dupont » invalide"):
        users.create_user(mini_store, SYSTEM, "Jean Dupont", "lecteur", password=SECRET)
    users.create_user(mini_store, SYSTEM, "x1", "lecteur", password=SECRET)
    with pytest.raises(users.UserError, match="Le compte « x1 » existe déjà"):
        users.create_user(mini_store, SYSTEM, "x1", "lecteur", password=SECRET)
    assert users.list_users(mini_store)["login"].tolist() == ["x1"]


def test_lock_out_lasts_the_set_time(mini_store, settings_env):
    settings_env(lockout_attempts=3, lockout_minutes=10)
    users.create_user(mini_store, SYSTEM, "marie", "chargé", "62119", password=SECRET)
    for minute in range(2):
        with pytest.raises(users.AuthenticationError, match="incorrect"):
            users.authenticate(mini_store, "marie", "mauvais", now=T0 + timedelta(minutes=minute))
    with pytest.raises(users.AccountLocked) as locked:
        users.authenticate(mini_store, "marie", "mauvais", now=T0 + timedelta(minutes=2))
    assert str(locked.value).startswith("Compte verrouillé jusqu'à 10:02 après 3 échecs")
    # Still locked, even with the right password, until the set time has passed.
    for later in (timedelta(minutes=3), timedelta(minutes=11, seconds=59)):
        with pytest.raises(users.AccountLocked, match="jusqu'à 10:02 après 3 échecs"):
            users.authenticate(mini_store, "marie", SECRET, now=T0 + later)
    assert users.authenticate(mini_store, "marie", SECRET, now=T0 + timedelta(minutes=12)).login == "marie"
    user = users.get_user(mini_store, "marie")
    assert user.failed_attempts == 0 and user.locked_until is None
    assert "verrouillage_compte" in audit_rows(mini_store)["action"].tolist()


def test_lock_served_restarts_the_count(mini_store, settings_env):
    settings_env(lockout_attempts=2, lockout_minutes=5)
    users.create_user(mini_store, SYSTEM, "marie", "lecteur", password=SECRET)
    for _ in range(2):
        with pytest.raises(users.AuthenticationError):
            users.authenticate(mini_store, "marie", "mauvais", now=T0)
    # After the lock, one more failure does not re-lock at once: the count starts again.
    with pytest.raises(users.AuthenticationError, match="incorrect"):
        users.authenticate(mini_store, "marie", "mauvais", now=T0 + timedelta(minutes=6))
    with pytest.raises(users.AccountLocked, match="après 2 échecs"):
        users.authenticate(mini_store, "marie", "mauvais", now=T0 + timedelta(minutes=7))


def test_reset_password_and_enable_lift_the_lock(mini_store, settings_env):
    settings_env(lockout_attempts=2, lockout_minutes=60)
    users.create_user(mini_store, SYSTEM, "marie", "lecteur", password=SECRET)
    with pytest.raises(users.AuthenticationError, match="incorrect"):
        users.authenticate(mini_store, "marie", "mauvais")
    with pytest.raises(users.AccountLocked, match="après 2 échecs"):
        users.authenticate(mini_store, "marie", "mauvais")
    users.set_password(mini_store, SYSTEM, "marie", OTHER_SECRET)
    assert users.authenticate(mini_store, "marie", OTHER_SECRET).login == "marie"
    with pytest.raises(users.AuthenticationError, match="incorrect"):
        users.authenticate(mini_store, "marie", SECRET)  # the old password no longer works
    with pytest.raises(users.AccountLocked):
        users.authenticate(mini_store, "marie", SECRET)
    users.enable_user(mini_store, SYSTEM, "marie")
    assert users.authenticate(mini_store, "marie", OTHER_SECRET).login == "marie"


def test_disabled_account_cannot_log_in_nor_act(mini_store):
    users.create_user(mini_store, SYSTEM, "marie", "lecteur", password=SECRET)
    users.disable_user(mini_store, SYSTEM, "marie")
    with pytest.raises(users.AuthenticationError, match="Le compte « marie » est désactivé"):
        users.authenticate(mini_store, "marie", SECRET)
    with pytest.raises(users.UserError, match="Le compte « marie » est désactivé"):
        users.actor_for(mini_store, "marie")
    with pytest.raises(users.UserError, match="Compte « inconnu » inconnu"):
        users.actor_for(mini_store, "inconnu")
    users.enable_user(mini_store, SYSTEM, "marie")
    assert users.actor_for(mini_store, "marie").role == "lecteur"


def test_every_administrative_change_is_audited_before_after(mini_store):
    users.create_user(mini_store, SYSTEM, "marie", "lecteur", password=SECRET)
    users.update_user(mini_store, SYSTEM, "marie", role="chargé", territoires=["62119"])
    users.disable_user(mini_store, SYSTEM, "marie")
    users.enable_user(mini_store, SYSTEM, "marie")
    users.set_password(mini_store, SYSTEM, "marie", OTHER_SECRET)
    rows = audit_rows(mini_store)
    rows = rows[rows["objet"] == "compte marie"]
    assert rows["action"].tolist() == [
        "creation_compte",
        "modification_compte",
        "desactivation_compte",
        "reactivation_compte",
        "reinitialisation_mot_de_passe",
    ]
    assert set(rows["actor"]) == {"systeme"}
    changes = [describe_change(a, b) for a, b in zip(rows["avant"], rows["apres"], strict=True)]
    assert changes[1] == "rôle : lecteur (COPIL) → chargé de coopération ; territoires : — → 62119"
    assert changes[2] == "actif : oui → non"
    assert changes[4] == "mot de passe : ancien → modifié"


def test_only_administrators_manage_accounts(mini_store):
    users.create_user(mini_store, SYSTEM, "marie", "chargé", "62119", password=SECRET)
    users.create_user(mini_store, SYSTEM, "lea", "lecteur", password=SECRET)
    charge, lecteur = users.actor_for(mini_store, "marie"), users.actor_for(mini_store, "lea")
    for actor in (charge, lecteur):
        with pytest.raises(AccessDenied, match="réservée aux administrateurs"):
            users.create_user(mini_store, actor, "zoe", "administrateur", password=SECRET)
        with pytest.raises(AccessDenied, match="réservée aux administrateurs"):
            users.update_user(mini_store, actor, "marie", territoires="62119,62178")
        with pytest.raises(AccessDenied, match="réservée aux administrateurs"):
            users.disable_user(mini_store, actor, "lea")
    with pytest.raises(AccessDenied, match="ne peut changer que son propre mot de passe"):
        users.set_password(mini_store, lecteur, "marie", OTHER_SECRET)
    users.set_password(mini_store, lecteur, "lea", OTHER_SECRET)  # one's own password: allowed
    assert users.get_user(mini_store, "marie").territoires == ("62119",)


def test_the_last_administrator_stays(mini_store):
    users.create_first_admin(mini_store, "admin", SECRET)
    with pytest.raises(users.UserError, match="dernier compte administrateur actif"):
        users.disable_user(mini_store, SYSTEM, "admin")
    with pytest.raises(users.UserError, match="dernier compte administrateur actif"):
        users.update_user(mini_store, SYSTEM, "admin", role="lecteur")
    with pytest.raises(AccessDenied, match="existe déjà"):
        users.create_first_admin(mini_store, "pirate", SECRET)
    assert users.has_admin(mini_store)


def test_password_never_stored_nor_logged_in_clear(mini_store, caplog, settings_env):
    settings_env(lockout_attempts=2)
    caplog.set_level(logging.DEBUG)
    users.create_first_admin(mini_store, "admin", SECRET)
    users.create_user(mini_store, SYSTEM, "marie", "chargé", "62119", password=OTHER_SECRET)
    users.authenticate(mini_store, "marie", OTHER_SECRET)
    for attempt in ("Faux-Essai-Numero-1", "Faux-Essai-Numero-2"):
        with pytest.raises(users.AuthenticationError):
            users.authenticate(mini_store, "marie", attempt)
    users.set_password(mini_store, SYSTEM, "marie", "Encore-Un-Nouveau-Secret")
    hashes = mini_store.query_df("select password_hash from utilisateurs")["password_hash"].tolist()
    audit_text = audit_rows(mini_store).to_csv()
    path = mini_store.path
    mini_store.close()
    raw = path.read_bytes() + (
        path.with_suffix(".duckdb.wal").read_bytes() if path.with_suffix(".duckdb.wal").exists() else b""
    )
    secrets = [SECRET, OTHER_SECRET, "Faux-Essai-Numero-1", "Faux-Essai-Numero-2", "Encore-Un-Nouveau-Secret"]
    assert caplog.records, "the account events are logged"
    for secret in secrets:
        for encoding in ("utf-8", "utf-16-le"):
            assert secret.encode(encoding) not in raw, secret
        assert secret not in caplog.text and secret not in audit_text
    for digest in hashes:
        assert digest not in caplog.text and digest not in audit_text
        assert digest.split("$")[-1] not in audit_text


def test_demo_accounts_are_labelled_and_removed_with_the_demo(mini_store, mini_ref):
    created = users.create_demo_accounts(mini_store)
    assert [c[0] for c in created] == ["demo-admin", "demo-charge", "demo-copil"]
    assert users.create_demo_accounts(mini_store) == created  # idempotent
    table = users.list_users(mini_store)
    assert table["is_demo"].all()
    for spec in users.DEMO_ACCOUNTS:
        assert users.authenticate(mini_store, spec["login"], spec["password"]).is_demo
    assert users.actor_for(mini_store, "demo-charge").territoires == frozenset({"62119"})
    remove_demo(mini_store, mini_ref.convention.code)
    assert users.list_users(mini_store).empty


# -- command line --------------------------------------------------------------------------
@pytest.fixture
def cli_store(mini_store, settings_env):
    path = mini_store.path
    mini_store.close()
    settings_env(database_url=f"duckdb:///{path}")
    return path


def run_cli(monkeypatch, capsys, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_users(cli_store, monkeypatch, capsys):
    code, out, _ = run_cli(monkeypatch, capsys, "users", "list")
    assert code == 0 and "python cli.py users add admin --role administrateur" in out
    code, out, _ = run_cli(
        monkeypatch,
        capsys,
        "users",
        "add",
        "admin",
        "--role",
        "administrateur",
        "--password-stdin",
        stdin=SECRET + "\n",
    )
    assert (code, out.strip()) == (0, "Compte « admin » créé : administrateur.")
    code, out, _ = run_cli(
        monkeypatch,
        capsys,
        "users",
        "add",
        "marie",
        "--role",
        "chargé",
        "--territoires",
        "62119,62178",
        "--password-stdin",
        stdin=OTHER_SECRET + "\n",
    )
    assert out.strip() == "Compte « marie » créé : chargé de coopération, territoires 62119,62178."
    code, out, err = run_cli(
        monkeypatch, capsys, "users", "add", "zoe", "--role", "chef", "--password-stdin", stdin=SECRET
    )
    assert code == 1 and err.strip() == "Erreur : Rôle « chef » inconnu : lecteur, chargé ou administrateur."
    code, _, err = run_cli(monkeypatch, capsys, "users", "add", "zoe", "--role", "lecteur")
    assert code == 1 and "utilisez --password-stdin" in err
    assert run_cli(monkeypatch, capsys, "users", "disable", "marie")[0] == 0
    code, out, _ = run_cli(monkeypatch, capsys, "users", "list")
    lines = out.splitlines()
    assert lines[1].split()[:2] == ["admin", "administrateur"]
    assert "marie" in lines[2] and "62119,62178" in lines[2] and "désactivé" in lines[2]
    code, _, err = run_cli(monkeypatch, capsys, "users", "disable", "admin")
    assert code == 1 and "dernier compte administrateur" in err
    assert run_cli(monkeypatch, capsys, "users", "enable", "marie")[0] == 0
    assert (
        run_cli(
            monkeypatch,
            capsys,
            "users",
            "passwd",
            "marie",
            "--password-stdin",
            stdin="Nouveau-Secret-Du-Jour\n",
        )[0]
        == 0
    )
    code, out, _ = run_cli(monkeypatch, capsys, "users", "set", "marie", "--role", "lecteur")
    assert out.strip() == "Compte « marie » : lecteur (COPIL)."
    with Store(cli_store) as store:
        assert users.authenticate(store, "marie", "Nouveau-Secret-Du-Jour").role == "lecteur"
        actors = set(audit_rows(store)["actor"])
    assert any(a.startswith("ligne de commande (") for a in actors)


def test_change_own_password_checks_the_current_one(mini_store, settings_env):
    settings_env(lockout_attempts=2, lockout_minutes=10)
    users.create_user(mini_store, SYSTEM, "lea", "lecteur", password=SECRET)
    lea = users.actor_for(mini_store, "lea")
    with pytest.raises(users.AuthenticationError, match="Mot de passe actuel incorrect"):
        users.change_own_password(mini_store, lea, "pas-le-bon-mot", OTHER_SECRET, now=T0)
    with pytest.raises(users.UserError, match="doit différer"):
        users.change_own_password(mini_store, lea, SECRET, SECRET, now=T0)
    users.change_own_password(mini_store, lea, SECRET, OTHER_SECRET, now=T0)
    assert users.authenticate(mini_store, "lea", OTHER_SECRET, now=T0).login == "lea"
    # Guessing the current password counts toward the lock-out like a login.
    with pytest.raises(users.AuthenticationError, match="Mot de passe actuel incorrect"):
        users.change_own_password(mini_store, lea, "essai-1", "Encore-Un-Secret", now=T0)
    with pytest.raises(users.AccountLocked):
        users.change_own_password(mini_store, lea, "essai-2", "Encore-Un-Secret", now=T0)


def test_login_page_lists_demo_accounts_only_while_they_exist(tmp_path, monkeypatch, ref):
    """A first-time user of `make run` sees how to log in; after `demo --remove`, nothing."""

    from streamlit.testing.v1 import AppTest

    from db.observations import remove_demo
    from db.users import create_demo_accounts, demo_accounts
    from services.reference import install_reference
    from tests.auth_helpers import ensure_account
    from tests.conftest import ROOT, app_serving

    path = tmp_path / "login.duckdb"
    with Store(path) as store:
        store.migrate()
        install_reference(store, ref)
        ensure_account(store, "administrateur", login="vraie-admin")
        create_demo_accounts(store)
        assert [a[0] for a in demo_accounts(store)] == ["demo-admin", "demo-charge", "demo-copil"]
    with app_serving(f"duckdb:///{path}"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
        info = " ".join(str(i.value) for i in at.info)
        assert "`demo-admin` / `demo-admin-ctg`" in info
        with Store(path) as store:
            remove_demo(store, ref.convention.code)
            assert demo_accounts(store) == []
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
        assert "demo-admin" not in " ".join(str(i.value) for i in at.info)
        assert at.button(key="FormSubmitter:auth_login_form-Se connecter")
