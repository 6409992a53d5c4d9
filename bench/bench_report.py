"""Benchmark: PDF and Excel reports of a one-million-dossier check.

    PYTHONPATH=src .venv/bin/python bench/bench_report.py [--dossiers N] [--keep DIR]

Synthesises the check output with tests/report_support.py (vectorised), then
renders each report in its own child process so that each gets its own wall time
and peak RSS (resource.getrusage of the child). Targets (issue 6, 2 cores): PDF
under 15 s, Excel under 90 s. The time of building the report model (reading the
Parquet files, the late-dossier list) is included in both.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _child(phase: str, check_dir: Path, out_dir: Path) -> None:
    from qms.report import build_report, write_pdf, write_xlsx

    started = time.perf_counter()
    model = build_report(check_dir)
    built = time.perf_counter()
    if phase == "pdf":
        path = write_pdf(model, out_dir / "report.pdf")
    else:
        path = write_xlsx(model, out_dir / "report.xlsx")
    finished = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_mib = usage.ru_maxrss / 1024
    # CPU time beside the wall time: on a shared machine the wall time says more about
    # the load than about the code (the process's CPU, start-up included).
    print(json.dumps({"phase": phase, "model_s": round(built - started, 2), "render_s": round(finished - built, 2),
                      "total_s": round(finished - started, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
                      "peak_rss_mib": round(peak_mib), "bytes": path.stat().st_size}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="Keep the check output and reports in this directory")
    parser.add_argument("--phase", choices=["pdf", "xlsx"], help=argparse.SUPPRESS)
    parser.add_argument("--check-dir", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.phase:
        _child(arguments.phase, arguments.check_dir, arguments.keep)
        return

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from report_support import write_check_output  # the tests' fixture builder, not shipped

    scratch = None
    if arguments.keep:
        base = arguments.keep
        base.mkdir(parents=True, exist_ok=True)
    else:
        scratch = tempfile.TemporaryDirectory(prefix="qms-bench-report-")
        base = Path(scratch.name)
    check_dir = base / "check"
    started = time.perf_counter()
    write_check_output(check_dir, arguments.dossiers, csv=False)
    print(f"synthesised {arguments.dossiers:,} dossiers in {time.perf_counter() - started:.1f} s "
          f"(load average {os.getloadavg()[0]:.2f})")
    targets = {"pdf": 15, "xlsx": 90}
    for phase in ("pdf", "xlsx"):
        output = subprocess.run([sys.executable, __file__, "--phase", phase, "--check-dir", str(check_dir),
                                 "--keep", str(base)], check=True, capture_output=True, text=True,
                                env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}).stdout
        figures = json.loads(output.strip().splitlines()[-1])
        verdict = "ok" if figures["total_s"] < targets[phase] else "OVER TARGET"
        print(f"{phase:5s} total {figures['total_s']:6.1f} s (model {figures['model_s']:.1f} s, render "
              f"{figures['render_s']:.1f} s; CPU {figures['cpu_s']:.1f} s), peak RSS {figures['peak_rss_mib']} MiB, "
              f"{figures['bytes'] / 1e6:.1f} MB, target < {targets[phase]} s: {verdict}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    if scratch:
        scratch.cleanup()


if __name__ == "__main__":
    main()
