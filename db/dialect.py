"""Where DuckDB and PostgreSQL differ: the one place.

The store's SQL is written once. Where both engines accept the same text it is written that way
(`x = any($list)` for list membership, `string_to_array`, explicit `group by`, an alias on every
subquery); what they do differently is here:

- running text SQL with `$name` parameters into a frame or rows (`frame`, `rows`, `run`): DuckDB
  through its own connection (its fast path to pandas), PostgreSQL through psycopg's cursor with
  the parameters rewritten to `%(name)s`;
- a frame read as a table inside a transaction (`registered`): DuckDB registers the frame,
  PostgreSQL copies it into a temporary table dropped on exit;
- a frame appended to a table (`insert_frame`): DuckDB inserts from the registered frame,
  PostgreSQL copies the rows in (`COPY ... FROM STDIN`);
- `arg_max(value, key)` and the `asof join` of DuckDB (`arg_max`, `asof_join`);
- the DDL of the migrations already released, written for DuckDB (`ddl`: `select * exclude (c)`,
  `type double`);
- the indexes PostgreSQL needs and DuckDB does without (`wants_indexes`, migration 10);
- writes one at a time (`begin_write`): DuckDB allows one writer per file; on PostgreSQL every
  write transaction first takes the same advisory lock, so that two processes refreshing the
  rollups of the same values never interleave;
- what each driver raises through those raw connections (`DRIVER_ERRORS`), which `Store` retries
  on a write conflict as it does SQLAlchemy's errors.

A new migration written with SQLAlchemy Core (tables, columns, `sa.select`) needs nothing here.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence
from typing import Any

import duckdb
import pandas as pd
import psycopg
import sqlalchemy as sa

DUCKDB = "duckdb"
POSTGRESQL = "postgresql"

# PostgreSQL type oids (pg_type) of the columns turned into frames.
_PG_INTEGERS = {20, 21, 23, 26}  # int8, int2, int4, oid
_PG_FLOATS = {700, 701, 1700}  # float4, float8, numeric
_PG_BOOL = 16
_PG_TIMES = {1082, 1114, 1184}  # date, timestamp, timestamptz

_PARAM = re.compile(r"\$([A-Za-z_]\w*)")
# Every write transaction on PostgreSQL takes this lock first (pg_advisory_xact_lock's key).
WRITE_LOCK_KEY = 0x5C7_2026
# A bulk insert of this many rows on PostgreSQL is followed by ANALYZE of its table.
ANALYZE_ROWS = 5_000


# What the drivers raise through the raw connections used here (SQLAlchemy wraps only its own calls).
DRIVER_ERRORS: tuple[type[Exception], ...] = (duckdb.Error, psycopg.Error)


def name(bind: sa.Connection | sa.Engine) -> str:
    """`duckdb` or `postgresql`: the engine behind a connection or an engine."""
    return bind.dialect.name


def is_postgresql(bind: sa.Connection | sa.Engine) -> bool:
    return name(bind) == POSTGRESQL


def _driver(conn: sa.Connection) -> Any:
    """The DBAPI connection inside `conn`'s transaction (duckdb_engine's wrapper or psycopg's)."""
    return conn.connection.dbapi_connection


def _pg_sql(sql: str) -> str:
    """`$name` parameters as psycopg's `%(name)s` (a literal `%` doubled)."""
    return _PARAM.sub(r"%(\1)s", sql.replace("%", "%%"))


def _pg_cursor(conn: sa.Connection, sql: str, params: dict[str, Any] | None) -> Any:
    cursor = _driver(conn).cursor()
    cursor.execute(_pg_sql(sql), params or {})
    return cursor


