"""The `qms` command sets its allocator and thread settings before polars and numpy
load (a check's page faults were a third of its CPU time), and leaves alone what
the user set and processes that loaded polars before qms."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from qms.core.process_memory import settings

NAMES = sorted(settings())
SHOW = f"""
import json, os, sys
PRELUDE
from qms.cli import main
try:
    main(["--version"])
except SystemExit:
    pass
print(json.dumps({{name: os.environ.get(name) for name in {NAMES!r}}}))
import polars  # jemalloc reads its settings here; polars puts its own before them
print(json.dumps(os.environ.get("_RJEM_MALLOC_CONF")))
"""


def _environment_seen(prelude: str = "", **overrides: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in NAMES}
    env.update(overrides)
    out = subprocess.run([sys.executable, "-c", SHOW.replace("PRELUDE", prelude)], env=env, check=True,
                         capture_output=True, text=True).stdout
    before, after = map(json.loads, out.splitlines()[-2:])
    # jemalloc takes the last value of each setting: ours (or the user's) must end the text
    assert after.endswith(before["_RJEM_MALLOC_CONF"] or ""), after
    return before


def test_the_command_line_sets_them_before_polars_loads():
    seen = _environment_seen()
    assert seen == settings()
    assert "dirty_decay_ms:60000" in seen["_RJEM_MALLOC_CONF"]
    assert seen["OPENBLAS_NUM_THREADS"] == "1"


def test_what_the_user_set_wins():
    seen = _environment_seen(_RJEM_MALLOC_CONF="narenas:1")
    assert seen["_RJEM_MALLOC_CONF"] == "narenas:1"
    assert seen["OPENBLAS_NUM_THREADS"] == "1"


def test_a_process_that_loaded_polars_first_is_left_alone():
    # too late to take effect, and the process is the user's
    seen = _environment_seen(prelude="import polars")
    assert settings()["_RJEM_MALLOC_CONF"] not in (seen["_RJEM_MALLOC_CONF"] or "")  # polars' own, if any
    assert seen["OPENBLAS_NUM_THREADS"] is None
