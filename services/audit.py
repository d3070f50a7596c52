"""The Journal: administrative changes and batches, filtered, in French, exportable.

The audit table keeps before → after as JSON; `describe_change` turns it into a French
sentence (`rôle : lecteur → chargé de coopération`). Labels come from `indicators.labels`,
the one table of the store's codes, so a batch reads the same here and on « Dépôt
trimestriel ». Exports are bytes (CSV `;` with BOM, XLSX with one sheet per table), every
text that a spreadsheet would run as a formula neutralised.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pandas as pd

from db import audit as db
from db.store import Store
from indicators.formatting import MISSING, format_number
from indicators.labels import (
    FIELD_LABELS,
    VALUE_LABELS,
    action_label,
    batch_kind_label,
    batch_status_label,
    channel_label,
)
from reports.spreadsheet import csv_bytes, xlsx_bytes

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


class AuditExportError(ValueError):
    """An export format the Journal does not write; the message is French."""


@dataclass(frozen=True)
class AuditFilter:
    """Filters of the Journal: convention (None: every one), actor (login), action code,
    inclusive date range."""

    actor: str | None = None
    action: str | None = None
    start: date | None = None
    end: date | None = None
    convention: str | None = None


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


def _range(flt: AuditFilter) -> tuple[datetime, datetime]:
    start = datetime.combine(flt.start, time.min) if flt.start else datetime(1900, 1, 1)
    end = datetime.combine(flt.end + timedelta(days=1), time.min) if flt.end else datetime(9999, 1, 1)
    return start, end


def _dash(series: pd.Series, empty: str = "—") -> pd.Series:
    return series.astype("object").where(series.notna(), empty)


def _channels(raw: pd.DataFrame) -> list[str]:
    return [channel_label(c, u) for c, u in zip(raw["canal"], raw["utilisateur_systeme"], strict=True)]


def audit_entries(store: Store, flt: AuditFilter = AuditFilter()) -> pd.DataFrame:
    """Audit rows matching the filter, newest first, with French columns (see AUDIT_COLUMNS)."""
    raw = db.audit_rows(store, *_range(flt), actor=flt.actor, action=flt.action, convention=flt.convention)
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
            "Avant": _dash(raw["avant"]),
            "Après": _dash(raw["apres"]),
        }
    )[AUDIT_COLUMNS]


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def batch_entries(store: Store, flt: AuditFilter = AuditFilter()) -> pd.DataFrame:
    """Every batch (imports, demo, reference) matching the filter's author and dates, newest first."""
    raw = db.batch_rows(store, *_range(flt), actor=flt.actor, convention=flt.convention)
    if raw.empty:
        return pd.DataFrame(columns=BATCH_COLUMNS)
    changed = raw["status_changed_at"]
    return pd.DataFrame(
        {
            "N°": raw["id"].astype(int),
            "Date": raw["created_at"].dt.strftime("%d/%m/%Y %H:%M:%S"),
            "Auteur": raw["author"],
            "Canal": _channels(raw),
            "Nature": raw["kind"].map(lambda k: _first_upper(batch_kind_label(k))),
            "Fichier": _dash(raw["filename"], MISSING),
            "Lignes": raw["n_rows"].astype(int),
            "Nouvelles": raw["n_new"].astype(int),
            "Modifiées": raw["n_changed"].astype(int),
            "Inchangées": raw["n_unchanged"].astype(int),
            "Ignorées": raw["n_skipped"].astype(int),
            "Statut": raw["status"].map(batch_status_label),
            "Démonstration": raw["is_demo"].map({True: "oui", False: "non"}),
            "Statut changé le": _dash(changed.dt.strftime("%d/%m/%Y %H:%M").where(changed.notna())),
            "Statut changé par": _dash(raw["status_changed_by"]),
            "Note": _dash(raw["note"]),
            "Empreinte SHA-256": _dash(raw["sha256"], MISSING),
        }
    )[BATCH_COLUMNS]


def audit_actors(store: Store, convention: str | None = None) -> list[str]:
    """Every login that appears in the audit log or as a batch author (of one convention), sorted."""
    return db.actor_logins(store, convention)


def audit_actions(store: Store, convention: str | None = None) -> list[str]:
    """Every action code present in the audit log (of one convention), sorted by its French label."""
    return sorted(db.action_codes(store, convention), key=action_label)


def export_audit(tables: dict[str, pd.DataFrame], suffix: str) -> bytes:
    """Audit tables as bytes: `.xlsx` (one sheet per table) or `.csv` (the first table; `;`, BOM).

    A file name, a note or a comment typed by a user never reaches a spreadsheet as a formula:
    both writers apply `indicators.formatting.neutralise_frame`, the one rule of every export.
    """
    buffer = io.BytesIO()
    if suffix == ".csv":
        buffer.write(csv_bytes(next(iter(tables.values()))))
    elif suffix == ".xlsx":
        buffer.write(xlsx_bytes(tables))
    else:
        raise AuditExportError(f"Format « {suffix} » non pris en charge : .csv ou .xlsx.")
    return buffer.getvalue()


def store_marker(store: Store) -> tuple:
    """A marker that changes with every write to the store, whichever process made it."""
    return db.change_marker(store)
