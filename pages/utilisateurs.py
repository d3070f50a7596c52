"""Utilisateurs (administrators): list the accounts, add one, change role and territories,
disable or re-enable, set a new password, delete (pseudonymised in the journal).

Roles and territories are those of the convention shown: an administrator gives an account
rights on it (or withdraws them); an account may hold other rights in other conventions. The
list holds the accounts of the conventions the administrator administers (and those without
rights): an account of another convention is given rights here by its exact login."""

import streamlit as st

from indicators.access import ROLE_LABELS, AccessDenied
from services.accounts import (
    PASSWORD_MIN_LENGTH,
    AccountError,
    create_user,
    delete_user,
    disable_user,
    enable_user,
    get_user,
    remove_rights,
    set_password,
    update_user,
    users_overview,
)
from ui.auth import require_admin_page
from ui.chrome import CHOOSE
from ui.context import setup_page
from ui.tables import show_table
from ui.text import plain

UserError = AccountError

ctx = setup_page()
require_admin_page(ctx.actor)
actor = ctx.actor
st.title("Comptes des utilisateurs")
st.caption(
    "Lecteur (COPIL) : consulte tous les tableaux et le bilan. Chargé de coopération : "
    "dépose les valeurs et commente pour ses seuls territoires. Administrateur : tout, "
    "y compris les comptes, les cibles, les réunions et l'annulation d'un dépôt."
)
if len(actor.conventions) > 1:
    st.caption(
        f"Rôles et territoires dans la convention **{plain(ctx.ref.label)}** : un compte peut avoir "
        "d'autres droits dans une autre convention (sélecteur de convention, à gauche)."
    )

names = {t.code: t.nom for t in ctx.ref.territories}
territory_options = sorted(names, key=lambda c: (c != ctx.ref.convention.epci, names[c]))
roles = list(ROLE_LABELS)


def label_territory(code: str) -> str:
    return f"{names.get(code, code)} ({code})"


def done(message: str) -> None:
    st.session_state["users_flash"] = plain(message)
    st.rerun()


flash = st.session_state.pop("users_flash", None)
if flash:
    st.success(flash, icon=":material/check_circle:")

overview = users_overview(ctx.store, names, ctx.convention, actor)
show_table(overview)

tab_add, tab_edit, tab_other = st.tabs(
    ["Ajouter un compte", "Modifier un compte", "Compte d'une autre convention"]
)

with tab_add, st.form("users_add", clear_on_submit=True):
    c1, c2 = st.columns(2)
    login = c1.text_input("Identifiant", help="a-z, chiffres, point, tiret ; sans accent ni espace")
    nom = c2.text_input("Nom et prénom")
    role = c1.selectbox("Rôle", roles, placeholder=CHOOSE, format_func=ROLE_LABELS.get, index=1)
    territoires = c2.multiselect(
        "Territoires (chargé de coopération)",
        territory_options,
        format_func=label_territory,
        placeholder="Choisir un ou plusieurs territoires…",
        select_all=False,
    )
    password = c1.text_input(
        f"Mot de passe provisoire (au moins {PASSWORD_MIN_LENGTH} caractères)", type="password"
    )
    again = c2.text_input("Mot de passe, à nouveau", type="password")
    if st.form_submit_button("Créer le compte", type="primary"):
        if password != again:
            st.error("Les deux mots de passe diffèrent.")
        else:
            try:
                user = create_user(ctx.store, actor, login, role, territoires, password=password, nom=nom)
            except (UserError, AccessDenied) as exc:
                st.error(plain(str(exc)))
            else:
                done(
                    f"Compte « {user.login} » créé ({ROLE_LABELS[user.role]}). Transmettez-lui "
                    "son mot de passe provisoire par un autre canal que l'identifiant."
                )

