"""A dossier log split into a Parquet dataset by dossier: `qms log partition`.

Every event of a dossier goes to the same part, chosen by a stable hash of the
dossier id's UTF-8 bytes (64-bit FNV-1a, modulo the number of parts), so that each
part holds whole dossiers and can be checked alone. The hash is computed here with
numpy, not with Python's `hash` (salted per process) nor polars' (not promised to
stay the same across versions): the same log gives the same parts on any machine.

Layout (hive style, read by polars, DuckDB, Spark and Dask):

    DIR/part=0/data.parquet … DIR/part=N-1/data.parquet
    DIR/_partitioning.json      the key, the hash, every part with rows and SHA-256
    DIR/_rejects.csv            rows the profile rejected (logs read through a profile)

The log is read in batches of rows, so memory is bounded by the batch, not the log:
qms's canonical Parquet is read batch by batch directly; any other format goes
through ingest (`convert_log`, which parses in chunks) into a staged Parquet first.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import QmsError
from ..core.hashing import file_sha256
from ..core.i18n import _

PARTITION_KEY = "dossier_id"
HASH_NAME = "fnv1a64(utf8(dossier_id)) mod N"
PARTITIONING_FILE = "_partitioning.json"
REJECTS_FILE = "_rejects.csv"
DATA_FILE = "data.parquet"
BATCH_ROWS = 1_000_000

_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3


def stable_hash(ids) -> np.ndarray:
    """64-bit FNV-1a of each id's UTF-8 bytes (a null id hashes as the empty text).

    Vectorised over the Arrow string buffers: one numpy step per byte position."""
    import numpy as np
    import pyarrow as pa

    prime = np.uint64(_FNV_PRIME)
    array = pa.array(ids) if not isinstance(ids, (pa.Array, pa.ChunkedArray)) else ids
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    array = array.cast(pa.large_string())
    count = len(array)
    hashes = np.full(count, np.uint64(_FNV_OFFSET), dtype=np.uint64)
    if count == 0:
        return hashes
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset:array.offset + count + 1]
    data_buffer = array.buffers()[2]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    starts = offsets[:-1]
    lengths = np.diff(offsets)
    if array.null_count:
        lengths = np.where(array.is_null().to_numpy(zero_copy_only=False), 0, lengths)
    for position in range(int(lengths.max(initial=0))):
        live = lengths > position
        if live.all():
            hashes = (hashes ^ data[starts + position].astype(np.uint64)) * prime
        else:
            chosen = np.flatnonzero(live)
            hashes[chosen] = (hashes[chosen] ^ data[starts[chosen] + position].astype(np.uint64)) * prime
    return hashes


def partition_of(ids, partitions: int) -> np.ndarray:
    """The part (0 … partitions-1) of each dossier id. Each distinct id is hashed
    once (a dossier has several events)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    array = pa.array(ids) if not isinstance(ids, (pa.Array, pa.ChunkedArray)) else ids
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    encoded = pc.dictionary_encode(array.cast(pa.large_string()), null_encoding="encode")
    parts = (stable_hash(encoded.dictionary) % np.uint64(partitions)).astype(np.int64)
    return parts[encoded.indices.to_numpy(zero_copy_only=False)]


@dataclass
class PartitionReport:
    out: Path
    partitions: int
    rows: int
    files: list[dict]  # part, path (relative to out), rows, sha256
    source: dict
    rejects_path: str | None = None

    def to_dict(self) -> dict:
        return {"key": PARTITION_KEY, "hash": HASH_NAME, "partitions": self.partitions, "rows": self.rows,
                "source": self.source, "files": self.files, "rejects_path": self.rejects_path}


def part_path(out: Path, part: int) -> Path:
    return out / f"part={part}" / DATA_FILE


def check_dataset_target(out: Path, partitions: int) -> None:
    """Refuse before any work: a bad count, or a folder that already holds something."""
    if partitions < 1:
        raise QmsError(_("the number of partitions must be at least 1"))
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise QmsError(_("{path}: the output folder exists and is not empty").format(path=out))