def _pg_frame(cursor: Any) -> pd.DataFrame:
    """The rows of a psycopg cursor typed as DuckDB's `.df()` types them: integers and booleans
    nullable only when a value is missing, dates and timestamps as datetime64, numerics as floats."""
    columns = [d.name for d in cursor.description]
    frame = pd.DataFrame(cursor.fetchall(), columns=columns, dtype=object)
    out = {}
    for position, description in enumerate(cursor.description):
        column = frame.iloc[:, position]
        code = description.type_code
        missing = bool(column.isna().any())
        if code in _PG_INTEGERS:
            column = column.astype("Int64") if missing else column.astype("int64")
        elif code in _PG_FLOATS:
            column = pd.to_numeric(column.astype(object).where(column.notna(), None), errors="coerce").astype(
                "float64"
            )
        elif code == _PG_BOOL:
            column = column.astype("boolean") if missing else column.astype(bool)
        elif code in _PG_TIMES:
            column = pd.to_datetime(column)
        else:
            column = column.infer_objects()
        out[position] = column
    result = pd.DataFrame({i: out[i] for i in range(len(columns))})
    result.columns = columns
    return result


def frame(conn: sa.Connection, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """Run text SQL (`$name` parameters) inside `conn`'s transaction; its rows as a DataFrame."""
    if is_postgresql(conn):
        with contextlib.closing(_pg_cursor(conn, sql, params)) as cursor:
            return _pg_frame(cursor)
    raw = _driver(conn)
    return (raw.execute(sql, params) if params else raw.execute(sql)).df()


def rows(conn: sa.Connection, sql: str, params: dict[str, Any] | None = None) -> list[tuple]:
    """Run text SQL (`$name` parameters) inside `conn`'s transaction; its rows as tuples."""
    if is_postgresql(conn):
        with contextlib.closing(_pg_cursor(conn, sql, params)) as cursor:
            return [tuple(r) for r in cursor.fetchall()]
    raw = _driver(conn)
    return [tuple(r) for r in (raw.execute(sql, params) if params else raw.execute(sql)).fetchall()]


def run(conn: sa.Connection, sql: str, params: dict[str, Any] | None = None) -> None:
    """Run a text SQL statement (`$name` parameters) inside `conn`'s transaction."""
    if is_postgresql(conn):
        _pg_cursor(conn, sql, params).close()
        return
    raw = _driver(conn)
    raw.execute(sql, params) if params else raw.execute(sql)


def _pg_type(series: pd.Series) -> str:
    kind = series.dtype.kind
    if kind == "b" or str(series.dtype) == "boolean":
        return "boolean"
    if kind in "iu":
        return "bigint"
    if kind == "f":
        return "double precision"
    if kind == "M":
        return "timestamp"
    return "text"


def _records(df: pd.DataFrame) -> Iterator[tuple]:
    """The rows of a frame as Python values, a missing value as None."""
    plain = df.astype(object).where(df.notna(), None)
    return plain.itertuples(index=False, name=None)


def _pg_copy(conn: sa.Connection, table: str, columns: Sequence[str], df: pd.DataFrame) -> None:
    """COPY the rows in; a float column bound for an integer column (pandas' integers with a
    missing value) is written as integers, as DuckDB casts them."""
    integers = {
        r[0]
        for r in rows(
            conn,
            "select attname from pg_attribute where attrelid = to_regclass($t) and attnum > 0 "
            "and atttypid in ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)",
            {"t": table},
        )
    }
    floats = [c for c in columns if c in integers and df[c].dtype.kind == "f"]
    if floats:
        df = df.assign(**{c: df[c].round().astype("Int64") for c in floats})
    quoted = ", ".join(f'"{c}"' for c in columns)
    with _driver(conn).cursor() as cursor, cursor.copy(f"copy {table} ({quoted}) from stdin") as copy:
        for record in _records(df[list(columns)]):
            copy.write_row(record)


@contextlib.contextmanager
def registered(conn: sa.Connection, table: str, df: pd.DataFrame) -> Iterator[str]:
    """`df` readable as the table `table` by the statements run in `conn`'s transaction."""
    if is_postgresql(conn):
        columns = ", ".join(f'"{c}" {_pg_type(df[c])}' for c in df.columns)
        run(conn, f"create temporary table {table} ({columns}) on commit drop")
        try:
            if not df.empty:
                _pg_copy(conn, table, list(df.columns), df)
            run(conn, f"analyze {table}")
            yield table
        finally:
            with contextlib.suppress(Exception):  # a failed transaction drops it when rolled back
                run(conn, f"drop table if exists {table}")
        return
    raw = _driver(conn)
    raw.register(table, df)
    try:
        yield table
    finally:
        with contextlib.suppress(duckdb.Error):  # an aborted transaction: its own error goes up
            raw.unregister(table)


def insert_frame(conn: sa.Connection, table: str, df: pd.DataFrame) -> None:
    """Append the rows of `df` (columns: a subset of `table`'s) inside `conn`'s transaction."""
    if df.empty:
        return
    if is_postgresql(conn):
        _pg_copy(conn, table, list(df.columns), df)
        if len(df) >= ANALYZE_ROWS:  # the plans of the rest of the transaction see the new rows
            run(conn, f"analyze {table}")
        return
    name_ = f"_df_{id(df)}"
    with registered(conn, name_, df):
        columns = ", ".join(f'"{c}"' for c in df.columns)
        conn.exec_driver_sql(f"insert into {table} ({columns}) select {columns} from {name_}")


def arg_max(bind: sa.Connection | sa.Engine, value: str, key: str) -> str:
    """SQL for the `value` of the row with the largest `key` in a group (an aggregate)."""
    if is_postgresql(bind):
        return f"(array_agg({value} order by {key} desc))[1]"
    return f"arg_max({value}, {key})"


def asof_join(
    bind: sa.Connection | sa.Engine,
    left: str,
    right: str,
    alias: str,
    equal: Sequence[str],
    on: str,
) -> str:
    """A join clause: for each row of `left` (an alias), the row of `right` (a table or CTE, named
    `alias`) with the same `equal` columns and the largest `on` not above the left row's `on`."""
    keys = " and ".join(f"{alias}.{c} = {left}.{c}" for c in equal)
    if is_postgresql(bind):
        # Each right row stands for [on, next on): an equi-join and a range test.
        window = f"lead({on}) over (partition by {', '.join(equal)} order by {on})"
        return (
            f"join (select *, {window} as _next_{on} from {right}) {alias} on {keys} "
            f"and {left}.{on} >= {alias}.{on} and ({alias}._next_{on} is null or {left}.{on} < {alias}._next_{on})"
        )
    return f"asof join {right} {alias} on {keys} and {left}.{on} >= {alias}.{on}"


_EXCLUDE = re.compile(r"select \* exclude \((\w+)\) from \((.*)\)\s*where", re.S | re.I)
_DOUBLE = re.compile(r"\btype double\b(?! precision)", re.I)


def ddl(conn: sa.Connection, sql: str) -> str:
    """DDL written for DuckDB (the migrations already released) for the connection's engine:
    on PostgreSQL `select * exclude (c) from (q) where` lists q's columns but c, and `type double`
    is `double precision`."""
    if not is_postgresql(conn):
        return sql
    sql = _DOUBLE.sub("type double precision", sql)
    match = _EXCLUDE.search(sql)
    if match:
        dropped, inner = match.group(1), match.group(2)
        with contextlib.closing(_pg_cursor(conn, f"select * from ({inner}) q limit 0", None)) as cursor:
            kept = [d.name for d in cursor.description if d.name != dropped]
        listed = ", ".join(f'"{c}"' for c in kept)
        sql = sql[: match.start()] + f"select {listed} from ({inner}) q where" + sql[match.end() :]
    return sql


def wants_indexes(bind: sa.Connection | sa.Engine) -> bool:
    """True on PostgreSQL, whose plans need indexes on the keys the queries look up; DuckDB scans
    its columns (with zone maps) faster than it would maintain an index at every bulk insert."""
    return is_postgresql(bind)


def begin_write(conn: sa.Connection) -> None:
    """At the start of a write transaction: on PostgreSQL wait for the other writers (one at a
    time, as DuckDB allows); nothing on DuckDB."""
    if is_postgresql(conn):
        conn.exec_driver_sql(f"select pg_advisory_xact_lock({WRITE_LOCK_KEY})")
