"""Accounts (services/accounts.py, rules in indicators/accounts.py): hashing, lock-out and
throttling with an injected clock, audited changes, CLI (Journal: test_services_audit)."""

from __future__ import annotations

import getpass
import io
import logging
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from argon2 import PasswordHasher, Type

from cli import main
from db.observations import remove_demo
from db.store import Store
from indicators.access import SYSTEM, AccessDenied, Actor
from services import accounts as users
from services.audit import describe_change
from services.settings import get_settings
from tests import upload_helpers
from tests.conftest import ROOT

upload_ref = upload_helpers.upload_ref
SECRET = "Tr3s-Secret-Mot-De-Passe"
OTHER_SECRET = "Un-Autre-Secret-2026!"
T0 = datetime(2026, 10, 5, 9, 50)
PRODUCTION_HASHER = users._hasher

pytestmark = pytest.mark.both_backends  # DuckDB and PostgreSQL (tests/conftest.py)


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
    return store.query_df(
        "select actor, action, objet, avant, apres, canal, utilisateur_systeme from audit order by id"
    )


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
        "marie.dupont",
        "charge",
        frozenset({"62119", "62178"}),
        convention="ctg-test",
        conventions=("ctg-test",),
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
    assert str(locked.value).startswith("Connexion bloquée jusqu'à 10:02 après 3 échecs")
    # Still blocked, even with the right password, until the set time has passed.
    for later in (timedelta(minutes=3), timedelta(minutes=11, seconds=59)):
        with pytest.raises(users.AccountLocked, match="jusqu'à 10:02 après 3 échecs"):
            users.authenticate(mini_store, "marie", SECRET, now=T0 + later)
    assert users.authenticate(mini_store, "marie", SECRET, now=T0 + timedelta(minutes=12)).login == "marie"
    assert users.locked_logins(mini_store, now=T0 + timedelta(minutes=12)) == {}
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
    assert rows["canal"].isna().all()  # neither the pages nor the command line: a direct call
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


def _stored_bytes(store: Store) -> bytes:
    """Every byte the store wrote: the DuckDB file and its log, or the PostgreSQL database's files
    and the cluster's write-ahead log (after a checkpoint). The store is closed."""
    if store.path is not None:
        path = store.path
        store.close()
        wal = path.with_suffix(".duckdb.wal")
        return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    with store.engine.connect() as conn:
        conn.exec_driver_sql("checkpoint")
        folder = Path(conn.exec_driver_sql("show data_directory").scalar())
        oid = conn.exec_driver_sql("select oid from pg_database where datname = current_database()").scalar()
    store.close()
    files = [*(folder / "base" / str(oid)).rglob("*"), *(folder / "pg_wal").glob("0*")]
    return b"".join(f.read_bytes() for f in files if f.is_file())


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
    raw = _stored_bytes(mini_store)
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
def db_store_for_cli(new_store_url, settings_env):
    """The CLI on a copy of the upload corpus store: (its URL, the corpus folder)."""
    from commands.common import reference
    from tests.upload_helpers import CORPUS, UPLOAD_SEED

    url = new_store_url("upload")
    settings_env(database_url=url, seed_dir=UPLOAD_SEED)
    reference.cache_clear()
    yield url, CORPUS
    reference.cache_clear()


@pytest.fixture
def cli_store(mini_store, settings_env):
    mini_store.close()
    settings_env(database_url=mini_store.url)
    return mini_store.url


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
    assert out.strip() == "Compte « marie » (ctg-test) : lecteur (COPIL)."
    with Store(cli_store) as store:
        assert users.authenticate(store, "marie", "Nouveau-Secret-Du-Jour").role == "lecteur"
        rows = audit_rows(store)
    # Every change made from the command line says so, with the system user who ran it.
    from_cli = rows[~rows["action"].isin(["connexion", "chargement_reference"])]
    assert set(from_cli["actor"]) == {"systeme"}
    assert set(from_cli["canal"]) == {"cli"}
    assert set(from_cli["utilisateur_systeme"]) == {getpass.getuser()}


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