def partition_log(path: str | Path, out: str | Path, partitions: int, *, profile=None,
                  batch_rows: int = BATCH_ROWS, progress=None, known_procedure_codes=None) -> PartitionReport:
    """Write the log at `path` as a dataset of `partitions` parts under `out` (an
    empty or new folder). Returns what was written; `_partitioning.json` says the same."""
    from .canonical_probe import is_canonical_parquet
    from .profiles import declared_concepts

    path, out = Path(path), Path(out)
    check_dataset_target(out, partitions)
    if not path.is_file():
        raise QmsError(_("{path}: no such log file").format(path=path))
    tell = progress or (lambda stage: None)
    source = {"path": str(path), "sha256": file_sha256(path), "bytes": path.stat().st_size}
    out.mkdir(parents=True, exist_ok=True)
    rejects_path = None
    with tempfile.TemporaryDirectory(prefix=".qms-partition-", dir=out) as staging:
        if profile is None and path.suffix.lower() in (".parquet", ".pq") and is_canonical_parquet(path):
            canonical, source["profile"] = path, "canonical"
        else:
            from .api import convert_log

            tell(_("reading the log"))
            canonical = Path(staging) / "events.parquet"
            report = convert_log(path, canonical, profile, rejects=out / REJECTS_FILE,
                                 known_procedure_codes=known_procedure_codes)
            source["profile"] = report.profile
            # what the source system records, as its profile says: a check of the
            # dataset (canonical Parquet) decides the rules it can assess from this
            source["concepts"] = declared_concepts(profile if profile is not None else report.profile)
            source["rows_rejected"] = report.rows_rejected
            source["rejected_by_reason"] = report.rejected_by_reason
            if report.profile != "canonical":  # a check reads qms's own events without these checks
                source["findings_by_kind"] = report.findings_by_kind
            if report.rows_rejected:
                rejects_path = str(out / REJECTS_FILE)
            else:
                (out / REJECTS_FILE).unlink(missing_ok=True)
        tell(_("partitioning"))
        rows, counts = _split(canonical, out, partitions, batch_rows)
    files = describe_parts(out, partitions, counts)
    result = PartitionReport(out=out, partitions=partitions, rows=rows, files=files, source=source,
                             rejects_path=rejects_path)
    (out / PARTITIONING_FILE).write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n",
                                         encoding="utf-8")
    return result


class PartWriters:
    """One Parquet writer per part; `write(table)` splits an Arrow table of events
    by part (a stable sort keeps every dossier's events in their order)."""

    def __init__(self, out: Path, partitions: int, schema):
        import pyarrow.parquet as pq

        self.partitions = partitions
        self.counts = [0] * partitions
        self._writers = []
        try:
            for part in range(partitions):
                part_path(out, part).parent.mkdir(parents=True, exist_ok=True)
                self._writers.append(pq.ParquetWriter(part_path(out, part), schema, compression="zstd"))
        except BaseException:
            self.close()
            raise

    def write(self, table) -> None:
        import numpy as np
        import pyarrow as pa

        parts = partition_of(table.column(PARTITION_KEY), self.partitions)
        order = np.argsort(parts, kind="stable")
        bounds = np.searchsorted(parts[order], np.arange(self.partitions + 1))
        table = table.take(pa.array(order))
        for part in range(self.partitions):
            size = int(bounds[part + 1] - bounds[part])
            if size:
                self._writers[part].write_table(table.slice(int(bounds[part]), size))
                self.counts[part] += size

    def close(self) -> None:
        for writer in self._writers:
            writer.close()

    def __enter__(self) -> "PartWriters":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


def _split(canonical: Path, out: Path, partitions: int, batch_rows: int) -> tuple[int, list[int]]:
    """Stream `canonical` into the parts, a batch of rows at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = pq.ParquetFile(canonical)
    rows = 0
    with PartWriters(out, partitions, source.schema_arrow) as writers:
        for batch in source.iter_batches(batch_size=batch_rows):
            writers.write(pa.Table.from_batches([batch]))
            rows += batch.num_rows
    # give the batches' memory back before the caller goes on (a check's workers)
    pa.default_memory_pool().release_unused()
    return rows, writers.counts


def describe_parts(out: Path, partitions: int, counts: list[int]) -> list[dict]:
    """part, path (relative to `out`), rows and SHA-256 of every part file."""
    return [{"part": part, "path": str(part_path(out, part).relative_to(out)), "rows": counts[part],
             "sha256": file_sha256(part_path(out, part))} for part in range(partitions)]


# -- reading a dataset --------------------------------------------------------------


