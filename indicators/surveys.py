"""The CAF baromètres as surveys: each question a result (%) with its sample size, and a
result published only from the minimum sample size set in `seed/barometres.yaml`.

`publishable(values, ref)` is applied to the values every display reads (panels, bilan,
Données): a result below the minimum, or without its sample size, loses its number and
says why in `valeur_texte`; the store and the export keep it, beside its sample size.
"""

from __future__ import annotations

import pandas as pd

from indicators.catalogue import SAMPLE_SIZE_SUFFIX, Reference
from indicators.formatting import format_number, format_value
from indicators.periods import period_label

TABLE_COLUMNS = ["Baromètre", "Question", "Année", "Résultat", "Répondants", "Publication"]


def sample_size_codes(ref: Reference) -> dict[str, str]:
    """Question code → its sample-size indicator code."""
    if ref.surveys is None:
        return {}
    return {q.code: q.code + SAMPLE_SIZE_SUFFIX for s in ref.surveys.barometres for q in s.questions}


def withheld_reason(respondents: float | None, minimum: int) -> str | None:
    """Why a result is not published (None when it is)."""
    if respondents is None or pd.isna(respondents):
        return "non publié : nombre de répondants non renseigné"
    if respondents < minimum:
        return (
            f"non publié : {format_number(respondents)} répondant{'s' if respondents > 1 else ''} "
            f"(minimum {format_number(minimum)})"
        )
    return None


def _with_sample_sizes(values: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    codes = sample_size_codes(ref)
    results = values[values["indicateur"].isin(codes)]
    sizes = values[values["indicateur"].isin(set(codes.values()))][
        ["indicateur", "territoire", "periode", "valeur"]
    ]
    sizes = sizes.assign(indicateur=sizes["indicateur"].str.removesuffix(SAMPLE_SIZE_SUFFIX)).rename(
        columns={"valeur": "repondants"}
    )
    return results.merge(sizes, on=["indicateur", "territoire", "periode"], how="left")


def publishable(values: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    """`values` with every baromètre result below the minimum sample size withheld: its
    number removed and the reason in `valeur_texte`. Other rows are untouched."""
    codes = sample_size_codes(ref)
    if not codes or values.empty or not values["indicateur"].isin(codes).any():
        return values
    minimum = ref.surveys.effectif_minimum  # type: ignore[union-attr]
    merged = _with_sample_sizes(values.reset_index(), ref).set_index("index")
    reasons = merged["repondants"].map(lambda n: withheld_reason(n, minimum))
    withheld = reasons[reasons.notna()]
    if withheld.empty:
        return values
    out = values.copy()
    out.loc[withheld.index, "valeur"] = float("nan")
    if "valeur_texte" not in out:
        out["valeur_texte"] = None
    out["valeur_texte"] = out["valeur_texte"].astype("object")
    out.loc[withheld.index, "valeur_texte"] = withheld
    return out


def survey_table(values: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    """Every question of every baromètre and year: result, respondents, published or why not
    (French, for display). `values`: the current values, not yet `publishable`."""
    if ref.surveys is None:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    minimum = ref.surveys.effectif_minimum
    merged = _with_sample_sizes(values, ref) if not values.empty else pd.DataFrame()
    rows = []
    for survey in ref.surveys.barometres:
        for q in survey.questions:
            found = merged[merged["indicateur"] == q.code] if not merged.empty else merged
            if found.empty:
                rows.append([survey.libelle, q.question, "—", "aucun résultat", "—", "—"])
                continue
            for r in found.sort_values("periode").itertuples():
                reason = withheld_reason(r.repondants, minimum)
                rows.append(
                    [
                        survey.libelle,
                        q.question,
                        period_label(r.periode),
                        format_value(r.valeur, "pourcentage") if reason is None else "—",
                        format_value(r.repondants, "nombre"),
                        "publié" if reason is None else reason,
                    ]
                )
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)
