"""Checks started in the browser: the uploaded log is kept in the workspace and
checked in the application's job pool (one worker process: two big checks at once
would only fight over memory), through the same API as `qms check`; the run is
registered like a CLI run. The job's row in
the register database says how far it got, so any server process can show it, and
a server that starts again marks the jobs it did not finish as failed."""

from __future__ import annotations

import datetime as dt
import logging
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select, update

from ..core.errors import QmsError
from ..core.i18n import _, use_language
from ..db import Database
from ..db.tables import CheckJob

log = logging.getLogger(__name__)

# reading the log, checking, writing the outputs, registering the run; done
STEPS = 5
UNFINISHED = ("queued", "running")
# what an upload may be called: the formats `qms check` reads, plus .gz of any of them
LOG_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".pq", ".xlsx", ".jsonl", ".ndjson", ".json", ".xes")


class CheckJobRecord(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    submitted_by: str
    submitted_at: dt.datetime
    language: str
    file_name: str
    upload_path: str
    upload_bytes: int
    profile: str | None
    period_from: dt.date | None
    period_to: dt.date | None
    out_dir: str
    state: str
    step: int
    stage: str
    message: str
    check_run_id: int | None
    finished_at: dt.datetime | None

    @property
    def finished(self) -> bool:
        return self.state not in UNFINISHED


def job_state_name(state: str) -> str:
    """A job's state as the pages show it."""
    names = {"queued": _("Waiting to start"), "running": _("Running"), "done": _("Finished"), "failed": _("Failed")}
    return names.get(state, state)


def upload_suffix(file_name: str) -> str:
    """The suffix the stored upload keeps (the readers choose by it); a name with
    none of the log formats' suffixes is refused before anything is stored."""
    name = file_name.lower()
    gz = name.endswith(".gz")
    base = name[:-3] if gz else name
    for suffix in LOG_SUFFIXES:
        if base.endswith(suffix):
            return suffix + (".gz" if gz else "")
    raise QmsError(_("{name}: not a log file qms can read (expected one of {suffixes}, or one of them .gz)").format(
        name=file_name, suffixes=", ".join(LOG_SUFFIXES)))


def log_profiles() -> list[str]:
    """The profiles an upload may name (those shipped with qms; a path is not taken
    from a browser)."""
    from ..ingest import shipped_profiles

    return list(shipped_profiles())


def new_job(db: Database, *, user: str, language: str, file_name: str, period: tuple[dt.date, dt.date] | None,
            workspace: Path, profile: str | None = None) -> CheckJobRecord:
    """The job's row, before its upload is stored: its id names the upload's and the
    outputs' folders in the workspace (uploads/job-N/, checks/job-N/)."""
    suffix = upload_suffix(file_name)
    if profile and profile not in log_profiles():
        raise QmsError(_("Unknown log profile '{name}'; choose one of {names}").format(
            name=profile, names=", ".join(log_profiles())))
    with db.writing() as session:
        row = CheckJob(submitted_by=user, submitted_at=dt.datetime.now(dt.timezone.utc), language=language,
                       file_name=file_name[:300], upload_path="", upload_bytes=0, profile=profile or None,
                       period_from=period[0] if period else None, period_to=period[1] if period else None,
                       out_dir="", state="queued", step=0, stage="", message="")
        session.add(row)
        session.flush()
        row.upload_path = str(workspace / "uploads" / f"job-{row.id}" / f"log{suffix}")
        row.out_dir = str(workspace / "checks" / f"job-{row.id}")
        session.flush()
        return CheckJobRecord.model_validate(row)


def _set(db: Database, job_id: int, **values) -> None:
    with db.writing() as session:
        session.execute(update(CheckJob).where(CheckJob.id == job_id).values(**values))


def upload_stored(db: Database, job_id: int, size: int) -> None:
    _set(db, job_id, upload_bytes=size)


def fail_job(db: Database, job_id: int, message: str) -> None:
    _set(db, job_id, state="failed", message=message, finished_at=dt.datetime.now(dt.timezone.utc))


def get_job(db: Database, job_id: int) -> CheckJobRecord | None:
    with db.reading() as session:
        row = session.get(CheckJob, job_id)
        return CheckJobRecord.model_validate(row) if row is not None else None


def list_jobs(db: Database, *, limit: int = 20) -> list[CheckJobRecord]:
    """Newest first."""
    with db.reading() as session:
        return [CheckJobRecord.model_validate(row)
                for row in session.scalars(select(CheckJob).order_by(CheckJob.id.desc()).limit(limit))]


def fail_unfinished_jobs(db: Database) -> int:
    """At start-up: a job queued or running belonged to a server that stopped; nothing
    will finish it, so it is failed (the user uploads the log again)."""
    with db.writing() as session:
        done = session.execute(update(CheckJob).where(CheckJob.state.in_(UNFINISHED)).values(
            state="failed", finished_at=dt.datetime.now(dt.timezone.utc),
            message=_("The server stopped before this check finished; upload the log again.")))
        return done.rowcount or 0


def run_job(db: Database, job: CheckJobRecord, library: Path) -> None:
    """The check of one job, in the pool's thread: as `qms check --out`, then registered."""
    from ..check.api import run_check, write_outputs
    from ..check_runs import register_check_run

    step = 0

    def progress(stage: str, fraction: float | None = None) -> None:
        # run_check names its stages; the log reader also reports how far it read
        nonlocal step
        if fraction is None:
            step = min(step + 1, STEPS)
        shown = stage if fraction is None else f"{stage} ({fraction:.0%})"
        _set(db, job.id, step=step, stage=shown[:200])

    with use_language(job.language):
        try:
            _set(db, job.id, state="running")
            period = (job.period_from, job.period_to) if job.period_from else None
            result = run_check(job.upload_path, library, period=period, profile=job.profile, language=job.language,
                               progress=progress)
            progress(_("writing the outputs"))
            write_outputs(result, job.out_dir)
            progress(_("registering the check run"))
            run = register_check_run(db, job.out_dir)
            _set(db, job.id, state="done", step=STEPS, check_run_id=run.id, finished_at=dt.datetime.now(dt.timezone.utc))
        except QmsError as error:
            # the user knows the file by the name they uploaded, not by where it is kept
            fail_job(db, job.id, str(error).replace(job.upload_path, job.file_name))
        except Exception as error:  # a bug must still end the job, not leave it "running" for ever
            log.exception("check job %s failed", job.id)
            fail_job(db, job.id, _("The check failed unexpectedly ({kind}); the server log has the details.").format(
                kind=type(error).__name__))


def run_job_in_process(database_url: str, job: CheckJobRecord, library: Path) -> None:
    """`run_job` in the pool's worker process, with its own connection to the register."""
    from ..db import open_database

    db = open_database(database_url, migrate=False)
    try:
        run_job(db, job, library)
    finally:
        db.dispose()


class JobPool:
    """The application's pool of check jobs: one worker process (started when the
    first job comes), so that a check of millions of dossiers does not take the
    server's own polars threads from the pages meanwhile; the job's state goes
    through the register database."""

    def __init__(self, workers: int = 1):
        self._workers = workers
        self._executor: ProcessPoolExecutor | None = None

    def submit(self, db: Database, job: CheckJobRecord, library: Path):
        if self._executor is None:
            # spawn, not fork: the server has threads (a forked lock could be held)
            self._executor = ProcessPoolExecutor(max_workers=self._workers, mp_context=get_context("spawn"))
        future = self._executor.submit(run_job_in_process, db.engine.url.render_as_string(hide_password=False), job,
                                       library)

        def ended(done) -> None:
            # a worker killed (out of memory, say) raises here; the job must not stay "running"
            if not done.cancelled() and done.exception() is not None:
                fail_job(db, job.id, _("The check failed unexpectedly ({kind}); the server log has the details.").format(
                    kind=type(done.exception()).__name__))

        future.add_done_callback(ended)
        return future

    def shutdown(self) -> None:
        # queued jobs are dropped (and failed at the next start); a running one finishes in its process
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
