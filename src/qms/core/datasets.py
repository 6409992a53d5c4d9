"""A partitioned Parquet dataset given as a folder or a glob: its files, in order.

Light on purpose (the standard library only): `qms check` tells a dataset from one
file before it loads the rest of qms."""

from __future__ import annotations

from pathlib import Path

from .errors import QmsError
from .i18n import _


def dataset_files(path: str | Path) -> list[Path] | None:
    """The Parquet files of a dataset given as a folder (searched recursively) or a
    glob pattern; None when `path` is a single file."""
    text = str(path)
    if any(ch in text for ch in "*?["):
        import glob

        files = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
        if not files:
            raise QmsError(_("{path}: no file matches this pattern").format(path=path))
        return files
    folder = Path(path)
    if not folder.is_dir():
        return None
    files = sorted((p for p in folder.rglob("*.parquet") if not _hidden(p.relative_to(folder))),
                   key=_natural_key)
    if not files:
        raise QmsError(_("{path}: the folder holds no Parquet file").format(path=folder))
    return files


def _hidden(relative: Path) -> bool:
    # staging folders and files named _… or .… are not part of the data (Spark's rule)
    return any(part.startswith(("_", ".")) for part in relative.parts)


def _natural_key(path: Path):
    import re

    return [int(piece) if piece.isdigit() else piece for piece in re.split(r"(\d+)", str(path))]
