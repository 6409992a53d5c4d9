"""Benchmark of `qms check` against polars just reading and sorting the same log,
both as whole processes.

    python bench/bench_check.py [--dossiers 1000000] [--data DIR] [--threads N] [--repeat 3]
                                [--formats parquet,csv,parquet-by-time] [--csv]

Generates (once, cached in --data) a synthetic canonical log of N dossiers with
`qms generate` (default 1 million dossiers, about 5.4 million events: the size issue
16 names), then for each format times, each in a fresh process started from here:

  (a) the baseline: `python -c` importing polars, reading the whole file (every
      column, as a user's `pl.read_*` would) and sorting it by (dossier_id, at) (CSV:
      without parsing the instants, the strictest baseline; their ISO 8601 texts
      already sort in time order);
  (b) `qms check LOG --out DIR` as a user runs it: start-up, reading, the check, the
      summary, writing the outputs (Parquet; with --csv also the CSVs) and printing.

and prints b/a (target <= 2, aim 1.5), the CPU time of each (user + system, all
threads: less sensitive than the wall time to the other jobs of a shared machine)
and the peak resident memory of each process. Each side runs --repeat times,
alternately, and the medians are compared; note the load average printed with them.
`parquet-by-time` is the Parquet log with its events in time order (dossiers
interleaved), which the check has to sort. `QMS_CHECK_TIMING=1 qms check …` prints
the time of each stage of one run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_DOSSIERS = 1_000_000
QMS = [sys.executable, "-m", "qms"]
READ_SORT = """
import sys
import polars as pl
path = sys.argv[1]
frame = pl.read_csv(path) if path.endswith(".csv") else pl.read_parquet(path)
print(frame.sort(["dossier_id", "at"]).height)
"""


def run_process(command: list[str], env: dict) -> dict:
    """Wall time, CPU time (user + system) and peak memory of one child process."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    stderr = child.stderr.read().decode("utf-8", errors="replace")
    child.stderr.close()
    if os.waitstatus_to_exitcode(status):
        sys.exit(f"{' '.join(command)} failed:\n{stderr}")
    return {"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}


def generate(data: Path, dossiers: int, docs: str | None, formats: list[str]) -> dict[str, Path]:
    data.mkdir(parents=True, exist_ok=True)
    files = {"parquet": data / f"log-{dossiers}.parquet", "csv": data / f"log-{dossiers}.csv"}
    for fmt, path in files.items():
        if (fmt in formats or fmt == "parquet") and not path.exists():
            started = time.perf_counter()
            subprocess.run([*QMS, "generate", "-n", str(dossiers), "--seed", "20251126", "--out", str(path),
                            *(["--docs", docs] if docs else [])], check=True, stdout=subprocess.DEVNULL)
            print(f"generated {path.name} in {time.perf_counter() - started:.1f} s", flush=True)
    # The generator writes each dossier's events together, as exports and XES traces
    # do, and the check keeps such groups instead of sorting. The same events in time
    # order (dossiers interleaved) measure the check when it must sort.
    if "parquet-by-time" in formats:
        files["parquet-by-time"] = data / f"log-{dossiers}-by-time.parquet"
        if not files["parquet-by-time"].exists():
            import polars as pl

            pl.read_parquet(files["parquet"]).sort("at", maintain_order=True).write_parquet(files["parquet-by-time"])
    return files


def _times(runs: list[dict]) -> str:
    return " ".join(f"{r['seconds']:.2f}" for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=DEFAULT_DOSSIERS)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "qms-bench-check")
    parser.add_argument("--docs", help="Library folder (default: the workspace's, else the bundled sample)")
    parser.add_argument("--threads", type=int, help="POLARS_MAX_THREADS for both measurements")
    parser.add_argument("--formats", default="parquet")
    parser.add_argument("--csv", action="store_true", help="the check writes the CSVs too (`qms check --csv`)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="measurements of each side, alternated; medians are reported (default 3)")
    args = parser.parse_args()
    formats = args.formats.split(",")
    files = generate(args.data, args.dossiers, args.docs, formats)
    env = dict(os.environ)
    if args.threads:
        env["POLARS_MAX_THREADS"] = str(args.threads)
    print(f"load average before: {os.getloadavg()[0]:.1f} (cores: {os.cpu_count()})")
    for fmt in formats:
        path = files[fmt]
        out = Path(tempfile.mkdtemp(prefix="qms-bench-out-"))
        check = [*QMS, "check", str(path), "--out", str(out), *(["--docs", args.docs] if args.docs else []),
                 *(["--csv"] if args.csv else [])]
        runs_a, runs_b = [], []
        try:
            for _ in range(args.repeat):  # alternated, so that a slow spell of the machine hits both
                runs_a.append(run_process([sys.executable, "-c", READ_SORT, str(path)], env))
                runs_b.append(run_process(check, env))
        finally:
            shutil.rmtree(out, ignore_errors=True)
        a = {k: statistics.median(r[k] for r in runs_a) for k in ("seconds", "cpu", "peak_mb")}
        b = {k: statistics.median(r[k] for r in runs_b) for k in ("seconds", "cpu")}
        b["peak_mb"] = max(r["peak_mb"] for r in runs_b)
        print(f"{fmt:8} (a) read+sort {a['seconds']:6.2f} s, cpu {a['cpu']:6.2f} s, peak {a['peak_mb']:6.0f} MB   "
              f"(b) qms check{' --csv' if args.csv else ''} {b['seconds']:6.2f} s, cpu {b['cpu']:6.2f} s, "
              f"peak {b['peak_mb']:6.0f} MB   ratio b/a {b['seconds'] / a['seconds']:5.2f} "
              f"(cpu {b['cpu'] / a['cpu']:4.2f})", flush=True)
        print(f"         runs (a): {_times(runs_a)} s   (b): {_times(runs_b)} s   "
              "(medians; peak of (b) is the largest)", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
