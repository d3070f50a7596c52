"""Tables of the reference for display: indicators with their baseline values."""

from __future__ import annotations

import pandas as pd

from indicators.aggregation import Territories, territory_periods, yearly_all
from indicators.catalogue import Reference
from indicators.contradictions import chosen_reason
from indicators.formatting import MISSING, format_value, unit_label
from indicators.periods import period_label

KIND_LABELS = {
    "quantitatif": "quantitatif",
    "jalon": "jalon",
    "qualitatif": "qualitatif",
    "barometre": "baromètre",
}


def baseline_table(ref: Reference, values: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator: label, unit, rules, and the latest reference value of the EPCI.

    Only values of the reference batch count as baselines; a ratio is recomputed from its
    components, as everywhere else. Where the convention contradicts itself, the value is
    the one seed/ retains, followed by its reason (the other one is named in the reason).
    """
    reference = values[values["batch_kind"] == "reference"] if not values.empty else values
    yearly = pd.DataFrame(columns=["indicateur", "annee", "valeur"])
    sources: dict[tuple[str, int], str] = {}
    if not reference.empty:
        periods = territory_periods(reference, ref, ref.epci, Territories(ref))
        yearly = yearly_all(periods, ref)
        cited = reference.dropna(subset=["source_section"])
        for (code, year), group in cited.groupby(["indicateur", "annee"]):
            sources[(code, int(year))] = " ; ".join(list(dict.fromkeys(group["source_section"]))[:3])
    last = yearly.sort_values(["indicateur", "annee"]).groupby("indicateur").last()
    rows = []
    for ind in ref.indicators:
        base, period, source = MISSING, MISSING, ""
        if ind.is_numeric and ind.code in last.index:
            base = format_value(last.loc[ind.code, "valeur"], ind.unite)
            reason = chosen_reason(reference, ind.code, ref.epci, int(last.loc[ind.code, "annee"]))
            if reason:
                base += f" — la convention se contredit ; valeur retenue : {reason}"
            period = period_label(str(int(last.loc[ind.code, "annee"])))
            source = sources.get((ind.code, int(last.loc[ind.code, "annee"]))) or (
                "calculé à partir de ses composantes" if ind.is_computed else ""
            )
        rows.append(
            {
                "fiche": ind.fiche,
                "code": ind.code,
                "indicateur": ind.libelle,
                "type": KIND_LABELS[ind.type],
                "unité": unit_label(ind.unite),
                "valeur de référence (EPCI)": base,
                "année": period,
                "source": source or ind.section,
            }
        )
    return pd.DataFrame(rows)
