"""Memory settings of a `qms` process, made before polars and numpy are loaded.

A check touches gigabytes of fresh memory: each polars operation writes new
columns, and a page the process has not used before costs the kernel a fault
(zeroing, accounting). Measured at 1 M dossiers (5.4 M events), faults were about
a third of the check's CPU time. polars allocates with jemalloc and sets it to
hand freed memory back to the system after half a second, over four arenas per
core, so the next column faults again; kept for a minute in one arena per core,
it is reused instead (jemalloc takes the last value of a setting, and polars puts
its own before the ones it finds): 540 k faults instead of 790 k, 0.3-0.4 s
less of a 5.7 s check, for a peak resident size 8-10 % higher. NumPy's
OpenBLAS starts a thread per core at import, idling on the CPU, for linear
algebra qms never does.

Only for qms's own processes (the command line, and the workers it starts); set
by the user, these variables win. jemalloc reads its settings once, when polars
is loaded: this module must run before anything imports polars or numpy.
"""

from __future__ import annotations

import os
import sys

# milliseconds a freed page stays with the process before being returned
RETAIN_FREED_MS = 60_000


def settings() -> dict[str, str]:
    """The environment variables this module sets (when not set already)."""
    arenas = max(1, os.cpu_count() or 1)
    return {
        # polars' jemalloc is built with the `_rjem_` prefix
        "_RJEM_MALLOC_CONF": f"dirty_decay_ms:{RETAIN_FREED_MS},muzzy_decay_ms:{RETAIN_FREED_MS},narenas:{arenas}",
        "OPENBLAS_NUM_THREADS": "1",
    }


def tune_before_loading() -> bool:
    """Set the settings unless polars or numpy is loaded already (then they would
    not take effect, and a library user's process is theirs): True when set."""
    if "polars" in sys.modules or "numpy" in sys.modules:
        return False
    for name, value in settings().items():
        os.environ.setdefault(name, value)
    return True
