"""Benchmark `qms generate`: generate N dossiers (default 1,000,000) for the sample
library and write them as Parquet and CSV; print wall times, events and peak memory.

    PYTHONPATH=src .venv/bin/python bench/bench_synth.py [N] [--out DIR]

Run by hand; other jobs on the machine skew the figures, so the load average is
printed with them.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from qms.library import load_library
from qms.synth import generate_log, write_events, write_truth


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dossiers", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--docs", default=None, help="library folder (default: workspace or bundled sample)")
    parser.add_argument("--out", default=None, help="folder for the files (default: a temporary one)")
    args = parser.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="qms-bench-synth-"))
    out.mkdir(parents=True, exist_ok=True)

    library = load_library(args.docs)
    start = time.perf_counter()
    log = generate_log(library, args.dossiers, args.seed)
    generated = time.perf_counter()
    write_events(log.events, out / "log.parquet", "parquet")
    parquet = time.perf_counter()
    write_events(log.events, out / "log.csv", "csv")
    csv = time.perf_counter()
    write_truth(log.truth, log.meta, out / "truth.parquet")

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"dossiers            {args.dossiers:,}")
    print(f"events              {log.events.height:,} ({log.events.height / args.dossiers:.2f} per dossier)")
    print(f"truth rows          {log.truth.height:,}")
    print(f"generate (memory)   {generated - start:8.1f} s")
    print(f"write parquet       {parquet - generated:8.1f} s  {(out / 'log.parquet').stat().st_size / 1e6:8.1f} MB")
    print(f"write csv           {csv - parquet:8.1f} s  {(out / 'log.csv').stat().st_size / 1e6:8.1f} MB")
    print(f"peak RSS            {peak_mb:8.0f} MB")
    print(f"load average        {' '.join(f'{x:.1f}' for x in os.getloadavg())} (on {os.cpu_count()} CPUs)")
    print(f"files in            {out}")


if __name__ == "__main__":
    main()
