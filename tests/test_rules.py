"""Validation rules across indicators (seed/regles_validation.csv): at upload, over the store,
on the « Contrôles de cohérence » page, and added by editing the seed file only."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from db.observations import current_values, write_batch
from indicators.access import SYSTEM
from indicators.catalogue import COMMUNE_COUNT, EPCI_CODE, SeedError, load_reference
from indicators.periods import Period
from indicators.rules import RULE_ISSUE_KIND, store_violations, violations
from services.uploads import import_file, prepare_import
from tests.auth_helpers import login_as
from tests.conftest import ROOT, SEED, app_serving
from ui.text import plain

TODAY = dt.date(2026, 12, 2)
PLACES = {"commune": "62119", "structure": "SIVOM_BETHUNOIS", "epci": EPCI_CODE}


def _reference_rules():
    return load_reference(SEED).rules


def _setting(rule, ref):
    """A territory where every indicator of the rule is collected, and each code's period."""
    for level in rule.niveaux:
        if all(level in ref.indicator(c).niveaux for c in rule.codes()):
            territory = PLACES[level]
            break
    else:  # pragma: no cover - the seed is checked by test_every_rule_can_be_broken_by_a_file
        raise AssertionError(rule.code)
    periods = {
        c: "2026-T3" if ref.indicator(c).periodicite == "trimestrielle" else "2026" for c in rule.codes()
    }
    return territory, periods


def _breaking_file(rule, ref) -> tuple[bytes, dict[str, int]]:
    """A CSV breaking the rule: the left side large, the right side small; code → line."""
    territory, periods = _setting(rule, ref)
    lines, rows = {}, ["territoire;indicateur;periode;valeur"]
    for code in rule.codes():
        value = 60 if code in rule.gauche else 10
        rows.append(f"{territory};{code};{periods[code]};{value}")
        lines[code] = len(rows)
    return ("\n".join(rows) + "\n").encode(), lines


FILE_RULES = [
    r
    for r in _reference_rules()
    if not any(t == COMMUNE_COUNT or t[0].isdigit() for t in (*r.gauche, *r.droite))
]
CONSTANT_RULES = [r for r in _reference_rules() if r not in FILE_RULES]


@pytest.mark.parametrize("rule", FILE_RULES, ids=lambda r: r.code)
def test_a_file_breaking_a_rule_is_refused_or_warned_with_both_lines(store, ref, rule):
    data, lines = _breaking_file(rule, ref)
    plan = prepare_import(store, ref, data, "regle.csv", SYSTEM, today=TODAY)
    found = [i for i in (*plan.report.errors, *plan.report.warnings) if i.kind == RULE_ISSUE_KIND]
    assert len(found) == 1, plan.report.flatten(("line", "kind", "message"))
    issue = found[0]
    assert issue.severity == rule.gravite
    assert plan.accepted == (rule.gravite == "avertissement")
    for code, line in lines.items():  # every line involved is named, on both sides
        assert f"{code} = " in issue.message and f"(ligne {line})" in issue.message
    assert rule.code in issue.message and rule.section in issue.message


def test_the_other_side_may_be_a_stored_value(store, ref):
    first = "territoire;indicateur;periode;valeur\n62119;PE_ENFANTS_ACCUEILLIS_EAJE;2026;43\n"
    assert import_file(store, ref, first.encode(), "a.csv", SYSTEM, today=TODAY).committed
    second = "territoire;indicateur;periode;valeur\n62119;PE_ENFANTS_HANDICAP_EAJE;2026;49\n"
    plan = prepare_import(store, ref, second.encode(), "b.csv", SYSTEM, today=TODAY)
    assert not plan.accepted
    (issue,) = plan.report.errors
    assert issue.line == 2 and issue.kind == RULE_ISSUE_KIND
    assert (
        "PE_ENFANTS_HANDICAP_EAJE = 49 (ligne 2) dépasse PE_ENFANTS_ACCUEILLIS_EAJE = 43 (valeur enregistrée)"
        in (issue.message)
    )
    assert "Béthune (62119), 2026" in issue.message
    # The file's own value replaces the stored one: raising both at once is accepted.
    both = second + "62119;PE_ENFANTS_ACCUEILLIS_EAJE;2026;60\n"
    assert import_file(store, ref, both.encode(), "c.csv", SYSTEM, today=TODAY).committed


