"""Integrity of the convention's reference data (seed/) and seed error messages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from indicators.catalogue import EPCI_CODE, SeedError, load_reference

from .conftest import MINI_SEED, SEED

# The official member list, kept in the repository with its source (seed/sources/SOURCES.md).
EPCI_JSON = SEED / "sources" / "epci-200072460-cabbalr-membres-cog2026.json"


def _current(ref, code, territory=None):
    return [
        o
        for o in ref.observations
        if o.indicateur == code and (territory is None or o.territoire == territory)
    ]


def test_the_100_communes_are_exactly_the_official_members(ref):
    official = {m["code"] for m in json.loads(EPCI_JSON.read_text(encoding="utf-8"))["membres"]}
    assert len(official) == 100
    assert {c.code for c in ref.communes()} == official
    assert any(t.code == EPCI_CODE and t.type == "epci" for t in ref.territories)


def test_legal_populations_of_the_convention(ref):
    communes = {c.code for c in ref.communes()}
    mun = [o for o in _current(ref, "POP_MUNICIPALE") if o.territoire in communes]
    tot = [o for o in _current(ref, "POP_TOTALE") if o.territoire in communes]
    by_year_mun: dict[str, float] = {}
    for o in mun:
        by_year_mun[o.periode] = by_year_mun.get(o.periode, 0) + o.valeur
    by_year_tot: dict[str, float] = {}
    for o in tot:
        by_year_tot[o.periode] = by_year_tot.get(o.periode, 0) + o.valeur
    assert 275_327 in by_year_mun.values()
    assert 278_431 in by_year_tot.values()
    for o in mun + tot:
        assert o.section


def test_charges_de_cooperation_annexe_7_are_yearly_observations(ref):
    def total(code, year):
        return sum(o.valeur for o in _current(ref, code) if o.periode == year)

    assert round(total("CCT_ETP", "2021"), 2) == 19.38  # CTG 1 (tableau 3, « 2020-2025 »)
    assert round(total("CCT_ETP", "2026"), 2) == 10.74  # CTG 2 (tableau 3, « 2026-2030 »)
    assert total("CCT_EFFECTIF", "2021") == total("CCT_EFFECTIF", "2026") == 27
    # 19 employers each CTG; Violaines' ETP is « en cours »: a headcount, no ETP.
    assert len([o for o in _current(ref, "CCT_EFFECTIF") if o.periode == "2026"]) == 19
    assert not [o for o in _current(ref, "CCT_ETP", "62863") if o.periode == "2026"]
    # The CABBALR's own team is an employer, not the agglomeration (whose value is the sum).
    assert [o.valeur for o in _current(ref, "CCT_ETP", "CABBALR")] == [1.5, 1.5]
    assert not _current(ref, "CCT_ETP", EPCI_CODE)
    for code in ("CCT_ETP", "CCT_EFFECTIF"):
        assert all("Annexe 7" in o.section for o in _current(ref, code))


def test_populations_are_dated_by_their_census_year(ref):
    """One rule: the vintage (date of statistical reference), never the year in force."""
    pops = [o for o in ref.observations if o.indicateur.startswith("POP_")]
    assert max(int(o.periode) for o in pops) == 2022  # nothing dated 2023-2024 (year in force)
    communes = {c.code for c in ref.communes()}
    years: dict[str, dict[str, float]] = {}
    for o in pops:
        if o.territoire in communes:
            years.setdefault(o.indicateur, {}).setdefault(o.periode, 0.0)
            years[o.indicateur][o.periode] += o.valeur
    assert years["POP_MUNICIPALE"] == {"2021": 275_327}  # « 275 327 habitants » (2021) in Annexe 1
    assert years["POP_TOTALE"] == {"2021": 278_431, "2020": 279_142}


def test_the_agglomeration_population_series_has_no_spurious_step(ref):
    import pandas as pd

    from indicators.aggregation import Territories, series

    frame = pd.DataFrame(
        [
            {"indicateur": o.indicateur, "territoire": o.territoire, "periode": o.periode, "valeur": o.valeur}
            for o in ref.observations
            if o.indicateur == "POP_MUNICIPALE"
        ]
    )
    s = series(frame, ref, "POP_MUNICIPALE", EPCI_CODE, Territories(ref))
    assert list(s["periode"])[-3:] == ["2016", "2021", "2022"]
    assert list(s["valeur"])[-3:] == [277_812, 275_327, 275_736]
    # The convention: -0,1 % a year on average 2016-2022; no year-to-year move beyond 0,5 %.
    recent = s[s["annee"] >= 2006]
    yearly = recent["valeur"].pct_change() / recent["annee"].diff()
    assert yearly.dropna().abs().max() < 0.005


def test_every_fiche_has_indicators(ref):
    fiches_with = {i.fiche for i in ref.indicators}
    for fiche in ref.fiches:
        assert fiche.code in fiches_with, f"la fiche {fiche.code} n'a pas d'indicateur"
    assert len(ref.enjeux) == 3
    assert len(ref.ambitions) == 8
    assert len(ref.fiches) == 9


def test_the_card_examples_are_in_the_catalogue(ref):
    for code in (
        "PE_CAPACITE_THEORIQUE",
        "PE_PLACES_EAJE",
        "PE_BONUS_INCLUSION_EAJE",
        "EJ_BONUS_INCLUSION_ACM",
        "EJ_INSTANCES_JEUNES",
        "IA_CAFES_PARTENAIRES",
    ):
        assert code in ref.by_code
    rate = ref.indicator("PE_CAPACITE_THEORIQUE")
    assert (rate.agregation_territoire, rate.numerateur, rate.denominateur, rate.facteur) == (
        "ratio",
        "PE_PLACES_ACCUEIL",
        "PE_ENFANTS_MOINS_3",
        100,
    )


def test_every_aggregation_rule_is_valid(ref):
    for ind in ref.indicators:
        if ind.agregation_territoire == "ratio":
            assert ref.indicator(ind.numerateur).agregation_territoire == "somme"
            assert ref.indicator(ind.denominateur).agregation_territoire == "somme"
        if ind.unite == "pourcentage" and ind.is_numeric:
            assert ind.max == 100, ind.code
        if ind.unite in ("nombre", "habitants") and ind.agregation_territoire == "somme":
            assert ind.entier and ind.min == 0, ind.code
        if ind.type in ("jalon", "qualitatif"):
            assert ind.agregation_territoire == "aucune", ind.code


def test_aggregations_that_would_double_count(ref):
    # Relais are intercommunal: given for the agglomeration only, never summed.
    rpe = ref.indicator("PE_RPE")
    assert rpe.niveaux == ("epci",) and rpe.agregation_territoire == "aucune"
    # Axes and partners are shared between chargés: the agglomeration's value is its own.
    for code in ("CCT_AXES_SUIVIS", "CCT_PARTENAIRES_DIAGNOSTIC"):
        assert ref.indicator(code).agregation_territoire == "aucune"
    # « Uniquement pour le coopérateur chef de projet CTG » (Annexe 6): the CABBALR's COPIL.
    assert ref.indicator("CCT_REUNIONS_PILOTAGE").niveaux == ("epci",)


def test_missing_figures_of_the_convention_with_their_sections(ref):
    expected = {
        "AJ_JEUNES_SANS_EMPLOI_FORMATION_DIPLOME": (21.2, "Ambition 6"),
        "AJ_TAUX_PAUVRETE_JEUNES": (29.4, "Annexe 1, §2"),
        "QPV_QUARTIERS": (25, "géographie prioritaire"),
        "QPV_QUARTIERS_ETAT": (16, "géographie prioritaire"),
        "QPV_QUARTIERS_INTERET_COMMUNAUTAIRE": (9, "géographie prioritaire"),
        "QPV_HABITANTS": (45_000, "géographie prioritaire"),
        "QPV_PART_POPULATION": (16, "géographie prioritaire"),
        "FAMILLES_MONOPARENTALES": (12_828, "ménages"),
        "AVS_CONSEILS_CITOYENS": (2, "Ambition 3"),
        "RE_LAUREATS_DAT": (6, "Ambition 4"),
    }
    for code, (value, where) in expected.items():
        rows = _current(ref, code, EPCI_CODE)
        assert [o.valeur for o in rows] == [value], code
        assert where in rows[0].section and ref.indicator(code).fiche == "CTX", code


def test_context_indicators_are_tagged_ctx(ref):
    """A diagnostic figure the fiche's « Indicateurs d'évaluation » do not name is CTX."""
    for code in (
        "PE_GRANDES_CRECHES",
        "PE_MICRO_CRECHES",
        "PE_CRECHES_FAMILIALES",
        "PE_CRECHES_AVIP",
        "PE_MAM",
        "PE_LAEP",
        "PE_MAISONS_1000_JOURS",
        "PE_RPE",
        "PE_COMMUNES_COUVERTES_RPE",
        "RE_PRE",
        "RE_CLAS",
        "CCT_ETP",
        "CCT_EFFECTIF",
    ):
        assert ref.indicator(code).fiche == "CTX", code
    for ind in ref.indicators:
        if ind.fiche.startswith("F") and "indicateurs d'évaluation" not in ind.section.lower():
            # Kept in a fiche only as a part of an indicator it names, or a follow-up of its priorities.
            assert ind.note and any(
                word in ind.note
                for word in ("Composante", "omposante", "Volet", "dérivé", "Décompte", "Effectif")
            ), ind.code


def test_every_baseline_has_a_source_and_conflicts_keep_both(ref):
    for o in ref.observations:
        assert o.section.strip(), o
    conflicts: dict[str, list] = {}
    for o in ref.observations:
        if o.conflit:
            conflicts.setdefault(o.conflit, []).append(o)
    assert conflicts, "the convention's contradictions must be flagged"
    for key, rows in conflicts.items():
        assert len(rows) >= 2, key
        assert len({r.valeur for r in rows}) >= 2, key


def test_review_calendar(ref):
    instances = {c.instance for c in ref.calendar}
    assert {"copil_restreint", "copil_elargi", "comite_technique", "comite_communal"} <= instances
    cotech = [c for c in ref.calendar if c.instance == "comite_technique"]
    assert any(c.minimum_par_an == 2 for c in cotech)


def _broken_copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    target = tmp_path / "seed"
    shutil.copytree(MINI_SEED, target)
    path = target / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        (
            "indicateurs.csv",
            "taux_100,commune|epci",
            "taux_cent,commune|epci",
            "indicateurs.csv, ligne 2 : champ « unite » : « taux_cent » n'est pas une valeur permise",
        ),
        (
            "indicateurs.csv",
            "Places d'accueil,F1,quantitatif,nombre,commune|structure|epci,trimestrielle,stock",
            "Places d'accueil,F1,quantitatif,nombre,commune|structure|epci,trimestrielle,stok",
            "indicateurs.csv, ligne 3 : champ « agregation_temps »",
        ),
        (
            "observations_reference.csv",
            "POP_MUNICIPALE,62178,2024,21997",
            "POP_MUNICIPALE,62178,2024,21 997",
            "observations_reference.csv, ligne 3 : champ « valeur » : « 21 997 » n'est pas un nombre",
        ),
        (
            "observations_reference.csv",
            "POP_MUNICIPALE,62720,2024",
            "POP_INCONNUE,62720,2024",
            "observations_reference.csv, ligne 4 : champ « indicateur » : POP_INCONNUE inconnu",
        ),
        (
            "territoires.csv",
            "62720,Rombly,commune",
            "62720,Rombly,village",
            "territoires.csv, ligne 5 : champ « type » : « village » n'est pas une valeur permise",
        ),
        (
            "convention.yaml",
            "enjeu: E1, titre: Ambition",
            "enjeu: E9, titre: Ambition",
            "ambition A1, champ « enjeu » : E9 inconnu",
        ),
    ],
)
def test_bad_seed_names_file_line_and_field(tmp_path, name, old, new, message):
    with pytest.raises(SeedError) as info:
        load_reference(_broken_copy(tmp_path, name, old, new))
    assert message in str(info.value)


def test_bad_seed_makes_init_fail_and_write_nothing(tmp_path, monkeypatch):
    from cli import main
    from services.settings import get_settings

    seed = _broken_copy(tmp_path, "indicateurs.csv", "taux_100,commune|epci", "taux_cent,commune|epci")
    db = tmp_path / "init.duckdb"
    monkeypatch.setenv("CTG_DATABASE_URL", f"duckdb:///{db}")
    get_settings.cache_clear()
    try:
        assert main(["init", "--seed", str(seed)]) == 1
        assert not db.exists()
        assert main(["init", "--seed", str(MINI_SEED)]) == 0
        assert main(["init", "--seed", str(MINI_SEED)]) == 0
    finally:
        get_settings.cache_clear()
