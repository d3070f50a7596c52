"""The CAF baromètres are surveys: each question a result with its sample size, withheld
below the minimum sample size of seed/barometres.yaml."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from indicators.catalogue import EPCI_CODE, SeedError, load_reference
from indicators.review import get_review, indicator_summary
from indicators.surveys import publishable, survey_table

from .conftest import SEED


def _values(rows):
    frame = pd.DataFrame(rows, columns=["indicateur", "territoire", "periode", "valeur"])
    frame["annee"] = frame["periode"].str[:4].astype(int)
    frame["trimestre"] = None
    frame["valeur_texte"] = None
    return frame


def test_three_baromètres_each_question_with_its_sample_size(ref):
    assert ref.surveys is not None and ref.surveys.effectif_minimum == 30
    assert [s.code for s in ref.surveys.barometres] == ["BARO_HABITANTS", "BARO_JEUNES", "BARO_ACTEURS"]
    assert {s.enjeu for s in ref.surveys.barometres} == {"E1", "E2", "E3"}
    questions = [q.code for s in ref.surveys.barometres for q in s.questions]
    for code in questions:
        result, size = ref.indicator(code), ref.indicator(code + "_EFFECTIF")
        assert (result.type, result.unite, result.max) == ("barometre", "pourcentage", 100)
        assert (size.unite, size.entier, size.min) == ("nombre", True, 0)
    # Every baromètre result of the catalogue is a question of barometres.yaml.
    assert {i.code for i in ref.indicators if i.type == "barometre"} == set(questions)
    # The one question the convention words itself (fiche Réseau des chargés).
    role = ref.indicator("BARO_ACT_ROLE_CHARGES")
    assert "rôle des chargés" in role.libelle and "Réseau des chargés" in role.section


def test_a_result_below_the_minimum_sample_size_is_withheld_everywhere_it_shows(ref):
    values = _values(
        [
            ("BARO_HAB_ISOLEMENT", EPCI_CODE, "2026", 31.0),
            ("BARO_HAB_ISOLEMENT_EFFECTIF", EPCI_CODE, "2026", 412),
            ("BARO_JEU_ISOLEMENT", EPCI_CODE, "2026", 48.0),
            ("BARO_JEU_ISOLEMENT_EFFECTIF", EPCI_CODE, "2026", 12),
            ("BARO_ACT_ROLE_CHARGES", EPCI_CODE, "2026", 70.0),  # no sample size given
        ]
    )
    shown = publishable(values, ref).set_index("indicateur")
    assert shown.loc["BARO_HAB_ISOLEMENT", "valeur"] == 31.0
    assert pd.isna(shown.loc["BARO_JEU_ISOLEMENT", "valeur"])
    assert shown.loc["BARO_JEU_ISOLEMENT", "valeur_texte"] == "non publié : 12 répondants (minimum 30)"
    assert pd.isna(shown.loc["BARO_ACT_ROLE_CHARGES", "valeur"])
    assert "non renseigné" in shown.loc["BARO_ACT_ROLE_CHARGES", "valeur_texte"]
    assert list(values["valeur"]) == [31.0, 412, 48.0, 12, 70.0]  # the input is not modified

    summary = indicator_summary(publishable(values, ref), ref, get_review("annuelle-2027")).set_index("code")
    assert summary.loc["BARO_HAB_ISOLEMENT", "valeur"] == 31.0
    assert summary.loc["BARO_JEU_ISOLEMENT", "statut"] == "non_renseigne"

    table = survey_table(values, ref)
    row = table[table["Question"].str.contains("jeunes exprimant")].iloc[0]
    assert (row["Résultat"], row["Répondants"]) == ("—", "12")
    assert row["Publication"] == "non publié : 12 répondants (minimum 30)"
    ok = table[table["Question"].str.contains("habitants exprimant")].iloc[0]
    assert (ok["Résultat"], ok["Publication"]) == ("31,0\u202f%", "publié")


def test_values_without_survey_are_untouched(ref):
    values = _values([("PE_ASSMAT", EPCI_CODE, "2026", 1075)])
    assert publishable(values, ref) is values


def test_a_baromètre_listed_in_indicateurs_csv_is_refused(tmp_path):
    target = tmp_path / "seed"
    shutil.copytree(SEED, target)
    path = target / "indicateurs.csv"
    path.write_text(
        path.read_text(encoding="utf-8")
        + "BARO_X,Baromètre X,GOUV,barometre,pourcentage,epci,annuelle,stock,aucune,,,,hausse,0,100,non,"
        "baromètre,Annexe 5,\n",
        encoding="utf-8",
    )
    with pytest.raises(SeedError, match="un baromètre se déclare dans barometres.yaml"):
        load_reference(target)
