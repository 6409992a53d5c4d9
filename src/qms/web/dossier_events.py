"""One dossier of a check run, judged step by step (`qms.check.dossier_timeline`,
the data of `qms report dossier`), for its page in the web workspace.

The check's outputs hold one row per dossier, not its events; those are in the log
the run read. A log of millions of dossiers is not in dossier order, so a run's
events are copied once, in the background, into the workspace (`.qms/check-runs/N/
events.parquet`) sorted by dossier: then one dossier's events are a predicate read
of one row group. Events are read only from a log whose SHA-256 is still the one
the run recorded, so the timeline is of the events the run judged.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import polars as pl

from ..check_runs import CheckRunRecord, read_summary
from ..core.atomic import atomic_target
from ..core.errors import QmsError
from ..core.hashing import file_sha256
from ..core.i18n import _

ROW_GROUP = 50_000  # events per row group of the copy: a dossier's read decodes one of them
COPY_IN_PROCESS_BYTES = 32 * 1024 * 1024  # logs this big are sorted in a worker process


class RunEvents:
    """The runs' events copies, made in the background by the app's own one-thread
    pool; until a run's copy exists, a canonical Parquet log is read with the dossier
    as predicate (slower, still far below a second) and any other log waits for it."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qms-events-copy")
        self._pending: dict[int, Future] = {}
        self._verified: dict[tuple[str, int, int], str] = {}  # (path, size, mtime) -> SHA-256
        self._lock = threading.Lock()

    def copy_path(self, run: CheckRunRecord) -> Path:
        return self.root / ".qms" / "check-runs" / str(run.id) / "events.parquet"

    def prepare(self, run: CheckRunRecord, warm_up=None) -> Future | None:
        """Start making the run's copy unless it exists or is being made; `warm_up`
        (what else a dossier page of the run needs first) runs before it, once."""
        if self.copy_path(run).is_file():
            return None
        with self._lock:
            future = self._pending.get(run.id)
            if future is None or (future.done() and future.exception() is not None):
                if warm_up is not None and future is None:
                    self._executor.submit(warm_up)
                future = self._pending[run.id] = self._executor.submit(self._write_copy, run)
            return future

    def dossier_events(self, run: CheckRunRecord, dossier_id: str) -> pl.DataFrame:
        copy = self.copy_path(run)
        if not copy.is_file():
            pending = self.prepare(run)
            logs = self._verified_inputs(run)
            if all(profile is None and path.suffix.lower() in (".parquet", ".pq") for path, profile in logs):
                wanted = [pl.scan_parquet(path).filter(pl.col("dossier_id") == dossier_id) for path, _ in logs]
                return pl.concat(wanted, how="diagonal_relaxed").collect()
            if pending is not None:
                pending.result()
        return pl.scan_parquet(copy).filter(pl.col("dossier_id") == dossier_id).collect()

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _verified_inputs(self, run: CheckRunRecord) -> list[tuple[Path, str | None]]:
        """The run's logs with their profiles, each still the file the run hashed."""
        logs = []
        for item in read_summary(run).manifest.inputs:
            path = Path(item.path)
            if not path.is_file():
                raise QmsError(_("{path}: the log check run {id} read is no longer there, so its events cannot be "
                                 "shown").format(path=path, id=run.id))
            stat = path.stat()
            key = (str(path), stat.st_size, stat.st_mtime_ns)
            if key not in self._verified:
                self._verified[key] = file_sha256(path)
            if self._verified[key] != item.sha256:
                raise QmsError(_("{path}: the log has changed since check run {id} read it, so its events cannot be "
                                 "shown; check it again").format(path=path, id=run.id))
            logs.append((path, None if item.profile in (None, "canonical") else item.profile))
        return logs

    def _write_copy(self, run: CheckRunRecord) -> None:
        logs = [(str(path), profile) for path, profile in self._verified_inputs(run)]
        target = str(self.copy_path(run))
        if sum(Path(path).stat().st_size for path, _profile in logs) < COPY_IN_PROCESS_BYTES:
            write_events_copy(logs, target)
            return
        # a big sort in a process of its own: in this one it would hold polars' threads
        # (every page's queries wait for them) for as long as it takes
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as process:
            process.submit(write_events_copy, logs, target).result()


def write_events_copy(logs: list[tuple[str, str | None]], target: str) -> None:
    """The logs' events sorted by dossier into `target`; stable, so a dossier's events
    keep the log's order (the timeline's tie-break)."""
    from ..ingest import scan_events

    frames = [scan_events(path, profile) for path, profile in logs]
    events = pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0]
    events = events.sort("dossier_id", maintain_order=True).collect()
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    with atomic_target(Path(target)) as temporary:
        events.write_parquet(temporary, row_group_size=ROW_GROUP, statistics=True)


class RunDocuments:
    """The documents each recent run judged by (library as of the run's as-of): built
    once per run, with the working calendar's tables that the timeline's clock reuses."""

    def __init__(self, size: int = 4):
        self._size = size
        self._kept: OrderedDict[int, object] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, run: CheckRunRecord, library: Path):
        from ..check.dossier_timeline import documents_as_of

        with self._lock:
            if run.id in self._kept:
                self._kept.move_to_end(run.id)
                return self._kept[run.id]
        documents = documents_as_of(library, run.as_of)
        with self._lock:
            self._kept[run.id] = documents
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
        return documents


def run_dossier_timeline(events: RunEvents, library: Path, documents: RunDocuments, run: CheckRunRecord,
                         dossier_id: str, language: str):
    """The dossier's timeline as of the run's as-of, or None when the log has no event of it."""
    from ..check.dossier_timeline import dossier_timeline

    own = events.dossier_events(run, dossier_id)
    if own.height == 0:
        return None
    return dossier_timeline(own, dossier_id, documents.of(run, library), as_of=run.as_of, language=language)
