"""Reading the audit trail: administrative changes and batches, filtered, readable, exportable.

The audit table keeps before → after as JSON; `describe_change` turns it into a French
sentence (`rôle : lecteur → chargé de coopération`). Exports are bytes (CSV `;` with BOM,
XLSX with one sheet per table), tested without the interface.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pandas as pd

from db.store import Store
from indicators.formatting import MISSING, format_number
from reports.spreadsheet import csv_bytes, xlsx_bytes

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

VALUE_LABELS = {
    "charge": "chargé de coopération",
    "lecteur": "lecteur (COPIL)",
    "administrateur": "administrateur",
    "valide": "valide",
    "annule": "annulé",
    "remplace": "remplacé",
}

BATCH_KIND_LABELS = {
    "reference": "Référentiel",
    "depot": "Dépôt de fichier",
    "demo": "Démonstration",
    "annulation": "Annulation",
    "saisie": "Saisie",
}
BATCH_STATUS_LABELS = {"valide": "valide", "annule": "annulé", "remplace": "remplacé"}

AUDIT_COLUMNS = ["Date", "Compte", "Canal", "Action", "Objet", "Changement", "Avant", "Après"]
BATCH_COLUMNS = [
    "N°",
    "Date",
    "Auteur",
    "Canal",
    "Nature",
    "Fichier",
    "Lignes",
    "Nouvelles",
    "Modifiées",
    "Inchangées",
    "Ignorées",
    "Statut",
    "Démonstration",
    "Statut changé le",
    "Statut changé par",
    "Note",
    "Empreinte SHA-256",
]


@dataclass(frozen=True)
class AuditFilter:
    """Filters of the audit page: actor (login), action code, inclusive date range."""

    actor: str | None = None
    action: str | None = None
    start: date | None = None
    end: date | None = None


def action_label(code: str) -> str:
    """The French label of an audit action code (the code itself when unknown)."""
    return ACTION_LABELS.get(code, code.replace("_", " ").capitalize())


def _load(text: object) -> object:
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return None
    try:
        return json.loads(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return text


def _show(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, str):
        return VALUE_LABELS.get(value, value)
    return json.dumps(value, ensure_ascii=False)


def describe_change(avant: object, apres: object) -> str:
    """before → after as a French sentence: only the fields that changed, `champ : a → b`."""
    before, after = _load(avant), _load(apres)
    if isinstance(before, dict) or isinstance(after, dict):
        before = before if isinstance(before, dict) else {}
        after = after if isinstance(after, dict) else {}
        parts = []
        for key in list(dict.fromkeys([*before, *after])):
            a, b = before.get(key), after.get(key)
            if a == b:
                continue
            label = FIELD_LABELS.get(key, key)
            parts.append(f"{label} : {_show(a)} → {_show(b)}" if key in before else f"{label} : {_show(b)}")
        return " ; ".join(parts) or "aucun changement"
    if before is None and after is None:
        return "—"
    return f"{_show(before)} → {_show(after)}"


CHANNEL_LABELS = {"page": "page", "cli": "ligne de commande"}


def channel_label(canal: object, system_user: object) -> str:
    """« page », « ligne de commande (root) », or « — » for a row written before migration 4."""
    if not isinstance(canal, str) or not canal:
        return "—"
    label = CHANNEL_LABELS.get(canal, canal)
    if isinstance(system_user, str) and system_user:
        return f"{label} ({system_user})"
    return label


def _channels(raw: pd.DataFrame) -> list[str]:
    return [channel_label(c, u) for c, u in zip(raw["canal"], raw["utilisateur_systeme"], strict=True)]


def _range(flt: AuditFilter) -> tuple[datetime, datetime]:
    start = datetime.combine(flt.start, time.min) if flt.start else datetime(1900, 1, 1)
    end = datetime.combine(flt.end + timedelta(days=1), time.min) if flt.end else datetime(9999, 1, 1)
    return start, end


def audit_entries(store: Store, flt: AuditFilter = AuditFilter()) -> pd.DataFrame:
    """Audit rows matching the filter, newest first, with French columns (see AUDIT_COLUMNS)."""
    start, end = _range(flt)
    raw = store.query_df(
        "select happened_at, actor, action, objet, avant, apres, canal, utilisateur_systeme from audit "
        "where happened_at >= $start and happened_at < $end "
        "and ($actor is null or actor = $actor) and ($action is null or action = $action) "
        "order by happened_at desc, id desc",
        {"start": start, "end": end, "actor": flt.actor, "action": flt.action},
    )
    if raw.empty:
        return pd.DataFrame(columns=AUDIT_COLUMNS)
    return pd.DataFrame(
        {
            "Date": raw["happened_at"].dt.strftime("%d/%m/%Y %H:%M:%S"),
            "Compte": raw["actor"],
            "Canal": _channels(raw),
            "Action": raw["action"].map(action_label),
            "Objet": raw["objet"],
            "Changement": [describe_change(a, b) for a, b in zip(raw["avant"], raw["apres"], strict=True)],
            "Avant": raw["avant"].astype("object").where(raw["avant"].notna(), "—"),
            "Après": raw["apres"].astype("object").where(raw["apres"].notna(), "—"),
        }
    )[AUDIT_COLUMNS]


def batch_entries(store: Store, flt: AuditFilter = AuditFilter()) -> pd.DataFrame:
    """Every batch (imports, demo, reference) matching the filter's author and dates, newest first."""
    start, end = _range(flt)
    raw = store.query_df(
        "select id, created_at, author, kind, filename, n_rows, n_new, n_changed, n_unchanged, "
        "n_skipped, status, is_demo, status_changed_at, status_changed_by, note, sha256, "
        "canal, utilisateur_systeme "
        "from batches where created_at >= $start and created_at < $end "
        "and ($actor is null or author = $actor or status_changed_by = $actor) "
        "order by id desc",
        {"start": start, "end": end, "actor": flt.actor},
    )
    if raw.empty:
        return pd.DataFrame(columns=BATCH_COLUMNS)

    def text(series: pd.Series) -> pd.Series:
        return series.astype("object").where(series.notna(), MISSING)

    changed = raw["status_changed_at"]
    return pd.DataFrame(
        {
            "N°": raw["id"].astype(int),
            "Date": raw["created_at"].dt.strftime("%d/%m/%Y %H:%M:%S"),
            "Auteur": raw["author"],
            "Canal": _channels(raw),
            "Nature": raw["kind"].map(lambda k: BATCH_KIND_LABELS.get(k, k)),
            "Fichier": text(raw["filename"]),
            "Lignes": raw["n_rows"].astype(int),
            "Nouvelles": raw["n_new"].astype(int),
            "Modifiées": raw["n_changed"].astype(int),
            "Inchangées": raw["n_unchanged"].astype(int),
            "Ignorées": raw["n_skipped"].astype(int),
            "Statut": raw["status"].map(lambda s: BATCH_STATUS_LABELS.get(s, s)),
            "Démonstration": raw["is_demo"].map({True: "oui", False: "non"}),
            "Statut changé le": changed.dt.strftime("%d/%m/%Y %H:%M")
            .astype("object")
            .where(changed.notna(), "—"),
            "Statut changé par": raw["status_changed_by"]
            .astype("object")
            .where(raw["status_changed_by"].notna(), "—"),
            "Note": raw["note"].astype("object").where(raw["note"].notna(), "—"),
            "Empreinte SHA-256": text(raw["sha256"]),
        }
    )[BATCH_COLUMNS]


def audit_actors(store: Store) -> list[str]:
    """Every login that appears in the audit log or as a batch author, sorted."""
    df = store.query_df(
        "select actor from audit union select author from batches "
        "union select status_changed_by from batches where status_changed_by is not null"
    )
    return sorted(str(v) for v in df.iloc[:, 0].dropna().unique())


def audit_actions(store: Store) -> list[str]:
    """Every action code present in the audit log, sorted by label."""
    df = store.query_df("select distinct action from audit")
    return sorted(df["action"].tolist(), key=action_label)


def export_audit(tables: dict[str, pd.DataFrame], suffix: str) -> bytes:
    """Audit tables as bytes: `.xlsx` (one sheet per table) or `.csv` (the first table; `;`, BOM)."""
    buffer = io.BytesIO()
    if suffix == ".csv":
        frame = next(iter(tables.values()))
        buffer.write(csv_bytes(frame))
    elif suffix == ".xlsx":
        buffer.write(xlsx_bytes(tables))
    else:
        raise ValueError(f"Format « {suffix} » non pris en charge : .csv ou .xlsx.")
    return buffer.getvalue()
