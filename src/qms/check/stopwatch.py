"""Stage timings on stderr when `QMS_CHECK_TIMING` is set, for profiling a check:
wall time and the CPU time of all threads (less sensitive to other jobs' load), and
the resident memory now and at its peak so far (memory first touched costs page
faults: a large share of a check's time is the kernel's)."""

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
        print(f"  {label}: {now - last[0]:.2f} s (cpu {cpu - last[1]:.2f} s, {_resident_mb()})", file=sys.stderr)
        last[:] = [now, cpu]

    return tick


def _resident_mb() -> str:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # KiB on Linux
    try:
        with open("/proc/self/statm") as statm:
            now = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // (1 << 20)
    except OSError:  # not Linux
        return f"peak {peak} MB"
    return f"{now} MB, peak {peak} MB"
