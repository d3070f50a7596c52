"""The French words shown for the store's codes: one table per kind of code, used everywhere.

Batch kinds and statuses, roles, audit actions and fields, review names. A page, the CLI,
an export or the bilan that shows one of these codes takes its label from here, so that
the same batch reads the same on « Dépôt trimestriel », in the Journal and in the bilan.
"""

from __future__ import annotations

ROLE_LABELS = {
    "lecteur": "lecteur (COPIL)",
    "charge": "chargé de coopération",
    "administrateur": "administrateur",
}

BATCH_KIND_LABELS = {
    "reference": "référentiel de la convention",
    "depot": "dépôt de fichier",
    "demo": "démonstration",
    "saisie": "saisie",
    "annulation": "annulation",
}

BATCH_STATUS_LABELS = {"valide": "en vigueur", "annule": "annulé", "remplace": "remplacé"}

ACTION_LABELS = {
    "creation_compte": "Création d'un compte",
    "creation_premier_administrateur": "Création du premier administrateur",
    "modification_compte": "Modification d'un compte",
    "desactivation_compte": "Désactivation d'un compte",
    "reactivation_compte": "Réactivation d'un compte",
    "reinitialisation_mot_de_passe": "Nouveau mot de passe",
    "verrouillage_compte": "Verrouillage après échecs",
    "connexion": "Connexion",
    "annulation_depot": "Annulation d'un dépôt",
    "suppression_demo": "Suppression des données de démonstration",
    "chargement_reference": "Chargement du référentiel",
    "chargement_demo": "Chargement des données de démonstration",
    "depot": "Dépôt de valeurs",
    "commentaire": "Commentaire",
    "suppression_commentaire": "Suppression d'un commentaire",
    "reunion": "Réunion de gouvernance",
    "suppression_reunion": "Suppression d'une réunion",
    "cible": "Cible",
    "suppression_cible": "Suppression d'une cible",
    "engagement": "Engagement d'une commune",
    "modification_secteur": "Modification d'un secteur",
    "suppression_compte": "Suppression d'un compte (pseudonymisé)",
}

FIELD_LABELS = {
    "role": "rôle",
    "territoires": "territoires",
    "actif": "actif",
    "nom": "nom",
    "status": "statut",
    "mot_de_passe": "mot de passe",
    "verrouille": "verrouillé",
    "echecs": "échecs",
    "verrouille_jusqua": "verrouillé jusqu'à",
    "lignes_supprimees": "lignes supprimées",
    "digest": "empreinte",
    "lot": "lot",
    "lots_remplaces": "lots remplacés",
    "bloque_jusqua": "bloqué jusqu'à",
}

# The channel an audit row or a batch came through (db/channel.py stores the code).
CHANNEL_LABELS = {"page": "page", "cli": "ligne de commande"}

# Codes that appear as values in the audit's before → after.
VALUE_LABELS = {**ROLE_LABELS, **BATCH_STATUS_LABELS}


def label(table: dict[str, str], code: object) -> str:
    """The label of `code` in `table`, or the code itself when it has none."""
    return table.get(str(code), str(code))


def batch_kind_label(kind: object) -> str:
    """`dépôt de fichier`, `référentiel de la convention`, `démonstration`…"""
    return label(BATCH_KIND_LABELS, kind)


def batch_status_label(status: object) -> str:
    """`en vigueur`, `annulé`, `remplacé`."""
    return label(BATCH_STATUS_LABELS, status)


def _blank(value: object) -> bool:
    return value is None or value != value or str(value).strip() in ("", "—")  # None, NaN/NaT, dash


def batch_status_text(status: object, changed_by: object = None, changed_at: object = None) -> str:
    """A batch's status as the pages show it: « annulé par marie le 02/12/2026 14:05 ».

    `changed_at` is a datetime or an already formatted date; a missing changer or date is left out.
    """
    text = batch_status_label(status)
    if _blank(changed_by):
        return text
    if _blank(changed_at):
        return f"{text} par {changed_by}"
    when = changed_at.strftime("%d/%m/%Y %H:%M") if hasattr(changed_at, "strftime") else changed_at
    return f"{text} par {changed_by} le {when}"


def action_label(code: object) -> str:
    """The French name of an audit action code."""
    return label(ACTION_LABELS, code)


def role_label(role: object) -> str:
    """`lecteur (COPIL)`, `chargé de coopération`, `administrateur`."""
    return label(ROLE_LABELS, role)


def channel_label(canal: object, system_user: object = None) -> str:
    """« page », « ligne de commande (root) », or « — » for a row written before the channel
    was recorded (migration 4)."""
    if not isinstance(canal, str) or not canal:
        return "—"
    text = label(CHANNEL_LABELS, canal)
    if isinstance(system_user, str) and system_user:
        return f"{text} ({system_user})"
    return text
