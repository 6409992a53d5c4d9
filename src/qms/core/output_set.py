"""A folder of outputs that belong together (a check's tables and summary), written
so a reader can tell a complete set from a run killed half-way.

Before the first file, a marker `.qms-writing` is made and the old manifest removed;
each file is written atomically; the manifest `outputs.sha256` (the format of
`sha256sum`, so `sha256sum -c outputs.sha256` checks it too) is written last and
the marker removed. A reader refuses a folder with the marker, and a folder whose
files do not match their manifest. A folder with neither (written by hand, or by a
qms before this) is read as it is.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from .atomic import remove_leftovers, write_text
from .errors import QmsError
from .hashing import file_sha256
from .i18n import _

MANIFEST = "outputs.sha256"
WRITING = ".qms-writing"


@contextlib.contextmanager
def writing_set(folder: str | Path) -> Iterator[list[str]]:
    """Yield a list to append the names of the files written into `folder`."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / WRITING).write_text("a qms run is writing this folder, or was killed while it did\n")
        (folder / MANIFEST).unlink(missing_ok=True)
    except OSError as error:
        raise QmsError(_("cannot create the output folder {path}: {error}").format(
            path=folder, error=error.strerror or error)) from None
    remove_leftovers(folder)
    names: list[str] = []
    yield names
    lines = "".join(f"{file_sha256(folder / name)}  {name}\n" for name in sorted(names))
    write_text(folder / MANIFEST, lines)
    (folder / WRITING).unlink(missing_ok=True)


def verify_set(folder: str | Path, needed: Iterable[str] = ()) -> bool:
    """Refuse an incomplete or mixed set; True when a manifest vouched for it."""
    folder = Path(folder)
    if (folder / WRITING).exists():
        raise QmsError(_("{folder}: its outputs are incomplete (the run that wrote them was interrupted); "
                         "run the check again").format(folder=folder))
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return False
    listed: dict[str, str] = {}
    for line in manifest.read_text(encoding="utf-8").splitlines():
        digest, _sep, name = line.partition("  ")
        if name:
            listed[name] = digest
    for name in needed:
        if name not in listed:
            raise QmsError(_("{folder}: {name} is not one of the outputs listed in {manifest}").format(
                folder=folder, name=name, manifest=MANIFEST))
    for name, digest in listed.items():
        path = folder / name
        if not path.is_file() or file_sha256(path) != digest:
            raise QmsError(_("{folder}: {name} does not match {manifest} (changed, or left from another run); "
                             "run the check again").format(folder=folder, name=name, manifest=MANIFEST))
    return True
