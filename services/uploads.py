"""Use cases of the quarterly upload: dry run (what would change), atomic commit, history, revert.

    >>> plan = prepare_import(store, ref, data, "t3.csv", actor)      # writes nothing
    >>> plan.counts, plan.preview()                                     # new / changed / unchanged
    >>> result = commit_import(store, ref, plan, actor)                 # one transaction or nothing

The dry run keeps a fingerprint of the values it compared with (`db.observations.
current_fingerprint`, read in the same snapshot). The commit's transaction takes it again:
unchanged, the dry run's diff is written as it is; changed (another upload, a revert
landed in between), the diff is computed again inside the transaction. So two uploads
at once both land (the store retries on a lock or a write conflict), none overwrites the
other with a stale picture, and the usual commit does not diff twice. Only new and
changed values are written, in one batch that keeps who, when, the file name and its
sha256; re-uploading the same file writes nothing. The preview is formatted once per plan
(the page shows it again at every rerun), and only the rows asked for (`limit`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sqlalchemy as sa

from db.observations import (
    BatchError,
    current_fingerprint,
    current_for,
    current_with_fingerprint,
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
)
from indicators.formatting import MISSING, format_value
from indicators.labels import batch_kind_label, batch_status_label, batch_status_text
from indicators.periods import period_label
from indicators.upload import read_upload
from indicators.validation import Report, rows_frame, territories_named, validate_upload
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
    # (indicators, territories, fingerprint) of the values in force the diff was computed against
    snapshot: tuple[list[str], list[str], tuple[int, int, int]] | None = None
    _previews: dict[tuple, pd.DataFrame] = field(default_factory=dict, repr=False)
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

    def preview(
        self, ref: Reference, *, changes_only: bool = False, limit: int | None = None
    ) -> pd.DataFrame:
        """The diff for people: territory, indicator, period, old → new value, status
        (formatted once per plan; `changes_only` drops the unchanged values, `limit` keeps
        the first rows only)."""
        key = (changes_only, limit)
        if key not in self._previews:
            self._previews[key] = preview_frame(self.diff, ref, changes_only=changes_only, limit=limit)
        return self._previews[key]


@dataclass
class ImportResult:
    """The outcome of an import: the plan, and the batch written (None when nothing was)."""

    plan: ImportPlan
    batch_id: int | None = None
    message: str = ""

    @property
    def committed(self) -> bool:
        return self.batch_id is not None


def preview_frame(
    diff: pd.DataFrame, ref: Reference, *, changes_only: bool = False, limit: int | None = None
) -> pd.DataFrame:
    """A French table of the diff, with names, labels and formatted values (old → new):
    changed values first, then new, then unchanged, each by line; only the rows shown are
    formatted (`changes_only`: no unchanged value; `limit`: the first rows)."""
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

    formatted: dict[tuple, str] = {}

    def shown(number: object, text: object, unite: str) -> str:
        if isinstance(text, str) and text:
            return text
        key = (number, unite)
        if key not in formatted:  # a file repeats the same values: each formatted once
            formatted[key] = format_value(number, unite)
        return formatted[key]

    order = {STATUS_CHANGED: 0, STATUS_NEW: 1, STATUS_UNCHANGED: 2}
    rank = diff["statut"].map(order).to_numpy() * (int(diff["ligne"].max()) + 1) + diff["ligne"].to_numpy()
    keep = np.argsort(rank, kind="stable")
    if changes_only:
        keep = keep[diff["statut"].to_numpy()[keep] != STATUS_UNCHANGED]
    if limit is not None:
        keep = keep[:limit]
    diff = diff.iloc[keep]
    if diff.empty:
        return pd.DataFrame(columns=columns)
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
    return frame[columns]


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
    convention = ref.convention.code
    asked = indicators_named(table)
    named = set(asked)  # with the indicators of the rules they take part in: one read
    asked = sorted(named | {c for rule in ref.rules if named & set(rule.codes()) for c in rule.codes()})
    territories = territories_named(table, ref)  # only their values are read: a slice of the store
    current, fingerprint = current_with_fingerprint(store, convention, asked, territories)
    snapshot = (asked, territories, fingerprint)
    report = validate_upload(table, ref, actor=actor, today=today or dt.date.today(), previous=current)
    # Cross-indicator rules, over the file merged with the stored values (indicators/rules.py).
    if report.valid and report.n_rows and ref.rules:
        involved = rules.codes_involved(ref, report)
        missing = sorted(set(involved) - set(asked))
        stored = current[current["indicateur"].isin(involved)]
        if missing:
            more = current_for(store, convention, missing, territories=territories)
            stored = pd.concat([stored, more], ignore_index=True)
        rules.check_upload(report, ref, stored)
    rows = rows_frame(report) if report.valid else rows_frame(Report())
    resolved = sorted(set(rows["indicateur"]))
    if not set(resolved) <= set(asked):  # some indicators were named by their label
        current, fingerprint = current_with_fingerprint(store, convention, resolved, territories)
        snapshot = (resolved, territories, fingerprint)
    diff = compute_diff(rows, current)
    return ImportPlan(
        filename=filename,
        sha256=hashlib.sha256(data).hexdigest(),
        report=report,
        diff=diff,
        counts=change_counts(diff, report.stats),
        snapshot=snapshot,
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
        snapshot = plan.snapshot
        if snapshot is not None and current_fingerprint(conn, convention, *snapshot[:2]) == snapshot[2]:
            diff = plan.diff  # nothing the dry run compared with has changed since
        else:  # another write landed in between: the diff again, inside the transaction
            territories = sorted(set(rows["territoire"]))
            current = current_for(None, convention, indicators, conn=conn, territories=territories)
            diff = compute_diff(rows, current)
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
    status = [
        batch_status_text(s, by, at)
        for s, by, at in zip(
            batches["status"], batches["status_changed_by"], batches["status_changed_at"], strict=True
        )
    ]
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
