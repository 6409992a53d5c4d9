"""The conformance check: every dossier judged against the procedure issue and the
rule set in force when it was received (see docs/check.md).

    from qms.check import run_check, write_outputs, merge_summaries

The names are loaded on first use, so that importing a light part (the rule
registry's ids, for instance) does not load polars and the engine.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "CheckResult": ".api", "run_check": ".api", "write_outputs": ".api", "merge_summaries": ".summary",
    "REGISTRY": ".rules", "Rule": ".rules",
}
__all__ = ["REGISTRY", "CheckResult", "Rule", "merge_summaries", "run_check", "write_outputs"]


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
