"""The database layer: migrations, SQLite settings, both back ends."""

from __future__ import annotations

import datetime as dt

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from qms.db import GENESIS_HASH, current_revision, head_revision, open_database
from qms.db.database import SCHEMA_REVISION
from qms.db.tables import Base, RegisterHead


def test_migrations_match_the_tables(db):
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}),
                                       Base.metadata)
    assert differences == []
    assert current_revision(db.engine) == head_revision() == SCHEMA_REVISION


def test_first_use_creates_the_schema_and_head(tmp_path):
    database = open_database(f"sqlite:///{tmp_path / 'sub' / 'qms.db'}")
    try:
        with database.reading() as session:
            head = session.scalars(select(RegisterHead)).one()
        assert (head.last_seq, head.last_hash) == (0, GENESIS_HASH)
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    finally:
        database.dispose()


def test_environment_variable_selects_the_database(db_url, monkeypatch, tmp_path):
    monkeypatch.setenv("QMS_DATABASE_URL", db_url)
    workspace = tmp_path / "workspace"
    database = open_database(workspace_dir=workspace)
    try:
        assert database.url.split("://")[0] == db_url.split("://")[0]
        assert not (workspace / "qms.db").exists()
    finally:
        database.dispose()


def test_instants_come_back_in_utc(db):
    with db.reading() as session:
        now = session.execute(text("SELECT 1")).scalar()
    assert now == 1
    from qms.db.types import UtcDateTime

    stored = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    bound = UtcDateTime().process_bind_param(stored, db.engine.dialect)
    back = UtcDateTime().process_result_value(bound, db.engine.dialect)
    assert back == stored and back.tzinfo == dt.timezone.utc


def test_unusable_databases_are_clear_errors(tmp_path):
    import pytest

    from qms.core.errors import QmsError

    not_a_database = tmp_path / "notes.txt"
    not_a_database.write_text("hello, this is not SQLite" * 100)
    cases = {
        "foo://bar": "Unusable database URL",
        "not a url": "Unusable database URL",
        f"sqlite:///{not_a_database}": "Cannot reach the database",
        "postgresql+psycopg://nobody@127.0.0.1:1/x": "Cannot reach the database",
    }
    for url, message in cases.items():
        with pytest.raises(QmsError, match=message):
            open_database(url)
    newer = tmp_path / "newer.db"
    database = open_database(f"sqlite:///{newer}")
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    database.dispose()
    with pytest.raises(QmsError, match="newer qms"):
        open_database(f"sqlite:///{newer}")


def test_database_url_precedence(monkeypatch, tmp_path):
    from qms.db import resolve_database_url

    monkeypatch.delenv("QMS_DATABASE_URL", raising=False)
    assert resolve_database_url(None, None, tmp_path) == f"sqlite:///{tmp_path.resolve() / 'qms.db'}"
    assert resolve_database_url(None, "sqlite:////c.db", tmp_path) == "sqlite:////c.db"
    monkeypatch.setenv("QMS_DATABASE_URL", "sqlite:////env.db")
    assert resolve_database_url(None, "sqlite:////c.db", tmp_path) == "sqlite:////env.db"
    assert resolve_database_url("sqlite:////explicit.db", "sqlite:////c.db", tmp_path) == "sqlite:////explicit.db"


def test_an_older_schema_is_upgraded_on_first_use(tmp_path):
    from qms.db import create_database_engine, upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_database_engine(url)
    assert upgrade(engine, "0001") == (None, "0001")
    with engine.begin() as connection:
        columns = {row[1] for row in connection.exec_driver_sql("PRAGMA table_info(nonconformity)")}
    engine.dispose()
    assert "plan_approved_by" not in columns
    database = open_database(url)
    try:
        assert current_revision(database.engine) == SCHEMA_REVISION
        with database.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}),
                                           Base.metadata)
        assert differences == []
    finally:
        database.dispose()


def test_missing_postgresql_fails_the_database_tests_loudly(tmp_path):
    """No silent skip: without server binaries the PostgreSQL variants fail and say why."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    here = Path(__file__).resolve()
    env = {**os.environ, "QMS_TEST_PG_BINDIR": str(tmp_path / "no-postgres-here")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", "--rootdir", str(here.parents[2]),
         f"{here}::test_instants_come_back_in_utc[postgresql]"],
        cwd=here.parents[2], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "PostgreSQL server binaries (initdb, pg_ctl) not found" in done.stdout + done.stderr
    assert "skipped" not in (done.stdout.splitlines() or [""])[-1]