def test_login_page_lists_demo_accounts_only_while_they_exist(store_url, monkeypatch, ref):
    """A first-time user of `make run` sees how to log in; after `demo --remove`, nothing."""

    from streamlit.testing.v1 import AppTest

    from db.observations import remove_demo
    from services.accounts import create_demo_accounts, demo_accounts
    from services.reference import install_reference
    from tests.auth_helpers import ensure_account
    from tests.conftest import ROOT, app_serving

    with Store(store_url) as store:
        store.migrate()
        install_reference(store, ref)
        ensure_account(store, "administrateur", login="vraie-admin")
        create_demo_accounts(store)
        assert [a[0] for a in demo_accounts(store)] == ["demo-admin", "demo-charge", "demo-copil"]
    with app_serving(store_url):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
        info = " ".join(str(i.value) for i in at.info)
        assert "`demo-admin` / `demo-admin-ctg`" in info
        with Store(store_url) as store:
            remove_demo(store, ref.convention.code)
            assert demo_accounts(store) == []
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
        assert "demo-admin" not in " ".join(str(i.value) for i in at.info)
        assert at.button(key="FormSubmitter:auth_login_form-Se connecter")


# -- issue 11: answers, throttling, policy, deletion, retention ---------------------------------------
def test_unknown_login_and_wrong_password_get_the_same_answer_after_the_same_work(mini_store, settings_env):
    settings_env(lockout_attempts=3, lockout_minutes=10)
    users.create_user(mini_store, SYSTEM, "lea", "lecteur", password=SECRET)
    # The dummy hash verified for an unknown login costs what a real one does.
    assert users.dummy_hash_parameters() == users.extract_parameters(users.hash_password("x" * 12))
    answers = {}
    for login in ("lea", "personne"):
        seen = []
        for minute in range(3):
            with pytest.raises(users.AuthenticationError) as exc:
                users.authenticate(
                    mini_store,
                    login,
                    "pas-le-bon",
                    address="198.51.100.9",
                    now=T0 + timedelta(minutes=minute),
                )
            seen.append((type(exc.value).__name__, str(exc.value)))
        answers[login] = seen
    assert answers["lea"] == answers["personne"]
    assert answers["lea"][0] == ("AuthenticationError", "Identifiant ou mot de passe incorrect.")
    assert answers["lea"][2][0] == "AccountLocked" and "Compte" not in answers["lea"][2][1]
    # The lock-out is decided after the password: the right one is refused the same way.
    with pytest.raises(users.AccountLocked) as right:
        users.authenticate(mini_store, "lea", SECRET, address="198.51.100.9", now=T0 + timedelta(minutes=4))
    assert str(right.value) == answers["personne"][2][1].replace("après 3 échecs", "après 3 échecs")


def test_throttling_slows_one_address_without_locking_the_administrator_out(mini_store, settings_env):
    settings_env(lockout_attempts=5, lockout_minutes=15, throttle_free_attempts=4, throttle_max_seconds=60)
    users.create_first_admin(mini_store, "admin", SECRET)
    attacker, office = "203.0.113.66", "192.0.2.10"
    t = T0
    for _ in range(4):  # free attempts, then each failure doubles the wait
        with pytest.raises(users.AuthenticationError):
            users.authenticate(mini_store, "admin", "devine", address=attacker, now=t)
    with pytest.raises(users.AuthenticationError):
        users.authenticate(mini_store, "admin", "devine", address=attacker, now=t + timedelta(seconds=1))
    with pytest.raises(users.TooManyAttempts) as wait:
        users.authenticate(mini_store, "admin", SECRET, address=attacker, now=t + timedelta(seconds=1))
    assert str(wait.value).startswith("Trop de tentatives de connexion depuis ce poste : réessayez dans")
    # The administrator, from the office, is neither slowed nor locked out.
    assert (
        users.authenticate(mini_store, "admin", SECRET, address=office, now=t + timedelta(seconds=2)).login
        == "admin"
    )
    # The waits are bounded: the attacker's address may try again after at most the cap.
    later = t + timedelta(seconds=62)
    with pytest.raises(users.AccountLocked):  # 5 failures for admin from that address
        users.authenticate(mini_store, "admin", "devine", address=attacker, now=later)
    assert users.authenticate(mini_store, "admin", SECRET, address=office, now=later).login == "admin"


