"""The DuckDB store of the CTG dashboard (SQLAlchemy 2 over duckdb-engine)."""

from db.store import Store, StoreError

__all__ = ["Store", "StoreError"]
