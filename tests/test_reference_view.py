"""The Référentiel table: baselines of the EPCI with their source, contradictions shown."""

from __future__ import annotations

from db.observations import current_values
from indicators.reference_view import baseline_table

NB = "\u202f"


def test_baselines_with_sources_ratios_and_contradictions(mini_store, mini_ref):
    values = current_values(mini_store, "ctg-test")
    table = baseline_table(mini_ref, values).set_index("code")
    assert table.loc["POP_MUNICIPALE", "valeur de référence (EPCI)"] == f"47{NB}479"
    assert table.loc["POP_MUNICIPALE", "année"] == "2024"
    assert table.loc["POP_MUNICIPALE", "source"] == "Test"
    # 100 × (300 + 200) / (1000 + 900), recomputed, not averaged; Rombly gives no places,
    # so its children are not in the denominator either.
    assert table.loc["PE_CAPACITE_THEORIQUE", "valeur de référence (EPCI)"] == "26,3"
    assert table.loc["PE_CAPACITE_THEORIQUE", "source"] == "calculé à partir de ses composantes"
    # The convention gives 13 and 14: seed/ retains 13 (the first row, not the latest id),
    # and its reason follows the value.
    assert table.loc["IA_CAFES_PARTENAIRES", "valeur de référence (EPCI)"] == (
        "13 — la convention se contredit ; valeur retenue : 13 plutôt que 14 : raison de test"
    )
    assert table.loc["BARO_HABITANTS", "valeur de référence (EPCI)"] == "non renseigné"
