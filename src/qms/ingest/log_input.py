"""A dossier log as the check takes it in: events, the input's manifest entry and
its data quality. Reading files is ingest's job, so the check engine stays free of I/O."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ..core.errors import QmsError
from ..core.hashing import file_sha256
from ..core.i18n import _
from ..core.input_file import check_regular_file
from ..core.parquet_prefetch import columns_to_read, discard, take
from ..model.check_output import DataQuality, InputFile
from .api import read_log
from .canonical_probe import is_canonical_parquet
from ..model.events import FIELD_VALUES
from .compressed import uncompressed
from .limits import reader_limits
from .schema import CANONICAL_FIELDS, REQUIRED_FIELDS, SOURCE_ROW, TIMESTAMP_FIELDS


@dataclass
class PendingInput:
    """An input's manifest entry whose SHA-256 is still being computed."""

    path: str
    sha256: object
    bytes: int
    profile: str | None
    rows_read: int | None

    def done(self) -> InputFile:
        return InputFile(path=self.path, sha256=str(self.sha256), bytes=self.bytes, profile=self.profile,
                         rows_read=self.rows_read)


class _HashInBackground:
    """The input's SHA-256, computed on a thread while the check runs (hashlib
    releases the GIL), read when the manifest is written."""

    def __init__(self, path: Path):
        import concurrent.futures

        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        self._future = self._pool.submit(file_sha256, path)

    def __str__(self) -> str:
        try:
            return self._future.result()
        finally:
            self._pool.shutdown(wait=False)


def read_log_input(events_or_path, profile, known_codes, progress, *, columns=None
                   ) -> tuple[pl.DataFrame | pl.LazyFrame, list[InputFile | PendingInput], DataQuality | None,
                              pl.DataFrame | None]:
    """A log for the check: the events, the input's manifest entry, its data quality
    and data-quality findings. Canonical events given as a frame pass through; qms's
    own canonical Parquet or CSV is read directly (only `columns`, hashed on a
    thread meanwhile); anything else goes through `read_log` with its profile."""
    if isinstance(events_or_path, (pl.DataFrame, pl.LazyFrame)):
        return events_or_path, [], None, None
    from ..core.datasets import dataset_files

    files = dataset_files(events_or_path)
    if files is not None:
        return read_canonical_dataset(files, columns)
    original = Path(events_or_path)
    check_regular_file(original)
    limits = reader_limits()
    with uncompressed(original, limits) as path:
        return _read_file(path, original, limits, profile, known_codes, progress, columns)


def _read_file(path: Path, original: Path, limits, profile, known_codes, progress, columns):
    """`path` is `original`, or its unpacked copy when that was gzip: the manifest
    names and hashes the file the user gave."""
    window = limits.instant_window()
    if profile is None and path.suffix.lower() in (".parquet", ".pq") and is_canonical_parquet(path):
        # qms's own canonical Parquet: already validated when it was written. Its
        # instants are bounded on the columns read (in memory: reading the file's
        # instants a second time for that took 0.5-0.9 s at 5 M events) and on the
        # instant columns the check does not read.
        names = pl.scan_parquet(path).collect_schema().names()
        wanted = columns_to_read(path, columns)
        prefetched = take(path, wanted)  # the command line may have started the read
        discard(path)  # one started for other columns is not used
        frame = prefetched if prefetched is not None else pl.read_parquet(path, columns=wanted)
        unread = [c for c in names if c not in frame.columns]
        if _instants_within(frame, window) and _instants_within(pl.scan_parquet(path).select(unread), window):
            info = PendingInput(path=str(original), sha256=_HashInBackground(original),
                                bytes=original.stat().st_size, profile="canonical", rows_read=frame.height)
            quality = DataQuality(rows_read=frame.height, rows_accepted=frame.height, rows_rejected=0)
            return frame, [info], quality, None
        del frame  # an implausible instant: ingest reads the file and rejects those rows by number
    discard(path)  # a frame read ahead for a file that is not canonical after all
    if profile is None and path.suffix.lower() == ".csv":
        fast = _read_canonical_csv(path, columns, window)
        if fast is not None:
            info = PendingInput(path=str(original), sha256=_HashInBackground(original),
                                bytes=original.stat().st_size, profile="canonical", rows_read=fast.height)
            quality = DataQuality(rows_read=fast.height, rows_accepted=fast.height, rows_rejected=0)
            return fast, [info], quality, None
    read = read_log(path, profile, known_procedure_codes=known_codes, progress=progress)
    report = read.report
    info = InputFile(path=str(original), sha256=file_sha256(original), bytes=original.stat().st_size,
                     profile=report.profile, rows_read=report.rows_read)
    return read.events, [info], report.data_quality(), report.findings


