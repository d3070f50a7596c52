"""Use cases of the steering data: targets, comments, governance meetings, commune engagements.

Each write checks the acting `Actor` (`indicators.access`), validates its input (French
`PilotageError`), names the audit row, and hands the write to `db.pilotage`, which writes
it and its audit row in one transaction:

- targets (`cibles`), meetings (`reunions`) and engagements: administrators only;
- comments: administrators, and chargés for the territories of their scope (a comment
  without a territory concerns the whole ambition: a chargé needs the EPCI in scope);
  a comment is deleted by its author or an administrator.

The reads return the store's frames (`targets_frame`, `comments_frame`, `meetings_frame`,
`engagements_frame`, `target_history`), every commune's engagement (`engagements`) and
the Gouvernance page's figures (`governance`), with comités counted on the territories
as the store holds them (sectors edited by administrators included).

    >>> set_target(store, ref, admin, "PE_PLACES_EAJE", 2030, 1200)
    >>> targets_frame(store, ref.convention.code)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from db import pilotage as db
from db.store import Store
from indicators.access import AccessDenied, Actor, require_admin, require_territory, require_writer
from indicators.aggregation import Territories
from indicators.catalogue import Reference
from indicators.engagement import commune_engagements
from indicators.formatting import format_value, is_missing
from indicators.governance import (
    INSTANCE_LABELS,
    calendar_status,
    communes_without_committee,
    due_not_held,
    instance_fulfilled_by,
    unattributed_committees,
    yearly_counts,
)
from indicators.review import TARGET_YEARS, ambition_choices, review_codes
from services.territories import territories as store_territories

MAX_COMMENT_LENGTH = 5000

__all__ = [
    "MAX_COMMENT_LENGTH",
    "TARGET_YEARS",
    "Governance",
    "PilotageError",
    "add_comment",
    "check_comment_allowed",
    "comments_frame",
    "delete_comment",
    "delete_meeting",
    "engagements",
    "engagements_frame",
    "governance",
    "meetings_frame",
    "record_meeting",
    "set_engagement",
    "set_target",
    "target_history",
    "targets_frame",
]


class PilotageError(ValueError):
    """A target, comment, meeting or engagement that cannot be recorded; the message is French."""


def _check_territory(ref: Reference, code: str) -> None:
    if code not in {t.code for t in ref.territories}:
        raise PilotageError(f"Le territoire « {code} » n'existe pas dans le référentiel.")


def _clean_text(value: str | None) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


# -- targets ------------------------------------------------------------------------------
def set_target(
    store: Store,
    ref: Reference,
    actor: Actor,
    indicateur: str,
    annee: int,
    valeur: float | None,
    territoire: str | None = None,
) -> bool:
    """Set (or, with `valeur=None`, remove) the target of an indicator for 2028 or 2030.

    Administrators only. The previous target stays in the history; an unchanged value
    writes nothing (returns False).
    """
    require_admin(actor, "fixer une cible", ref.convention.code)
    territoire = territoire or ref.epci
    if indicateur not in ref.by_code:
        raise PilotageError(f"L'indicateur « {indicateur} » n'existe pas dans le catalogue.")
    ind = ref.indicator(indicateur)
    if not ind.is_numeric:
        raise PilotageError(f"« {ind.libelle} » n'est pas un indicateur chiffré : pas de cible.")
    if annee not in TARGET_YEARS:
        raise PilotageError(f"Une cible se fixe pour 2028 ou 2030, pas pour {annee}.")
    _check_territory(ref, territoire)
    if is_missing(valeur):
        valeur = None
    else:
        valeur = float(valeur)  # type: ignore[arg-type]
        if ind.min is not None and valeur < ind.min or ind.max is not None and valeur > ind.max:
            bornes = " et ".join(
                b
                for b in (
                    f"minimum {format_value(ind.min, ind.unite)}" if ind.min is not None else "",
                    f"maximum {format_value(ind.max, ind.unite)}" if ind.max is not None else "",
                )
                if b
            )
            raise PilotageError(
                f"Cible {format_value(valeur, ind.unite)} hors des bornes de « {ind.libelle} » ({bornes})."
            )
        if ind.entier and not valeur.is_integer():
            raise PilotageError(
                f"« {ind.libelle} » se compte en nombre entier : "
                f"{format_value(valeur, ind.unite)} n'est pas possible."
            )
    return db.write_target(
        store,
        ref.convention.code,
        indicateur,
        territoire,
        annee,
        valeur,
        author=actor.login,
        action="suppression_cible" if valeur is None else "cible",
        objet=f"cible {indicateur} {territoire} {annee}",
    )


def targets_frame(store: Store, convention: str) -> pd.DataFrame:
    """Current targets: indicateur, territoire, annee, valeur (one row per target set)."""
    return db.targets_frame(store, convention)


def target_history(store: Store, convention: str, indicateur: str | None = None) -> pd.DataFrame:
    """Every target ever set (removals have no value), newest first."""
    return db.target_history(store, convention, indicateur)


# -- comments -----------------------------------------------------------------------------
def check_comment_allowed(ref: Reference, actor: Actor, territoire: str | None) -> None:
    """Refuse a comment the actor may not write (readers; chargés outside their territories)."""
    require_writer(actor, "rédiger un commentaire", ref.convention.code)
    if actor.is_admin:
        return
    if territoire is None:
        if ref.epci not in actor.territoires:
            raise AccessDenied(
                f"Un commentaire sur l'ensemble de l'ambition demande l'EPCI dans le périmètre "
                f"du compte « {actor.login} » : choisissez l'un de vos territoires."
            )
        return
    require_territory(actor, territoire, "rédaction du commentaire")


def add_comment(
    store: Store,
    ref: Reference,
    actor: Actor,
    ambition: str,
    revue: str,
    texte: str,
    territoire: str | None = None,
    *,
    is_demo: bool = False,
) -> int:
    """Record a qualitative analysis of an ambition (or F9) for a review; return its id."""
    territoire = _clean_text(territoire)
    check_comment_allowed(ref, actor, territoire)
    choices = ambition_choices(ref)
    if ambition not in choices:
        raise PilotageError(f"L'ambition « {ambition} » n'existe pas (attendu : {', '.join(choices)}).")
    if revue not in review_codes():
        raise PilotageError(f"La revue « {revue} » n'existe pas (attendu : {', '.join(review_codes())}).")
    text = _clean_text(texte)
    if text is None:
        raise PilotageError("Le commentaire est vide.")
    if len(text) > MAX_COMMENT_LENGTH:
        raise PilotageError(
            f"Le commentaire dépasse {MAX_COMMENT_LENGTH} caractères "
            f"({len(text)}) : résumez-le ou découpez-le."
        )
    if territoire is not None:
        _check_territory(ref, territoire)
    return db.insert_comment(
        store,
        ref.convention.code,
        ambition,
        revue,
        territoire,
        text,
        author=actor.login,
        action="commentaire",
        objet="commentaire {id}",
        is_demo=is_demo,
    )


def delete_comment(store: Store, convention: str, actor: Actor, comment_id: int) -> None:
    """Delete a comment: its author or an administrator; the text stays in the audit log."""
    require_writer(actor, "supprimer un commentaire", convention)
    row = db.comment_row(store, convention, comment_id)
    if row is not None and not actor.is_admin and row["author"] != actor.login:
        raise AccessDenied(
            f"Seul son auteur ou un administrateur peut supprimer le commentaire n°{comment_id}."
        )
    deleted = (
        None
        if row is None
        else db.delete_comment(
            store,
            convention,
            comment_id,
            author=actor.login,
            action="suppression_commentaire",
            objet=f"commentaire {comment_id}",
        )
    )
    if deleted is None:
        raise PilotageError(f"Le commentaire n°{comment_id} n'existe pas.")


def comments_frame(
    store: Store, convention: str, revue: str | None = None, ambition: str | None = None
) -> pd.DataFrame:
    """Comments, newest first, optionally of one review and/or one ambition."""
    return db.comments_frame(store, convention, revue=revue, ambition=ambition)


# -- meetings -----------------------------------------------------------------------------
def record_meeting(
    store: Store,
    ref: Reference,
    actor: Actor,
    instance: str,
    date: dt.date,
    tenue: bool = True,
    calendrier_code: str | None = None,
    territoire: str | None = None,
    note: str | None = None,
    *,
    is_demo: bool = False,
    today: dt.date | None = None,
) -> int:
    """Record a governance meeting (held or not) of Annexe 5; administrators only; return its id.

    A comité de pilotage communal names its commune, or the structure or sector it covers.
    """
    require_admin(actor, "enregistrer une réunion de gouvernance", ref.convention.code)
    if instance not in INSTANCE_LABELS:
        raise PilotageError(
            f"L'instance « {instance} » n'existe pas (attendu : {', '.join(INSTANCE_LABELS)})."
        )
    calendrier_code = _clean_text(calendrier_code)
    territoire = _clean_text(territoire)
    if calendrier_code is not None:
        entry = next((c for c in ref.calendar if c.code == calendrier_code), None)
        if entry is None:
            raise PilotageError(f"L'échéance « {calendrier_code} » n'est pas au calendrier.")
        if instance not in instance_fulfilled_by(entry.instance):
            raise PilotageError(
                f"L'échéance « {entry.libelle} » concerne l'instance "
                f"{INSTANCE_LABELS[entry.instance]}, pas {INSTANCE_LABELS[instance]}."
            )
    if instance == "comite_communal" and territoire is None:
        raise PilotageError(
            "Un comité de pilotage communal se rattache à une commune "
            "(ou à une structure supra-communale) : choisissez-la."
        )
    if territoire is not None:
        _check_territory(ref, territoire)
    if not isinstance(date, dt.date):
        raise PilotageError("La date de la réunion est manquante.")
    if isinstance(date, dt.datetime):
        date = date.date()
    if not (ref.convention.debut.replace(month=1, day=1) <= date <= ref.convention.fin):
        raise PilotageError(
            f"La date {date:%d/%m/%Y} est hors de la durée de la convention "
            f"({ref.convention.debut:%d/%m/%Y} – {ref.convention.fin:%d/%m/%Y})."
        )
    if tenue and date > (today or dt.date.today()):
        raise PilotageError(
            f"Une réunion datée du {date:%d/%m/%Y} ne peut pas encore être tenue : "
            "enregistrez-la comme prévue (non tenue)."
        )
    return db.insert_meeting(
        store,
        ref.convention.code,
        instance,
        date,
        bool(tenue),
        calendrier_code,
        territoire,
        _clean_text(note),
        author=actor.login,
        action="reunion",
        objet="réunion {id}",
        is_demo=is_demo,
    )


def delete_meeting(store: Store, convention: str, actor: Actor, meeting_id: int) -> None:
    """Delete a meeting recorded by mistake; administrators only; audited with its content."""
    require_admin(actor, "supprimer une réunion de gouvernance", convention)
    deleted = db.delete_meeting(
        store,
        convention,
        meeting_id,
        author=actor.login,
        action="suppression_reunion",
        objet=f"réunion {meeting_id}",
    )
    if deleted is None:
        raise PilotageError(f"La réunion n°{meeting_id} n'existe pas.")


def meetings_frame(store: Store, convention: str) -> pd.DataFrame:
    """Every recorded meeting, by date."""
    return db.meetings_frame(store, convention)


@dataclass(frozen=True)
class Governance:
    """What the Gouvernance page shows at `today`: meetings against the Annexe 5 calendar.

    Comités communaux are counted in communes, a comité of a structure or sector covering
    the member communes the store holds (`territories`).
    """

    today: dt.date
    meetings: pd.DataFrame  # db.pilotage.MEETING_COLUMNS
    status: pd.DataFrame  # indicators.governance.calendar_status
    due: pd.DataFrame  # indicators.governance.due_not_held
    yearly: pd.DataFrame  # indicators.governance.yearly_counts
    unattributed: pd.DataFrame  # held comités communaux naming no territory (counted for none)
    territories: Territories

    def communes_without_committee(self, ref: Reference, year: int) -> pd.DataFrame:
        """Communes not covered by a comité de pilotage communal held in `year` (commune, nom)."""
        return communes_without_committee(ref, self.meetings, year, self.territories)


def governance(store: Store, ref: Reference, today: dt.date) -> Governance:
    """The meetings recorded, their calendar status, overdue ones and yearly counts at `today`."""
    meetings = db.meetings_frame(store, ref.convention.code)
    groups = store_territories(store, ref)
    return Governance(
        today=today,
        meetings=meetings,
        status=calendar_status(ref, meetings, today, groups),
        due=due_not_held(ref, meetings, today, groups),
        yearly=yearly_counts(ref, meetings, today, groups),
        unattributed=unattributed_committees(meetings),
        territories=groups,
    )


# -- engagements --------------------------------------------------------------------------
def set_engagement(
    store: Store,
    ref: Reference,
    actor: Actor,
    commune: str,
    fiche_signee: bool,
    date_signature: dt.date | None = None,
    elu_referent: str | None = None,
    *,
    today: dt.date | None = None,
) -> bool:
    """Record a commune's fiche d'engagement (signed, when) and its élu référent CTG.

    Administrators only. Return False when nothing changed (nothing written).
    """
    require_admin(actor, "modifier l'engagement d'une commune", ref.convention.code)
    names = {c.code: c.nom for c in ref.communes()}
    if commune not in names:
        raise PilotageError(f"« {commune} » n'est pas une commune de l'agglomération.")
    elu = _clean_text(elu_referent)
    if isinstance(date_signature, dt.datetime):
        date_signature = date_signature.date()
    if date_signature is not None and not fiche_signee:
        raise PilotageError(
            f"{names[commune]} : une date de signature suppose que la fiche d'engagement est signée."
        )
    if date_signature is not None and date_signature > (today or dt.date.today()):
        raise PilotageError(
            f"{names[commune]} : la date de signature {date_signature:%d/%m/%Y} est dans le futur."
        )
    return db.write_engagement(
        store,
        ref.convention.code,
        commune,
        bool(fiche_signee),
        date_signature,
        elu,
        author=actor.login,
        action="engagement",
        objet=f"engagement {commune}",
    )


def engagements_frame(store: Store, convention: str) -> pd.DataFrame:
    """The engagements recorded (communes never edited have no row)."""
    return db.engagements_frame(store, convention)


def engagements(store: Store, ref: Reference) -> pd.DataFrame:
    """Every commune of the EPCI with its engagement (not signed when never recorded)."""
    return commune_engagements(ref, db.engagements_frame(store, ref.convention.code))
