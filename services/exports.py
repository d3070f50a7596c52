"""Export of the current values in long format (CSV with `;`, XLSX or Parquet) as bytes."""

from __future__ import annotations

import io

import pandas as pd

from db.observations import current_values
from db.store import Store
from indicators.catalogue import Reference
from reports.spreadsheet import csv_bytes, xlsx_bytes

EXPORT_COLUMNS = [
    "indicateur",
    "libelle",
    "territoire",
    "nom_territoire",
    "periode",
    "valeur",
    "valeur_texte",
    "unite",
    "source",
    "lot",
    "demonstration",
]


_WIDTHS = {
    "indicateur": 26,
    "libelle": 48,
    "territoire": 12,
    "nom_territoire": 28,
    "periode": 10,
    "valeur": 14,
    "valeur_texte": 18,
    "unite": 12,
    "source": 40,
    "lot": 8,
    "demonstration": 14,
}


class ExportError(Exception):
    """An export that cannot be produced (unknown format...)."""


def export_frame(store: Store, ref: Reference, include_demo: bool = True) -> pd.DataFrame:
    """Current values in long format, with label, unit and source of every value."""
    return export_rows(current_values(store, ref.convention.code, include_demo=include_demo), ref)


def export_rows(values: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    """Rows of the store's values in force (`db.observations.current_values`, all or a slice)
    as the export writes them: label, unit and source of every value."""
    names = {t.code: t.nom for t in ref.territories}
    labels = {i.code: i.libelle for i in ref.indicators}
    units = {i.code: i.unite for i in ref.indicators}
    frame = pd.DataFrame(
        {
            "indicateur": values["indicateur"],
            "libelle": values["indicateur"].map(labels),
            "territoire": values["territoire"],
            "nom_territoire": values["territoire"].map(names),
            "periode": values["periode"],
            "valeur": values["valeur"],
            "valeur_texte": values["valeur_texte"],
            "unite": values["indicateur"].map(units),
            "source": values["source_section"].where(
                values["source_section"].notna(), "Dépôt de " + values["batch_author"].astype(str)
            ),
            "lot": values["batch_id"],
            # Every value of a fictitious convention is flagged: its framing is made up.
            "demonstration": values["is_demo"].map({True: "oui", False: "non"})
            if not ref.convention.demonstration
            else "oui (convention fictive de démonstration)",
        }
    )
    return frame[EXPORT_COLUMNS]


def export_bytes(store: Store, ref: Reference, suffix: str, include_demo: bool = True) -> bytes:
    """The export as bytes for `.csv` (UTF-8 with BOM, `;`), `.xlsx` or `.parquet`."""
    frame = export_frame(store, ref, include_demo)
    buffer = io.BytesIO()
    if suffix == ".csv":
        buffer.write(csv_bytes(frame, decimal=","))
    elif suffix == ".xlsx":
        buffer.write(xlsx_bytes({"valeurs": frame}, _WIDTHS))
    elif suffix == ".parquet":
        frame.to_parquet(buffer, index=False)
    else:
        raise ExportError(f"Format « {suffix or '(aucun)'} » non pris en charge : .csv, .xlsx ou .parquet.")
    return buffer.getvalue()
