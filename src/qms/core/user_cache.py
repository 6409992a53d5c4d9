"""A per-user cache of things that are slow to derive and cheap to store: the
compiled message catalogs, holiday data per year. Each entry is named by a hash of
everything it derives from, so a stale entry is never read, only left behind.

The folder is `QMS_CACHE_DIR`, else `$XDG_CACHE_HOME/qms`, else `~/.cache/qms`. A
cache that cannot be read or written is no error: the value is derived again."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def cache_dir() -> Path:
    explicit = os.environ.get("QMS_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "qms"


def cached_bytes(kind: str, key: str, derive: Callable[[], bytes]) -> bytes:
    """The bytes stored for (`kind`, `key`), else `derive()`'s, stored for next time."""
    path = cache_dir() / f"{kind}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}"
    try:
        return path.read_bytes()
    except OSError:
        pass
    data = derive()
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # written whole, then renamed: a concurrent reader sees no entry or the whole one
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{kind}-")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
    return data
