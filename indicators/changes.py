"""What an upload would change: each clean row beside the value in force (new, changed, same).

Plain pandas over plain frames; the store reads the values in force, the use case
(`services/uploads.py`) calls these rules, inside the commit's transaction too.
"""

from __future__ import annotations

import pandas as pd

KEYS = ["indicateur", "territoire", "periode"]
STATUS_NEW, STATUS_CHANGED, STATUS_UNCHANGED = "nouvelle", "modifiée", "inchangée"


def indicators_named(table) -> list[str]:
    """The indicator codes a raw table names (upper-cased), sorted."""
    frame = table.frame
    if frame is None or "indicateur" not in frame.columns:
        return []
    codes = {str(v or "").strip().upper() for v in frame["indicateur"].unique()}
    return sorted(c for c in codes if c)


def previous_map(current: pd.DataFrame) -> dict[tuple[str, str, str], float]:
    """(indicator, territory, period) → number in force, for the « valeur suspecte » check."""
    numeric = current[current["valeur"].notna()]
    keys = zip(
        numeric["indicateur"].tolist(),
        numeric["territoire"].tolist(),
        numeric["periode"].tolist(),
        strict=True,
    )  # plain lists: iterating arrow-backed columns is slow
    return dict(zip(keys, numeric["valeur"].astype(float).tolist(), strict=True))


def compute_diff(rows: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Each clean row with its current value and status: nouvelle, modifiée or inchangée.

    A value is unchanged when the number (to 1e-9) and the text are the same and the
    comment is empty or the same; an empty comment never erases a stored one.
    """
    old = current[[*KEYS, "valeur", "valeur_texte", "commentaire"]].rename(
        columns={
            "valeur": "ancienne_valeur",
            "valeur_texte": "ancien_texte",
            "commentaire": "ancien_commentaire",
        }
    )
    merged = rows.merge(old, on=KEYS, how="left", indicator=True)
    exists = merged["_merge"] == "both"
    new_v, old_v = merged["valeur"].astype("float64"), merged["ancienne_valeur"].astype("float64")
    same_number = (new_v.isna() & old_v.isna()) | ((new_v - old_v).abs() <= 1e-9 * old_v.abs().clip(lower=1))
    new_t = merged["valeur_texte"].astype("object").where(merged["valeur_texte"].notna(), None)
    old_t = merged["ancien_texte"].astype("object").where(merged["ancien_texte"].notna(), None)
    same_text = (new_t.isna() & old_t.isna()) | (new_t == old_t)
    comment = merged["commentaire"]
    same_comment = comment.isna() | (comment == merged["ancien_commentaire"])
    merged["statut"] = STATUS_NEW
    merged.loc[exists, "statut"] = STATUS_CHANGED
    merged.loc[exists & same_number & same_text & same_comment, "statut"] = STATUS_UNCHANGED
    return merged.drop(columns="_merge")


def change_counts(diff: pd.DataFrame, stats: dict[str, int]) -> dict[str, int]:
    """Rows read, new, changed, unchanged and left empty (`stats` from the validation report)."""
    status = diff["statut"].value_counts() if not diff.empty else pd.Series(dtype=int)
    return {
        "rows": stats.get("lignes", 0),
        "new": int(status.get(STATUS_NEW, 0)),
        "changed": int(status.get(STATUS_CHANGED, 0)),
        "unchanged": int(status.get(STATUS_UNCHANGED, 0)),
        "skipped": stats.get("non_renseignees", 0),
    }
