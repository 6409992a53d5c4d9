"""The operational-records database (SQLAlchemy 2 + Alembic): SQLite by default,
PostgreSQL when `QMS_DATABASE_URL` says so."""

from .database import GENESIS_HASH, Database, current_revision, head_revision, open_database, upgrade
from .engine import create_database_engine, resolve_database_url

__all__ = [
    "GENESIS_HASH", "Database", "create_database_engine", "current_revision", "head_revision",
    "open_database", "resolve_database_url", "upgrade",
]
