"""The chargés de coopération (Annexe 7) are yearly observations: exported, summed by the
agglomeration, and changed by an upload like any other value."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd

from db.observations import current_values
from indicators.access import SYSTEM
from indicators.aggregation import value_at
from indicators.catalogue import EPCI_CODE
from indicators.staffing import latest_team, staffing_frame
from services.exports import export_bytes
from services.uploads import import_file


def _export(store, ref) -> pd.DataFrame:
    data = export_bytes(store, ref, ".csv")
    return pd.read_csv(
        io.BytesIO(data),
        sep=";",
        decimal=",",
        encoding="utf-8-sig",
        dtype={"territoire": str, "periode": str},
    )


def test_the_export_sums_to_the_totals_of_annexe_7(store, ref):
    frame = _export(store, ref)
    etp = frame[frame["indicateur"] == "CCT_ETP"]
    assert round(etp[etp["periode"] == "2021"]["valeur"].sum(), 2) == 19.38  # CTG 1
    assert round(etp[etp["periode"] == "2026"]["valeur"].sum(), 2) == 10.74  # CTG 2
    people = frame[frame["indicateur"] == "CCT_EFFECTIF"]
    assert people.groupby("periode")["valeur"].sum().to_dict() == {"2021": 27, "2026": 27}


def test_the_agglomeration_is_the_sum_of_the_employers(store, ref):
    values = current_values(store, ref.convention.code)
    assert round(value_at(values, ref, "CCT_ETP", EPCI_CODE, "2026"), 2) == 10.74
    assert round(value_at(values, ref, "CCT_ETP", EPCI_CODE, "2021"), 2) == 19.38
    team = latest_team(staffing_frame(values))
    assert (team.year, round(team.etp, 2), team.people, team.employers, team.pending) == (
        2026,
        10.74,
        27,
        19,
        1,
    )


def test_violaines_etp_is_set_by_an_upload(store, ref):
    data = b"territoire;indicateur;periode;valeur\n62863;CCT_ETP;2026;0,5\n"
    result = import_file(store, ref, data, "etp.csv", SYSTEM, today=dt.date(2026, 12, 2))
    assert result.committed, result.message
    values = current_values(store, ref.convention.code)
    team = latest_team(staffing_frame(values))
    assert (round(team.etp, 2), team.pending) == (11.24, 0)
    frame = _export(store, ref)
    etp = frame[(frame["indicateur"] == "CCT_ETP") & (frame["periode"] == "2026")]
    assert round(etp["valeur"].sum(), 2) == 11.24
