"""Named, ordered migrations; each runs in one transaction and is recorded.

Add a migration by appending a function to MIGRATIONS; never edit one already released.
Written with SQLAlchemy Core it runs on DuckDB and PostgreSQL alike; the DDL text of the
migrations released for DuckDB goes through `dialect.ddl` (db/dialect.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa

from db import dialect, schema

Migration = Callable[[sa.Connection], None]

# The side table of the chargés de coopération, created by migration 1 as released and
# dropped by migration 5 (their ETP and headcount are observations): outside `schema`.
_legacy = sa.MetaData()
_charges_cooperation = sa.Table(
    "charges_cooperation",
    _legacy,
    sa.Column("convention", sa.String, nullable=False),
    sa.Column("structure", sa.String, nullable=False),
    sa.Column("ctg", sa.String, nullable=False),
    sa.Column("etp", sa.Double),
    sa.Column("effectif", sa.Integer, nullable=False),
    sa.Column("section", sa.String, nullable=False),
    sa.Column("note", sa.String),
    sa.PrimaryKeyConstraint("convention", "structure", "ctg"),
)

CURRENT_VIEW = """
create or replace view observations_courantes as
select * exclude (rang) from (
    select o.*, b.kind as batch_kind, b.author as batch_author, b.created_at as batch_at,
           b.filename as batch_filename,
           row_number() over (
               partition by o.convention, o.indicateur, o.territoire, o.periode
               order by o.id desc) as rang
    from observations o join batches b on b.id = o.batch_id
    where b.status = 'valide'
) where rang = 1
"""


def m001_initial(conn: sa.Connection) -> None:
    """Reference tables, batches and append-only observations."""
    for table in (
        schema.conventions,
        schema.enjeux,
        schema.ambitions,
        schema.fiches,
        schema.indicateurs,
        schema.territoires,
        schema.appartenances,
        _charges_cooperation,
        schema.calendrier,
        schema.batches,
        schema.observations,
        schema.audit,
    ):
        table.create(conn, checkfirst=True)
    conn.exec_driver_sql(dialect.ddl(conn, CURRENT_VIEW))


def m002_pilotage(conn: sa.Connection) -> None:
    """Users, targets, comments, meetings and commune engagements."""
    for table in (
        schema.utilisateurs,
        schema.cibles,
        schema.commentaires,
        schema.reunions,
        schema.engagements,
    ):
        table.create(conn, checkfirst=True)


def m003_double_values(conn: sa.Connection) -> None:
    """Values in double precision: FLOAT (4 bytes) turned 110 021,39 € into 110 021,390625."""
    # PostgreSQL refuses to change the type of a column a view reads; the view is made again below.
    conn.exec_driver_sql("drop view if exists observations_courantes")
    for table, column in (
        ("observations", "valeur"),
        ("cibles", "valeur"),
        ("charges_cooperation", "etp"),
        ("indicateurs", "facteur"),
        ("indicateurs", "min"),
        ("indicateurs", "max"),
    ):
        conn.exec_driver_sql(dialect.ddl(conn, f'alter table {table} alter "{column}" type double'))
    conn.exec_driver_sql(dialect.ddl(conn, CURRENT_VIEW))


def m004_accounts_hardening(conn: sa.Connection) -> None:
    """Channel of every audit row and batch, session versions, failed logins, one-time setup code."""
    for table in ("audit", "batches"):
        for column in ("canal", "utilisateur_systeme"):
            conn.exec_driver_sql(f'alter table {table} add column if not exists "{column}" varchar')
    conn.exec_driver_sql(
        "alter table utilisateurs add column if not exists session_version integer default 0"
    )
    conn.exec_driver_sql("update utilisateurs set session_version = 0 where session_version is null")
    schema.echecs_connexion.create(conn, checkfirst=True)
    schema.code_installation.create(conn, checkfirst=True)
    conn.exec_driver_sql(dialect.ddl(conn, CURRENT_VIEW))


CURRENT_VIEW_V5 = """
create or replace view observations_courantes as
select * exclude (rang) from (
    select o.*, b.kind as batch_kind, b.author as batch_author, b.created_at as batch_at,
           b.filename as batch_filename,
           row_number() over (
               partition by o.convention, o.indicateur, o.territoire, o.periode
               order by o.id desc) as rang
    from observations o join batches b on b.id = o.batch_id
    where b.status = 'valide' and o.retenue is not false
) where rang = 1
"""


def m005_conflict_choice(conn: sa.Connection) -> None:
    """Where the convention contradicts itself, the value set aside is never current.

    Before: the view kept the highest id, a silent choice. The retained value and its
    reason come from seed/ (`arbitrage` in observations_reference.csv).
    """
    conn.exec_driver_sql("alter table observations add column if not exists retenue boolean")
    conn.exec_driver_sql("alter table observations add column if not exists arbitrage varchar")
    conn.exec_driver_sql(dialect.ddl(conn, CURRENT_VIEW_V5))


def m006_charges_as_observations(conn: sa.Connection) -> None:
    """The chargés' ETP and headcount became yearly observations (CCT_ETP, CCT_EFFECTIF):
    exported, editable by upload, able to change during the convention. The side table goes."""
    conn.exec_driver_sql("drop table if exists charges_cooperation")


def m007_rollups(conn: sa.Connection) -> None:
    """What each area's parts add up to and how many values each territory sent per quarter,
    kept up to date at every write (db/rollups.py): pages read a few hundred rows instead of
    every value."""
    from db import rollups

    schema.agregats.create(conn, checkfirst=True)
    schema.completude.create(conn, checkfirst=True)
    for (code,) in conn.execute(sa.select(schema.conventions.c.code)).fetchall():
        rollups.rebuild(conn, code)


def m008_sessions(conn: sa.Connection) -> None:
    """Logins that survive a reload, a new tab, a restart and another app process: the
    sessions table (digests of the cookie tokens and one-time tickets, expiry, revocation)."""
    schema.sessions.create(conn, checkfirst=True)


def m009_rights_per_convention(conn: sa.Connection) -> None:
    """An account's rights (role, a chargé's territories) are per convention: table `droits`.

    Every existing account keeps its role and territories on the convention(s) already in
    the store (before this migration, there was one). `conventions.demonstration` flags a
    fictitious convention shipped for tests and demonstration. Portable SQL (DuckDB, PostgreSQL).
    """
    conn.exec_driver_sql("alter table conventions add column if not exists demonstration boolean")
    schema.droits.create(conn, checkfirst=True)
    u, c, d = schema.utilisateurs, schema.conventions, schema.droits
    conn.execute(
        d.insert().from_select(
            ["login", "convention", "role", "territoires"],
            sa.select(u.c.login, c.c.code, u.c.role, u.c.territoires).select_from(u.join(c, sa.true())),
        )
    )


# The indexes PostgreSQL's plans need (migration 10): the latest value of a key (the view of values
# in force, `observations.in_force_where`), a batch's values, an area's rollups, a quarter's counts.
POSTGRESQL_INDEXES = {
    "observations_cle": "observations (convention, indicateur, territoire, periode, id)",
    "observations_lot": "observations (batch_id)",
    "agregats_territoire": "agregats (convention, territoire, indicateur, periode)",
    "completude_territoire": "completude (convention, territoire, periode)",
    "cibles_cle": "cibles (convention, indicateur, territoire, annee, id)",
    "audit_date": "audit (happened_at)",
}


def m010_postgresql_indexes(conn: sa.Connection) -> None:
    """The indexes of POSTGRESQL_INDEXES, on PostgreSQL only (`dialect.wants_indexes`)."""
    if dialect.wants_indexes(conn):
        for name, target in POSTGRESQL_INDEXES.items():
            conn.exec_driver_sql(f"create index if not exists {name} on {target}")


MIGRATIONS: list[tuple[int, str, Migration]] = [
    (1, "initial", m001_initial),
    (2, "pilotage", m002_pilotage),
    (3, "valeurs_double", m003_double_values),
    (4, "comptes_canal_sessions", m004_accounts_hardening),
    (5, "arbitrage_des_conflits", m005_conflict_choice),
    (6, "charges_en_observations", m006_charges_as_observations),
    (7, "agregats", m007_rollups),
    (8, "sessions", m008_sessions),
    (9, "droits_par_convention", m009_rights_per_convention),
    (10, "index_postgresql", m010_postgresql_indexes),
]


def migrate(engine: sa.Engine) -> list[str]:
    """Apply the migrations not yet recorded; return the names of those applied."""
    with engine.begin() as conn:
        dialect.begin_write(conn)
        schema.schema_migrations.create(conn, checkfirst=True)
        done = {row[0] for row in conn.execute(sa.select(schema.schema_migrations.c.version))}
    applied = []
    for version, name, function in MIGRATIONS:
        if version in done:
            continue
        with engine.begin() as conn:
            dialect.begin_write(conn)  # PostgreSQL: another process may be migrating too
            recorded = schema.schema_migrations.c.version == version
            if conn.execute(sa.select(sa.func.count()).where(recorded)).scalar():
                continue
            function(conn)
            conn.execute(
                schema.schema_migrations.insert().values(
                    version=version, name=name, applied_at=datetime.now()
                )
            )
        applied.append(name)
    return applied
