"""Library loading speed: the bundled sample, and a synthetic library of many
approved procedure issues (copies of a sample procedure under new codes).

Run by hand: `PYTHONPATH=src python bench/bench_library.py [N]`. Prints wall time
per load and peak RSS. Other work on the machine skews the figures: note the load.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from qms.library import load_library
from qms.library.hashing import content_hash
from qms.core.yaml_source import read_yaml
from qms.model.procedure import Procedure
from qms.core.resources import sample_library_dir


def timed(label: str, function, repeat: int = 3):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    print(f"{label:<52} best of {repeat}: {best * 1000:8.1f} ms")
    return result


def synthetic_library(root: Path, count: int) -> None:
    template = sample_library_dir() / "procedures" / "QT-DD-01" / "issue-1.yaml"
    text = template.read_text(encoding="utf-8")
    for number in range(count):
        code = f"QT-SYN-{number:05d}"
        body = text.replace("code: QT-DD-01", f"code: {code}")
        data = read_yaml(template, body).data
        digest = content_hash(Procedure.model_validate(data))
        body = body.replace(f'content_sha256: "{data["content_sha256"]}"', f'content_sha256: "{digest}"')
        folder = root / code
        folder.mkdir(parents=True)
        (folder / "issue-1.yaml").write_text(body, encoding="utf-8")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    library = timed("sample library (11 issues)", lambda: load_library(sample_library_dir()))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "docs"
        shutil.copytree(sample_library_dir(), root)
        synthetic_library(root / "procedures" / "synthetic", count)
        big = timed(f"synthetic library ({count} more procedures)", lambda: load_library(root), repeat=1)
        codes = big.codes("procedure")
        day = dt.date(2025, 7, 1)
        timed(f"{len(codes)} × procedure(code, at)", lambda: [big.procedure(code, day) for code in codes])
    del library
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
