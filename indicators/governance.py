"""The Annexe 5 calendar against the meetings actually held.

The calendar (`ref.calendar`, from `seed/calendrier.csv`) has three kinds of rows:

- a dated occurrence (`date_debut`/`date_fin`: the COPIL élargi of a year, November-
  December; the COPIL restreint of October 2026; the mid-term bilan of June 2028...):
  due once, within its window; its `minimum_par_an` is the instance's yearly minimum
  (2 for the comité technique, met by its two dated windows);
- a recurring instance (`minimum_par_an`, no dates): due every year of the convention,
  `minimum_par_an` times;
- an undated milestone without minimum (the final bilan): shown, never overdue.

A held meeting counts for an occurrence when it names it (`calendrier_code`), or when
its instance matches (a review is held by a COPIL restreint) and it falls in the
occurrence's window. The comités de pilotage communaux are counted in communes: each
commune is expected to hold one a year, and a supra-communal comité (a structure, a
sector) covers its member communes. Pass the `Territories` the store holds
(`services.territories.territories`): sectors are filled in by administrators, the seed
alone leaves them empty. A comité naming no territory covers no commune; the Gouvernance
page lists such rows (`unattributed_committees`) rather than hiding them.

Every function takes `today`, so that the statuses are reproducible.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from dataclasses import dataclass

import pandas as pd

from indicators.aggregation import Territories
from indicators.catalogue import CalendarEntry, Reference

INSTANCE_LABELS = {
    "copil_restreint": "COPIL restreint",
    "copil_elargi": "COPIL élargi",
    "comite_technique": "Comité technique opérationnel",
    "comite_communal": "Comités de pilotage communaux",
    "revue": "Revue de la convention",
}
INSTANCE_ORDER = list(INSTANCE_LABELS)
COMMUNAL = "comite_communal"
# Which instances' meetings fulfil a due date of an instance (a review is held by a COPIL).
FULFILLED_BY = {"revue": ("revue", "copil_restreint")}

STATUS_HELD = "tenue"
STATUS_PARTIAL = "incomplète"
STATUS_MISSED = "non tenue"
STATUS_OPEN = "en cours"
STATUS_UPCOMING = "à venir"
STATUS_UNDATED = "date non fixée"
STATUS_LATE = "en retard"  # a year not over yet, but one of its due dates passed without a meeting
DUE_STATUSES = (STATUS_PARTIAL, STATUS_MISSED)

OCCURRENCE_COLUMNS = [
    "code",
    "instance",
    "instance_libelle",
    "libelle",
    "annee",
    "debut",
    "fin",
    "attendues",
    "tenues",
    "unite",
    "statut",
    "dates_tenues",
    "prevue_le",
    "recurrente",
    "section",
    "note",
]
YEARLY_COLUMNS = ["instance", "instance_libelle", "annee", "tenues", "minimum", "unite", "statut"]
DUE_COLUMNS = [
    "code",
    "instance",
    "instance_libelle",
    "libelle",
    "annee",
    "echeance",
    "tenues",
    "attendues",
    "unite",
    "statut",
    "message",
]


@dataclass(frozen=True)
class Occurrence:
    """One due date of the calendar: an instance, a window and how many meetings it needs."""

    code: str
    instance: str
    libelle: str
    annee: int
    debut: dt.date | None  # None: an undated milestone
    fin: dt.date | None
    minimum: int  # meetings needed in the window
    minimum_par_an: int  # the instance's yearly minimum (0 when the calendar gives none)
    recurrente: bool
    section: str
    note: str | None

    @property
    def dated(self) -> bool:
        return self.fin is not None


def instance_fulfilled_by(instance: str) -> tuple[str, ...]:
    """The instances whose meetings can fulfil a due date of `instance`."""
    return FULFILLED_BY.get(instance, (instance,))


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=_calendar.monthrange(day.year, day.month)[1])


def expand_calendar(ref: Reference) -> list[Occurrence]:
    """Every due date of the convention: dated rows once, recurring rows once a year."""
    first, last = ref.convention.debut.year, ref.convention.fin.year
    out: list[Occurrence] = []
    for entry in ref.calendar:
        out.extend(_occurrences_of(entry, first, last))
    far = dt.date(last + 1, 12, 31)
    return sorted(out, key=lambda o: (o.fin or far, INSTANCE_ORDER.index(o.instance), o.code))


def _occurrences_of(entry: CalendarEntry, first: int, last: int) -> list[Occurrence]:
    yearly = entry.minimum_par_an or 0
    if entry.date_debut or entry.date_fin:
        end = entry.date_fin or _month_end(entry.date_debut)  # type: ignore[arg-type]
        start = entry.date_debut or end.replace(month=1, day=1)
        return [
            Occurrence(
                entry.code,
                entry.instance,
                entry.libelle,
                end.year,
                start,
                end,
                1,
                yearly,
                False,
                entry.section,
                entry.note,
            )
        ]
    if not yearly:
        return [
            Occurrence(
                entry.code,
                entry.instance,
                entry.libelle,
                last,
                None,
                None,
                1,
                0,
                False,
                entry.section,
                entry.note,
            )
        ]
    return [
        Occurrence(
            entry.code,
            entry.instance,
            f"{entry.libelle} {year}",
            year,
            dt.date(year, 1, 1),
            dt.date(year, 12, 31),
            yearly,
            yearly,
            True,
            entry.section,
            entry.note,
        )
        for year in range(first, last + 1)
    ]


@dataclass(frozen=True)
class _Meeting:
    row: int
    instance: str
    code: str | None
    territoire: str | None
    date: dt.date
    tenue: bool


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value is pd.NaT or value == ""


def _records(meetings: pd.DataFrame | None) -> list[_Meeting]:
    """The meetings as plain records (a few hundred at most: matching them in Python is instant)."""
    if meetings is None or meetings.empty:
        return []
    dates = pd.to_datetime(meetings["date"]).dt.date
    codes = meetings["calendrier_code"] if "calendrier_code" in meetings else [None] * len(meetings)
    places = meetings["territoire"] if "territoire" in meetings else [None] * len(meetings)
    return [
        _Meeting(
            i,
            str(inst),
            None if _blank(code) else str(code),
            None if _blank(place) else str(place),
            day,
            bool(held),
        )
        for i, (inst, code, place, day, held) in enumerate(
            zip(meetings["instance"], codes, places, dates, meetings["tenue"], strict=True)
        )
    ]


def _matches(meetings: list[_Meeting], occ: Occurrence) -> list[_Meeting]:
    """Meetings that count for an occurrence (named by code, or a fitting instance in the window)."""
    fitting = instance_fulfilled_by(occ.instance)
    out = []
    for m in meetings:
        if m.code == occ.code and (not occ.recurrente or m.date.year == occ.annee):
            out.append(m)
        elif occ.dated and m.instance in fitting and occ.debut <= m.date <= occ.fin:  # type: ignore[operator]
            out.append(m)
    return out


def _communes_covered(meetings: list[_Meeting], territories: Territories) -> set[str]:
    covered: set[str] = set()
    for m in meetings:
        if m.territoire is None:
            continue
        if territories.types.get(m.territoire) == "commune":
            covered.add(m.territoire)
        else:
            covered |= {c for c in territories.parts(m.territoire) if territories.types.get(c) == "commune"}
    return covered


def _status(held: int, expected: int, occ: Occurrence, today: dt.date) -> str:
    if held >= expected:
        return STATUS_HELD
    if not occ.dated:
        return STATUS_UNDATED
    if today < occ.debut:  # type: ignore[operator]
        return STATUS_UPCOMING
    if today <= occ.fin:  # type: ignore[operator]
        return STATUS_OPEN
    return STATUS_PARTIAL if held else STATUS_MISSED


def calendar_status(
    ref: Reference,
    meetings: pd.DataFrame | None,
    today: dt.date,
    territories: Territories | None = None,
) -> pd.DataFrame:
    """One row per due date with the meetings held for it and its status at `today`.

    `statut` is `tenue`, `incomplète` (some but fewer than required), `non tenue`,
    `en cours` (window open), `à venir` or `date non fixée`; `attendues`/`tenues` count
    meetings, or communes for the comités communaux (`unite`), covered through
    `territories` (default: the seed's memberships only).
    """
    records = _records(meetings)
    held = [m for m in records if m.tenue]
    planned = [m for m in records if not m.tenue and m.date >= today]
    territories = territories if territories is not None else Territories(ref)
    n_communes = len(ref.communes())
    rows = []
    for occ in expand_calendar(ref):
        matched = _matches(held, occ)
        if occ.instance == COMMUNAL:
            count, expected, unit = len(_communes_covered(matched, territories)), n_communes, "communes"
        else:
            count, expected, unit = len(matched), occ.minimum, "réunions"
        future = _matches(planned, occ)
        rows.append(
            {
                "code": occ.code,
                "instance": occ.instance,
                "instance_libelle": INSTANCE_LABELS.get(occ.instance, occ.instance),
                "libelle": occ.libelle,
                "annee": occ.annee,
                "debut": occ.debut,
                "fin": occ.fin,
                "attendues": expected,
                "tenues": count,
                "unite": unit,
                "statut": _status(count, expected, occ, today),
                "dates_tenues": sorted(m.date for m in matched),
                "prevue_le": min((m.date for m in future), default=None),
                "recurrente": occ.recurrente,
                "section": occ.section,
                "note": occ.note,
            }
        )
    return pd.DataFrame(rows, columns=OCCURRENCE_COLUMNS)


def _due_message(row: pd.Series) -> str:
    when = f"échéance du {row['fin']:%d/%m/%Y}"
    if row["unite"] == "communes":
        return (
            f"{row['libelle']} : {row['tenues']} commune(s) sur {row['attendues']} "
            f"couverte(s) par un comité tenu ({when})."
        )
    if row["tenues"] == 0:
        return f"{row['libelle']} : aucune réunion tenue ({when})."
    return (
        f"{row['libelle']} : {row['tenues']} réunion(s) tenue(s) sur {row['attendues']} au minimum ({when})."
    )


def due_not_held(
    ref: Reference,
    meetings_df: pd.DataFrame | None,
    today: dt.date,
    territories: Territories | None = None,
) -> pd.DataFrame:
    """Meetings the convention required before `today` and that were not (all) held.

    One row per overdue due date, oldest first, with a French `message` for the alerts.
    `meetings_df` has the columns of `db.pilotage.meetings_frame` (at least instance,
    calendrier_code, date, tenue; territoire for the comités communaux).
    """
    status = calendar_status(ref, meetings_df, today, territories)
    due = status[status["statut"].isin(DUE_STATUSES)].copy()
    if due.empty:
        return pd.DataFrame(columns=DUE_COLUMNS)
    due["echeance"] = due["fin"]
    due["message"] = due.apply(_due_message, axis=1)
    return due[DUE_COLUMNS].reset_index(drop=True)


def yearly_counts(
    ref: Reference,
    meetings_df: pd.DataFrame | None,
    today: dt.date,
    territories: Territories | None = None,
) -> pd.DataFrame:
    """Per instance and year: meetings held against the convention's minimum, with a status.

    The minimum of a year is the largest of the number of due dates that year and the
    yearly minimum of the calendar. A held meeting counts once, in the year of the due
    date it names or fulfils (else of its date). Comités communaux count the communes
    covered by a comité within the window, against the number of communes.
    """
    held = [m for m in _records(meetings_df) if m.tenue]
    occurrences = [o for o in expand_calendar(ref) if o.dated]
    territories = territories if territories is not None else Territories(ref)
    n_communes = len(ref.communes())
    first, last = ref.convention.debut.year, ref.convention.fin.year
    rows = []
    for instance in INSTANCE_ORDER:
        own = [o for o in occurrences if o.instance == instance]
        if not own:
            continue
        for year in range(first, last + 1):
            of_year = [o for o in own if o.annee == year]
            minimum = max(len(of_year), max((o.minimum_par_an for o in of_year), default=0))
            if minimum == 0:
                continue
            matched = {o.code: _matches(held, o) for o in of_year}
            counted = {m.row: m for found in matched.values() for m in found}
            if instance != COMMUNAL:  # an extra meeting of the instance counts toward its yearly minimum
                counted.update(
                    {
                        m.row: m
                        for m in held
                        if m.instance == instance and m.date.year == year and m.code is None
                    }
                )
            if instance == COMMUNAL:
                count = len(_communes_covered(list(counted.values()), territories))
                minimum, unit = n_communes, "communes"
            else:
                count, unit = len(counted), "réunions"
            if count >= minimum:
                status = "atteint"
            elif all(o.fin < today for o in of_year):  # type: ignore[operator]
                status = "non atteint"
            elif any(o.fin < today and not matched[o.code] for o in of_year):  # type: ignore[operator]
                status = STATUS_LATE
            elif all(o.debut > today for o in of_year):  # type: ignore[operator]
                status = STATUS_UPCOMING
            else:
                status = STATUS_OPEN
            rows.append(
                {
                    "instance": instance,
                    "instance_libelle": INSTANCE_LABELS.get(instance, instance),
                    "annee": year,
                    "tenues": count,
                    "minimum": minimum,
                    "unite": unit,
                    "statut": status,
                }
            )
    return pd.DataFrame(rows, columns=YEARLY_COLUMNS)


def communes_without_committee(
    ref: Reference,
    meetings_df: pd.DataFrame | None,
    year: int,
    territories: Territories | None = None,
) -> pd.DataFrame:
    """Communes not covered by a comité de pilotage communal held in `year` (code, nom)."""
    held = [m for m in _records(meetings_df) if m.tenue and m.instance == COMMUNAL and m.date.year == year]
    covered = _communes_covered(held, territories if territories is not None else Territories(ref))
    return pd.DataFrame(
        [{"commune": c.code, "nom": c.nom} for c in ref.communes() if c.code not in covered],
        columns=["commune", "nom"],
    )


def unattributed_committees(meetings_df: pd.DataFrame | None) -> pd.DataFrame:
    """Held comités de pilotage communaux that name no commune, structure or sector.

    They cannot count for any commune; the rows of `meetings_df` are returned as they are.
    """
    if meetings_df is None or meetings_df.empty:
        return pd.DataFrame(columns=[] if meetings_df is None else meetings_df.columns)
    place = (
        meetings_df["territoire"] if "territoire" in meetings_df else pd.Series(None, index=meetings_df.index)
    )
    mask = (meetings_df["instance"] == COMMUNAL) & meetings_df["tenue"].astype(bool) & place.map(_blank)
    return meetings_df[mask].reset_index(drop=True)


def status_counts(status: pd.DataFrame) -> dict[str, int]:
    """How many due dates are held, overdue (not or partly held), and still open or to come."""
    counts = status["statut"].value_counts()
    return {
        "tenues": int(counts.get(STATUS_HELD, 0)),
        "en_retard": int(sum(counts.get(s, 0) for s in DUE_STATUSES)),
        "a_venir": int(sum(counts.get(s, 0) for s in (STATUS_OPEN, STATUS_UPCOMING, STATUS_UNDATED))),
    }