@pytest.mark.parametrize(
    "password, words",
    [
        ("court", "au moins 12 caractères"),
        ("aaaaaaaaaaaa", "trop facile à deviner"),
        ("123456789012", "trop facile à deviner"),
        ("azertyuiopqs", "trop facile à deviner"),
        ("Motdepasse2026!", "trop facile à deviner"),
        ("P@ssw0rd12345", "trop facile à deviner"),
        ("Soleil123456", "trop facile à deviner"),
        ("demo-admin-ctg", "compte de démonstration"),
        ("marie.dupont", "ne peut pas être l'identifiant"),
        ("Marie.Dupont2026", "ne peut pas être l'identifiant"),
    ],
)
def test_password_policy(mini_store, password, words):
    with pytest.raises(users.AccountError, match=words):
        users.create_user(mini_store, SYSTEM, "marie.dupont", "administrateur", password=password)
    assert users.get_user(mini_store, "marie.dupont") is None


def test_common_passwords_ship_with_the_project():
    from indicators.accounts import COMMON_PASSWORDS_FILE, common_passwords

    assert COMMON_PASSWORDS_FILE.is_relative_to(ROOT) and len(common_passwords()) > 100
    users.check_password("cafe noisette sous la pluie", "marie")  # a passphrase is welcome


def test_nothing_typed_at_a_failed_login_reaches_the_logs(mini_store, caplog):
    caplog.set_level(logging.DEBUG)
    users.create_user(mini_store, SYSTEM, "lea", "lecteur", password=SECRET)
    typed = "MonVraiMotDePasse-Tape-Comme-Identifiant"
    for login, password in ((typed, SECRET), ("lea", "Faux-Essai-Secret-42")):
        with pytest.raises(users.AuthenticationError):
            users.authenticate(mini_store, login, password, address="198.51.100.1")
    assert caplog.records
    assert typed not in caplog.text and typed.lower() not in caplog.text
    assert "Faux-Essai-Secret-42" not in caplog.text
    stored = mini_store.query_df("select * from echecs_connexion").to_csv() + audit_rows(mini_store).to_csv()
    assert typed.lower() not in stored and "198.51.100.1" not in stored


def test_deleting_an_account_pseudonymises_it(mini_store, mini_ref, capsys, monkeypatch, settings_env):
    from services.pilotage import add_comment

    users.create_first_admin(mini_store, "admin", SECRET)
    users.create_user(
        mini_store, SYSTEM, "marie", "chargé", "62119", password=OTHER_SECRET, nom="Marie Dupont"
    )
    marie = users.actor_for(mini_store, "marie")
    add_comment(mini_store, mini_ref, marie, "A1", "annuelle-2026", "Béthune avance.", territoire="62119")
    users.authenticate(mini_store, "marie", OTHER_SECRET)
    with pytest.raises(users.AccountError, match="votre propre compte"):
        users.delete_user(mini_store, users.actor_for(mini_store, "admin"), "admin")
    pseudonym = users.delete_user(mini_store, users.actor_for(mini_store, "admin"), "marie")
    assert pseudonym.startswith("compte-supprimé-")
    assert users.get_user(mini_store, "marie") is None
    everything = " ".join(
        mini_store.query_df(f"select * from {t}").astype(str).to_csv()
        for t in ("audit", "batches", "commentaires", "utilisateurs")
    )
    assert "marie" not in everything.lower().replace("marie.dupont", "") and "Marie Dupont" not in everything
    assert pseudonym in audit_rows(mini_store)["actor"].tolist()
    assert mini_store.scalar("select author from commentaires") == pseudonym
    assert audit_rows(mini_store)["action"].tolist()[-1] == "suppression_compte"


def test_cli_deletes_an_account_and_purges_by_the_retention_period(cli_store, monkeypatch, capsys):
    with Store(cli_store) as store:
        users.create_first_admin(store, "admin", SECRET)
        users.create_user(store, SYSTEM, "lea", "lecteur", password=OTHER_SECRET)
    code, _, err = run_cli(monkeypatch, capsys, "users", "delete", "lea")
    assert code == 1 and "relancez avec --oui" in err
    code, out, _ = run_cli(monkeypatch, capsys, "users", "delete", "lea", "--oui")
    assert code == 0 and "supprimé ; il apparaît désormais comme « compte-supprimé-" in out
    code, _, err = run_cli(monkeypatch, capsys, "users", "delete", "admin", "--oui")
    assert code == 1 and "dernier compte administrateur" in err
    code, out, _ = run_cli(monkeypatch, capsys, "purger")
    assert code == 0 and out.startswith("Délai de conservation : 12 mois.")