def read_canonical_dataset(files: list[Path], columns=None) -> tuple[pl.DataFrame, list[InputFile], DataQuality, None]:
    """A partitioned dataset (`qms log partition`, or any set of canonical Parquet
    files): every file is one input of the manifest."""
    frames, inputs = [], []
    for file in files:
        if not is_canonical_parquet(file):
            raise QmsError(_("{path}: not a canonical Parquet log (write it with qms log convert or qms log partition)"
                             ).format(path=file))
        names = pl.scan_parquet(file).collect_schema().names()
        frame = pl.read_parquet(file, columns=[c for c in names if columns is None or c in columns],
                                hive_partitioning=False)
        frames.append(frame)
        inputs.append(InputFile(path=str(file), sha256=file_sha256(file), bytes=file.stat().st_size,
                                profile="canonical", rows_read=frame.height))
    events = pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0]
    quality = DataQuality(rows_read=events.height, rows_accepted=events.height, rows_rejected=0)
    return events, inputs, quality, None




def _instants_within(frame: pl.LazyFrame | pl.DataFrame, window) -> bool:
    """Every instant of a canonical log inside the plausible window (else ingest reads
    it and rejects the implausible rows with their numbers)."""
    names = [c for c in frame.lazy().collect_schema().names() if c in TIMESTAMP_FIELDS]
    if not names:
        return True
    earliest, latest = window
    bounds = frame.lazy().select(
        pl.min_horizontal(pl.col(names).min()).alias("low"), pl.max_horizontal(pl.col(names).max()).alias("high")
    ).collect().row(0)
    low, high = bounds
    return (low is None or low >= earliest) and (high is None or high <= latest)


def _read_canonical_csv(path: Path, columns, window) -> pl.DataFrame | None:
    """qms's own canonical CSV read directly (ISO 8601 UTC instants), or None when the
    file is not exactly that (then ingest reads it, with its rejects and locations)."""
    with path.open("rb") as handle:
        header = handle.readline().decode("utf-8", errors="replace").lstrip("\ufeff").strip().split(",")
    known = set(CANONICAL_FIELDS) | {SOURCE_ROW}
    if not set(REQUIRED_FIELDS) <= set(header) or not set(header) <= known or len(set(header)) != len(header):
        return None
    try:
        raw = pl.read_csv(path, infer_schema=False, columns=[c for c in header if columns is None or c in columns])
    except pl.exceptions.PolarsError:
        return None
    instants = [c for c in raw.columns if c in TIMESTAMP_FIELDS]
    def instant(column: str, fmt: str) -> pl.Expr:
        return pl.col(column).str.to_datetime(fmt, time_zone="UTC", time_unit="us", strict=False)

    # whole seconds first (what qms writes; several times faster), fractions where needed
    frame = raw.with_columns(instant(c, "%Y-%m-%dT%H:%M:%SZ") for c in instants)
    fractional = [c for c in instants if frame[c].null_count() > raw[c].null_count()]
    if fractional:
        frame = frame.with_columns(
            pl.coalesce(frame[c], raw.select(instant(c, "%Y-%m-%dT%H:%M:%S%.fZ"))[c]).alias(c) for c in fractional)
    if SOURCE_ROW in frame.columns:
        frame = frame.with_columns(pl.col(SOURCE_ROW).cast(pl.Int64, strict=False))
    unparsed = sum(raw[c].is_not_null().sum() - frame[c].is_not_null().sum() for c in instants)
    missing = sum(frame[c].null_count() + (frame[c] == "").sum() if frame[c].dtype == pl.Utf8 else frame[c].null_count()
                  for c in REQUIRED_FIELDS)
    bad_value = any(frame.filter(pl.col(name).is_not_null() & ~pl.col(name).is_in(allowed)).height
                    for name, allowed in FIELD_VALUES.items() if name in frame.columns)
    if unparsed or missing or bad_value or not _instants_within(frame, window):
        return None
    return frame


