"""French display tables of the steering pages: governance, targets, comments, engagements, data.

Each function takes frames from `db.pilotage` / `db.observations` / `indicators.governance`
and returns a frame ready to show: French headers, French numbers and dates, never
`nan`/`None` (`non renseigné`).
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from indicators.catalogue import Reference
from indicators.contradictions import contradictions_frame
from indicators.formatting import MISSING, format_number, format_value
from indicators.governance import INSTANCE_LABELS, INSTANCE_ORDER
from indicators.labels import batch_kind_label
from indicators.periods import PeriodError, parse_period, period_label

STATUS_MARKS = {
    "tenue": "✔ tenue",
    "atteint": "✔ atteint",
    "non tenue": "✘ non tenue",
    "incomplète": "✘ incomplète",
    "non atteint": "✘ non atteint",
    "en retard": "✘ en retard",
    "en cours": "en cours",
    "à venir": "à venir",
    "date non fixée": "date non fixée",
}


def _missing(value: object) -> bool:
    if value is None or value is pd.NaT:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def format_date(value: object) -> str:
    """`29/11/2026`, or `non renseigné`."""
    if _missing(value):
        return MISSING
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return f"{value:%d/%m/%Y}"  # type: ignore[str-format]


def format_datetime(value: object) -> str:
    """`29/11/2026 à 08:35`, or `non renseigné`."""
    if _missing(value):
        return MISSING
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    return f"{stamp:%d/%m/%Y} à {stamp:%H:%M}"


def territory_label(ref: Reference, code: object) -> str:
    """`Béthune (62119)`; the EPCI is `CABBALR (ensemble)`; empty code: whole ambition."""
    if _missing(code) or code == "":
        return "Ensemble de l'ambition"
    if code == ref.epci:
        return "Agglomération (EPCI)"
    names = {t.code: t.nom for t in ref.territories}
    return f"{names.get(str(code), str(code))} ({code})"


# -- governance ---------------------------------------------------------------------------
def _window(debut: object, fin: object) -> str:
    if _missing(fin):
        return "date non fixée"
    return f"du {format_date(debut)} au {format_date(fin)}"


def _count(held: int, expected: int, unit: str) -> str:
    if unit == "communes":
        return f"{held} / {expected} communes"
    return f"{held} / {expected}"


def calendar_table(status: pd.DataFrame) -> pd.DataFrame:
    """The Annexe 5 calendar with, for each due date, what was held and its status."""
    columns = [
        "Fenêtre",
        "Instance",
        "Statut",
        "Tenues / attendues",
        "Échéance",
        "Dates tenues",
        "Prévue le",
        "Source",
    ]
    if status.empty:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(
        {
            "Fenêtre": [_window(d, f) for d, f in zip(status["debut"], status["fin"], strict=True)],
            "Instance": status["instance_libelle"],
            "Statut": status["statut"].map(lambda s: STATUS_MARKS.get(s, s)),
            "Tenues / attendues": [
                _count(h, e, u)
                for h, e, u in zip(status["tenues"], status["attendues"], status["unite"], strict=True)
            ],
            "Échéance": status["libelle"],
            "Dates tenues": status["dates_tenues"].map(
                lambda ds: ", ".join(format_date(d) for d in ds) if len(ds) else "aucune"
            ),
            "Prévue le": status["prevue_le"].map(lambda d: "—" if _missing(d) else format_date(d)),
            "Source": status["section"],
        },
        columns=columns,
    )


def yearly_table(counts: pd.DataFrame) -> pd.DataFrame:
    """Instances × years: `held / minimum` and whether the minimum is met."""
    if counts.empty:
        return pd.DataFrame(columns=["Instance"])
    cells = counts.assign(
        cell=[
            f"{h} / {m} · {STATUS_MARKS.get(s, s)}"
            for h, m, s in zip(counts["tenues"], counts["minimum"], counts["statut"], strict=True)
        ]
    )
    table = cells.pivot(index="instance", columns="annee", values="cell")
    table = table.reindex([i for i in INSTANCE_ORDER if i in table.index]).fillna("—")
    communal = set(counts.loc[counts["unite"] == "communes", "instance"])
    table.index = [
        INSTANCE_LABELS.get(i, i) + (" (communes couvertes)" if i in communal else "") for i in table.index
    ]
    table.columns = [str(c) for c in table.columns]
    return table.rename_axis("Instance").reset_index()


def meetings_table(ref: Reference, meetings: pd.DataFrame) -> pd.DataFrame:
    """Recorded meetings, newest first."""
    columns = ["N°", "Date", "Instance", "Territoire", "Tenue", "Échéance", "Note", "Saisie par"]
    if meetings.empty:
        return pd.DataFrame(columns=columns)
    labels = {c.code: c.libelle for c in ref.calendar}
    frame = meetings.sort_values(["date", "id"], ascending=False)
    return pd.DataFrame(
        {
            "N°": frame["id"].astype(int).astype(str),
            "Date": frame["date"].map(format_date),
            "Instance": frame["instance"].map(lambda i: INSTANCE_LABELS.get(i, i)),
            "Échéance": frame["calendrier_code"].map(lambda c: "—" if _missing(c) else labels.get(c, c)),
            "Territoire": frame["territoire"].map(lambda c: "—" if _missing(c) else territory_label(ref, c)),
            "Tenue": frame["tenue"].map(lambda t: "oui" if t else "non (prévue ou annulée)"),
            "Note": frame["note"].map(lambda n: "" if _missing(n) else n),
            "Saisie par": frame["author"],
        },
        columns=columns,
    )


# -- targets ------------------------------------------------------------------------------
def _value(value: object, unite: str, period: object = None) -> str:
    if _missing(value):
        return MISSING
    text = format_value(value, unite)
    return text if _missing(period) or not period else f"{text} ({period_label(str(period))})"


def targets_table(ref: Reference, progress: pd.DataFrame) -> pd.DataFrame:
    """Current targets with the way covered, the baseline and the latest value."""
    columns = ["Indicateur", "Échéance", "Cible", "Avancement", "Référence", "Dernière valeur", "Territoire"]
    if progress.empty:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(
        {
            "Indicateur": progress["libelle"],
            "Échéance": progress["annee"].astype(int).astype(str),
            "Cible": [_value(v, u) for v, u in zip(progress["cible"], progress["unite"], strict=True)],
            "Avancement": [
                s + (" (cible contraire au sens souhaité)" if c else "")
                for s, c in zip(progress["statut"], progress["cible_contraire"], strict=True)
            ],
            "Référence": [
                _value(v, u, y)
                for v, u, y in zip(
                    progress["reference"], progress["unite"], progress["annee_reference"], strict=True
                )
            ],
            "Dernière valeur": [
                _value(v, u, y)
                for v, u, y in zip(
                    progress["actuelle"], progress["unite"], progress["annee_actuelle"], strict=True
                )
            ],
            "Territoire": progress["territoire"].map(lambda c: territory_label(ref, c)),
        },
        columns=columns,
    )


def target_history_table(ref: Reference, history: pd.DataFrame) -> pd.DataFrame:
    """Every target ever set, newest first (a removal shows `cible retirée`)."""
    columns = ["Date", "Indicateur", "Territoire", "Échéance", "Cible", "Par"]
    if history.empty:
        return pd.DataFrame(columns=columns)
    units = {i.code: i.unite for i in ref.indicators}
    labels = {i.code: i.libelle for i in ref.indicators}
    return pd.DataFrame(
        {
            "Date": history["set_at"].map(format_datetime),
            "Indicateur": history["indicateur"].map(lambda c: labels.get(c, c)),
            "Territoire": history["territoire"].map(lambda c: territory_label(ref, c)),
            "Échéance": history["annee"].astype(int).astype(str),
            "Cible": [
                ("cible retirée" if _missing(v) else format_value(v, units.get(c, "nombre")))
                for v, c in zip(history["valeur"], history["indicateur"], strict=True)
            ],
            "Par": history["author"],
        },
        columns=columns,
    )


# -- engagements --------------------------------------------------------------------------
def engagements_table(table: pd.DataFrame) -> pd.DataFrame:
    """Every commune: fiche d'engagement signed and when, élu référent, last change."""
    columns = [
        "Code INSEE",
        "Commune",
        "Fiche d'engagement",
        "Date de signature",
        "Élu référent CTG",
        "Modifié",
    ]
    if table.empty:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(
        {
            "Code INSEE": table["commune"],
            "Commune": table["nom"],
            "Fiche d'engagement": table["fiche_signee"].map(lambda s: "signée" if s else "non signée"),
            "Date de signature": table["date_signature"].map(format_date),
            "Élu référent CTG": table["elu_referent"].map(lambda e: MISSING if _missing(e) else e),
            "Modifié": [
                "jamais modifié" if _missing(by) else f"{format_datetime(at)} par {by}"
                for by, at in zip(table["updated_by"], table["updated_at"], strict=True)
            ],
        },
        columns=columns,
    )


