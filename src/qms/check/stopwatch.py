"""Stage timings on stderr when `QMS_CHECK_TIMING` is set, for profiling a check:
wall time and the CPU time of all threads (less sensitive to other jobs' load)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable


def stopwatch() -> Callable[[str], None]:
    """`tick(label)` prints the time since the previous tick (or since this call)."""
    if not os.environ.get("QMS_CHECK_TIMING"):
        return lambda label: None
    last = [time.perf_counter(), time.process_time()]

    def tick(label: str) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        print(f"  {label}: {now - last[0]:.2f} s (cpu {cpu - last[1]:.2f} s)", file=sys.stderr)
        last[:] = [now, cpu]

    return tick
