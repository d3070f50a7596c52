"""What every command needs: the settings, the store, the reference."""

from __future__ import annotations

import sys
from functools import lru_cache

from db.store import Store
from indicators.catalogue import Reference, load_reference
from services.settings import get_settings


def open_store() -> Store:
    """The store named by `CTG_DATABASE_URL` (or the default file), migrated."""
    settings = get_settings()
    store = Store(settings.database_url, retry_seconds=settings.busy_timeout_seconds)
    store.migrate()
    return store


@lru_cache(maxsize=1)
def reference() -> Reference:
    """The reference read from the seed directory."""
    return load_reference(get_settings().seed_dir)


def fail(message: str, code: int = 1) -> int:
    """Print a French error on stderr and return the exit code."""
    print(f"Erreur : {message}", file=sys.stderr)
    return code
