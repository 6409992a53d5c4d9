"""A log checked in shards: `qms check LOG --partitions N` (local worker processes)
and `qms check LOG --engine dask [--scheduler tcp://HOST:PORT]` (Dask distributed).

The log is a partitioned dataset (`qms log partition`, one shard per file) or a
single file, partitioned first into a staging folder beside the outputs. Every shard
is checked by `check_shard` with the same library and as-of; the partial summaries
merge from sums (`merge_summaries`). The shards write into a staging folder that
becomes `dossiers/` and `findings/` only when every shard succeeded: a failed shard
is named and the run leaves no summary behind.

Outputs (`--out DIR`): `dossiers/part-K.parquet`, `findings/part-K.parquet` (one file
per shard), `summary.json`, `shards.json` (every shard: its input with SHA-256, its
outputs with SHA-256 and rows, its time) and, when asked, `dossiers.csv` and
`findings.csv` (in shard order).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ..core.errors import QmsError
from ..core.i18n import _, get_language
from ..model.check_output import CheckSummary, InputFile
from .sizing import choose_partitions
from .shards import DOSSIERS_DIR, FINDINGS_DIR, ShardJob, ShardOutcome, check_shard
from .units import lists_as_text

MANIFEST_FILE = "shards.json"
ENGINES = ("processes", "dask")


class ShardFailed(QmsError):
    """One or more shards could not be checked; no summary was written."""


@dataclass
class PartitionedResult:
    summary: CheckSummary
    shards: list[ShardOutcome]
    written: dict[str, Path]


def check_partitioned(
    log, library=None, *, out, as_of=None, period=None, profile: str | None = None, partitions: int | None = None,
    workers: int | None = None, engine: str = "processes", scheduler: str | None = None, csv: bool = False,
    language: str | None = None, progress=None,
) -> PartitionedResult:
    """Check `log` shard by shard and write the merged outputs in `out`."""
    from ..core.datasets import dataset_files
    from ..ingest.partition import partition_log
    from .api import _as_instant, _documents, warnings_for

    if engine not in ENGINES:
        raise QmsError(_("unknown engine {engine}; choose one of {engines}").format(
            engine=engine, engines=", ".join(ENGINES)))
    tell = progress or (lambda stage: None)
    language = language or get_language()
    out = Path(out)
    lib = _load(library)
    preliminary = _documents(lib, None)
    period = _period(period)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise QmsError(_("cannot create the output folder {path}: {error}").format(path=out, error=error)) from None
    with tempfile.TemporaryDirectory(prefix=".qms-shards-", dir=out) as staging:
        staging = Path(staging)
        files = dataset_files(log)
        source_input = None
        if files is None:
            count = partitions or choose_partitions(log, workers or os.cpu_count() or 1)
            tell(_("partitioning"))
            report = partition_log(log, staging / "input", count, profile=profile,
                                   known_procedure_codes=preliminary.known_codes())
            files = [staging / "input" / f["path"] for f in report.files]
            source_input = InputFile(path=str(log), sha256=report.source["sha256"], bytes=report.source["bytes"],
                                     profile=report.source.get("profile"), rows_read=report.rows)
            rejected = report.source.get("rows_rejected", 0)
        elif partitions is not None and partitions != len(files):
            raise QmsError(_("{path} is a dataset of {files} files, each one shard; --partitions {count} does not "
                             "match (partition the log again to change it)").format(
                path=log, files=len(files), count=partitions))
        as_of_instant = _as_instant(as_of if as_of is not None else (period[1] if period else None),
                                    preliminary.timezone, end_of_day=True)
        if as_of_instant is None:
            latest = pl.scan_parquet(files, hive_partitioning=False).select(pl.col("at").max()).collect().item()
            if latest is None:
                raise QmsError(_("the log has no events"))
            as_of_instant = latest.astimezone(dt.timezone.utc)
        absent = _absent_concepts(files, profile, report.source if source_input is not None else _dataset_source(log))
        if getattr(lib, "root", None) is None:
            raise QmsError(_("the shards need a library folder that the workers can load"))
        root = str(Path(lib.root).resolve())
        jobs = [ShardJob(shard=k, source=str(Path(f).resolve()), library=root, as_of=as_of_instant, period=period,
                         language=language, out_dir=str((staging / "output").resolve()), absent_concepts=absent)
                for k, f in enumerate(files)]
        tell(_("checking"))
        outcomes = _run(jobs, engine, scheduler, workers)
        docs = _documents(lib, as_of_instant, preliminary)
        summary = _merge(outcomes, docs, warnings_for, absent)
        if source_input is not None:
            quality = summary.data_quality.model_copy(update={
                "rows_read": summary.data_quality.rows_read + rejected, "rows_rejected": rejected,
                "rejected_by_reason": report.source.get("rejected_by_reason", {}),
                "findings_by_kind": report.source.get("findings_by_kind", {})})
            summary = summary.model_copy(update={
                "manifest": summary.manifest.model_copy(update={"inputs": [source_input]}), "data_quality": quality})
        tell(_("writing"))
        written = _publish(staging / "output", out, summary, outcomes, engine, csv)
    return PartitionedResult(summary=summary, shards=outcomes, written=written)


def _absent_concepts(files: list, profile, source: dict) -> frozenset[str]:
    """What the whole log's source system does not record, decided once for every
    shard (a shard without a single apology must not decide that apologies are not
    recorded, and the shards' canonical Parquet no longer says which profile read the
    source): the profile's declared concepts (the profile given, else the one the log
    was partitioned through, as `source` records it), else the events of all shards."""
    from ..ingest.profiles import declared_concepts
    from .api import absent_concepts_given

    if profile is not None:
        declared = declared_concepts(profile)
    elif "concepts" in source:
        declared = dict(source["concepts"])
    else:
        declared = declared_concepts(source.get("profile") or "canonical")
    return frozenset(absent_concepts_given(pl.scan_parquet(files, hive_partitioning=False), declared))


def _dataset_source(folder) -> dict:
    """What `qms log partition` recorded about the source of a dataset ({} if nothing)."""
    from ..ingest.partition import PARTITIONING_FILE

    try:
        source = json.loads((Path(folder) / PARTITIONING_FILE).read_text(encoding="utf-8")).get("source", {})
    except (OSError, ValueError, AttributeError):
        return {}
    return source if isinstance(source, dict) else {}


def _load(library):
    from ..library import Library, load_library

    return library if isinstance(library, Library) else load_library(library)


def _period(period):
    if not period:
        return None
    start, end = (dt.date.fromisoformat(d) if isinstance(d, str) else d for d in period)
    if end < start:
        raise QmsError(_("the period ends ({to}) before it starts ({start})").format(to=end, start=start))
    return start, end


def _run(jobs: list[ShardJob], engine: str, scheduler: str | None, workers: int | None) -> list[ShardOutcome]:
    outcomes, failures = (_run_dask if engine == "dask" else _run_processes)(jobs, scheduler, workers)
    if failures:
        lines = [_("shard {shard} ({path}): {error}").format(shard=job.shard, path=job.source, error=error)
                 for job, error in sorted(failures, key=lambda item: item[0].shard)]
        raise ShardFailed(_("{count} of {total} shards failed; nothing was written:").format(
            count=len(failures), total=len(jobs)) + "\n" + "\n".join(lines))
    return sorted(outcomes, key=lambda o: o.shard)


def _describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:300]}" if text else type(error).__name__


def _run_processes(jobs, scheduler, workers):
    """Worker processes forked from a fresh server process (forkserver: no state or
    threads inherited from this one) that has imported the check once for all of them."""
    import concurrent.futures
    import multiprocessing

    if scheduler is not None:
        raise QmsError(_("--scheduler needs --engine dask"))
    count = max(1, min(len(jobs), workers or os.cpu_count() or 1))
    outcomes, failures = [], []
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["qms.check.shards", "qms.check.api", "qms.library"])
    with concurrent.futures.ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
        futures = {pool.submit(check_shard, job): job for job in jobs}
        for future in concurrent.futures.as_completed(futures):
            try:
                outcomes.append(future.result())
            except Exception as error:  # any failure of a shard is reported with its id
                failures.append((futures[future], _describe(error)))
                for other in futures:
                    other.cancel()
    return outcomes, failures


def _run_dask(jobs, scheduler, workers):
    """The same shard function on a Dask distributed cluster (a local one without
    `scheduler`): Dask schedules, retries lost workers and moves the results."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise QmsError(_("--engine dask needs Dask distributed: pip install 'qms[dask]'")) from None
    cluster = None
    try:
        if scheduler is None:
            cluster = LocalCluster(n_workers=max(1, min(len(jobs), workers or os.cpu_count() or 1)),
                                   threads_per_worker=1, processes=True, dashboard_address=None)
            client = Client(cluster)
        else:
            client = Client(scheduler, timeout="30s")
    except OSError as error:
        raise QmsError(_("cannot reach the Dask scheduler {address}: {error}").format(
            address=scheduler or "local", error=_describe(error))) from None
    outcomes, failures = [], []
    try:
        futures = client.map(check_shard, jobs, key=[f"qms-shard-{job.shard}-{os.getpid()}-{id(job)}" for job in jobs],
                             pure=False, retries=0)
        by_key = {future.key: job for future, job in zip(futures, jobs)}
        for future in as_completed(futures):
            job = by_key[future.key]
            if future.status == "error":
                failures.append((job, _describe(future.exception())))
            else:
                outcomes.append(future.result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return outcomes, failures


def _merge(outcomes: list[ShardOutcome], docs, warnings_for, absent: frozenset[str]) -> CheckSummary:
    from .api import unassessable_warnings
    from .summary import merge_summaries

    summary = merge_summaries([o.summary for o in outcomes])
    methods = sorted({m for o in outcomes for m in o.methods})
    warnings = warnings_for(docs, sum(o.defaulted for o in outcomes), methods) + unassessable_warnings(set(absent))
    return summary.model_copy(update={"warnings": warnings})


def _publish(staged: Path, out: Path, summary: CheckSummary, outcomes: list[ShardOutcome], engine: str,
             csv: bool) -> dict[str, Path]:
    """Move the shards' tables into place and write the summary and the manifest, as
    one output set (`outputs.sha256` lists every file: readers refuse a mixed folder)."""
    from ..core.output_set import writing_set

    written = {}
    with writing_set(out) as names:
        for name in (DOSSIERS_DIR, FINDINGS_DIR):
            target = out / name
            if target.exists():
                shutil.rmtree(target)
            shutil.move(str(staged / name), str(target))
            written[name] = target
            names.extend(o.files[name]["path"] for o in outcomes)
        for name in ("dossiers.parquet", "findings.parquet", "dossiers.csv", "findings.csv"):
            (out / name).unlink(missing_ok=True)  # a single-file run's tables in the same folder would contradict
        if csv:
            for name in (DOSSIERS_DIR, FINDINGS_DIR):
                parts = [out / o.files[name]["path"] for o in outcomes]
                lists_as_text(pl.scan_parquet(parts)).sink_csv(out / f"{name}.csv")
                written[f"{name}.csv"] = out / f"{name}.csv"
                names.append(f"{name}.csv")
        manifest = {"engine": engine, "shards": [o.record() for o in outcomes]}
        (out / MANIFEST_FILE).write_text(json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n",
                                         encoding="utf-8")
        written[MANIFEST_FILE] = out / MANIFEST_FILE
        (out / "summary.json").write_text(summary.model_dump_json(indent=2) + "\n", encoding="utf-8")
        written["summary.json"] = out / "summary.json"
        names.extend([MANIFEST_FILE, "summary.json"])
    return written
