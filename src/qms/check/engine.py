"""The vectorised check: the whole log at once, with polars expressions and numpy
calendar arithmetic.

There is no per-dossier Python loop. Python loops only over things that are few:
procedure issues (to pick the issue in force and its time limit), rule-set issues,
distinct (cut-off, limit) groups handed to the calendar, and the registered rules.
The stages, each in its own module:

* `frame`: the events grouped by dossier and numbered (`did`), steps as integer
  codes, and the per-dossier operations over runs of events;
* `tables`: the documents as small tables read by position;
* `facts`: the dossier and event facts every rule reads, computed once;
* `clock`: counting start and due, and each dossier's clock (numpy, two threads);
* `classify`: the statuses;
* `findings`: each registered rule (`rules/`) as a lazy query, all collected together.

Semantics (shared with `reference.py`, documented in docs/check.md):

* events later than `as_of` are ignored: the log is judged as it stood then;
* the clock of a dossier runs from its counting start; each gap between two
  consecutive events is paused when the last supplement event before it was a
  request (`supplement_requested` ... `supplement_received`), active otherwise;
  the last gap of an open dossier runs to `as_of`;
* used time = active time up to the finish event; a step's time = active time
  since the previous step event.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import polars as pl

from .classify import classify
from .clock import counting_start_and_due, dossier_clock
from .documents import CheckDocuments
from .facts import (
    dense_step_table, documents_in_force, dossier_columns, finish_columns, return_and_approval, step_properties,
    step_sums,
)
from .finish import finish_by_setting
from .findings import CheckContext, dossier_output, finish_findings, rule_findings
from .frame import D, STATUS_NAMES, UTC, broadcast, id_rank, prepare_events
from .local_time import LocalDates
from .stopwatch import stopwatch
from .tables import step_lookup
from .units import unit_attribution

# Columns of the events the rules' facts are made of (the others are dropped before the clock).
EVENT_COLUMNS_KEPT = ("did", "first", "pid", "step", "sc", "unit", "at", "idx", "packed", "allotted_s", "position",
                      "clock_s", "step_due_at", "return_at")


def check_events(events, docs: CheckDocuments, as_of: dt.datetime, language: str = "vi"):
    """Judge every dossier of `events` (a frame, or `[frame]` to hand it over so that
    its memory is freed once sorted). Returns (dossiers, findings) DataFrames with
    the columns of `DOSSIER_COLUMNS` / `FINDING_COLUMNS` (plus a few extra)."""
    tz = docs.timezone
    tick = stopwatch()
    lookup = step_lookup(docs)
    names = list(STATUS_NAMES) + sorted(set(lookup["step"].to_list()) - set(STATUS_NAMES))
    ev, dossier_level, carries, in_id_order = prepare_events(events, as_of, names)
    tick("prepare")
    local_dates = LocalDates(tz)
    dossiers = dossier_columns(ev, dossier_level, local_dates)
    del dossier_level
    dossiers, issues = documents_in_force(dossiers, docs)
    tick("dossier facts")
    # The calendar's counting start and due (numpy, one core) and the dossiers' order
    # by id (for the outputs) run on a thread while the step stages (numpy and polars,
    # mostly one core) run here: nothing before the clock reads the first, nothing
    # before the findings the second.
    issue_codes = issues.select("pid", "procedure_code", "procedure_issue")
    dense = dense_step_table(lookup, issue_codes, {name: code for code, name in enumerate(names)})
    with ThreadPoolExecutor(1) as calendar_thread:
        start_and_due = calendar_thread.submit(counting_start_and_due, dossiers, docs, issues)
        by_id = None if in_id_order else calendar_thread.submit(dossiers[D].arg_sort)
        ev, dossiers, finish_at, finish_rank, finished = _step_stages(ev, dossiers, dense, issue_codes.height + 1,
                                                                     names, tick)
        dossiers = dossiers.hstack(start_and_due.result())
    tick("waiting for the counting start and due")
    per_event, per_dossier = dossier_clock(docs.calendar, ev, dossiers, finished, as_of)
    ev, dossiers = ev.hstack(per_event), dossiers.hstack(per_dossier)
    del per_event, per_dossier
    tick("  clock: gaps, sums")
    dossiers = finish_columns(ev, dossiers, finish_at, finish_rank)
    ev = ev.select(*EVENT_COLUMNS_KEPT)
    tick("clock")
    dossiers = classify(dossiers, pl.lit(as_of).cast(UTC), tz, docs.calendar_settings.working_day_hours, local_dates)
    tick("classify")
    dossiers = unit_attribution(ev, dossiers, dense["step_unit"])
    tick("units")
    context = CheckContext(docs=docs, carries=carries, step_names=names, pid_table=issue_codes,
                           step_units=dense["step_unit"], local_dates=local_dates)
    findings = rule_findings(ev, dossiers, context, tick)
    order, rank = id_rank(by_id.result() if by_id else None, dossiers.height)
    findings, per_dossier = finish_findings(findings, dossiers, rank, docs, language)
    dossiers = dossiers.with_columns(pl.Series("findings", per_dossier, dtype=pl.Int64))
    tick("findings")
    return dossier_output(dossiers, order), findings


def _step_stages(ev: pl.DataFrame, dossiers: pl.DataFrame, dense: pl.DataFrame, blocks: int, names: list[str],
                 tick):
    """Each event's step properties, the per-dossier sums over them, the finish, the
    first return and approval: (ev, dossiers, finishing event and rank per finished
    dossier, which dossiers are finished)."""
    # `pid` (the procedure issue's row) is null exactly where no issue was in force
    ev = broadcast(ev, dossiers, ["pid"])
    ev = step_properties(ev, dense, blocks)
    tick("  step: lookup join")
    dossiers, finish_at, rank_code, finished = step_sums(ev, dossiers)
    finish_at, finish_rank, finished = finish_by_setting(ev, dossiers, finish_at, rank_code, finished, names)
    del rank_code
    ev = ev.drop("bit")
    tick("  step: sums, bits")
    ev, dossiers = return_and_approval(ev, dossiers)
    tick("step join, finish")
    return ev, dossiers, finish_at, finish_rank, finished