def test_a_warning_shows_in_the_preview_and_lets_the_file_in(store, ref):
    data = "territoire;indicateur;periode;valeur\n200072460;QPV_HABITANTS;2026;300000\n200072460;POP_MUNICIPALE;2026;275000\n"
    plan = prepare_import(store, ref, data.encode(), "w.csv", SYSTEM, today=TODAY)
    assert plan.accepted and [w.kind for w in plan.report.warnings] == [RULE_ISSUE_KIND]
    assert plan.report.to_frame()["type"].tolist() == ["règle de cohérence entre indicateurs"]


def test_a_stored_violation_the_file_does_not_touch_is_not_blamed_on_it(store, ref):
    def plant(conn):
        rows = pd.DataFrame(
            [
                {
                    "indicateur": "PE_ENFANTS_HANDICAP_EAJE",
                    "territoire": "62119",
                    "periode": "2026",
                    "annee": 2026,
                    "valeur": 49.0,
                },
                {
                    "indicateur": "PE_ENFANTS_ACCUEILLIS_EAJE",
                    "territoire": "62119",
                    "periode": "2026",
                    "annee": 2026,
                    "valeur": 43.0,
                },
            ]
        )
        write_batch(conn, ref.convention.code, rows, kind="depot", author="test")

    store.write(plant)
    data = "territoire;indicateur;periode;valeur\n62119;PE_ENFANTS_PAUVRETE_EAJE;2026;10\n"
    plan = prepare_import(store, ref, data.encode(), "x.csv", SYSTEM, today=TODAY)
    assert plan.accepted and not plan.report.warnings


@pytest.mark.parametrize("rule", CONSTANT_RULES, ids=lambda r: r.code)
def test_rules_against_a_number(ref, rule):
    territory, periods = _setting(rule, ref)
    (code,) = rule.codes()
    frame = pd.DataFrame(
        [
            {
                "indicateur": code,
                "territoire": territory,
                "periode": periods[code],
                "valeur": 101.0,
                "origine": "ligne 4",
                "ligne": 4.0,
            }
        ]
    )
    found = violations(frame, ref, [rule])
    assert len(found) == 1 and found.iloc[0]["lignes"] == [4]
    ok = frame.assign(valeur=1.0)
    assert violations(ok, ref, [rule]).empty


def test_a_rule_is_checked_only_where_all_its_indicators_have_a_value(ref):
    (rule,) = [r for r in ref.rules if r.code == "EJ_BONUS_ACM_PARTIES_DU_TOTAL"]
    frame = pd.DataFrame(
        [
            {
                "indicateur": "EJ_BONUS_INCLUSION_ACM_EXTRA",
                "territoire": "62119",
                "periode": "2026",
                "valeur": 500.0,
            },
            {
                "indicateur": "EJ_BONUS_INCLUSION_ACM",
                "territoire": "62119",
                "periode": "2026",
                "valeur": 100.0,
            },
        ]
    )
    assert violations(frame, ref, [rule]).empty  # two parts of three unknown: nothing to say


def test_quarterly_places_are_compared_with_the_yearly_total_of_their_year(ref):
    (rule,) = [r for r in ref.rules if r.code == "PE_EAJE_PARMI_ACCUEIL_FORMEL"]
    frame = pd.DataFrame(
        [
            {"indicateur": "PE_PLACES_EAJE", "territoire": "62119", "periode": "2026-T1", "valeur": 80.0},
            {"indicateur": "PE_PLACES_EAJE", "territoire": "62119", "periode": "2026-T2", "valeur": 120.0},
            {"indicateur": "PE_PLACES_ACCUEIL", "territoire": "62119", "periode": "2026", "valeur": 100.0},
            {"indicateur": "PE_PLACES_EAJE", "territoire": "62119", "periode": "2027-T1", "valeur": 120.0},
        ]
    )
    found = violations(frame, ref, [rule])
    assert list(found["periode"]) == ["2026-T2"]


def test_the_reference_of_the_convention_passes_every_rule(store, ref):
    values = current_values(store, ref.convention.code)
    found = store_violations(values, ref, Period(2026, 3))
    assert found.empty, found[["regle", "territoire", "periode"]].to_dict("records")


