"""Benchmark: start-up time of the `qms` command line.

    .venv/bin/python bench/bench_cli_startup.py [--runs N]

Each command is run N times in a fresh process (the way a user runs it) and the
median wall time is printed, next to `python -c "import click"`, the floor any
click program pays. Target (issue 12): `qms --help` within 8× that floor.
`qms docs list` and `qms calendar due` load the library (pydantic) and the
calendar (numpy), so they cost more; they run in a fresh workspace.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QMS = [sys.executable, "-m", "qms"]


def median_seconds(command: list[str], runs: int, cwd: Path) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="Runs per command (the median is shown)")
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="qms-bench-cli-") as scratch:
        workspace = Path(scratch) / "ws"
        subprocess.run([*QMS, "init", str(workspace)], check=True, stdout=subprocess.DEVNULL)
        floor = median_seconds([sys.executable, "-c", "import click"], runs, workspace)
        print(f"python -c 'import click'  {floor * 1000:7.0f} ms   (load average {os.getloadavg()[0]:.2f})")
        for args in (["--help"], ["nc", "--help"], ["docs", "list"],
                     ["calendar", "due", "--received", "2025-01-24 16:30", "--limit", "3 working days"]):
            seconds = median_seconds([*QMS, *args], runs, workspace)
            verdict = ""
            if args == ["--help"]:
                verdict = "ok" if seconds <= 8 * floor else "OVER TARGET (8x)"
            print(f"qms {' '.join(args):<60} {seconds * 1000:7.0f} ms  {seconds / floor:4.1f}x  {verdict}")


if __name__ == "__main__":
    main()
