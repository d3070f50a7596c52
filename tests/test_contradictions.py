"""Where the convention contradicts itself, no figure is chosen in silence.

Every conflict of seed/ names the value retained and why; the store's current values, the
review figures, their French display, the Référentiel and the bilan's table all follow it
and say so.
"""

from __future__ import annotations

import shutil

import pytest

from db.observations import conflicts, current_values
from indicators.catalogue import EPCI_CODE, SeedError, load_reference
from indicators.contradictions import contradictions_frame
from indicators.reference_view import baseline_table
from indicators.review import format_summary, get_review, indicator_summary

from .conftest import SEED


def _conflicts_of(ref):
    groups: dict[str, list] = {}
    for obs in ref.observations:
        if obs.conflit:
            groups.setdefault(obs.conflit, []).append(obs)
    return groups


def test_every_conflict_names_one_retained_value_with_its_reason(ref):
    groups = _conflicts_of(ref)
    assert set(groups) == {"rpe_communes", "micro_creches", "mam"}
    for key, rows in groups.items():
        retained = [o for o in rows if o.arbitrage]
        assert len(retained) == 1, key
        others = [o for o in rows if not o.arbitrage]
        # The reason names the value set aside, so a reader sees both.
        for other in others:
            assert f"{other.valeur:g}" in retained[0].arbitrage, key


def test_no_computed_series_resolves_a_conflict_silently(store, ref):
    conv = ref.convention.code
    values = current_values(store, conv)
    summary = indicator_summary(values, ref, get_review("annuelle-2026")).set_index("code")
    shown = format_summary(summary.reset_index(), get_review("annuelle-2026")).set_index("Indicateur")
    table = baseline_table(ref, values).set_index("code")
    stored = conflicts(store, conv)
    for key, rows in _conflicts_of(ref).items():
        retained = next(o for o in rows if o.arbitrage)
        code, periode = retained.indicateur, retained.periode
        current = values[
            (values["indicateur"] == code)
            & (values["territoire"] == retained.territoire)
            & (values["periode"] == periode)
        ]
        assert list(current["valeur"]) == [retained.valeur], key  # one current value: the retained one
        assert stored[stored["conflit"] == key]["retenue"].sum() == 1
        line = summary.loc[code]
        assert line["reference"] == retained.valeur and line["periode_reference"] == periode, key
        assert line["arbitrage_reference"] == retained.arbitrage, key
        assert retained.arbitrage in shown.loc[line["libelle"], "Référence"], key
        assert retained.arbitrage in table.loc[code, "valeur de référence (EPCI)"], key


def test_the_retained_value_wins_whatever_its_row_order(mini_store, mini_ref):
    # The mini seed retains 13, written before 14: the highest id no longer decides.
    values = current_values(mini_store, "ctg-test")
    cafes = values[(values["indicateur"] == "IA_CAFES_PARTENAIRES") & (values["territoire"] == EPCI_CODE)]
    assert list(cafes["valeur"]) == [13.0]


def test_statements_that_are_not_figures_are_recorded_with_their_sections(ref):
    frame = contradictions_frame(ref)
    keys = set(frame["conflit"])
    assert {
        "ctg1_periode",
        "etp_ajustement",
        "communes_moins_5000",
        "creches_avip",
        "illectronisme_base",
    } <= keys
    assert frame["section"].str.strip().astype(bool).all()
    for _key, group in frame.groupby("conflit"):
        assert len(group) >= 2 and group["retenu"].sum() <= 1
    communes = frame[frame["conflit"] == "communes_moins_5000"].set_index("enonce")
    assert (
        "Annexe 1" in communes.loc["85", "section"] and "Territoire couvert" in communes.loc["84", "section"]
    )


def test_the_84_communes_under_5000_inhabitants_of_the_table(ref):
    pops = {
        o.territoire: o.valeur
        for o in ref.observations
        if o.indicateur == "POP_MUNICIPALE" and o.territoire != EPCI_CODE
    }
    assert len(pops) == 100
    assert sum(v < 5000 for v in pops.values()) == 84  # the text says 85
    assert sum(v < 2000 for v in pops.values()) == 61  # the text agrees


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "IA_CAFES_PARTENAIRES,200072460,2024,13,Test,cafes,13 plutôt que 14 : raison de test,",
            "IA_CAFES_PARTENAIRES,200072460,2024,13,Test,cafes,,",
            "le conflit « cafes » n'a pas de valeur retenue",
        ),
        (
            "IA_CAFES_PARTENAIRES,200072460,2024,14,Test bis,cafes,,",
            "IA_CAFES_PARTENAIRES,200072460,2024,14,Test bis,cafes,aussi,",
            "a déjà une valeur retenue (ligne 10)",
        ),
    ],
)
def test_a_conflict_without_exactly_one_choice_is_refused(tmp_path, old, new, message):
    from .conftest import MINI_SEED

    target = tmp_path / "seed"
    shutil.copytree(MINI_SEED, target)
    path = target / "observations_reference.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(SeedError) as info:
        load_reference(target)
    assert message in str(info.value)


def test_the_real_seed_loads(ref):
    assert load_reference(SEED).digest == ref.digest