with tab_edit:
    if overview.empty:
        st.info("Aucun compte.")
    else:
        chosen = st.selectbox(
            "Compte", overview["Identifiant"].tolist(), placeholder=CHOOSE, key="users_edit_login"
        )
        user = get_user(ctx.store, chosen, ctx.convention)
        if user is not None:
            if user.role is None:
                st.info(
                    f"Le compte « {plain(user.login)} » n'a pas de droits sur cette convention : "
                    "choisissez son rôle pour lui en donner.",
                    icon=":material/info:",
                )
            with st.form(f"users_edit_{user.login}"):
                c1, c2 = st.columns(2)
                new_role = c1.selectbox(
                    "Rôle",
                    roles,
                    placeholder=CHOOSE,
                    index=roles.index(user.role) if user.role else 0,
                    format_func=ROLE_LABELS.get,
                )
                new_nom = c2.text_input("Nom et prénom", value=user.nom or "")
                new_territoires = st.multiselect(
                    "Territoires (chargé de coopération)",
                    territory_options,
                    default=[c for c in user.territoires if c in names],
                    format_func=label_territory,
                    placeholder="Choisir un ou plusieurs territoires…",
                    select_all=False,
                )
                if st.form_submit_button("Enregistrer le rôle et les territoires", type="primary"):
                    try:
                        update_user(
                            ctx.store,
                            actor,
                            user.login,
                            role=new_role,
                            territoires=new_territoires,
                            nom=new_nom,
                        )
                    except (UserError, AccessDenied) as exc:
                        st.error(plain(str(exc)))
                    else:
                        done(f"Compte « {user.login} » modifié.")
            if user.role is not None and len(user.rights) > 1:
                if st.button(
                    "Retirer ses droits sur cette convention",
                    key="users_remove_rights",
                    icon=":material/block:",
                ):
                    try:
                        remove_rights(ctx.store, actor, user.login)
                    except (UserError, AccessDenied) as exc:
                        st.error(plain(str(exc)))
                    else:
                        done(f"Le compte « {user.login} » n'a plus de droits sur cette convention.")
            with st.form(f"users_password_{user.login}", clear_on_submit=True):
                st.markdown("**Nouveau mot de passe** (déverrouille aussi le compte)")
                c1, c2 = st.columns(2)
                pw = c1.text_input("Mot de passe", type="password")
                pw_again = c2.text_input("Mot de passe, à nouveau", type="password")
                if st.form_submit_button("Définir le mot de passe"):
                    if pw != pw_again:
                        st.error("Les deux mots de passe diffèrent.")
                    else:
                        try:
                            set_password(ctx.store, actor, user.login, pw)
                        except (UserError, AccessDenied) as exc:
                            st.error(plain(str(exc)))
                        else:
                            done(f"Mot de passe du compte « {user.login} » changé.")
            if user.active:
                if st.button("Désactiver ce compte", key="users_disable", icon=":material/person_off:"):
                    try:
                        disable_user(ctx.store, actor, user.login)
                    except (UserError, AccessDenied) as exc:
                        st.error(plain(str(exc)))
                    else:
                        done(f"Compte « {user.login} » désactivé.")
            elif st.button("Réactiver ce compte", key="users_enable", icon=":material/person_check:"):
                enable_user(ctx.store, actor, user.login)
                done(f"Compte « {user.login} » réactivé.")
            with st.expander("Supprimer ce compte", icon=":material/person_remove:"):
                st.caption(
                    "Définitif. Dans le journal, le compte est remplacé par un pseudonyme "
                    "(« compte-supprimé-… ») et son nom est effacé ; les valeurs déposées et les "
                    "commentaires restent, sous ce pseudonyme."
                )
                sure = st.checkbox(
                    f"Je confirme la suppression du compte « {plain(user.login)} »", key="users_delete_ok"
                )
                if st.button("Supprimer le compte", key="users_delete", disabled=not sure, type="primary"):
                    try:
                        pseudonym = delete_user(ctx.store, actor, user.login)
                    except (UserError, AccessDenied) as exc:
                        st.error(plain(str(exc)))
                    else:
                        done(f"Compte « {user.login} » supprimé (désormais « {pseudonym} » dans le journal).")

with tab_other, st.form("users_other", clear_on_submit=True):
    st.caption(
        "Un compte qui a des droits dans une autre convention n'est pas listé ici : pour lui "
        "en donner sur celle-ci, saisissez son identifiant exact (il vous a été communiqué par "
        "cette personne ou par un administrateur de l'autre convention)."
    )
    c1, c2 = st.columns(2)
    other_login = c1.text_input("Identifiant exact", key="users_other_login")
    other_role = c2.selectbox(
        "Rôle", roles, placeholder=CHOOSE, format_func=ROLE_LABELS.get, index=0, key="users_other_role"
    )
    other_territoires = st.multiselect(
        "Territoires (chargé de coopération)",
        territory_options,
        format_func=label_territory,
        placeholder="Choisir un ou plusieurs territoires…",
        select_all=False,
        key="users_other_territoires",
    )
    if st.form_submit_button("Donner ces droits", type="primary"):
        try:
            granted = update_user(
                ctx.store, actor, other_login, role=other_role, territoires=other_territoires
            )
        except (UserError, AccessDenied) as exc:
            st.error(plain(str(exc)))
        else:
            done(
                f"Le compte « {granted.login} » a désormais le rôle {ROLE_LABELS[granted.role]} sur cette convention."
            )