def test_retention_purges_login_events_and_deleted_comment_texts(mini_store, mini_ref, settings_env):
    from services.pilotage import add_comment, delete_comment

    settings_env(retention_months=12)
    admin = users.actor_for(mini_store, users.create_first_admin(mini_store, "admin", SECRET).login)
    users.authenticate(mini_store, "admin", SECRET)
    comment = add_comment(mini_store, mini_ref, admin, "A1", "annuelle-2026", "Un texte à oublier un jour.")
    delete_comment(mini_store, mini_ref.convention.code, admin, comment)
    kept = add_comment(mini_store, mini_ref, admin, "F9", "annuelle-2026", "Un texte toujours publié.")
    assert users.purge_expired(mini_store) == {
        "connexions": 0,
        "textes_commentaires": 0,
        "echecs": 0,
        "sessions": 0,
    }
    a_year_later = datetime.now() + timedelta(days=370)
    counts = users.purge_expired(mini_store, now=a_year_later)
    assert counts["connexions"] == 1 and counts["textes_commentaires"] == 2  # creation and deletion rows
    text = audit_rows(mini_store).to_csv()
    assert "Un texte à oublier un jour." not in text and "délai de conservation écoulé" in text
    assert "connexion" not in audit_rows(mini_store)["action"].tolist()
    assert (
        mini_store.scalar(f"select texte from commentaires where id = {kept}") == "Un texte toujours publié."
    )
    assert "Un texte toujours publié." in text  # a comment still published keeps its history


def test_audit_records_the_channel_of_the_command_line(db_store_for_cli, monkeypatch, capsys):
    """`import --as marie` run by a system user: marie, through the command line, by that user."""
    path, corpus = db_store_for_cli
    with Store(path) as store:
        users.create_user(store, SYSTEM, "marie", "charge", ["62119"], password=OTHER_SECRET)
    assert main(["import", str(corpus / "good_duplicate_same.csv"), "--as", "marie"]) == 0
    with Store(path) as store:
        row = store.query_df(
            "select actor, canal, utilisateur_systeme from audit where action = 'depot'"
        ).iloc[0]
        batch = store.query_df(
            "select author, canal, utilisateur_systeme from batches where kind = 'depot'"
        ).iloc[0]
    assert (row["actor"], row["canal"], row["utilisateur_systeme"]) == ("marie", "cli", getpass.getuser())
    assert (batch["author"], batch["canal"]) == ("marie", "cli")
    from services.audit import audit_entries

    with Store(path) as store:
        shown = audit_entries(store)
    assert f"ligne de commande ({getpass.getuser()})" in shown[shown["Compte"] == "marie"]["Canal"].tolist()


def test_init_prints_a_one_time_code_that_creates_the_first_administrator(cli_store, monkeypatch, capsys):
    import re

    from tests.conftest import MINI_SEED

    code, out, _ = run_cli(monkeypatch, capsys, "init", "--seed", str(MINI_SEED))
    assert code == 0 and "Aucun compte administrateur" in out
    found = re.search(r"\b([a-z2-9]{5}(?:-[a-z2-9]{5}){3})\b", out)
    assert found, out
    with Store(cli_store) as store:
        with pytest.raises(AccessDenied, match="Code d'installation incorrect"):
            users.create_first_admin_with_code(store, "zzzzz-zzzzz-zzzzz-zzzzz", "admin", SECRET, address="a")
        user = users.create_first_admin_with_code(store, found.group(1), "admin", SECRET, address="a")
        assert user.role == "administrateur"
        with pytest.raises(AccessDenied, match="existe déjà"):  # the code served once
            users.create_first_admin_with_code(store, found.group(1), "autre", SECRET, address="a")
    code, out, _ = run_cli(monkeypatch, capsys, "init", "--seed", str(MINI_SEED))
    assert "Aucun compte administrateur" not in out
