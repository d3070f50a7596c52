"""Use cases of the quarterly upload: dry run (what would change), atomic commit, history, revert.

    >>> plan = prepare_import(store, ref, data, "t3.csv", actor)      # writes nothing
    >>> plan.counts, plan.preview()                                     # new / changed / unchanged
    >>> result = commit_import(store, ref, plan, actor)                 # one transaction or nothing

The diff is computed again inside the commit's transaction, so two uploads at once both
land (the store retries on a lock or a write conflict) and none overwrites the other
with a stale picture. Only new and changed values are written, in one batch that keeps
who, when, the file name and its sha256; re-uploading the same file writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa

from db.observations import (
    BatchError,
    current_for,
    list_batches,
    record_audit,
    revert_batch,
    value_history,
    write_batch,
)
from db.store import Store, StoreError
from indicators import rules
from indicators.access import Actor, require_admin, require_convention, require_territory, require_writer
from indicators.catalogue import Reference
from indicators.changes import (
    KEYS,
    STATUS_CHANGED,
    STATUS_NEW,
    STATUS_UNCHANGED,
    change_counts,
    compute_diff,
    indicators_named,
    previous_map,
)
from indicators.formatting import MISSING, format_value
from indicators.labels import batch_kind_label, batch_status_label
from indicators.periods import period_label
from indicators.upload import read_upload
from indicators.validation import Report, rows_frame, validate_upload
from services.settings import get_settings, upload_limits

BATCH_KIND = "depot"


class ImportRejected(StoreError):
    """A commit asked for a file whose report has errors; nothing was written."""


class RevertRefused(StoreError):
    """A batch that cannot be cancelled; the message is French."""


REVERT_REFUSALS = {
    "absent": "Le dépôt n°{n} n'existe pas.",
    "not-valid": "Le dépôt n°{n} est déjà annulé ou remplacé.",
    "reference": "Les données de référence se modifient dans seed/ puis par le chargement du référentiel.",
}


@dataclass
class ImportPlan:
    """A validated file and what it would change (the dry run); nothing is written yet."""

    filename: str
    sha256: str
    report: Report
    diff: pd.DataFrame
    counts: dict[str, int] = field(default_factory=dict)
    convention: str = ""  # the convention the file was checked against (committed into it only)

    @property
    def accepted(self) -> bool:
        """True when the file has no error."""
        return self.report.valid

    @property
    def has_changes(self) -> bool:
        """True when committing would write at least one value."""
        return self.counts.get("new", 0) + self.counts.get("changed", 0) > 0

    def summary(self) -> str:
        """The dry run in one French sentence."""
        if not self.accepted:
            return (
                f"Fichier refusé : {len(self.report.errors)} erreur(s), rien ne sera écrit. "
                + self.report.summary()
            )
        c = self.counts
        return (
            f"{c['new']} nouvelle(s) valeur(s), {c['changed']} modifiée(s), "
            f"{c['unchanged']} inchangée(s), {c['skipped']} non renseignée(s)."
        )

    def preview(self, ref: Reference) -> pd.DataFrame:
        """The diff for people: territory, indicator, period, old → new value, status."""
        return preview_frame(self.diff, ref)


@dataclass
class ImportResult:
    """The outcome of an import: the plan, and the batch written (None when nothing was)."""

    plan: ImportPlan
    batch_id: int | None = None
    message: str = ""

    @property
    def committed(self) -> bool:
        return self.batch_id is not None


def preview_frame(diff: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    """A French table of the diff, with names, labels and formatted values (old → new)."""
    columns = [
        "ligne",
        "statut",
        "territoire",
        "nom",
        "indicateur",
        "période",
        "ancienne valeur",
        "nouvelle valeur",
        "commentaire",
        "code",
    ]
    if diff.empty:
        return pd.DataFrame(columns=columns)
    names = {t.code: t.nom for t in ref.territories}
    units = {i.code: i.unite for i in ref.indicators}
    labels = {i.code: i.libelle for i in ref.indicators}

    def shown(number: object, text: object, unite: str) -> str:
        if isinstance(text, str) and text:
            return text
        return format_value(number, unite)

    diff = pd.DataFrame({c: diff[c].tolist() for c in diff.columns})  # plain objects: fast to iterate
    frame = pd.DataFrame(
        {
            "ligne": diff["ligne"].astype(int),
            "statut": diff["statut"],
            "territoire": diff["territoire"],
            "nom": diff["territoire"].map(names),
            "indicateur": diff["indicateur"].map(labels),  # the label first, the code last
            "période": diff["periode"].map(period_label),
            "ancienne valeur": [
                shown(v, t, units[i]) if s != STATUS_NEW else "—"
                for v, t, i, s in zip(
                    diff["ancienne_valeur"],
                    diff["ancien_texte"],
                    diff["indicateur"],
                    diff["statut"],
                    strict=True,
                )
            ],
            "nouvelle valeur": [
                shown(v, t, units[i])
                for v, t, i in zip(diff["valeur"], diff["valeur_texte"], diff["indicateur"], strict=True)
            ],
            "commentaire": diff["commentaire"].fillna(""),
            "code": diff["indicateur"],
        }
    )
    order = {STATUS_CHANGED: 0, STATUS_NEW: 1, STATUS_UNCHANGED: 2}
    frame["_o"] = frame["statut"].map(order)
    return frame.sort_values(["_o", "ligne"]).drop(columns="_o").reset_index(drop=True)[columns]


# -- dry run and commit -------------------------------------------------------------------------
def prepare_import(
    store: Store,
    ref: Reference,
    data: bytes,
    filename: str,
    actor: Actor,
    *,
    today: dt.date | None = None,
    max_bytes: int | None = None,
    max_rows: int | None = None,
) -> ImportPlan:
    """Read, validate and diff a file against the current values (the dry run): writes nothing.

    An actor whose rights are on another convention is refused before the file is read."""
    require_convention(actor, ref.convention.code, "dépôt de valeurs")
    settings = get_settings()
    table = read_upload(
        data,
        filename,
        max_bytes=max_bytes or settings.upload_max_bytes,
        max_rows=max_rows or settings.upload_max_rows,
        limits=upload_limits(settings),
    )
    asked = indicators_named(table)
    current = current_for(store, ref.convention.code, asked)
    report = validate_upload(
        table, ref, actor=actor, today=today or dt.date.today(), previous=previous_map(current)
    )
    # Cross-indicator rules, over the file merged with the stored values (indicators/rules.py).
    rules.check_upload(
        report, ref, current_for(store, ref.convention.code, rules.codes_involved(ref, report))
    )
    rows = rows_frame(report) if report.valid else rows_frame(Report())
    resolved = sorted(set(rows["indicateur"]))
    if not set(resolved) <= set(asked):  # some indicators were named by their label
        current = current_for(store, ref.convention.code, resolved)
    diff = compute_diff(rows, current)
    return ImportPlan(
        filename=filename,
        sha256=hashlib.sha256(data).hexdigest(),
        report=report,
        diff=diff,
        counts=change_counts(diff, report.stats),
        convention=ref.convention.code,
    )


def _check_scope(actor: Actor, plan: ImportPlan, ref: Reference) -> None:
    convention = ref.convention.code
    require_writer(actor, "dépôt de valeurs", convention)
    if plan.convention and plan.convention != convention:
        raise ImportRejected(
            f"Fichier vérifié pour la convention {plan.convention} : il ne peut pas être enregistré "
            f"dans la convention {convention}. Déposez-le à nouveau dans la bonne convention."
        )
    known = {t.code for t in ref.territories}
    foreign = sorted(set(plan.diff["territoire"]) - known)
    if foreign:
        raise ImportRejected(
            f"Territoire(s) hors de la convention {convention} : {', '.join(foreign[:10])} : rien n'a été écrit."
        )
    for code in sorted(set(plan.diff["territoire"])):
        require_territory(actor, code, "dépôt de valeurs")


def commit_import(store: Store, ref: Reference, plan: ImportPlan, actor: Actor) -> ImportResult:
    """Write the new and changed values of an accepted plan in ONE transaction.

    Raises ImportRejected for a plan with errors and AccessDenied outside the actor's scope;
    returns a result without batch (and a message saying so) when nothing changed.
    """
    if not plan.accepted:
        raise ImportRejected(f"Fichier refusé ({len(plan.report.errors)} erreur(s)) : rien n'a été écrit.")
    _check_scope(actor, plan, ref)
    convention = ref.convention.code
    rows = plan.diff[
        [
            c
            for c in plan.diff.columns
            if c in ("ligne", *KEYS, "annee", "trimestre", "valeur", "valeur_texte", "commentaire")
        ]
    ]
    indicators = sorted(set(rows["indicateur"]))

    def work(conn: sa.Connection) -> tuple[int | None, dict[str, int]]:
        current = current_for(None, convention, indicators, raw_conn=conn.connection.dbapi_connection)
        diff = compute_diff(rows, current)  # again, inside the transaction: never a stale picture
        counts = change_counts(diff, plan.report.stats)
        to_write = diff[diff["statut"] != STATUS_UNCHANGED]
        if to_write.empty:
            return None, counts
        batch_id = write_batch(
            conn,
            convention,
            to_write.reset_index(drop=True),
            kind=BATCH_KIND,
            author=actor.login,
            filename=plan.filename,
            sha256=plan.sha256,
            counts=counts,
        )
        record_audit(
            conn,
            convention,
            actor.login,
            "depot",
            f"dépôt {batch_id}",
            None,
            {"fichier": plan.filename, "sha256": plan.sha256, **counts},
        )
        return batch_id, counts

    batch_id, counts = store.write(work)
    plan.counts = counts
    if batch_id is None:
        return ImportResult(
            plan,
            None,
            f"Aucune modification : les {counts['unchanged']} valeur(s) du "
            "fichier sont déjà enregistrées ; aucun dépôt n'a été créé.",
        )
    return ImportResult(
        plan,
        batch_id,
        f"Dépôt n°{batch_id} enregistré : {counts['new']} nouvelle(s) "
        f"valeur(s), {counts['changed']} modifiée(s), {counts['unchanged']} "
        f"inchangée(s), {counts['skipped']} non renseignée(s).",
    )


def import_file(
    store: Store,
    ref: Reference,
    data: bytes,
    filename: str,
    actor: Actor,
    *,
    dry_run: bool = False,
    today: dt.date | None = None,
    max_bytes: int | None = None,
    max_rows: int | None = None,
) -> ImportResult:
    """Dry run, then (unless `dry_run` or rejected) commit; the result says what happened."""
    plan = prepare_import(
        store, ref, data, filename, actor, today=today, max_bytes=max_bytes, max_rows=max_rows
    )
    if not plan.accepted:
        return ImportResult(plan, None, plan.summary())
    if dry_run:
        return ImportResult(plan, None, "Essai à blanc, rien n'a été écrit : " + plan.summary())
    return commit_import(store, ref, plan, actor)


# -- history ------------------------------------------------------------------------------------
def batch_history(store: Store, convention: str) -> pd.DataFrame:
    """Every batch, newest first, with French headers (for the page and the CLI)."""
    batches = list_batches(store, convention)
    columns = [
        "n°",
        "date",
        "type",
        "auteur",
        "fichier",
        "statut",
        "lignes",
        "nouvelles",
        "modifiées",
        "inchangées",
        "non renseignées",
        "sha256",
    ]
    if batches.empty:
        return pd.DataFrame(columns=columns)
    status = batches["status"].map(batch_status_label)
    changed = batches["status_changed_by"].notna()
    status = status.where(
        ~changed,
        status
        + " par "
        + batches["status_changed_by"].astype(str)
        + " le "
        + pd.to_datetime(batches["status_changed_at"]).dt.strftime("%d/%m/%Y %H:%M"),
    )
    return pd.DataFrame(
        {
            "n°": batches["id"].astype(int),
            "type": [
                batch_kind_label(k) + (" (démonstration)" if demo and k != "demo" else "")
                for k, demo in zip(batches["kind"], batches["is_demo"], strict=True)
            ],
            "date": pd.to_datetime(batches["created_at"]).dt.strftime("%d/%m/%Y %H:%M"),
            "auteur": batches["author"],
            "fichier": batches["filename"].fillna(MISSING),
            "lignes": batches["n_rows"].astype(int),
            "nouvelles": batches["n_new"].astype(int),
            "modifiées": batches["n_changed"].astype(int),
            "inchangées": batches["n_unchanged"].astype(int),
            "non renseignées": batches["n_skipped"].astype(int),
            "statut": status,
            "sha256": batches["sha256"].fillna("").str.slice(0, 12),
        }
    )[columns]


def revert_import(store: Store, ref: Reference, batch_id: int, actor: Actor) -> str:
    """Cancel a batch (administrators only): its values give way to the earlier ones; audited."""
    require_admin(actor, f"annulation du dépôt n°{batch_id}", ref.convention.code)
    try:
        revert_batch(store, ref.convention.code, batch_id, actor.login, objet=f"dépôt {batch_id}")
    except BatchError as exc:
        raise RevertRefused(REVERT_REFUSALS[exc.reason].format(n=batch_id)) from exc
    return (
        f"Dépôt n°{batch_id} annulé : ses valeurs ne sont plus en vigueur, les précédentes "
        "reviennent (trace gardée dans l'historique)."
    )


def value_trail(store: Store, ref: Reference, indicateur: str, territoire: str, periode: str) -> pd.DataFrame:
    """Every value ever written for one (indicator, territory, period), newest first, in French."""
    history = value_history(store, ref.convention.code, indicateur, territoire, periode)
    columns = [
        "date",
        "valeur",
        "commentaire",
        "dépôt",
        "type",
        "auteur",
        "fichier",
        "statut du dépôt",
        "en vigueur",
    ]
    if history.empty:
        return pd.DataFrame(columns=columns)
    unite = ref.by_code[indicateur].unite if indicateur in ref.by_code else "nombre"
    current_id = next(
        (int(i) for i, s in zip(history["id"], history["status"], strict=True) if s == "valide"), None
    )
    return pd.DataFrame(
        {
            "date": pd.to_datetime(history["created_at"]).dt.strftime("%d/%m/%Y %H:%M"),
            "valeur": [
                t if isinstance(t, str) and t else format_value(v, unite)
                for v, t in zip(history["valeur"], history["valeur_texte"], strict=True)
            ],
            "commentaire": history["commentaire"].fillna(""),
            "dépôt": history["batch_id"].astype(int),
            "type": history["kind"].map(batch_kind_label),
            "auteur": history["author"],
            "fichier": history["filename"].fillna(MISSING),
            "statut du dépôt": history["status"].map(batch_status_label),
            "en vigueur": ["oui" if int(i) == current_id else "non" for i in history["id"]],
        }
    )[columns]
