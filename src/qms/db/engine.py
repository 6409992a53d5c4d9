"""Where the database is and how to connect to it.

SQLite (a file `qms.db` in the workspace) is the default; `QMS_DATABASE_URL` or the
workspace's `database_url` selects PostgreSQL (`postgresql+psycopg://…`) when several
people work at once. SQLite runs in WAL mode with a busy timeout so that a reader
never blocks a writer and a second writer waits instead of failing at once.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from ..core.errors import QmsError
from ..core.i18n import _

DEFAULT_SQLITE_NAME = "qms.db"
SQLITE_BUSY_TIMEOUT_MS = 15_000
LOCK_TIMEOUT_MS = 15_000


def resolve_database_url(explicit: str | None = None, configured: str | None = None,
                         workspace_dir: str | Path | None = None) -> str:
    """The one place that decides which database a command uses.

    In order: an explicit URL (`--database`), `QMS_DATABASE_URL`, the workspace
    configuration's `database_url`, then `qms.db` in the workspace directory
    (default: cwd). A relative SQLite path in the configuration is taken from the
    workspace directory, so every command finds the same file from any subfolder;
    one typed on the command line or in the environment is taken from cwd, as a
    shell user expects.
    """
    folder = Path(workspace_dir) if workspace_dir is not None else Path.cwd()
    from_env = os.environ.get("QMS_DATABASE_URL", "").strip()
    for candidate in (explicit, from_env):
        if candidate:
            return candidate
    if configured:
        return _sqlite_from(configured, folder)
    return f"sqlite:///{(folder / DEFAULT_SQLITE_NAME).resolve()}"


def _sqlite_from(url: str, folder: Path) -> str:
    """`url` with a relative SQLite file path made absolute against `folder`."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/"):
        path, query = url[len(prefix):].partition("?")[::2]
        if path and path != ":memory:":
            return prefix + str((folder / path).resolve()) + (f"?{query}" if query else "")
    return url


def create_database_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            return _sqlite_engine(url)
        return _server_engine(url, parsed)
    except (ArgumentError, NoSuchModuleError, OSError) as error:
        raise QmsError(_("Unusable database URL {url}: {reason}").format(url=_masked(url), reason=error)) from None


def _masked(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _server_engine(url: str, parsed) -> Engine:
    if parsed.get_backend_name() == "postgresql":
        # A writer waits at most this long for another's lock, then gets a clear error.
        return create_engine(url, pool_pre_ping=True,
                             connect_args={"options": f"-c lock_timeout={LOCK_TIMEOUT_MS}"})
    return create_engine(url, pool_pre_ping=True)


def _sqlite_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin,
        # so that reads inside a transaction see one snapshot (pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        exclusive = connection.get_execution_options().get("qms_exclusive", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if exclusive else "BEGIN")

    return engine
