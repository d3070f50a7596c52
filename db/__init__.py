"""The store of the CTG dashboard (SQLAlchemy 2 over duckdb-engine, or psycopg for PostgreSQL)."""

from db.store import Store, StoreError

__all__ = ["Store", "StoreError"]