def test_the_agglomeration_is_checked_as_the_panels_show_it(store, ref):
    def plant(conn):
        rows = pd.DataFrame(
            [
                {
                    "indicateur": "PE_ENFANTS_HANDICAP_EAJE",
                    "territoire": "62119",
                    "periode": "2026",
                    "annee": 2026,
                    "valeur": 30.0,
                },
                {
                    "indicateur": "PE_ENFANTS_HANDICAP_EAJE",
                    "territoire": "62178",
                    "periode": "2026",
                    "annee": 2026,
                    "valeur": 19.0,
                },
                {
                    "indicateur": "PE_ENFANTS_ACCUEILLIS_EAJE",
                    "territoire": "62119",
                    "periode": "2026",
                    "annee": 2026,
                    "valeur": 43.0,
                },
            ]
        )
        write_batch(conn, ref.convention.code, rows, kind="depot", author="test")

    store.write(plant)
    found = store_violations(current_values(store, ref.convention.code), ref, Period(2026, 3))
    # Béthune is coherent (30 ≤ 43); the agglomeration adds 49 children with a handicap
    # and 43 children accueillis: that is what a COPIL member would read.
    assert list(zip(found["regle"], found["territoire"], found["periode"], strict=True)) == [
        ("PE_HANDICAP_PARMI_ACCUEILLIS", EPCI_CODE, "2026")
    ]
    assert found.iloc[0]["gauche"] == 49 and found.iloc[0]["droite"] == 43


def test_the_coherence_page_lists_a_planted_violation(store, ref):
    def plant(conn):
        rows = pd.DataFrame(
            [
                {
                    "indicateur": "CCT_ETP",
                    "territoire": "62051",
                    "periode": "2026",
                    "annee": 2026,
                    "valeur": 3.5,
                },
            ]
        )
        write_batch(conn, ref.convention.code, rows, kind="depot", author="test")

    store.write(plant)
    url = store.url
    store.close()
    with app_serving(url):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        login_as(at, "lecteur")
        at.switch_page("pages/coherence.py")
        at.run()
        assert not at.exception, at.exception
        assert at.title[0].value == "Contrôles de cohérence"
        table = at.table[0].value  # an HTML table: its texts escaped for Markdown (ui.text.plain)
        row = table[table["Territoire"] == plain("Auchy-les-Mines (62051)")].iloc[0]
        assert row["Période"] == "2026" and row["Gravité"] == "erreur"
        assert row["Valeurs"] == plain("CCT_ETP = 3,50\u202fETP dépasse CCT_EFFECTIF = 2")
        assert (
            plain("CCT_ETP_AU_PLUS_EFFECTIF") in row["Règle"]
            and "Annexe 7" in row["Section de la convention"]
        )
        metrics = {m.label: m.value for m in at.metric}
        assert metrics["Erreurs"] == "1"
        text = " ".join(str(v) for v in table.to_numpy().ravel())
        assert not re.search(r"\b(nan|None)\b", text)


def test_adding_a_rule_is_editing_the_seed_file(tmp_path, ref):
    target = tmp_path / "seed"
    shutil.copytree(SEED, target)
    path = target / "regles_validation.csv"
    path.write_text(
        path.read_text(encoding="utf-8")
        + "PE_MAM_PARMI_ASSMAT,PE_MAM,<=,PE_ASSMAT,epci,avertissement,Une MAM réunit des assistants maternels,Annexe 1\n",
        encoding="utf-8",
    )
    extended = load_reference(target)
    (rule,) = [r for r in extended.rules if r.code == "PE_MAM_PARMI_ASSMAT"]
    frame = pd.DataFrame(
        [
            {"indicateur": "PE_MAM", "territoire": EPCI_CODE, "periode": "2027", "valeur": 20.0},
            {"indicateur": "PE_ASSMAT", "territoire": EPCI_CODE, "periode": "2027", "valeur": 10.0},
        ]
    )
    assert list(violations(frame, extended)["regle"]) == ["PE_MAM_PARMI_ASSMAT"]
    path.write_text(
        path.read_text(encoding="utf-8").replace("PE_MAM,<=,PE_ASSMAT", "PE_MAM,<=,PE_INCONNU"),
        encoding="utf-8",
    )
    with pytest.raises(SeedError, match="PE_MAM_PARMI_ASSMAT.*indicateur PE_INCONNU inconnu"):
        load_reference(target)
