"""The reader limits in force: the workspace's `limits:` in qms.yaml, else the defaults."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from ..model.limits import DEFAULT_LIMITS, ReaderLimits


def reader_limits() -> ReaderLimits:
    from ..workspace import load_workspace

    workspace = load_workspace()
    return workspace.config.limits if workspace is not None else DEFAULT_LIMITS


def once_per_file_version(check: Callable[[Path, ReaderLimits], None]) -> Callable[[Path, ReaderLimits], None]:
    """A file measured once per version (path, size, modification time) and limits:
    the profile probe and the read both ask. A refusal is never cached."""
    @functools.lru_cache(maxsize=16)
    def passed(path: str, _mtime: int, _size: int, limits_json: str) -> None:
        check(Path(path), ReaderLimits.model_validate_json(limits_json))

    @functools.wraps(check)
    def measured(path: Path, limits: ReaderLimits) -> None:
        stat = Path(path).stat()
        passed(str(path), stat.st_mtime_ns, stat.st_size, limits.model_dump_json())

    return measured
