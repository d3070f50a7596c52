"""The audit trail and the batches as the store holds them: raw rows, filtered in SQL.

The French tables of the Journal (labels, before → after as a sentence, exports) are
built by `services/audit.py`.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from db.store import Store


def audit_rows(
    store: Store,
    start: datetime,
    end: datetime,
    actor: str | None = None,
    action: str | None = None,
    convention: str | None = None,
) -> pd.DataFrame:
    """Audit rows with `start <= happened_at < end` (and of one actor / action / convention), newest first.

    Columns: happened_at, actor, action, objet, avant, apres (JSON text or null), canal
    (`page`, `cli` or null before migration 4), utilisateur_systeme.
    """
    return store.query_df(
        "select happened_at, actor, action, objet, avant, apres, canal, utilisateur_systeme from audit "
        "where happened_at >= $start and happened_at < $end "
        "and (cast($actor as varchar) is null or actor = $actor) "
        "and (cast($action as varchar) is null or action = $action) "
        "and (cast($convention as varchar) is null or convention = $convention) "
        "order by happened_at desc, id desc",
        {"start": start, "end": end, "actor": actor, "action": action, "convention": convention},
    )


def batch_rows(
    store: Store, start: datetime, end: datetime, actor: str | None = None, convention: str | None = None
) -> pd.DataFrame:
    """Batches created in [start, end) (of one convention when given), of one author or status
    changer when `actor` is given, newest first, with every column of the Journal."""
    return store.query_df(
        "select id, created_at, author, kind, filename, n_rows, n_new, n_changed, n_unchanged, "
        "n_skipped, status, is_demo, status_changed_at, status_changed_by, note, sha256, "
        "canal, utilisateur_systeme from batches where created_at >= $start and created_at < $end "
        "and (cast($actor as varchar) is null or author = $actor or status_changed_by = $actor) "
        "and (cast($convention as varchar) is null or convention = $convention) "
        "order by id desc",
        {"start": start, "end": end, "actor": actor, "convention": convention},
    )


def actor_logins(store: Store, convention: str | None = None) -> list[str]:
    """Every login that appears in the audit log, as a batch author or status changer (of one
    convention when given), sorted."""
    df = store.query_df(
        "select actor from audit where (cast($c as varchar) is null or convention = $c) "
        "union select author from batches where (cast($c as varchar) is null or convention = $c) "
        "union select status_changed_by from batches where status_changed_by is not null "
        "and (cast($c as varchar) is null or convention = $c)",
        {"c": convention},
    )
    return sorted(str(v) for v in df.iloc[:, 0].dropna().unique())


def action_codes(store: Store, convention: str | None = None) -> list[str]:
    """Every action code present in the audit log (of one convention when given)."""
    return store.query_df(
        "select distinct action from audit where (cast($c as varchar) is null or convention = $c)",
        {"c": convention},
    )["action"].tolist()


def change_marker(store: Store) -> tuple:
    """What moves whenever the store's data change: the last audit row, the last batch and the
    last change of a batch's status. Another process compares it to know its caches are stale."""
    row = store.query_df(
        "select (select max(id) from audit) as audit, (select max(id) from batches) as batch, "
        "(select max(status_changed_at) from batches) as status"
    ).iloc[0]
    return tuple(None if pd.isna(v) else str(v) for v in row)
