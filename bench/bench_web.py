"""Benchmark of the web workspace's register list: /nc with 50,000 NCs.

Run by hand:  .venv/bin/python bench/bench_web.py [N] [DATABASE_URL]
Fills a fresh SQLite register (or the given database) with N NCs (default 50,000)
in one bulk transaction, then times server-side handling of /nc pages (first page,
a filtered page, a deep page, an HTMX partial) through the ASGI app, median of 20.
Target: first page under 200 ms.
"""

from __future__ import annotations

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


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000, sys.argv[2] if len(sys.argv) > 2 else None)
