"""Fixtures of the whole suite. Every database test runs on SQLite and on a real
PostgreSQL server that this file starts (one throwaway cluster per test session,
one migrated database emptied before each test)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from qms.db import open_database

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

# The suite's user cache (compiled catalogs, holiday data) is its own, not the user's
# (set before any test; the processes the tests start inherit it).
os.environ.setdefault("QMS_CACHE_DIR", tempfile.mkdtemp(prefix="qms-test-cache-"))


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    """../shared/data (real logs for tests; never copied into the project)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is absent: the shared test data comes with the team's checkout and CI, not with a user's clone")
    return SHARED_DATA


PG_BINARIES = ("initdb", "pg_ctl")


def _postgres_bindir() -> Path:
    candidates: list[Path] = []
    forced = os.environ.get("QMS_TEST_PG_BINDIR")  # a PostgreSQL build of one's own
    if forced:
        candidates.append(Path(forced))
    pg_config = None if forced else shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if out.returncode == 0:
            candidates.append(Path(out.stdout.strip()))
    if not forced:
        candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for folder in candidates:
        if all((folder / name).is_file() for name in PG_BINARIES):
            return folder
    pytest.fail(
        "PostgreSQL server binaries (initdb, pg_ctl) not found via `pg_config --bindir` or "
        "/usr/lib/postgresql/*/bin: the database tests need a real server. Install the Debian "
        "package `postgresql` (`make test` does it through scripts/bootstrap.sh).",
        pytrace=False,
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresCluster:
    def __init__(self, bindir: Path, root: Path, port: int, run_as: str | None):
        self.bindir, self.root, self.port, self.run_as = bindir, root, port, run_as
        self.data_dir = root / "data"
        self.socket_dir = root / "socket"
        self.log_file = root / "server.log"

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = self.log_file.read_text(errors="replace") if self.log_file.exists() else ""
            pytest.fail(f"PostgreSQL test cluster: {' '.join(command)} failed:\n"
                        f"{done.stdout}\n{done.stderr}\n{log}", pytrace=False)

    def start(self) -> None:
        self.socket_dir.mkdir()
        if self.run_as:
            entry = pwd.getpwnam(self.run_as)
            for path in (self.root, self.socket_dir):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C", "--no-sync")
        options = (f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c max_connections=100")
        self._run("pg_ctl", "-D", str(self.data_dir), "-o", options, "-l", str(self.log_file),
                  "-w", "-t", "60", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres",
                             dbname="postgres", autocommit=True) as connection:
            connection.execute(sql)


@pytest.fixture(scope="session")
def postgres_cluster():
    bindir = _postgres_bindir()
    root = Path(tempfile.mkdtemp(prefix="qms-pg-"))
    run_as = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("running as root but there is no `postgres` user to run the test "
                        "cluster (initdb refuses root); install the Debian `postgresql` package",
                        pytrace=False)
        run_as = "postgres"
    cluster = PostgresCluster(bindir, root, _free_port(), run_as)
    try:
        cluster.start()
        cluster.admin("CREATE DATABASE qms_test")
        open_database(cluster.url("qms_test")).dispose()  # migrate once
        yield cluster
    finally:
        if cluster.data_dir.exists():
            try:
                cluster.stop()
            finally:
                shutil.rmtree(root, ignore_errors=True)
        else:
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "qms.db"
    open_database(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """An empty, migrated database of each kind."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "qms.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    url = cluster.url("qms_test")
    _empty_postgres_database(url)
    yield url


def _empty_postgres_database(url: str) -> None:
    """Emptying the tables is much faster than creating a database per test."""
    from sqlalchemy import text

    from qms.db import GENESIS_HASH, create_database_engine
    from qms.db.tables import Base

    engine = create_database_engine(url)
    try:
        with engine.begin() as connection:
            tables = ", ".join(t.name for t in Base.metadata.sorted_tables if t.name != "register_head")
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            connection.execute(text("UPDATE register_head SET last_seq = 0, last_hash = :h WHERE id = 1"),
                               {"h": GENESIS_HASH})
    finally:
        engine.dispose()


@pytest.fixture
def db(db_url):
    database = open_database(db_url)
    yield database
    database.dispose()
