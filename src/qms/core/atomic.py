"""Outputs written whole or not at all.

Every file qms writes goes to a hidden temporary file in the target's own folder
(so the rename stays on one file system), is flushed to disk, and is renamed over
the target: a run killed at any moment leaves either the old file or the new one,
never a truncated mix. The new file gets the mode the umask gives (temporary-file
helpers create 0600, which made reports unreadable to colleagues).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from .errors import QmsError
from .i18n import _

PART_SUFFIX = ".qms-part"


def _umask_mode() -> int:
    """The mode a new file gets under the process's umask, read without changing the
    umask where Linux shows it (the web server writes reports from threads: setting it
    even briefly would leak to them)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    except OSError:
        pass
    current = os.umask(0o022)
    os.umask(current)
    return 0o666 & ~current


@contextlib.contextmanager
def atomic_target(target: str | Path) -> Iterator[Path]:
    """A temporary path to write to; on success it replaces `target`, on failure it
    is removed and `target` is untouched."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise QmsError(_("cannot create the output folder {path}: {error}").format(
            path=target.parent, error=error.strerror or error)) from None
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}{PART_SUFFIX}")
    try:
        yield temporary
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(temporary, _umask_mode())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a folder be opened
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def write_bytes(target: str | Path, data: bytes) -> Path:
    with atomic_target(target) as temporary:
        temporary.write_bytes(data)
    return Path(target)


def write_text(target: str | Path, text: str) -> Path:
    return write_bytes(target, text.encode("utf-8"))


def remove_leftovers(folder: Path) -> list[Path]:
    """Temporary files of runs that were killed before their rename (never read)."""
    removed = []
    for leftover in Path(folder).glob(f".*{PART_SUFFIX}"):
        with contextlib.suppress(OSError):
            leftover.unlink()
            removed.append(leftover)
    return removed
