"""The reader limits in force: the workspace's `limits:` in qms.yaml, else the defaults."""

from __future__ import annotations

from ..model.limits import DEFAULT_LIMITS, ReaderLimits


def reader_limits() -> ReaderLimits:
    from ..workspace import load_workspace

    workspace = load_workspace()
    return workspace.config.limits if workspace is not None else DEFAULT_LIMITS
