"""A throwaway PostgreSQL cluster for the tests: initdb into a temporary folder, pg_ctl on a free
local port with its unix socket in that folder, stopped and removed at the end of the session
(also when tests fail or are interrupted). Under pytest-xdist each worker starts its own.

PostgreSQL refuses to run as root: when the tests run as root (CI), initdb and the server run
as the `postgres` system user of Debian's package (else `nobody`), which owns the folder.

The binaries are found in `CTG_PG_BINDIR` (only there when it is set), else Debian's /usr/lib/postgresql/<version>/bin,
else the PATH. Without them the PostgreSQL variants fail with a French message, unless
`CTG_TESTS_SANS_POSTGRESQL=1` says to skip them (a machine without PostgreSQL, on purpose).
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

from tests.ports import free_port

SKIP_VARIABLE = "CTG_TESTS_SANS_POSTGRESQL"
SUPERUSER = "postgres"


class PostgresMissing(RuntimeError):
    """The PostgreSQL binaries are not installed."""


def binaries() -> Path:
    """The folder of initdb and pg_ctl."""
    named = os.environ.get("CTG_PG_BINDIR")
    if named:
        candidates = [Path(named)]
    else:
        candidates = sorted(
            Path("/usr/lib/postgresql").glob("*/bin"),
            key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
            reverse=True,
        )
        found = shutil.which("initdb")
        if found:
            candidates.append(Path(found).parent)
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    raise PostgresMissing(
        "PostgreSQL est introuvable (initdb, pg_ctl) : installez le paquet Debian « postgresql » "
        "(`make system`, scripts/install-system.sh) ou indiquez son dossier dans CTG_PG_BINDIR. "
        f"Pour ne tester que DuckDB sur un poste sans PostgreSQL : {SKIP_VARIABLE}=1."
    )


class Cluster:
    """A running PostgreSQL cluster in a temporary folder; `stop()` removes it."""

    def __init__(self) -> None:
        self.bin = binaries()
        self.folder = Path(tempfile.mkdtemp(prefix="ctg-pg-"))  # short: a socket path is limited
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = 0
        self._owner: dict = {}
        self._names = itertools.count(1)
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                account = pwd.getpwnam("nobody")
            os.chown(self.folder, account.pw_uid, account.pw_gid)
            self._owner = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        atexit.register(self.stop)
        self._run(
            "initdb", "-D", self.data, "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8",
            "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        for attempt in range(5):
            self.port = free_port()
            options = (
                f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
            )
            try:
                self._run("pg_ctl", "-D", self.data, "-l", self.log, "-o", options, "-w", "-t", "60", "start")
                break
            except RuntimeError:
                if attempt == 4:
                    raise

    def _run(self, program: str, *args: object) -> None:
        done = subprocess.run(
            [str(self.bin / program), *map(str, args)],
            capture_output=True,
            text=True,
            cwd=self.folder,
            **self._owner,
        )
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(
                f"PostgreSQL n'a pas démarré ({program} : code {done.returncode}).\n"
                f"{done.stdout}\n{done.stderr}\n{log}"
            )

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of a database of this cluster (through its unix socket)."""
        return f"postgresql+psycopg://{SUPERUSER}@/{database}?host={self.folder}&port={self.port}"

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(
            host=str(self.folder), port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        )

    def create_database(self, template: str | None = None, name: str | None = None) -> str:
        """A new database (a copy of `template` when given); its name."""
        name = name or f"t{os.getpid()}_{next(self._names)}"
        with self._admin() as conn:
            conn.execute(f'create database "{name}"' + (f' template "{template}"' if template else ""))
        return name

    def drop_database(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')

    def stop(self) -> None:
        """Stop the server and remove its folder; calling it twice is harmless."""
        if self.folder is None:
            return
        folder, self.folder = self.folder, None
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                subprocess.run(
                    [str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
                    capture_output=True,
                    cwd=folder,
                    timeout=60,
                    **self._owner,
                )
        shutil.rmtree(folder, ignore_errors=True)
