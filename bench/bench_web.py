"""Benchmarks of the web workspace, server-side time through the ASGI app.

Run by hand:
  .venv/bin/python bench/bench_web.py [N] [DATABASE_URL | postgresql]
      /nc with N NCs (default 50,000): fills a fresh SQLite register (or the given
      database; `postgresql`: a throwaway server made with Debian's initdb, as the
      tests make theirs) in one bulk transaction, then times the first page, a
      filtered page, a deep page, an HTMX partial, median of 20.
      Target: first page under 200 ms.
  .venv/bin/python bench/bench_web.py check WORKSPACE RUN_ID
      one check run of a workspace (e.g. 1.67 M dossiers: `qms generate -n 1670000`,
      then `qms check` inside the workspace): its dashboard cold (the first request of
      a new app) and warm, the findings drill-down, and dossier pages before and after
      the run's events copy by dossier exists. Targets: dashboard cold < 1 s, warm
      < 100 ms; a dossier page < 100 ms.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

from starlette.testclient import TestClient

from qms.auth import set_password
from qms.capa import register
from qms.db import open_database
from qms.model.workspace import WorkspaceConfig
from qms.web.app import create_app

UNITS = ["MOTCUA", "SO_TU_PHAP", "SO_XAY_DUNG", "VPDK_DAT_DAI", "UBND_XA"]
PROCEDURES = [f"QT-{n:02d}" for n in range(1, 21)]


def fill(db, count: int) -> None:
    new = []
    for i in range(count):
        fields = {"title": f"Hồ sơ giải quyết quá hạn nhóm {i}", "severity": "major" if i % 3 == 0 else "minor",
                  "description": "", "clause": "8.5.1", "procedure_code": PROCEDURES[i % len(PROCEDURES)],
                  "unit": UNITS[i % len(UNITS)], "period": f"2025-{i % 12 + 1:02d}", "rule": "finished_late",
                  "source": "check", "source_key": f"bench:{i}", "audit_id": None}
        new.append((fields, [("dossier", f"HS-{i}-{k}", "") for k in range(3)]))
    with db.writing() as session:
        register.insert_ncs(session, "iso", new)
    if db.dialect == "postgresql":
        # what autovacuum does soon after a bulk load: without statistics the planner guesses
        from sqlalchemy import text

        with db.engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()


def timed(client: TestClient, path: str, runs: int = 20, **headers) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        answer = client.get(path, headers=headers)
        times.append(time.perf_counter() - start)
        assert answer.status_code == 200, (path, answer.status_code)
    return statistics.median(times) * 1000


def main(count: int, url: str | None) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-web-"))
    db = open_database(url or f"sqlite:///{folder / 'qms.db'}")
    config = WorkspaceConfig.model_validate({"organisation": {"name": {"vi": "Bench"}},
                                             "users": {"iso": {"name": "ISO", "roles": ["quality_officer"]}}})
    start = time.perf_counter()
    fill(db, count)
    print(f"filled {count:,} NCs in {time.perf_counter() - start:.1f} s ({db.dialect})")
    set_password(db, config, "iso", "bench-password")
    with TestClient(create_app(config, db, folder, secret_key="bench")) as client:
        login = client.get("/login").text
        token = login.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/login", data={"username": "iso", "password": "bench-password", "csrf_token": token})
        for label, path, headers in (
            ("/nc first page", "/nc", {}),
            ("/nc filtered (unit, severity)", "/nc?unit=SO_TU_PHAP&severity=major", {}),
            ("/nc page 500", "/nc?page=500", {}),
            ("/nc sorted by unit", "/nc?sort=unit&dir=asc", {}),
            ("/nc HTMX rows", "/nc?state=open", {"HX-Request": "true"}),
            ("/api/nc", "/api/nc", {}),
        ):
            print(f"{label:34s} {timed(client, path, **headers):7.1f} ms (median of 20)")
    db.dispose()


def once(client: TestClient, path: str) -> float:
    start = time.perf_counter()
    answer = client.get(path)
    assert answer.status_code == 200, (path, answer.status_code)
    return (time.perf_counter() - start) * 1000


def check_run(root: Path, run_id: int) -> None:
    import polars as pl

    from qms.check_runs import get_check_run
    from qms.workspace import load_workspace

    workspace = load_workspace(root)
    db = open_database(workspace.database_url)
    user = next(name for name, person in workspace.config.users.items() if "quality_officer" in person.roles)
    set_password(db, workspace.config, user, "bench-password")
    run = get_check_run(db, run_id)
    copy = root / ".qms" / "check-runs" / str(run_id) / "events.parquet"
    copy.unlink(missing_ok=True)
    rule = pl.scan_parquet(Path(run.out_dir) / "findings.parquet").select(pl.col("rule").mode().first()).collect().item()
    dossiers = (pl.scan_parquet(Path(run.out_dir) / "dossiers.parquet").select("dossier_id").gather_every(83_000)
                .collect()["dossier_id"].to_list())
    print(f"check run {run_id}: {run.dossiers:,} dossiers, {run.findings:,} findings; {len(dossiers)} dossier pages")
    app = create_app(workspace.config, db, root, secret_key="bench")
    with TestClient(app) as client:
        login = client.get("/login").text
        token = login.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/login", data={"username": user, "password": "bench-password", "csrf_token": token})
        print(f"{'dashboard, cold (first request)':44s} {once(client, f'/checks/{run_id}'):7.1f} ms")
        print(f"{'dashboard, warm':44s} {timed(client, f'/checks/{run_id}'):7.1f} ms (median of 20)")
        print(f"{'findings of ' + rule:44s} {timed(client, f'/checks/{run_id}/findings?rule={rule}'):7.1f} ms (median of 20)")
        before = [once(client, f"/checks/{run_id}/dossiers/{d}") for d in dossiers]
        print(f"{'dossier pages, before the events copy':44s} first {before[0]:7.1f} ms, "
              f"then median {statistics.median(before[1:]):7.1f} ms, max {max(before[1:]):7.1f} ms")
        start = time.perf_counter()
        pending = app.state.qms.run_events.prepare(get_check_run(db, run_id))
        if pending is not None:
            pending.result()
        print(f"{'events copy by dossier made (background)':44s} {time.perf_counter() - start:7.1f} s more")
        for label in ("dossier pages, from the copy", "the same again"):
            after = [once(client, f"/checks/{run_id}/dossiers/{d}") for d in dossiers]
            print(f"{label:44s} median {statistics.median(after):7.1f} ms, max {max(after):7.1f} ms")
    db.dispose()


@contextlib.contextmanager
def throwaway_postgres():
    """A PostgreSQL server in a temporary folder (run as `postgres` when we are root)."""
    import glob
    import os
    import shutil
    import socket
    import subprocess

    bindir = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])
    root = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if prefix:
        shutil.chown(root, "postgres", "postgres")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = root / "data"
    subprocess.run([*prefix, bindir / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                    "--locale=C", "--no-sync"], check=True, capture_output=True)
    subprocess.run([*prefix, bindir / "pg_ctl", "-D", data, "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1",
                    "-l", root / "server.log", "-w", "start"], check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, bindir / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "check":
        check_run(Path(sys.argv[2]).resolve(), int(sys.argv[3]))
    elif len(sys.argv) > 2 and sys.argv[2] == "postgresql":
        with throwaway_postgres() as database_url:
            main(int(sys.argv[1]), database_url)
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000, sys.argv[2] if len(sys.argv) > 2 else None)
