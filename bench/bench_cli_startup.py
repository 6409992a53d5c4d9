"""Benchmark: start-up time of the `qms` command line.

    .venv/bin/python bench/bench_cli_startup.py [--runs N]

Each command is run N times in a fresh process (the way a user runs it) and the
median wall time is printed, next to `python -c "import click"`, the floor any
click program pays. Target (issue 12): `qms --help` within 8× that floor.
`qms docs list` and `qms calendar due` load the library (pydantic) and the
calendar (numpy), so they cost more; they run in a fresh workspace. With the WABO
receipt log (`--log`, default ../shared/data/receipt.csv beside the repository), `qms
check` on its 1,434 cases is timed too (issue 16: under 0.5 s), outside a workspace
and inside the fresh one (its library; the run registered in its database, created
by a check before the timed runs). Beside each median wall time, the median CPU time
(user + system) of the process: on a shared machine it says more than the wall time.
Figures: README's performance table and docs/check.md (start-up).
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


def median_seconds(command: list[str], runs: int, cwd: Path) -> tuple[float, float]:
    """(median wall time, median CPU time) of `runs` fresh processes."""
    times, cpu = [], []
    for _ in range(runs):
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _pid, status, usage = os.wait4(child.pid, 0)
        times.append(time.perf_counter() - started)
        cpu.append(usage.ru_utime + usage.ru_stime)
        if os.waitstatus_to_exitcode(status):
            sys.exit(f"{' '.join(map(str, command))} failed")
    return statistics.median(times), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="Runs per command (the median is shown)")
    parser.add_argument("--log", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data" / "receipt.csv",
                        help="The WABO receipt log (read with the receipt profile)")
    args = parser.parse_args()
    runs = args.runs
    with tempfile.TemporaryDirectory(prefix="qms-bench-cli-") as scratch:
        workspace = Path(scratch) / "ws"
        subprocess.run([*QMS, "init", str(workspace)], check=True, stdout=subprocess.DEVNULL)
        floor, _cpu = median_seconds([sys.executable, "-c", "import click"], runs, workspace)
        print(f"python -c 'import click'  {floor * 1000:7.0f} ms   (load average {os.getloadavg()[0]:.2f})")
        commands = [["--help"], ["nc", "--help"], ["docs", "list"],
                    ["calendar", "due", "--received", "2025-01-24 16:30", "--limit", "3 working days"]]
        if args.log.is_file():
            # outside the workspace: the bundled sample library, as in the figure;
            # inside it: the workspace's library, and the run registered in its database
            # (created at head by a first check before the timed runs)
            commands.append(["check", str(args.log), "--profile", "receipt", "--out", str(Path(scratch) / "out")])
            commands.append(["check", str(args.log), "--profile", "receipt", "--out", str(Path(scratch) / "ws-out")])
            subprocess.run([*QMS, *commands[-1]], check=True, cwd=workspace, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        else:
            print(f"({args.log} is absent: `qms check` on the receipt log is not timed)")
        for command in commands:
            where = Path(scratch) if command[0] == "check" and not command[-1].endswith("ws-out") else workspace
            seconds, cpu = median_seconds([*QMS, *command], runs, where)
            verdict = ""
            if command == ["--help"]:
                verdict = "ok" if seconds <= 8 * floor else "OVER TARGET (8x)"
            if command[0] == "check":
                verdict = "ok" if seconds <= 0.5 else "OVER TARGET (0.5 s)"
            shown = " ".join(command if command[0] != "check" else ["check", args.log.name, "--profile", "receipt"])
            if where == workspace and command[0] == "check":
                shown += " (in a workspace)"
            print(f"qms {shown:<60} {seconds * 1000:7.0f} ms  {seconds / floor:4.1f}x  cpu {cpu * 1000:5.0f} ms  {verdict}")
        print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
