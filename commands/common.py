"""What every command needs: the settings, the store, the reference."""

from __future__ import annotations

import sys
from functools import lru_cache

from db.store import Store
from indicators.catalogue import Reference
from services.reference import pick_reference, read_references
from services.settings import get_settings

# The convention a command acts on: `--convention CODE` (set by cli.main), else the settings'.
_selected: dict[str, str | None] = {"code": None}


def select_convention(code: str | None) -> None:
    """Make `code` the convention of this command (None: the settings' default)."""
    _selected["code"] = code
    reference.cache_clear()


def open_store() -> Store:
    """The store named by `CTG_DATABASE_URL` (or the default file), migrated."""
    settings = get_settings()
    store = Store(settings.database_url, retry_seconds=settings.busy_timeout_seconds)
    store.migrate()
    return store


def convention_code() -> str | None:
    """The convention named by `--convention` or `CTG_CONVENTION` (None: the default one)."""
    return _selected["code"] or get_settings().convention


def references() -> tuple[Reference, ...]:
    """Every convention of the seed directory (read again at each call: `reference()` is cached)."""
    return tuple(read_references(get_settings().seed_dir))


@lru_cache(maxsize=1)
def reference() -> Reference:
    """The convention the command acts on (`--convention`, `CTG_CONVENTION`, else the first real one)."""
    return pick_reference(list(references()), _selected["code"])


def fail(message: str, code: int = 1) -> int:
    """Print a French error on stderr and return the exit code."""
    print(f"Erreur : {message}", file=sys.stderr)
    return code
