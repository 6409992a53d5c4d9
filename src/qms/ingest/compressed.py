"""A gzip-compressed log (`export.csv.gz`, `log.xes.gz`, …), read as a stream.

It is unpacked once into the ingest's temporary folder, counting the bytes as they
come, so a gzip bomb stops at `limits.gzip_max_uncompressed_bytes` instead of
filling the disk; every limit of the inner format then applies as usual. Messages
name the compressed file the user gave, not the temporary copy.
"""

from __future__ import annotations

import contextlib
import gzip
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from ..core.errors import QmsError
from ..core.i18n import _
from ..model.limits import ReaderLimits

_MAGIC = b"\x1f\x8b"
_CHUNK = 16 * 1024 * 1024


def is_gzip(path: Path) -> bool:
    try:
        with Path(path).open("rb") as handle:
            return handle.read(2) == _MAGIC
    except OSError:
        return False


@contextlib.contextmanager
def uncompressed(path: Path, limits: ReaderLimits) -> Iterator[Path]:
    """`path` itself, or a temporary uncompressed copy of a gzip file."""
    path = Path(path)
    if not path.is_file() or not is_gzip(path):
        yield path
        return
    inner_name = path.name[:-3] if path.name.lower().endswith(".gz") else path.name + ".unpacked"
    with tempfile.TemporaryDirectory(prefix="qms-gz-") as folder:
        inner = Path(folder) / inner_name
        _unpack(path, inner, limits)
        try:
            yield inner
        except QmsError as error:
            error.args = tuple(str(arg).replace(str(inner), str(path)) for arg in error.args)
            if hasattr(error, "problems"):
                error.problems = [problem.replace(str(inner), str(path)) for problem in error.problems]
            raise


def _unpack(path: Path, inner: Path, limits: ReaderLimits) -> None:
    written = 0
    try:
        with gzip.open(path, "rb") as source, inner.open("wb") as target:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                if written > limits.gzip_max_uncompressed_bytes:
                    raise QmsError(_("{path}: unpacks to more than {limit} bytes (limits.gzip_max_uncompressed_bytes)").format(
                        path=path, limit=limits.gzip_max_uncompressed_bytes))
                target.write(chunk)
    except (OSError, EOFError, zlib.error) as error:
        raise QmsError(_("{path}: not a readable gzip file ({error})").format(path=path, error=error)) from None


def accepts_gzip(function):
    """For the ingest API's functions of a log path: a gzip log is unpacked first, and
    the report names the compressed file."""
    import functools

    from .limits import reader_limits

    @functools.wraps(function)
    def wrapper(path, *args, **kwargs):
        given = Path(path)
        with uncompressed(given, reader_limits()) as plain:
            result = function(plain, *args, **kwargs)
        if plain != given:
            report = getattr(result, "report", result)
            if isinstance(report, dict):
                report["path"] = str(given)
            elif hasattr(report, "path"):
                report.path = str(given)
        return result

    return wrapper
