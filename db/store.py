"""The one object that owns the database: a DuckDB file (the embedded default) or PostgreSQL.

    >>> with Store("duckdb:////tmp/ctg.duckdb") as store:
    ...     store.migrate()
    ...     df = store.query_df("select count(*) as n from observations")

`Store("postgresql+psycopg://ctg@db.example/ctg")` runs the same queries on PostgreSQL; where
the two engines differ, `db/dialect.py` decides.

DuckDB connections are not pooled (`NullPool`): each read or write opens its own connection and
closes it, so that the file is released between operations and a command-line import can
run beside `streamlit run`. Opening retries with back-off while another process holds the
lock, and a write transaction is retried as a whole on a DuckDB write conflict. PostgreSQL
connections are pooled (checked before use); its writers take turns (`dialect.begin_write`).
"""

from __future__ import annotations

import contextlib
import contextvars
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from db import dialect
from db.migrations import migrate

T = TypeVar("T")

_RETRYABLE = (
    "Could not set lock",
    "Conflicting lock",
    "Conflict on update",
    "TransactionContext Error",
    "write-write conflict",
    "Catalog write-write conflict",
    # PostgreSQL
    "could not serialize access",
    "deadlock detected",
)


class StoreError(Exception):
    """The store could not be opened or written; the message is French."""


def _is_retryable(exc: BaseException) -> bool:
    text = str(exc)
    return any(marker in text for marker in _RETRYABLE)


def _url_of(target: str | Path) -> str:
    text = str(target)
    if "://" in text:
        return text
    return f"duckdb:///{Path(text).resolve()}"


class Store:
    """The store: a URL (or a DuckDB file path) in, connections and transactions out."""

    def __init__(self, url: str | Path, *, retry_seconds: float = 30.0) -> None:
        self.url = _url_of(url)
        self.retry_seconds = retry_seconds
        path = self.path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        if self.url.startswith("duckdb:"):
            engine = sa.create_engine(self.url, poolclass=NullPool)
        else:
            engine = sa.create_engine(self.url, pool_pre_ping=True, pool_size=5, max_overflow=10)
        self._engine: sa.Engine | None = engine
        # The connection of a batch of reads (`reading`), per thread/context: none by default.
        self._pinned: contextvars.ContextVar[sa.Connection | None] = contextvars.ContextVar(
            f"store_reading_{id(self)}", default=None
        )

    # -- lifecycle -------------------------------------------------------------------
    @property
    def path(self) -> Path | None:
        """The DuckDB file, or None for an in-memory store or a database server."""
        if not self.url.startswith("duckdb:"):
            return None
        rest = self.url.split(":///", 1)[1] if ":///" in self.url else ""
        if not rest or rest.startswith(":memory:"):
            return None
        return Path(rest.split("?", 1)[0])

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            raise StoreError("Le stockage est fermé.")
        return self._engine

    def close(self) -> None:
        """Release the engine; calling it twice is harmless."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def migrate(self) -> list[str]:
        """Create or upgrade the schema; return the migrations applied now."""
        self._retry(self._open).close()  # a server that does not answer: a sentence, no traceback
        return self._retry(lambda: migrate(self.engine))

    def _open(self) -> sa.Connection:
        """A new connection; a database server that cannot be reached is a StoreError."""
        try:
            return self.engine.connect()
        except sa.exc.OperationalError as exc:
            if self.path is not None or _is_retryable(exc):
                raise
            where = sa.engine.make_url(self.url).render_as_string(hide_password=True)
            raise StoreError(
                f"La base de données ne répond pas ou refuse la connexion ({where}) : vérifiez "
                "CTG_DATABASE_URL, que le serveur est démarré et que ce compte peut s'y connecter."
            ) from exc

    # -- retries ---------------------------------------------------------------------
    def _retry(self, action: Callable[[], T]) -> T:
        deadline = time.monotonic() + self.retry_seconds
        delay = 0.02
        while True:
            try:
                return action()
            except (sa.exc.DBAPIError, sa.exc.OperationalError, *dialect.DRIVER_ERRORS) as exc:
                if not _is_retryable(exc) or time.monotonic() > deadline:
                    if _is_retryable(exc):
                        raise StoreError(
                            "La base est occupée par un autre traitement depuis plus de "
                            f"{self.retry_seconds:.0f} s ; réessayez dans un instant."
                        ) from exc
                    raise
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 0.5)

    # -- reads -----------------------------------------------------------------------
    @contextlib.contextmanager
    def connect(self) -> Iterator[sa.Connection]:
        """A read connection, closed on exit (opened with retry on a lock)."""
        conn = self._retry(self._open)
        try:
            yield conn
        finally:
            conn.close()

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """One connection for a batch of reads (a review's figures, a dozen queries): DuckDB
        opens its file once instead of once per query. Reads inside the block share it; writes
        keep their own transaction. Per thread: another session's reads are not affected."""
        if self._pinned.get() is not None:
            yield
            return
        conn = self._retry(self._open)
        token = self._pinned.set(conn)
        try:
            yield
        finally:
            self._pinned.reset(token)
            conn.close()

    @contextlib.contextmanager
    def _read_connection(self) -> Iterator[sa.Connection]:
        pinned = self._pinned.get()
        if pinned is not None:
            yield pinned
            return
        with self._open() as conn:
            yield conn

    def query_df(self, sql: str | sa.Executable, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run a read query and return a DataFrame (text SQL with `$name` parameters goes through
        `dialect.frame`: DuckDB's fast path, or psycopg's cursor)."""

        def run() -> pd.DataFrame:
            with self._read_connection() as conn:
                if isinstance(sql, str):
                    return dialect.frame(conn, sql, params)
                return pd.read_sql(sql, conn, params=params)

        return self._retry(run)

    def scalar(self, sql: str | sa.Executable, params: dict[str, Any] | None = None) -> Any:
        """The first column of the first row of a query."""

        def run() -> Any:
            with self._read_connection() as conn:
                statement = sa.text(sql) if isinstance(sql, str) else sql
                return conn.execute(statement, params or {}).scalar()

        return self._retry(run)

    # -- writes ----------------------------------------------------------------------
    def write(self, work: Callable[[sa.Connection], T]) -> T:
        """Run `work(conn)` in one transaction; retried whole on a lock or write conflict.

        Every write of the application goes through here, so a failure leaves the store
        exactly as it was.
        """

        def run() -> T:
            with self._open() as conn, conn.begin():
                dialect.begin_write(conn)
                return work(conn)

        return self._retry(run)

    @staticmethod
    def insert_df(conn: sa.Connection, table: str, df: pd.DataFrame) -> None:
        """Bulk-insert a DataFrame whose columns are a subset of `table`'s, inside `conn`'s transaction."""
        dialect.insert_frame(conn, table, df)
