"""What a procedure's `finish:` setting costs the check.

    python bench/bench_finish.py [--dossiers 300000] [--data DIR] [--repeat 3]

Generates (once, cached in --data) a synthetic log with the bundled sample library,
then times the vectorised check (`check_events`, the log already in memory) with the
library as it is (every issue `finish: default`), with every procedure finished by
the last occurrence of its last step, and with `finish: last_event`. Prints the
median seconds of each and how many dossiers ended in each status. Run by hand.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=300_000)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "qms-bench-finish")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import polars as pl

    from qms.check.api import _documents
    from qms.check.engine import check_events
    from qms.core.resources import sample_library_dir
    from qms.library import load_library
    from qms.model.procedure import FinishRule, FinishStep
    from qms.synth import generate

    args.data.mkdir(parents=True, exist_ok=True)
    path = args.data / f"log-{args.dossiers}.parquet"
    if not path.exists():
        generate(args.dossiers, 20251204, path, format="parquet")
    events = pl.read_parquet(path)
    as_of = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    docs = _documents(load_library(sample_library_dir()), as_of)
    settings = {
        "default": lambda p: FinishRule.default,
        "last step, last occurrence": lambda p: FinishStep(step=p.steps[-1].id, occurrence="last"),
        "last_event": lambda p: FinishRule.last_event,
    }
    print(f"{events.height:,} events of {args.dossiers:,} dossiers")
    for label, finish_of in settings.items():
        docs.procedures = [p.model_copy(update={"finish": finish_of(p)}) for p in docs.procedures]
        seconds, statuses = [], None
        for _ in range(args.repeat):
            started = time.perf_counter()
            dossiers, _findings = check_events(events, docs, as_of)
            seconds.append(time.perf_counter() - started)
            statuses = dict(dossiers["status"].value_counts().iter_rows())
        print(f"{label:<28} {statistics.median(seconds):6.2f} s  {statuses}")


if __name__ == "__main__":
    main()
