"""Fixtures of the register and audit tests: every database test runs on SQLite and
on a real PostgreSQL server that this file starts (one throwaway cluster per test
session, one migrated database emptied before each test)."""

from __future__ import annotations

import datetime as dt
import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest

from qms.db import open_database
from qms.model.check_output import FINDING_COLUMNS
from qms.model.workspace import WorkspaceConfig

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


@pytest.fixture
def workspace_config() -> WorkspaceConfig:
    return WorkspaceConfig.model_validate({
        "organisation": {"name": {"vi": "Trung tâm Phục vụ hành chính công tỉnh X"}},
        "units": {
            "TNMT": {"vi": "Sở Tài nguyên và Môi trường"},
            "TP": {"vi": "Sở Tư pháp"},
            "VP": {"vi": "Văn phòng"},
        },
        "users": {
            "lan": {"name": "Nguyễn Thị Lan", "unit": "VP", "roles": ["quality_officer"]},
            "hung": {"name": "Trần Văn Hùng", "unit": "VP", "roles": ["manager"]},
            "mai": {"name": "Lê Thị Mai", "unit": "TP", "roles": ["auditor"]},
            "son": {"name": "Phạm Văn Sơn", "unit": "TNMT", "roles": ["auditor"]},
            "tra": {"name": "Đỗ Thanh Trà", "roles": ["inspector"]},
            "binh": {"name": "Võ Văn Bình", "unit": "TNMT", "roles": []},
        },
    })


@pytest.fixture(autouse=True)
def english_messages(monkeypatch):
    """The tests read the English msgids; Vietnamese is checked by tests/test_i18n.py."""
    from qms.core import i18n

    monkeypatch.setattr(i18n, "_current_language", "en")


# Small check outputs (findings.parquet, dossiers.parquet, summary.json) written by the tests.
UTC = dt.timezone.utc


def _finding(dossier, rule="finished_late", severity="major", unit="TNMT", procedure="QT-01", clause="8.5.1"):
    return {"dossier_id": dossier, "rule": rule, "severity": severity, "clause": clause, "procedure_code": procedure,
            "step": None, "unit": unit, "expected": "2026-03-10", "actual": "2026-03-12",
            "message": f"{dossier} trả kết quả sau ngày hẹn"}


def _write_check(folder, findings, received):
    folder.mkdir(parents=True, exist_ok=True)
    pl.DataFrame(findings, schema={c: pl.Utf8 for c in FINDING_COLUMNS}).write_parquet(folder / "findings.parquet")
    pl.DataFrame({"dossier_id": list(received), "received_at": list(received.values())},
                 schema={"dossier_id": pl.Utf8, "received_at": pl.Datetime("us", "UTC")}
                 ).write_parquet(folder / "dossiers.parquet")
    (folder / "summary.json").write_text(json.dumps({"manifest": {"timezone": "Asia/Ho_Chi_Minh"}}))
    return folder


RECEIVED = {
    "HS-001": dt.datetime(2026, 3, 2, 2, 0, tzinfo=UTC),
    "HS-002": dt.datetime(2026, 3, 5, 2, 0, tzinfo=UTC),
    "HS-003": dt.datetime(2026, 3, 9, 2, 0, tzinfo=UTC),
    # 18:30 UTC on 31 March is 1 April in Hanoi: it belongs to April.
    "HS-004": dt.datetime(2026, 3, 31, 18, 30, tzinfo=UTC),
    "HS-005": dt.datetime(2026, 3, 10, 2, 0, tzinfo=UTC),
}


def _findings():
    return [
        _finding("HS-001"), _finding("HS-002"), _finding("HS-003"),
        _finding("HS-003", rule="late_without_apology", severity="minor", clause="8.7"),
        _finding("HS-001", rule="late_without_apology", severity="minor", clause="8.7"),
        _finding("HS-004"),
        _finding("HS-005", unit="TP"),
        _finding("HS-005", rule="step_overrun", severity="observation", unit="TP"),
    ]


@pytest.fixture
def check_samples() -> SimpleNamespace:
    return SimpleNamespace(finding=_finding, findings=_findings, received=dict(RECEIVED), write=_write_check, utc=UTC)


@pytest.fixture
def checklist():
    """An approved checklist issue in force through 2026 (questions written for the tests)."""
    from qms.model.checklist import Checklist

    def item(item_id, clause, question, **extra):
        return {"id": item_id, "clause": clause, "question": {"vi": question}, **extra}

    return Checklist.model_validate({
        "code": "CL-NB", "issue": 2, "status": "approved", "effective_from": "2026-01-01",
        "title": {"vi": "Danh mục đánh giá nội bộ"},
        "items": [
            item("DOC-1", "7.5.3", "Quy trình đang dùng có đúng lần ban hành hiện hành không?"),
            item("OPS-1", "8.5.1", "Hồ sơ có phiếu kiểm soát quá trình đầy đủ không?"),
            item("OPS-2", "8.5.1", "Kết quả có được trả đúng hẹn không?", procedures=["QT-01"]),
            item("NCO-1", "8.7", "Hồ sơ trễ hạn có văn bản xin lỗi không?"),
            item("MON-1", "9.1.1", "Tỷ lệ đúng hạn có được theo dõi hằng tháng không?"),
            item("TP-1", "8.5.1", "Sổ theo dõi chứng thực có được ghi đầy đủ không?", units=["TP"]),
        ],
    })


@pytest.fixture
def programme_yaml(tmp_path) -> Path:
    path = tmp_path / "audit-programme-2026.yaml"
    path.write_text(
        "year: 2026\n"
        "title: Chương trình đánh giá nội bộ năm 2026\n"
        "audits:\n"
        "  - code: DG-2026-01\n"
        "    title: Đánh giá cấp phép môi trường\n"
        "    processes: [QT-01]\n"
        "    units: [TNMT]\n"
        "    clauses: ['7.5', '8.5.1', '8.7']\n"
        "    month: 3\n"
        "  - code: DG-2026-02\n"
        "    title: Đánh giá chứng thực\n"
        "    processes: [QT-05]\n"
        "    units: [TP]\n"
        "    month: 9\n",
        encoding="utf-8")
    return path