# -- data ---------------------------------------------------------------------------------
def _period_key(code: str) -> tuple[int, int]:
    try:
        return parse_period(code).sort_key
    except PeriodError:
        return (0, 0)


def filtered_indicators(
    ref: Reference, fiches: list[str] | None = None, indicateurs: list[str] | None = None
) -> list[str] | None:
    """The indicators the filters « Fiche » and « Indicateur » keep (None: no filter, all;
    an empty list: none, such as an indicator chosen outside the fiches chosen)."""
    if not fiches and not indicateurs:
        return None
    codes = [i.code for i in ref.indicators if not fiches or i.fiche in fiches]
    return [c for c in codes if not indicateurs or c in indicateurs]


def filter_export(
    frame: pd.DataFrame,
    ref: Reference,
    *,
    fiches: list[str] | None = None,
    indicateurs: list[str] | None = None,
    territoires: list[str] | None = None,
    annees: tuple[int, int] | None = None,
    include_demo: bool = True,
) -> pd.DataFrame:
    """The rows of `services.exports.export_frame` that pass the filters (empty filter: all), in
    memory: what `services.values.values_page` reads from the store as a slice (its tests'
    reference)."""
    out = frame
    codes = filtered_indicators(ref, fiches, indicateurs)
    if codes is not None:
        out = out[out["indicateur"].isin(codes)]
    if territoires:
        out = out[out["territoire"].isin(territoires)]
    if annees:
        years = out["periode"].map({p: _period_key(p)[0] for p in out["periode"].unique()})
        out = out[(years >= annees[0]) & (years <= annees[1])]
    if not include_demo:
        out = out[out["demonstration"] != "oui"]
    return out


