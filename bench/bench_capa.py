"""Benchmark of the register: raising NCs from a large check output, running it
again (idempotence), and verifying the history chain. SQLite by default; set
QMS_DATABASE_URL for PostgreSQL. Prints wall times and peak RSS.

    PYTHONPATH=src python bench/bench_capa.py [FINDINGS] [DOSSIERS]
"""

from __future__ import annotations

import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from qms.capa import advance, raise_from_check, raise_nc
from qms.records import verify_register
from qms.db import open_database
from qms.model.check_output import FINDING_COLUMNS
from qms.model.workspace import WorkspaceConfig

RULES = ["finished_late", "late_without_apology", "missing_step", "step_overrun", "open_overdue"]
SEVERITIES = ["major", "minor", "minor", "observation", "major"]


def write_check(folder: Path, findings: int, dossiers: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    ids = np.array([f"HS-{i:07d}" for i in range(dossiers)])
    received = (np.datetime64("2026-01-01T00:00", "us")
                + rng.integers(0, 365 * 24 * 60, dossiers).astype("timedelta64[m]"))
    pl.DataFrame({"dossier_id": ids, "received_at": received}).with_columns(
        pl.col("received_at").dt.replace_time_zone("UTC")).write_parquet(folder / "dossiers.parquet")
    rule_index = rng.integers(0, len(RULES), findings)
    frame = pl.DataFrame({
        "dossier_id": ids[rng.integers(0, dossiers, findings)],
        "rule": np.array(RULES)[rule_index],
        "severity": np.array(SEVERITIES)[rule_index],
        "clause": "8.5.1",
        "procedure_code": np.array([f"QT-{i:02d}" for i in range(20)])[rng.integers(0, 20, findings)],
        "step": None, "unit": np.array(["TNMT", "TP", "XD", "GTVT", "NN"])[rng.integers(0, 5, findings)],
        "expected": None, "actual": None, "message": "late",
    })
    frame.select(FINDING_COLUMNS).write_parquet(folder / "findings.parquet")


def timed(label: str, function):
    start = time.perf_counter()
    result = function()
    print(f"{label:<42} {time.perf_counter() - start:8.2f} s")
    return result


def main() -> None:
    findings = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    dossiers = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    config = WorkspaceConfig.model_validate({
        "organisation": {"name": {"vi": "Bench"}},
        "users": {"qo": {"name": "QO", "roles": ["quality_officer", "manager"]}}})
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_check(folder, findings, dossiers)
        db = open_database(workspace_dir=folder)
        print(f"database: {db.dialect}; {findings:,} findings over {dossiers:,} dossiers")
        first = timed("raise-from-check (first run)", lambda: raise_from_check(db, config, "qo", folder))
        print(f"  {first['groups']} groups, {len(first['raised'])} NCs raised")
        again = timed("raise-from-check (second run, nothing new)", lambda: raise_from_check(db, config, "qo", folder))
        assert not again["raised"] and not again["extended"]
        for i in range(2000):
            raise_nc(db, config, "qo", title=f"NC {i}", severity="minor")
        code = first["raised"][0]["code"]
        timed("advance one NC with the most evidence", lambda: advance(db, config, "qo", code, "contain",
                                                                       containment="x"))
        report = timed("verify (chain + register state)", lambda: verify_register(db))
        print(f"  {report['entries']} history entries, ok={report['ok']}")
        db.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB; load average {open('/proc/loadavg').read().split()[0]} on "
          f"{len(__import__('os').sched_getaffinity(0))} cores; {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC")


if __name__ == "__main__":
    main()
