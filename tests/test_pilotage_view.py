"""French display tables of the steering pages: no nan/None, French numbers and dates."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from indicators.governance import calendar_status, yearly_counts
from indicators.pilotage_view import (
    calendar_table,
    conflicts_table,
    filter_export,
    format_date,
    values_table,
    year_span,
    yearly_table,
)


def _export_rows():
    return pd.DataFrame(
        [
            {
                "indicateur": "PE_PLACES_ACCUEIL",
                "libelle": "Places d'accueil",
                "territoire": "62119",
                "nom_territoire": "Béthune",
                "periode": "2026-T3",
                "valeur": 1234.5,
                "valeur_texte": None,
                "unite": "nombre",
                "source": None,
                "lot": 3,
                "demonstration": "oui",
            },
            {
                "indicateur": "PE_PLACES_ACCUEIL",
                "libelle": "Places d'accueil",
                "territoire": "62119",
                "nom_territoire": "Béthune",
                "periode": "2024",
                "valeur": float("nan"),
                "valeur_texte": None,
                "unite": "nombre",
                "source": "Annexe 1",
                "lot": 1,
                "demonstration": "non",
            },
            {
                "indicateur": "IA_CAFES_PARTENAIRES",
                "libelle": "Cafés",
                "territoire": "62178",
                "nom_territoire": "Bruay-la-Buissière",
                "periode": "2026-T1",
                "valeur": 2.0,
                "valeur_texte": None,
                "unite": "nombre",
                "source": "Dépôt de x",
                "lot": 3,
                "demonstration": "oui",
            },
        ]
    )


def _flat(frame):
    return " | ".join(str(v) for v in frame.to_numpy().ravel())


def _clean(frame) -> bool:
    """No cell reads `nan`, `None` or `NaT` (words, not parts of `financement`)."""
    return not re.search(r"\b(nan|None|NaT)\b", _flat(frame))


def test_values_table_french(mini_ref):
    batches = pd.DataFrame(
        [
            {"id": 1, "kind": "reference", "created_at": pd.Timestamp("2026-01-02")},
            {"id": 3, "kind": "demo", "created_at": pd.Timestamp("2026-11-29")},
        ]
    )
    table = values_table(_export_rows(), batches)
    assert list(table["Période"]) == ["T1 2026", "2024", "T3 2026"]
    assert list(table["Valeur"]) == ["2", "non renseigné", "1\u202f234,5"]
    assert table.iloc[0]["Lot"] == "n°3 · démonstration du 29/11/2026"
    assert table.iloc[2]["Source"] == "non renseigné"
    assert _clean(table)


def test_filter_export(mini_ref):
    rows = _export_rows()
    assert len(filter_export(rows, mini_ref, territoires=["62119"])) == 2
    assert len(filter_export(rows, mini_ref, annees=(2026, 2030))) == 2
    assert len(filter_export(rows, mini_ref, include_demo=False)) == 1
    assert len(filter_export(rows, mini_ref, fiches=["F1"], indicateurs=["IA_CAFES_PARTENAIRES"])) == 1
    assert year_span(2024, 2027) == (2024, 2030)
    assert year_span(2024, 2031) == (2024, 2031)
    assert year_span(None, None) == (2026, 2030)


def test_governance_tables_have_no_gaps(ref):
    today = dt.date(2026, 11, 29)
    meetings = pd.DataFrame(
        [
            {
                "instance": "copil_elargi",
                "calendrier_code": None,
                "territoire": None,
                "date": dt.date(2026, 12, 8),
                "tenue": False,
            }
        ]
    )
    table = calendar_table(calendar_status(ref, meetings, today))
    assert _clean(table)
    row = table[table["Échéance"].str.startswith("COPIL élargi 2026")].iloc[0]
    assert row["Prévue le"] == "08/12/2026" and row["Statut"] == "en cours"
    years = yearly_table(yearly_counts(ref, meetings, today))
    assert list(years.columns) == ["Instance", "2026", "2027", "2028", "2029", "2030"]
    assert _clean(years)


def test_conflicts_table_every_statement_and_the_one_followed(ref):
    table = conflicts_table(ref)
    rpe = table[table["Sujet"].str.startswith("Nombre de communes couvertes par un relais")]
    assert list(rpe["Énoncé"]) == ["81", "82"]
    assert list(rpe["Retenu"]) == ["non", "oui"]
    assert rpe["Section de la convention"].str.contains("Annexe 1").tolist() == [True, False]
    assert "fiche-projet Ambition 1" in rpe["Raison ou traitement"].iloc[1]
    ctg1 = table[table["Sujet"] == "Période de la CTG 1"]
    assert set(ctg1["Énoncé"]) == {"2021-2025", "2020-2025"}
    assert _clean(table)


def test_format_date():
    assert format_date(dt.date(2026, 3, 2)) == "02/03/2026"
    assert format_date(None) == "non renseigné"
    assert format_date("2026-03-02") == "02/03/2026"
