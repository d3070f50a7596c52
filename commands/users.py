"""`users add|list|disable|enable|passwd|set|retirer|delete` and `purger`: accounts from the command line.

Roles and territories are per convention: `add`, `list`, `set` and `retirer` act on the
convention named by `--convention` (default: `CTG_CONVENTION`, else the first real one);
`set` on an account without rights there gives it some.

The command line is run by whoever holds the machine (and the database file): it acts as
an administrator (`systeme`) without a password, and every change it makes is audited
with the channel « ligne de commande » and the system user who ran it (`cli.main`).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from commands.common import convention_code, fail, open_store
from db.store import Store
from indicators.access import ROLE_LABELS, SYSTEM, AccessDenied, Actor
from indicators.accounts import check_login
from services.accounts import (
    PASSWORD_MIN_LENGTH,
    AccountError,
    create_user,
    delete_user,
    disable_user,
    enable_user,
    get_user,
    has_admin,
    issue_setup_code,
    list_users,
    locked_logins,
    normalize_role,
    purge_expired,
    remove_rights,
    set_password,
    update_user,
)
from services.settings import get_settings

UserError = AccountError


def cli_actor() -> Actor:
    """The administrator acting for the command line (its audit rows say « ligne de commande »
    and the system user beside this login)."""
    return SYSTEM


def first_admin_hint(store: Store, *, with_code: bool = False) -> str | None:
    """How to create the first administrator, or None when one exists.

    `with_code` (as `cli.py initialiser` does) also issues a one-time code, valid 24 hours, that the
    login page asks for: whoever opens the page first cannot become administrator without it.
    """
    if has_admin(store):
        return None
    lines = [
        "Aucun compte administrateur : créez-le avec",
        "  python cli.py users add admin --role administrateur",
        "(le mot de passe est demandé deux fois ; `--password-stdin` le lit sur l'entrée standard).",
    ]
    code = issue_setup_code(store) if with_code else None
    if code:
        lines += [
            "Ou dans l'application, avec ce code à usage unique (valable 24 heures, à ne transmettre",
            f"qu'à la personne qui administrera le tableau de bord) : {code}",
        ]
    else:
        lines.append("Ou avec le code à usage unique que `python cli.py initialiser` affiche.")
    return "\n".join(lines)


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UserError("Pas de terminal pour saisir le mot de passe : utilisez --password-stdin.")
    first = getpass.getpass(f"Mot de passe (au moins {PASSWORD_MIN_LENGTH} caractères) : ")
    if getpass.getpass("Mot de passe, à nouveau : ") != first:
        raise UserError("Les deux mots de passe diffèrent.")
    return first


def _run(work) -> int:
    try:
        with open_store() as store:
            return work(store) or 0
    except (AccountError, AccessDenied) as exc:
        return fail(str(exc))


def cmd_add(args: argparse.Namespace) -> int:
    def work(store: Store) -> int:
        # Refuse a wrong role or an existing login before asking for the password.
        normalize_role(args.role)
        if get_user(store, check_login(args.login)) is not None:
            raise UserError(
                f"Le compte « {check_login(args.login)} » existe déjà (droits sur une autre convention : "
                "`python cli.py users set LOGIN --role … --convention CODE`)."
            )
        password = _read_password(args)
        user = create_user(
            store,
            cli_actor(),
            args.login,
            args.role,
            args.territoires,
            password=password,
            nom=args.nom,
            convention=convention_code(),
        )
        scope = f", territoires {','.join(user.territoires)}" if user.territoires else ""
        print(f"Compte « {user.login} » créé : {ROLE_LABELS[user.role]}{scope}.")
        return 0

    return _run(work)


def cmd_list(args: argparse.Namespace) -> int:
    def work(store: Store) -> int:
        df = list_users(store, convention_code())
        if df.empty:
            print("Aucun compte.")
            hint = first_admin_hint(store)
            if hint:
                print(hint)
            return 0
        locked = locked_logins(store)
        print(f"{'identifiant':<20} {'rôle':<24} {'territoires':<24} {'état':<11} remarque")
        for row in df.itertuples():
            notes = []
            if row.is_demo:
                notes.append("démonstration")
            if row.login in locked:
                notes.append(f"connexion bloquée jusqu'à {locked[row.login]:%H:%M}")
            state = "actif" if row.active else "désactivé"
            print(
                f"{row.login:<20} {ROLE_LABELS.get(row.role, 'aucun droit'):<24} "
                f"{(row.territoires or 'tous') if row.role else '—':<24} "
                f"{state:<11} {', '.join(notes)}".rstrip()
            )
        return 0

    return _run(work)


def cmd_disable(args: argparse.Namespace) -> int:
    def work(store: Store) -> int:
        disable_user(store, cli_actor(), args.login)
        print(f"Compte « {args.login} » désactivé.")
        return 0

    return _run(work)


def cmd_enable(args: argparse.Namespace) -> int:
    def work(store: Store) -> int:
        enable_user(store, cli_actor(), args.login)
        print(f"Compte « {args.login} » réactivé (blocage levé).")
        return 0

    return _run(work)


def cmd_passwd(args: argparse.Namespace) -> int:
    def work(store: Store) -> int:
        set_password(store, cli_actor(), args.login, _read_password(args))
        print(f"Mot de passe du compte « {args.login} » changé (blocage levé, sessions ouvertes fermées).")
        return 0

    return _run(work)


def cmd_set(args: argparse.Namespace) -> int:
    def work(store: Store) -> int:
        if args.role is None and args.territoires is None and args.nom is None:
            raise UserError("Rien à changer : indiquez --role, --territoires ou --nom.")
        user = update_user(
            store,
            cli_actor(),
            args.login,
            role=args.role,
            territoires=args.territoires,
            nom=args.nom,
            convention=convention_code(),
        )
        scope = f", territoires {','.join(user.territoires)}" if user.territoires else ""
        print(f"Compte « {user.login} » ({user.convention}) : {ROLE_LABELS[user.role]}{scope}.")
        return 0

    return _run(work)


def cmd_remove_rights(args: argparse.Namespace) -> int:
    def work(store: Store) -> int:
        user = remove_rights(store, cli_actor(), args.login, convention_code())
        print(f"Compte « {user.login} » : plus aucun droit sur la convention {user.convention}.")
        return 0

    return _run(work)


def cmd_delete(args: argparse.Namespace) -> int:
    def work(store: Store) -> int:
        if not args.oui:
            raise AccountError(
                f"Supprimer le compte « {args.login} » est définitif (son nom est remplacé par un "
                "pseudonyme dans le journal) : relancez avec --oui pour confirmer."
            )
        pseudonym = delete_user(store, cli_actor(), args.login)
        print(
            f"Compte « {args.login} » supprimé ; il apparaît désormais comme « {pseudonym} » dans le journal."
        )
        return 0

    return _run(work)


def cmd_purge(args: argparse.Namespace) -> int:
    def work(store: Store) -> int:
        counts = purge_expired(store)
        months = get_settings().retention_months
        print(
            f"Délai de conservation : {months} mois. Supprimés : {counts['connexions']} événement(s) "
            f"de connexion, {counts['textes_commentaires']} texte(s) de commentaires supprimés, "
            f"{counts['echecs']} trace(s) d'échec de connexion, {counts['sessions']} session(s) terminée(s)."
        )
        return 0

    return _run(work)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("users", help="comptes des utilisateurs (ajout, liste, désactivation...)")
    users = p.add_subparsers(dest="users_command", required=True)

    a = users.add_parser("add", help="crée un compte")
    a.add_argument("login", help="identifiant (a-z, chiffres, point, tiret)")
    a.add_argument("--role", required=True, help="lecteur, chargé (ou charge) ou administrateur")
    a.add_argument("--territoires", help="codes des territoires d'un chargé, séparés par des virgules")
    a.add_argument("--nom", help="nom et prénom")
    a.add_argument("--password-stdin", action="store_true", help="lit le mot de passe sur l'entrée standard")
    a.set_defaults(func=cmd_add)

    a = users.add_parser("list", help="liste les comptes")
    a.set_defaults(func=cmd_list)

    a = users.add_parser("disable", help="désactive un compte")
    a.add_argument("login")
    a.set_defaults(func=cmd_disable)

    a = users.add_parser("enable", help="réactive un compte et lève son blocage")
    a.add_argument("login")
    a.set_defaults(func=cmd_enable)

    a = users.add_parser(
        "passwd", help="change le mot de passe d'un compte (lève le blocage, ferme ses sessions)"
    )
    a.add_argument("login")
    a.add_argument("--password-stdin", action="store_true", help="lit le mot de passe sur l'entrée standard")
    a.set_defaults(func=cmd_passwd)

    a = users.add_parser("delete", help="supprime un compte (pseudonyme dans le journal)")
    a.add_argument("login")
    a.add_argument("--oui", action="store_true", help="confirme la suppression, définitive")
    a.set_defaults(func=cmd_delete)

    p = sub.add_parser(
        "purger",
        aliases=["purge"],
        help="applique le délai de conservation des données personnelles (CTG_RETENTION_MONTHS)",
    )
    p.set_defaults(func=cmd_purge)

    a = users.add_parser("set", help="change le rôle, les territoires ou le nom d'un compte")
    a.add_argument("login")
    a.add_argument("--role", help="lecteur, chargé ou administrateur")
    a.add_argument("--territoires", help="codes séparés par des virgules (remplacent les actuels)")
    a.add_argument("--nom")
    a.set_defaults(func=cmd_set)

    a = users.add_parser(
        "retirer",
        help="retire à un compte ses droits sur une convention (--convention, défaut : la première)",
    )
    a.add_argument("login")
    a.set_defaults(func=cmd_remove_rights)
