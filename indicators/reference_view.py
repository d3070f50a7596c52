"""Tables of the reference for display: indicators with their baseline values."""

from __future__ import annotations

import pandas as pd

from indicators.aggregation import Territories, yearly_ratio
from indicators.catalogue import EPCI_CODE, Reference
from indicators.formatting import MISSING, format_value, unit_label
from indicators.periods import period_label

KIND_LABELS = {"quantitatif": "quantitatif", "jalon": "jalon", "qualitatif": "qualitatif",
               "barometre": "baromètre"}


def baseline_table(ref: Reference, values: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator: label, unit, rules, and the latest reference value of the EPCI."""
    territories = Territories(ref)
    reference = values[values["batch_kind"] == "reference"] if not values.empty else values
    rows = []
    for ind in ref.indicators:
        base, period, source = MISSING, "", ""
        if ind.is_numeric and not reference.empty:
            yearly = yearly_ratio(reference, ref, ind.code, EPCI_CODE, territories)
            if not yearly.empty:
                last = yearly.iloc[-1]
                base = format_value(last["valeur"], ind.unite)
                period = period_label(str(int(last["annee"])))
                srcs = reference[(reference["indicateur"] == ind.code)]["source_section"].dropna().unique()
                source = " ; ".join(srcs[:3]) if len(srcs) else (
                    "calculé à partir de ses composantes" if ind.is_computed else "")
        rows.append({"fiche": ind.fiche, "code": ind.code, "indicateur": ind.libelle,
                     "type": KIND_LABELS[ind.type], "unité": unit_label(ind.unite),
                     "valeur de référence (EPCI)": base, "année": period or MISSING,
                     "source": source or ind.section})
    return pd.DataFrame(rows)