def values_table(frame: pd.DataFrame, batches: pd.DataFrame | None = None) -> pd.DataFrame:
    """Export rows for display: French values and periods, the batch each value comes from."""
    columns = ["Indicateur", "Territoire", "Période", "Valeur", "Lot", "Source", "Démonstration"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    kinds = {}
    if batches is not None and not batches.empty:
        kinds = {
            int(b.id): f"n°{int(b.id)} · {batch_kind_label(b.kind)} du {format_date(b.created_at)}"
            for b in batches.itertuples()
        }
    unique = frame["periode"].unique()
    keys = {p: _period_key(p) for p in unique}
    labels = {p: period_label(p) for p in unique}
    frame = frame.assign(_key=frame["periode"].map(keys)).sort_values(["indicateur", "territoire", "_key"])
    memo: dict[tuple, str] = {}  # many values repeat (0, 1…): format each once
    has_text = frame["valeur_texte"].notna().to_numpy()
    numbers = pd.to_numeric(frame["valeur"], errors="coerce").astype("float64")
    missing = numbers.isna().to_numpy()
    values = []
    for i, (v, t, u) in enumerate(
        zip(numbers.to_numpy(), frame["valeur_texte"], frame["unite"], strict=True)
    ):
        key = ("t", t, u) if has_text[i] else ("v", None if missing[i] else float(v), u)
        if key not in memo:
            memo[key] = format_value(key[1], u)
        values.append(memo[key])
    return pd.DataFrame(
        {
            "Indicateur": frame["libelle"].where(frame["libelle"].notna(), frame["indicateur"]),
            "Territoire": frame["nom_territoire"].where(frame["nom_territoire"].notna(), frame["territoire"]),
            "Période": frame["periode"].map(labels),
            "Valeur": values,
            "Source": frame["source"].where(frame["source"].notna(), MISSING),
            "Lot": frame["lot"]
            .map({b: kinds.get(int(b), f"n°{int(b)}") for b in frame["lot"].dropna().unique()})
            .fillna(MISSING),
            "Démonstration": frame["demonstration"],
        },
        columns=columns,
    )


def conflicts_table(ref: Reference) -> pd.DataFrame:
    """Every point on which the convention contradicts itself: each statement with its
    section, and which one the dashboard follows, with the reason written in seed/."""
    columns = ["Sujet", "Énoncé", "Section de la convention", "Retenu", "Raison ou traitement"]
    frame = contradictions_frame(ref)
    if frame.empty:
        return pd.DataFrame(columns=columns)
    retained = set(frame[frame["retenu"]]["conflit"])
    return pd.DataFrame(
        {
            "Sujet": frame["sujet"],
            "Énoncé": frame["enonce"],
            "Section de la convention": frame["section"],
            "Retenu": [
                "oui" if r else ("non" if c in retained else "aucun des deux")
                for r, c in zip(frame["retenu"], frame["conflit"], strict=True)
            ],
            "Raison ou traitement": [
                a if isinstance(a, str) else (n if isinstance(n, str) else "—")
                for a, n in zip(frame["arbitrage"], frame["note"], strict=True)
            ],
        },
        columns=columns,
    )


def count_text(count: int, total: int) -> str:
    """`37 sur 100`."""
    return f"{format_number(count)} sur {format_number(total)}"


def year_span(first: int | None, latest: int | None, last: int = 2030) -> tuple[int, int]:
    """The year filter's bounds: from the first year with a value to the convention's last
    year or later (the convention's five years when there is no value)."""
    if first is None or latest is None:
        return (last - 4, last)
    return (first, max(latest, last))


def batches_table(batches: pd.DataFrame) -> pd.DataFrame:
    """Batches for display: number, kind, author, date, file, rows, status."""
    columns = ["N°", "Nature", "Auteur", "Date", "Fichier", "Lignes", "Statut", "Démonstration"]
    if batches.empty:
        return pd.DataFrame(columns=columns)
    statuses = {"valide": "en vigueur", "annule": "annulé", "remplace": "remplacé"}
    return pd.DataFrame(
        {
            "N°": batches["id"].astype(int).astype(str),
            "Nature": batches["kind"].map(batch_kind_label),
            "Auteur": batches["author"],
            "Date": batches["created_at"].map(format_datetime),
            "Fichier": batches["filename"].map(lambda f: "—" if _missing(f) else f),
            "Lignes": batches["n_rows"].map(format_number),
            "Statut": batches["status"].map(lambda s: statuses.get(s, s)),
            "Démonstration": batches["is_demo"].map(lambda d: "oui" if d else "non"),
        },
        columns=columns,
    )
