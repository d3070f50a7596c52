"""Reads and writes of the steering data: targets, comments, meetings, commune engagements.

Every write takes the acting `Actor`, checks it with `indicators.access`, runs in one
transaction through `store.write` and leaves an audit row (before → after):

- targets (`cibles`), meetings (`reunions`) and engagements: administrators only;
- comments: administrators, and chargés for the territories of their scope (a comment
  without a territory concerns the whole ambition: a chargé needs the EPCI in scope).

Targets keep their history: a change adds a row, the current target of (indicator,
territory, year) is the latest one (a row without value removes the target).

    >>> set_target(store, ref, admin, "PE_PLACES_EAJE", 2030, 1200)
    >>> targets_frame(store, ref.convention.code)
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from db import schema
from db.observations import record_audit
from db.store import Store
from indicators.access import AccessDenied, Actor, require_admin, require_territory, require_writer
from indicators.catalogue import EPCI_CODE, Reference
from indicators.formatting import format_value, is_missing
from indicators.governance import INSTANCE_LABELS, instance_fulfilled_by
from indicators.review import REVIEWS, REVIEWS_BY_CODE

TARGET_YEARS = (2028, 2030)
MIDTERM_REVIEW = "mi-parcours"
MAX_COMMENT_LENGTH = 5000

TARGET_COLUMNS = ["indicateur", "territoire", "annee", "valeur"]
TARGET_HISTORY_COLUMNS = ["id", "indicateur", "territoire", "annee", "valeur", "author", "set_at"]
COMMENT_COLUMNS = ["id", "ambition", "revue", "territoire", "texte", "author", "created_at", "is_demo"]
MEETING_COLUMNS = [
    "id",
    "instance",
    "calendrier_code",
    "territoire",
    "date",
    "tenue",
    "note",
    "author",
    "created_at",
    "is_demo",
]
ENGAGEMENT_COLUMNS = ["commune", "fiche_signee", "date_signature", "elu_referent", "updated_by", "updated_at"]


class PilotageError(ValueError):
    """A target, comment, meeting or engagement that cannot be recorded; the message is French."""


# -- reviews and ambitions ----------------------------------------------------------------
def review_codes() -> list[str]:
    """The review periods a comment belongs to: `annuelle-2026` … `annuelle-2030`, `mi-parcours`."""
    return sorted((r.code for r in REVIEWS), key=lambda c: (c == MIDTERM_REVIEW, c))


def review_label(code: str) -> str:
    """French label of a review code (`Revue annuelle 2026`, `Bilan mi-parcours (juin 2028)`)."""
    review = REVIEWS_BY_CODE.get(code)
    return review.label if review else code


def ambition_choices(ref: Reference) -> dict[str, str]:
    """Codes a comment may concern (the ambitions, then the network fiche F9) with their labels."""
    choices = {a.code: f"{a.code} · {a.titre}" for a in ref.ambitions}
    for fiche in ref.fiches:
        if fiche.ambition is None:
            choices[fiche.code] = f"{fiche.code} · {fiche.titre}"
    return choices


# -- helpers ------------------------------------------------------------------------------
def _territory_names(ref: Reference) -> dict[str, str]:
    return {t.code: t.nom for t in ref.territories}


def _check_territory(ref: Reference, code: str) -> None:
    if code not in _territory_names(ref):
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
    territoire: str = EPCI_CODE,
) -> None:
    """Set (or, with `valeur=None`, remove) the target of an indicator for 2028 or 2030.

    Administrators only. The previous target stays in the history; an unchanged value
    writes nothing.
    """
    require_admin(actor, "fixer une cible")
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
    convention = ref.convention.code

    def work(conn: sa.Connection) -> None:
        t = schema.cibles
        before = conn.execute(
            sa.select(t.c.valeur)
            .where(
                t.c.convention == convention,
                t.c.indicateur == indicateur,
                t.c.territoire == territoire,
                t.c.annee == annee,
            )
            .order_by(t.c.id.desc())
            .limit(1)
        ).first()
        previous = before.valeur if before is not None else None
        if previous == valeur:
            return
        conn.execute(
            t.insert().values(
                convention=convention,
                indicateur=indicateur,
                territoire=territoire,
                annee=annee,
                valeur=valeur,
                author=actor.login,
                set_at=dt.datetime.now(),
            )
        )
        record_audit(
            conn,
            convention,
            actor.login,
            "suppression_cible" if valeur is None else "cible",
            f"cible {indicateur} {territoire} {annee}",
            None if previous is None else {"valeur": previous},
            None if valeur is None else {"valeur": valeur},
        )

    store.write(work)


def targets_frame(store: Store, convention: str) -> pd.DataFrame:
    """Current targets: one row per (indicator, territory, year) with a value."""
    return store.query_df(
        "select indicateur, territoire, annee, valeur from ("
        "  select *, row_number() over (partition by indicateur, territoire, annee "
        "                               order by id desc) as rang "
        "  from cibles where convention = $conv"
        ") where rang = 1 and valeur is not null order by indicateur, territoire, annee",
        {"conv": convention},
    )[TARGET_COLUMNS]


def target_history(store: Store, convention: str, indicateur: str | None = None) -> pd.DataFrame:
    """Every target ever set (removals have no value), newest first."""
    sql = (
        "select id, indicateur, territoire, annee, valeur, author, set_at from cibles "
        "where convention = $conv"
    )
    params: dict[str, object] = {"conv": convention}
    if indicateur:
        sql += " and indicateur = $ind"
        params["ind"] = indicateur
    return store.query_df(sql + " order by id desc", params)[TARGET_HISTORY_COLUMNS]


# -- comments -----------------------------------------------------------------------------
def check_comment_allowed(actor: Actor, territoire: str | None) -> None:
    """Refuse a comment the actor may not write (readers; chargés outside their territories)."""
    require_writer(actor, "rédiger un commentaire")
    if actor.is_admin:
        return
    if territoire is None:
        if EPCI_CODE not in actor.territoires:
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
    check_comment_allowed(actor, territoire)
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
    convention = ref.convention.code

    def work(conn: sa.Connection) -> int:
        new_id = conn.execute(
            schema.commentaires.insert()
            .values(
                convention=convention,
                ambition=ambition,
                revue=revue,
                territoire=territoire,
                texte=text,
                author=actor.login,
                created_at=dt.datetime.now(),
                is_demo=is_demo,
            )
            .returning(schema.commentaires.c.id)
        ).scalar_one()
        record_audit(
            conn,
            convention,
            actor.login,
            "commentaire",
            f"commentaire {new_id}",
            None,
            {"ambition": ambition, "revue": revue, "territoire": territoire, "texte": text},
        )
        return int(new_id)

    return store.write(work)


def delete_comment(store: Store, convention: str, actor: Actor, comment_id: int) -> None:
    """Delete a comment: its author or an administrator; the text stays in the audit log."""
    require_writer(actor, "supprimer un commentaire")

    def work(conn: sa.Connection) -> None:
        t = schema.commentaires
        row = conn.execute(sa.select(t).where(t.c.id == comment_id, t.c.convention == convention)).first()
        if row is None:
            raise PilotageError(f"Le commentaire n°{comment_id} n'existe pas.")
        if not actor.is_admin and row.author != actor.login:
            raise AccessDenied(
                f"Seul son auteur ou un administrateur peut supprimer le commentaire n°{comment_id}."
            )
        conn.execute(t.delete().where(t.c.id == comment_id))
        record_audit(
            conn,
            convention,
            actor.login,
            "suppression_commentaire",
            f"commentaire {comment_id}",
            {
                "ambition": row.ambition,
                "revue": row.revue,
                "territoire": row.territoire,
                "texte": row.texte,
                "author": row.author,
            },
            None,
        )

    store.write(work)


def comments_frame(
    store: Store, convention: str, revue: str | None = None, ambition: str | None = None
) -> pd.DataFrame:
    """Comments, newest first, optionally of one review and/or one ambition."""
    sql = (
        "select id, ambition, revue, territoire, texte, author, created_at, is_demo "
        "from commentaires where convention = $conv"
    )
    params: dict[str, object] = {"conv": convention}
    if revue:
        sql += " and revue = $revue"
        params["revue"] = revue
    if ambition:
        sql += " and ambition = $amb"
        params["amb"] = ambition
    return store.query_df(sql + " order by created_at desc, id desc", params)[COMMENT_COLUMNS]


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
    """Record a governance meeting (held or not) of Annexe 5; administrators only; return its id."""
    require_admin(actor, "enregistrer une réunion de gouvernance")
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
    note = _clean_text(note)
    convention = ref.convention.code

    def work(conn: sa.Connection) -> int:
        new_id = conn.execute(
            schema.reunions.insert()
            .values(
                convention=convention,
                instance=instance,
                calendrier_code=calendrier_code,
                territoire=territoire,
                date=date,
                tenue=bool(tenue),
                note=note,
                author=actor.login,
                created_at=dt.datetime.now(),
                is_demo=is_demo,
            )
            .returning(schema.reunions.c.id)
        ).scalar_one()
        record_audit(
            conn,
            convention,
            actor.login,
            "reunion",
            f"réunion {new_id}",
            None,
            {
                "instance": instance,
                "calendrier_code": calendrier_code,
                "territoire": territoire,
                "date": date.isoformat(),
                "tenue": bool(tenue),
                "note": note,
            },
        )
        return int(new_id)

    return store.write(work)


def delete_meeting(store: Store, convention: str, actor: Actor, meeting_id: int) -> None:
    """Delete a meeting recorded by mistake; administrators only; audited with its content."""
    require_admin(actor, "supprimer une réunion de gouvernance")

    def work(conn: sa.Connection) -> None:
        t = schema.reunions
        row = conn.execute(sa.select(t).where(t.c.id == meeting_id, t.c.convention == convention)).first()
        if row is None:
            raise PilotageError(f"La réunion n°{meeting_id} n'existe pas.")
        conn.execute(t.delete().where(t.c.id == meeting_id))
        record_audit(
            conn,
            convention,
            actor.login,
            "suppression_reunion",
            f"réunion {meeting_id}",
            {
                "instance": row.instance,
                "calendrier_code": row.calendrier_code,
                "territoire": row.territoire,
                "date": row.date.isoformat(),
                "tenue": row.tenue,
                "note": row.note,
            },
            None,
        )

    store.write(work)


def meetings_frame(store: Store, convention: str) -> pd.DataFrame:
    """Every recorded meeting, by date."""
    frame = store.query_df(
        "select id, instance, calendrier_code, territoire, date, tenue, note, author, created_at, "
        "is_demo from reunions where convention = $conv order by date, id",
        {"conv": convention},
    )
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return frame[MEETING_COLUMNS]


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
    require_admin(actor, "modifier l'engagement d'une commune")
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
    after = {
        "fiche_signee": bool(fiche_signee),
        "date_signature": date_signature.isoformat() if date_signature else None,
        "elu_referent": elu,
    }
    convention = ref.convention.code

    def work(conn: sa.Connection) -> bool:
        t = schema.engagements
        row = conn.execute(sa.select(t).where(t.c.convention == convention, t.c.commune == commune)).first()
        before = (
            None
            if row is None
            else {
                "fiche_signee": bool(row.fiche_signee),
                "date_signature": row.date_signature.isoformat() if row.date_signature else None,
                "elu_referent": row.elu_referent,
            }
        )
        if before == after:
            return False
        values = {
            "fiche_signee": bool(fiche_signee),
            "date_signature": date_signature,
            "elu_referent": elu,
            "updated_by": actor.login,
            "updated_at": dt.datetime.now(),
        }
        if row is None:
            conn.execute(t.insert().values(convention=convention, commune=commune, **values))
        else:
            conn.execute(
                t.update().where(t.c.convention == convention, t.c.commune == commune).values(**values)
            )
        record_audit(conn, convention, actor.login, "engagement", f"engagement {commune}", before, after)
        return True

    return store.write(work)


def engagements_frame(store: Store, convention: str) -> pd.DataFrame:
    """The engagements recorded (communes never edited have no row)."""
    frame = store.query_df(
        "select commune, fiche_signee, date_signature, elu_referent, updated_by, updated_at "
        "from engagements where convention = $conv order by commune",
        {"conv": convention},
    )
    frame["date_signature"] = pd.to_datetime(frame["date_signature"]).dt.date
    frame["date_signature"] = (
        frame["date_signature"].astype("object").where(frame["date_signature"].notna(), None)
    )
    return frame[ENGAGEMENT_COLUMNS]


def commune_engagements(ref: Reference, engagements: pd.DataFrame) -> pd.DataFrame:
    """Every commune of the EPCI with its engagement (not signed when never recorded)."""
    base = pd.DataFrame([{"commune": c.code, "nom": c.nom} for c in ref.communes()])
    if base.empty:
        return pd.DataFrame(columns=["commune", "nom", *ENGAGEMENT_COLUMNS[1:]])
    merged = base.merge(engagements, on="commune", how="left")
    merged["fiche_signee"] = merged["fiche_signee"].astype("boolean").fillna(False).astype(bool)
    for col in ("date_signature", "elu_referent", "updated_by", "updated_at"):
        merged[col] = merged[col].astype("object").where(merged[col].notna(), None)
    return merged
