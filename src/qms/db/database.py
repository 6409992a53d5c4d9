"""Opening the database, applying migrations, and units of work.

`Database.reading()` is a read-only transaction; `Database.writing()` is a write
transaction that first takes the register lock (the `register_head` row), so that
writers queue up instead of interleaving and the history chain never forks.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, inspect, text, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ..core.errors import QmsError
from ..core.i18n import _
from .engine import create_database_engine, resolve_database_url
from .tables import RegisterHead
from .text_limits import check_text_lengths

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
GENESIS_HASH = "0" * 64
MIGRATION_LOCK_KEY = 0x716D7364  # "qmsd": one advisory lock for schema changes
# The newest migration. Kept here so that opening an up-to-date database does not
# load Alembic at all; tests/capa/test_capa_db.py checks it against the scripts.
SCHEMA_REVISION = "0004"


def _alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest revision of the migration scripts (loads Alembic)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config("sqlite://")).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Apply migrations up to `revision`; returns (revision before, revision after)."""
    from alembic import command
    from alembic.util.exc import CommandError

    before = current_revision(engine)
    config = _alembic_config(engine.url.render_as_string(hide_password=False))
    try:
        # Two commands opening a new database at once: the second waits for the
        # first's migration (exclusive transaction / advisory lock), then finds
        # the schema at head and does nothing.
        with engine.connect().execution_options(qms_exclusive=True) as connection, connection.begin():
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except CommandError as error:
        raise QmsError(_("Cannot migrate the database {url} (revision {revision}): {reason}. Was it made by a "
                         "newer qms?").format(url=engine.url.render_as_string(hide_password=True),
                                              revision=before, reason=error)) from None
    except DBAPIError as error:
        raise QmsError(_("Cannot reach the database {url}: {reason}").format(
            url=engine.url.render_as_string(hide_password=True), reason=error.orig)) from None
    return before, current_revision(engine)


class Database:
    """An engine and its sessions. Build with `open_database()`."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def reading(self) -> Iterator[Session]:
        """One consistent snapshot for the whole read (verify reads the head, then
        the chain: a writer committing in between must not look like tampering)."""
        with self._sessions() as session, session.begin():
            if self.dialect == "postgresql":
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            yield session

    @contextlib.contextmanager
    def writing(self) -> Iterator[Session]:
        try:
            with self._sessions() as session, session.begin():
                # First statement of the transaction: a write to the head row. On SQLite
                # it takes the write lock before anything is read (no stale snapshot); on
                # PostgreSQL it row-locks the head until commit.
                session.execute(update(RegisterHead).where(RegisterHead.id == 1)
                                .values(last_seq=RegisterHead.last_seq))
                yield session
        except OperationalError as error:
            if not _is_lock_timeout(error):
                raise
            raise QmsError(_("The database is busy (another change has held it for too long); try again")) from None

    def dispose(self) -> None:
        self.engine.dispose()


def insert_rows(session: Session, table, rows: list[dict]) -> None:
    """Insert many rows in the session's transaction: COPY on PostgreSQL (one statement
    per row through executemany is ~10x slower for a check's 100,000 dossiers), a
    multi-row INSERT elsewhere."""
    if not rows:
        return
    check_text_lengths(table, rows)
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    quoted = ", ".join(f'"{column}"' for column in columns)
    with connection.connection.driver_connection.cursor() as cursor:
        with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row[column] for column in columns])


def _is_lock_timeout(error: OperationalError) -> bool:
    text = str(error.orig).lower()
    return "database is locked" in text or "lock timeout" in text


def open_database(url: str | None = None, *, workspace_dir: str | Path | None = None,
                  configured_url: str | None = None, migrate: bool = True) -> Database:
    """Connect, and create or upgrade the schema on first use unless `migrate=False`."""
    resolved = resolve_database_url(url, configured_url, workspace_dir)
    engine = create_database_engine(resolved)
    if migrate:
        _bring_to_head(engine)
    return Database(engine)


def _bring_to_head(engine: Engine, attempts: int = 50) -> None:
    """Create or upgrade the schema. On a brand-new SQLite file a second process that
    connects while the first switches it to WAL (or recovers its WAL) is told "database
    is locked" at once, without waiting on the busy timeout: SQLite's own advice is to
    try again, so a first use racing another first use retries briefly."""
    for attempt in range(attempts):
        try:
            if current_revision(engine) != SCHEMA_REVISION:
                upgrade(engine)  # reports a DBAPIError as a QmsError, the error kept as its context
            return
        except (DBAPIError, QmsError) as error:
            cause = error if isinstance(error, DBAPIError) else error.__context__
            if (engine.dialect.name == "sqlite" and isinstance(cause, OperationalError) and _is_lock_timeout(cause)
                    and attempt < attempts - 1):
                time.sleep(0.02 * (attempt + 1))
                continue
            if isinstance(error, QmsError):
                raise
            raise QmsError(_("Cannot reach the database {url}: {reason}").format(
                url=engine.url.render_as_string(hide_password=True), reason=error.orig)) from None
