"""Benchmark of checking a log in shards against one process (run by hand).

    python bench/bench_scale.py [--dossiers 1670000] [--data DIR] [--partitions 4,8] [--workers 2]
                                [--dask] [--no-file]

Generates (once, cached in --data) a canonical Parquet log of N dossiers with
`qms generate`, then runs, each as its own `qms` command with the outputs written
(Parquet; no CSV):

  one process     qms check log.parquet --partitions 1   (skipped, with the reason, when the
                  check's estimated memory, 350 bytes per event, exceeds what is available)
  partition       qms log partition log.parquet --out ds-N --partitions N
  dataset, N      qms check ds-N --workers W               (the shards of the dataset)
  file, N         qms check log.parquet --partitions N      (partitioning included; not with --no-file)
  dask, N         qms check ds-N --engine dask --workers W  (a local Dask cluster; --dask)

and prints for each: wall time, the peak of the whole process tree's resident
memory (sampled every 0.1 s: the parent and every worker together), the largest
single process's peak, and events per second per core of the machine (events / time /
cores: one process also keeps every core busy, through polars' threads). Note the load average printed with the figures: the machine is
shared and one run varies by 20-30 %.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
QMS = str(Path(sys.executable).parent / "qms")
CORES = os.cpu_count() or 1


def run(command: list[str]) -> dict:
    """Wall time and memory of one command with all its descendants."""
    started = time.perf_counter()
    process = psutil.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_tree, peak_single = 0, 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_tree, peak_single
        while not stop.is_set():
            try:
                tree = [process, *process.children(recursive=True)]
                sizes = []
                for p in tree:
                    try:
                        sizes.append(p.memory_info().rss)
                    except psutil.Error:
                        pass
                peak_tree = max(peak_tree, sum(sizes))
                peak_single = max(peak_single, max(sizes, default=0))
            except psutil.Error:
                pass
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    stop.set()
    sampler.join()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr.decode(errors='replace')[-2000:]}")
    return {"seconds": round(seconds, 2), "peak_tree_gb": round(peak_tree / 1e9, 2),
            "peak_single_gb": round(peak_single / 1e9, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=1_670_000)
    parser.add_argument("--data", type=Path, default=Path("/tmp/qms-bench-scale"))
    parser.add_argument("--partitions", default="4,8")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dask", action="store_true", help="also run the shards on a local Dask cluster")
    parser.add_argument("--no-file", action="store_true", help="skip checking the file with partitioning included")
    args = parser.parse_args()
    data = args.data / str(args.dossiers)
    data.mkdir(parents=True, exist_ok=True)
    log = data / "log.parquet"
    rows = []
    print(f"load average at the start: {os.getloadavg()}", flush=True)
    if not log.exists():
        figures = run([QMS, "generate", "-n", str(args.dossiers), "--seed", "16", "--out", str(log)])
        rows.append(("generate", 1, figures))
        print("generate", figures, flush=True)
    import pyarrow.parquet as pq

    events = pq.ParquetFile(log).metadata.num_rows
    print(f"{args.dossiers:,} dossiers, {events:,} events", flush=True)

    def check(label: str, command: list[str], cores: int) -> None:
        out = data / "out"
        shutil.rmtree(out, ignore_errors=True)
        figures = run([QMS, "check", *command, "--out", str(out), "--no-csv", "--format", "json"])
        figures["events_per_second_per_core"] = round(events / figures["seconds"] / CORES)
        rows.append((label, cores, figures))
        print(label, figures, flush=True)

    from qms.check.sizing import BYTES_PER_EVENT, available_memory

    need, available = events * BYTES_PER_EVENT, available_memory()
    if need <= available:
        check("one process", [str(log), "--partitions", "1"], 1)
    else:  # trying would push the shared machine into swap or the OOM killer
        print(f"one process: not run, it needs about {need / 1e9:.1f} GB and {available / 1e9:.1f} GB are available",
              flush=True)
    for count in [int(n) for n in args.partitions.split(",")]:
        dataset = data / f"ds-{count}"
        shutil.rmtree(dataset, ignore_errors=True)
        figures = run([QMS, "log", "partition", str(log), "--out", str(dataset), "--partitions", str(count)])
        figures["events_per_second_per_core"] = round(events / figures["seconds"] / CORES)
        rows.append((f"partition into {count}", 1, figures))
        print(f"partition into {count}", figures, flush=True)
        workers = min(args.workers, count)
        check(f"dataset of {count}, {workers} workers", [str(dataset), "--workers", str(workers)], workers)
        if not args.no_file:
            check(f"file, --partitions {count}, {workers} workers",
                  [str(log), "--partitions", str(count), "--workers", str(workers)], workers)
        if args.dask:
            check(f"dask (local cluster) {count} shards, {workers} workers",
                  [str(dataset), "--engine", "dask", "--workers", str(workers)], workers)
    print(f"load average at the end: {os.getloadavg()}")
    print()
    print(f"| {args.dossiers:,} dossiers, {events:,} events | processes | time | peak (all processes) "
          f"| peak (largest process) | events/s per core (of {CORES}) |")
    print("|---|---|---|---|---|---|")
    for label, cores, f in rows:
        print(f"| {label} | {cores} | {f['seconds']} s | {f['peak_tree_gb']} GB | {f['peak_single_gb']} GB "
              f"| {f.get('events_per_second_per_core', 0):,} |")
    (data / "results.json").write_text(json.dumps([{"run": r[0], "processes": r[1], **r[2]} for r in rows], indent=2))


if __name__ == "__main__":
    main()
