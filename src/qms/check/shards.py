"""The shard function: one part of a log (whole dossiers) checked alone.

`check_shard(job)` is the only unit a scheduler sees — local worker processes
(`qms check --partitions N`) or a Dask distributed cluster (`--engine dask`). It reads
its part from a path (or an fsspec URL), checks it with `run_check` against the same
library and as-of as every other part, writes its dossiers and findings as one
Parquet file each and returns the partial summary with the files' SHA-256. Nothing
is shared between shards: the merge (`qms.check.partitioned`) adds the partial
summaries up.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..core.check_tables import PARQUET_WRITE
from ..model.check_output import CheckSummary, InputFile

DOSSIERS_DIR = "dossiers"
FINDINGS_DIR = "findings"


@dataclass(frozen=True)
class ShardJob:
    shard: int
    source: str  # the part's Parquet file: a path, or a URL fsspec can open
    library: str | None  # library folder as the worker sees it (None: the bundled sample)
    as_of: dt.datetime  # the same instant for every shard
    period: tuple[dt.date, dt.date] | None
    language: str
    out_dir: str  # the worker writes dossiers/part-K.parquet and findings/part-K.parquet here
    absent_concepts: frozenset[str] = frozenset()  # the whole log's, so that every shard decides alike


@dataclass
class ShardOutcome:
    shard: int
    summary: CheckSummary
    input: InputFile
    files: dict[str, dict] = field(default_factory=dict)  # "dossiers"/"findings" -> path, rows, sha256
    defaulted: int = 0  # dossiers judged by qms's default rule set
    methods: list[str] = field(default_factory=list)  # classification methods used
    seconds: float = 0.0

    def record(self) -> dict:
        """This shard's line in the run's manifest (`shards.json`)."""
        return {"shard": self.shard, "input": self.input.model_dump(), "seconds": round(self.seconds, 3),
                **{name: entry for name, entry in self.files.items()}}


def part_name(shard: int) -> str:
    return f"part-{shard:05d}.parquet"


@lru_cache(maxsize=4)
def _library(root: str | None):
    # one load per worker process and library, not one per shard
    from ..library import load_library

    return load_library(root)


def _sha256(path: Path) -> str:
    from ..core.hashing import file_sha256

    return file_sha256(path)


def _read_source(source: str):
    """A local path as it is (run_check reads and hashes it); a URL through fsspec,
    hashed from the bytes read."""
    if "://" not in source or source.startswith("file://"):
        return source.removeprefix("file://"), None
    import fsspec
    import io

    import polars as pl

    with fsspec.open(source, "rb") as handle:
        data = handle.read()
    frame = pl.read_parquet(io.BytesIO(data))
    info = InputFile(path=source, sha256=hashlib.sha256(data).hexdigest(), bytes=len(data), profile="canonical",
                     rows_read=frame.height)
    return frame, info


def check_shard(job: ShardJob) -> ShardOutcome:
    """Check one shard; write its tables under `job.out_dir`; return its partial summary."""
    import polars as pl

    from ..core.i18n import set_language
    from ..model.check_output import DataQuality
    from .api import run_check

    started = time.perf_counter()
    set_language(job.language)
    events, info = _read_source(job.source)
    result = run_check(events, _library(job.library), as_of=job.as_of, period=job.period, language=job.language,
                       absent_concepts=set(job.absent_concepts))
    summary = result.summary
    if info is not None:  # a frame handed to run_check has no input entry of its own
        quality = DataQuality(rows_read=info.rows_read, rows_accepted=info.rows_read, rows_rejected=0)
        summary = summary.model_copy(update={"manifest": summary.manifest.model_copy(update={"inputs": [info]}),
                                             "data_quality": quality})
    else:
        info = summary.manifest.inputs[0]
    out = Path(job.out_dir)
    files = {}
    for name, table in ((DOSSIERS_DIR, result.dossiers), (FINDINGS_DIR, result.findings)):
        target = out / name / part_name(job.shard)
        target.parent.mkdir(parents=True, exist_ok=True)
        table.write_parquet(target, **PARQUET_WRITE)
        files[name] = {"path": f"{name}/{part_name(job.shard)}", "rows": table.height, "sha256": _sha256(target)}
    from .documents import DEFAULT_RULESET

    dossiers = result.dossiers
    return ShardOutcome(
        shard=job.shard, summary=summary, input=info, files=files,
        defaulted=dossiers.filter(pl.col("ruleset_code") == DEFAULT_RULESET.code).height,
        methods=sorted(dossiers["method"].drop_nulls().unique().to_list()),
        seconds=time.perf_counter() - started,
    )
