"""The vectorised check: the whole log at once, with polars expressions and numpy
calendar arithmetic.

There is no per-dossier Python loop. Python loops only over things that are few:
procedure issues (to pick the issue in force and its time limit), rule-set issues,
and distinct (cut-off, limit) groups handed to the calendar. Events are grouped by
dossier (a log that lists each dossier's events together keeps its order; one that
interleaves them is sorted) and numbered (`did`), so "within a dossier" is a
contiguous run: per-dossier values are running sums or reductions over the runs and
first matches, broadcast back by position, with no hashing of dossier ids; steps are
compared as integer codes and their properties read from one packed integer. The
clock is numpy: one calendar reading per event, on two threads.

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

import numpy as np
import polars as pl

from ..calendar.array_inputs import NAT
from ..calendar.day_plans import to_us
from ..model.ruleset import ClassificationMethodId
from .common import (
    CANONICAL_STATUSES, DATE_FORMAT, FINISH_KIND_NAMES, OPTIONAL_TEXT_COLUMNS, OPTIONAL_TIME_COLUMNS,
    REASON_NO_ISSUE, REASON_NO_RECEIPT, REASON_UNKNOWN_PROCEDURE, REASON_WITHDRAWN, TIME_FORMAT, day_seconds,
    limit_seconds,
)
from .documents import DEFAULT_RULESET, CheckDocuments
from .local_time import LocalDates
from .rules import RULES

UTC = pl.Datetime("us", "UTC")
D = "dossier_id"


# -- preparing the events ---------------------------------------------------------


def prepare_events(events: pl.DataFrame | pl.LazyFrame, as_of: dt.datetime, step_names: list[str]
                   ) -> tuple[pl.DataFrame, dict, pl.Series | None]:
    """Canonical events, optional columns filled, cut at `as_of`, grouped by dossier
    and in time order within each (stably), numbered by dossier (`did`, 0-based, so
    that per-dossier values are broadcast to events by position), each step's name
    as its code in `step_names` (`sc`, -1 for a name not there); plus which optional
    columns the log carries, and the dossiers' order by id (None: `did` order)."""
    if isinstance(events, list):
        # handed over by the caller (`[frame]`): no reference is left outside this
        # function, so the unsorted frame is freed once sorted
        events = events.pop()
    frame = events.collect() if isinstance(events, pl.LazyFrame) else events
    del events
    names = frame.columns
    carries = {name: name in names for name in (*OPTIONAL_TIME_COLUMNS, "channel")}
    fill = [pl.lit(None, UTC).alias(c) for c in OPTIONAL_TIME_COLUMNS if c not in names]
    fill += [pl.lit(None, pl.Utf8).alias(c) for c in OPTIONAL_TEXT_COLUMNS if c not in names]
    keep = ["dossier_id", "procedure_code", "step", "unit", "at", *OPTIONAL_TIME_COLUMNS, "channel"]
    as_of_lit = pl.lit(as_of).cast(UTC)
    # step names to codes first, while the strings are fresh from the reader (the same
    # cast takes two to four times longer once the check's columns fill the memory)
    frame = frame.with_columns(fill).select(keep).with_columns(
        pl.col("step").cast(pl.Enum(step_names), strict=False).to_physical().cast(pl.Int16).fill_null(-1).alias("sc"))
    # One chunk per column, once: a Parquet file is read as one chunk per row group,
    # and every later select or drop next to the check's own single-chunk columns
    # would copy the columns into aligned chunks again (0.4-0.7 s each at 9 M events).
    frame = frame.rechunk()
    latest = frame["at"].max()
    if frame["at"].null_count() or (latest is not None and latest > as_of):
        frame = frame.filter(pl.col("at").is_not_null() & (pl.col("at") <= as_of_lit))
    ev, order = _group_by_dossier(frame)  # `did` is UInt32, polars' index type: gathers by it need no conversion
    del frame
    if carries["returned_at"] and ev["returned_at"].null_count() < ev.height:
        # A dossier-level `returned_at` with no `returned` event stands for one.
        dossier_count = int(ev["did"][-1]) + 1
        returned = ev.lazy().filter(_is("returned")).select("did").collect()["did"].to_numpy()
        has_event = pl.Series(np.bincount(returned, minlength=dossier_count) > 0)
        # dossier-level: normally on the first row already; searched further only if not
        moment = ev.lazy().filter(FIRST).select("returned_at").collect()["returned_at"]
        lacking = moment.is_null()
        if lacking.any():
            later = _first_per_dossier(ev, pl.col("returned_at").is_not_null(), ["returned_at"], among=lacking)
            moment = moment.fill_null(later["returned_at"])
        needed = (moment.is_not_null() & (moment <= as_of) & ~has_event).fill_null(False)
        if needed.any():
            # procedure code and unit as on the dossier's first event
            synthetic = ev.filter(FIRST).select("did", D, "procedure_code", "unit").filter(needed).with_columns(
                pl.lit("returned").alias("step"), pl.lit(STATUS_CODE["returned"], pl.Int16).alias("sc"),
                moment.filter(needed).alias("at"))
            # appended last, so a synthetic return sorts after real events at the same instant
            ev = pl.concat([ev.drop("first"), synthetic], how="diagonal_relaxed")
            ev = _mark_runs(ev.sort(["did", "at"], maintain_order=True))
    return ev, carries, order


def _group_by_dossier(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series | None]:
    """The events grouped by dossier, each dossier's events in time order (events at
    the same instant keep the log's order), numbered by dossier (`did`, 0-based).

    Logs mostly arrive grouped already (an export lists each dossier's history, and
    qms writes its canonical files so): then the groups are kept in the log's order
    and only a dossier whose events are out of time order costs a sort. A log whose
    dossiers are interleaved is sorted by (dossier_id, at). Either way `did` numbers
    groups, not ids: the groups' order by id is returned (None when it is `did`'s)
    to put the outputs in id order at the end."""
    run = frame[D].rle_id()
    # fewer than two events per run: most likely interleaved, not worth testing
    runs = int(run[-1]) + 1 if run.len() else 0
    first_ids = frame[D].filter((run != run.shift(1)).fill_null(True)) if 2 * runs <= run.len() else None
    order = first_ids.arg_sort() if first_ids is not None else None
    by_id = first_ids.gather(order) if first_ids is not None else None
    if by_id is None or by_id.len() > 1 and by_id.eq_missing(by_id.shift(1)).any():
        # a dossier in more than one run: the log interleaves dossiers
        return _mark_runs(frame.sort([D, "at"], maintain_order=True).with_columns(
            pl.col(D).rle_id().alias("did"))), None
    ev = frame.with_columns(run.alias("did"))
    backwards = ((pl.col("at") < pl.col("at").shift(1)) & (pl.col("did") == pl.col("did").shift(1))).any()
    if ev.select(backwards).item():
        ev = ev.sort(["did", "at"], maintain_order=True)
    return _mark_runs(ev), order


def _mark_runs(ev: pl.DataFrame) -> pl.DataFrame:
    """`first`: the first event of each dossier's run (`did` ascending)."""
    return ev.with_columns(
        (pl.col("did") != pl.col("did").shift(1)).fill_null(True).alias("first"),
        pl.col("did").set_sorted(),
    )


def id_rank(order: pl.Series | None, count: int) -> tuple[pl.Series, pl.Series]:
    """(order, rank): `order` lists the dossiers (did) by dossier_id (None: in did
    order), and `rank[did]` is the dossier's place in that order."""
    if order is None:
        order = pl.int_range(count, dtype=pl.UInt32, eager=True)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order.to_numpy()] = np.arange(len(order), dtype=np.int64)
    return order, pl.Series("rank", rank)


# -- per-dossier operations over events sorted by dossier -------------------------------
# Events are sorted by dossier, so "within the dossier" is a contiguous run: shifts and
# running sums need no hashing, only the `first`/`last` flags of each run.

FIRST = pl.col("first")

# Canonical statuses get fixed small codes in the `sc` column (step name as an integer),
# so that the many status tests compare integers, not strings.
STATUS_NAMES = tuple(sorted(CANONICAL_STATUSES))
STATUS_CODE = {name: code for code, name in enumerate(STATUS_NAMES)}


def _is(*names: str) -> pl.Expr:
    codes = [STATUS_CODE[n] for n in names]
    return pl.col("sc") == codes[0] if len(codes) == 1 else pl.col("sc").is_in(codes)


def _is_status() -> pl.Expr:
    return pl.col("sc").is_between(0, len(STATUS_NAMES) - 1)


# An event's step properties, packed in one integer per (procedure issue, step)
# (see `check_events`): idx + 1 in bits 0-15, then flags, and the finish rank.
PACKED_IDX_BITS = 0xFFFF
BIT_REPEATABLE, BIT_APPROVAL, BIT_RESULT, BIT_TERMINAL, BIT_ONCE_ONLY, BIT_IS_RESULT = 16, 17, 18, 19, 20, 21
RANK_SHIFT = 22  # 3 bits: 1 processed, 2 result, 3 stopped or refused, 4 withdrawn; 0 none
BIT_ENDS, BIT_TO_END = 25, 26  # a terminal outcome or refusal; processed or a result


def _packed_flag(bit: int) -> pl.Expr:
    """A flag of the event's packed step properties (False for a step not in its procedure)."""
    return (pl.col("packed").fill_null(0) & (1 << bit)) != 0


def _running_sum(expr: pl.Expr, first=FIRST) -> pl.Expr:
    """Inclusive running sum within the dossier."""
    total = expr.cum_sum()
    return total - pl.when(first).then(total - expr).otherwise(None).forward_fill()


def _last_before(expr: pl.Expr, default) -> pl.Expr:
    """The last non-null value of `expr` on an earlier event of the same dossier,
    `default` if none (the default at each first event stops the fill there)."""
    return pl.when(FIRST).then(pl.lit(default)).otherwise(expr.shift(1)).forward_fill()


def _first_per_dossier(ev: pl.DataFrame, condition: pl.Expr, columns: list[str],
                       among: pl.Series | None = None) -> pl.DataFrame:
    """For each dossier (row i = dossier i), the columns of its first event meeting
    `condition`, nulls where none does; only the dossiers flagged in `among`, if given."""
    n = int(ev["did"][-1]) + 1 if ev.height else 0
    if among is not None:
        # gathered as bytes: a gather of booleans (a bitmap) is several times slower
        condition = condition & (pl.lit(among.cast(pl.UInt8)).gather(pl.col("did")) == 1)
    hits = (ev.lazy().filter(condition.fill_null(False)).select("did", *columns)
            .filter((pl.col("did") != pl.col("did").shift(1)).fill_null(True)).collect())
    positions = hits["did"]
    return pl.DataFrame([
        pl.repeat(None, n, dtype=hits.schema[c], eager=True).alias(c).scatter(positions, hits[c]) for c in columns
    ], schema={c: hits.schema[c] for c in columns})


def _firsts_per_dossier(ev: pl.DataFrame, wanted: dict[str, tuple[pl.Expr, str]]) -> pl.DataFrame:
    """Several `_first_per_dossier` searches run as one batch of queries (in parallel):
    `wanted` maps an output name to (condition, column of the first matching event)."""
    n = int(ev["did"][-1]) + 1 if ev.height else 0
    queries = [
        ev.lazy().filter(condition.fill_null(False)).select("did", pl.col(column).alias(name))
        .filter((pl.col("did") != pl.col("did").shift(1)).fill_null(True))
        for name, (condition, column) in wanted.items()
    ]
    columns = []
    for name, hits in zip(wanted, pl.collect_all(queries)):
        dtype = hits.schema[name]
        columns.append(pl.repeat(None, n, dtype=dtype, eager=True).alias(name).scatter(hits["did"], hits[name]))
    return pl.DataFrame(columns)


def _broadcast(ev: pl.DataFrame, per_dossier: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Per-dossier columns (row i = dossier i) onto the events, by position."""
    # one eager with_columns: gathered in parallel, the other columns are not copied
    return ev.with_columns(pl.lit(per_dossier[c]).gather(pl.col("did")).alias(c) for c in columns)


# -- the documents as small tables ---------------------------------------------------


def _chain(pairs: list[tuple[pl.Expr, object]], dtype) -> pl.Expr:
    """when(c1).then(v1).when(c2)... : the first matching condition wins."""
    if not pairs:
        return pl.lit(None, dtype)
    expr = pl.when(pairs[0][0]).then(pl.lit(pairs[0][1], dtype))
    for cond, value in pairs[1:]:
        expr = expr.when(cond).then(pl.lit(value, dtype))
    return expr.otherwise(pl.lit(None, dtype))


def _in_force(day: pl.Expr, doc) -> pl.Expr:
    cond = day >= pl.lit(doc.effective_from)
    if doc.effective_to is not None:
        cond = cond & (day <= pl.lit(doc.effective_to))
    return cond


def procedure_issue_table(docs: CheckDocuments) -> pl.DataFrame:
    hours = docs.calendar_settings.working_day_hours
    rows = []
    for p in docs.usable_procedures():
        unit = p.time_limit.unit.value
        cutoff = p.receipt_cutoff or docs.calendar_settings.receipt_cutoff
        rows.append({
            "procedure_code": p.code, "procedure_issue": p.issue,
            "field": p.field.vi, "limit_amount": float(p.time_limit.amount), "limit_unit": unit,
            "allowed_s": limit_seconds(p.time_limit.amount, unit, hours),
            "calendar_clock": unit == "calendar_days",
            "cutoff": cutoff.strftime("%H:%M:%S") if cutoff else None,
            "has_approval_step": any(step.approval for step in p.steps),
            "approval_step": next((step.id for step in p.steps if step.approval), None),
        })
    schema = {"procedure_code": pl.Utf8, "procedure_issue": pl.Int64, "field": pl.Utf8, "limit_amount": pl.Float64,
              "limit_unit": pl.Utf8, "allowed_s": pl.Int64, "calendar_clock": pl.Boolean, "cutoff": pl.Utf8,
              "has_approval_step": pl.Boolean, "approval_step": pl.Utf8}
    return pl.DataFrame(rows, schema=schema).with_row_index("pid")


def step_table(docs: CheckDocuments) -> pl.DataFrame:
    hours = docs.calendar_settings.working_day_hours
    rows = []
    for p in docs.usable_procedures():
        terminal = set(p.terminal_outcomes)
        for index, s in enumerate(p.steps):
            rows.append({
                "procedure_code": p.code, "procedure_issue": p.issue, "step": s.id, "idx": index,
                "step_unit": s.unit, "optional": s.optional, "repeatable": s.repeatable,
                "approval": s.approval, "result": s.result, "terminal": s.id in terminal,
                "allotted_s": limit_seconds(s.allotted.amount, s.allotted.unit.value, hours) if s.allotted else None,
            })
    schema = {"procedure_code": pl.Utf8, "procedure_issue": pl.Int64, "step": pl.Utf8, "idx": pl.Int64,
              "step_unit": pl.Utf8, "optional": pl.Boolean, "repeatable": pl.Boolean, "approval": pl.Boolean,
              "result": pl.Boolean, "terminal": pl.Boolean, "allotted_s": pl.Int64}
    return pl.DataFrame(rows, schema=schema)


def step_lookup(docs: CheckDocuments) -> pl.DataFrame:
    """Procedure steps and terminal outcomes of every issue, keyed by (code, issue, step)."""
    steps = step_table(docs).with_columns(pl.col("terminal").alias("is_terminal"))
    outcomes = terminal_table(docs).join(steps.select("procedure_code", "procedure_issue", "step"),
                                         on=["procedure_code", "procedure_issue", "step"], how="anti")
    return pl.concat([steps, outcomes], how="diagonal_relaxed")


def loop_table(docs: CheckDocuments) -> pl.DataFrame:
    rows = [
        {"procedure_code": p.code, "procedure_issue": p.issue, "prev_step": loop.from_step, "step": loop.to_step,
         "is_loop": True}
        for p in docs.usable_procedures() for loop in p.loops
    ]
    schema = {"procedure_code": pl.Utf8, "procedure_issue": pl.Int64, "prev_step": pl.Utf8, "step": pl.Utf8,
              "is_loop": pl.Boolean}
    return pl.DataFrame(rows, schema=schema).unique()


def terminal_table(docs: CheckDocuments) -> pl.DataFrame:
    rows = [{"procedure_code": p.code, "procedure_issue": p.issue, "step": outcome, "is_terminal": True}
            for p in docs.usable_procedures() for outcome in p.terminal_outcomes]
    schema = {"procedure_code": pl.Utf8, "procedure_issue": pl.Int64, "step": pl.Utf8, "is_terminal": pl.Boolean}
    return pl.DataFrame(rows, schema=schema).unique()


def ruleset_list(docs: CheckDocuments) -> list:
    """Rule sets by position; the default (no issue in force) is position 0."""
    return [DEFAULT_RULESET, *docs.usable_rulesets()]


def rule_settings_table(docs: CheckDocuments, language: str) -> pl.DataFrame:
    rows = []
    for index, rs in enumerate(ruleset_list(docs)):
        for rule in RULES:
            setting = rs.rules.get(rule.id)
            enabled = setting.enabled if setting else True
            severity = (setting.severity if setting and setting.severity else rule.severity).value
            rows.append({"rs": index, "rule": rule.id, "enabled": enabled, "severity": severity,
                         "clause": rule.clause, "message": rule.title.in_language(language)})
    schema = {"rs": pl.Int64, "rule": pl.Utf8, "enabled": pl.Boolean, "severity": pl.Utf8, "clause": pl.Utf8,
              "message": pl.Utf8}
    return pl.DataFrame(rows, schema=schema)


# -- calendar over columns -------------------------------------------------------------


def _np(series: pl.Series) -> np.ndarray:
    return series.dt.replace_time_zone(None).to_numpy().astype("datetime64[us]")


def _from_np(values: np.ndarray, name: str) -> pl.Series:
    return pl.Series(name, values.astype("datetime64[us]")).dt.replace_time_zone("UTC")


def _working_seconds(calendar, a: pl.Series, b: pl.Series, calendar_clock: pl.Series) -> pl.Series:
    """Seconds of the dossier's clock between a and b (b < a counts as 0): working
    time for working-day limits, elapsed time for calendar-day limits. Each gap is
    rounded to whole seconds, so sums are exact. Null where either end is null."""
    a_np, b_np = _np(a), _np(b)
    # Only gaps of positive length go to the calendar: many consecutive events share
    # an instant (and b <= a counts as 0), so this skips a large share of the rows.
    out = np.zeros(len(a_np), dtype="float64")
    out[np.isnat(a_np) | np.isnat(b_np)] = np.nan
    positive = a_np < b_np  # False where either is NaT
    elapsed = calendar_clock.fill_null(False).to_numpy() if calendar_clock.len() else np.zeros(0, bool)
    work = positive & ~elapsed
    if work.any():
        out[work] = calendar.working_minutes_between_array(a_np[work], b_np[work]) * 60.0
    timed = positive & elapsed
    if timed.any():
        out[timed] = (b_np[timed] - a_np[timed]).astype("int64") / 1e6
    return pl.Series("s", np.round(out), nan_to_null=True).cast(pl.Int64)


def _clock(calendar, ev: pl.DataFrame, dossiers: pl.DataFrame, finished: np.ndarray, as_of: dt.datetime
           ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each dossier's clock, in numpy over the runs of events.

    A dossier's clock starts at its counting start; each gap between consecutive
    events is paused when the last supplement event before it was a request, active
    otherwise; the last gap runs to `as_of` for an open dossier and is empty for a
    finished one. Each gap is rounded to whole seconds (as `_working_seconds`), so
    sums are exact. The calendar reads each event once: working time counted from
    an origin (or the instant itself, for calendar-day limits), a gap being the next
    reading less this one.

    Returns per event `clock_s` (lead plus active time before the event) and
    `paused_before_s`; per dossier `lead_s` (counting start to first event),
    `active_total` and `paused_open`. All null for a dossier with no counting start.
    Dossiers are independent, so the work is split in two halves run on two threads
    (numpy releases the GIL; this stage would otherwise leave a core idle)."""
    if ev.height == 0:
        return (pl.DataFrame(schema={"clock_s": pl.Int64, "paused_before_s": pl.Int64}),
                pl.DataFrame(schema={"lead_s": pl.Int64, "active_total": pl.Int64, "paused_open": pl.Int64}))
    first = np.flatnonzero(ev["first"].to_numpy())
    lengths = np.diff(np.append(first, ev.height))
    has_start = dossiers["counting_start_at"].is_not_null().to_numpy()
    elapsed = dossiers["calendar_clock"].fill_null(False).to_numpy()
    start = dossiers["counting_start_at"].dt.replace_time_zone(None).to_physical().fill_null(NAT).to_numpy()
    at = ev["at"].dt.replace_time_zone(None).to_physical().to_numpy()
    sc = ev["sc"].to_numpy()
    as_of_us = to_us(as_of)
    # the calendar's tables built once, for the whole span, before the threads read them
    latest = max(int(at.max()), int(start[has_start].max(initial=NAT)))
    calendar.working_clock_array(np.array([at.min(), latest, as_of_us]).view("datetime64[us]"))
    # the time from the counting start to the first event (or none, if the start is later)
    first_moment = np.maximum(at[first], start)
    lead = _working_seconds(calendar, dossiers["counting_start_at"],
                            pl.Series("p", first_moment).cast(pl.Datetime("us")).dt.replace_time_zone("UTC"),
                            dossiers["calendar_clock"])
    lead_s = lead.fill_null(0).to_numpy()
    clock_s, paused_before = np.empty(ev.height, np.int64), np.empty(ev.height, np.int64)
    active_total, paused_open = np.empty(len(first), np.int64), np.empty(len(first), np.int64)

    def part(bounds: tuple[int, int]) -> None:
        d0, d1 = bounds
        e0, e1 = int(first[d0]), int(first[d1]) if d1 < len(first) else ev.height
        _clock_runs(calendar, at[e0:e1], sc[e0:e1], lengths[d0:d1], start[d0:d1], has_start[d0:d1],
                    elapsed[d0:d1], finished[d0:d1], lead_s[d0:d1], as_of_us,
                    out=(clock_s[e0:e1], paused_before[e0:e1], active_total[d0:d1], paused_open[d0:d1]))

    parts = _halves(lengths) if len(lengths) > 1 else [(0, len(lengths))]
    if len(parts) > 1:
        import concurrent.futures

        with concurrent.futures.ThreadPoolExecutor(len(parts)) as pool:
            list(pool.map(part, parts))
    else:
        part(parts[0])
    columns = {"clock_s": clock_s, "paused_before_s": paused_before}
    totals = {"active_total": active_total, "paused_open": paused_open}
    if has_start.all():  # the usual case: no nulls to set
        per_event = pl.DataFrame(columns)
        per_dossier = pl.DataFrame([lead.alias("lead_s"), *(pl.Series(k, v) for k, v in totals.items())])
    else:
        no_start, no_start_event = pl.Series(~has_start), pl.Series(np.repeat(~has_start, lengths))
        per_event = pl.DataFrame([pl.Series(k, v).set(no_start_event, None) for k, v in columns.items()])
        per_dossier = pl.DataFrame([lead.alias("lead_s"),
                                    *(pl.Series(k, v).set(no_start, None) for k, v in totals.items())])
    return per_event, per_dossier


def _halves(lengths: np.ndarray) -> list[tuple[int, int]]:
    """Two ranges of dossiers with about half of the events each."""
    middle = int(np.searchsorted(np.cumsum(lengths), lengths.sum() // 2)) + 1
    middle = min(max(middle, 1), len(lengths) - 1)
    return [(0, middle), (middle, len(lengths))]


def _clock_runs(calendar, at, sc, lengths, start, has_start, elapsed, finished, lead_s, as_of_us, out) -> None:
    """`_clock` for a block of whole dossiers, into `out`: (clock before each event
    (lead and active time), paused time before each event, active total and paused
    total per dossier), without the nulls."""
    first = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=first[1:])
    last = first + lengths - 1
    moment = np.maximum(at, np.repeat(start, lengths))  # a dossier's clock starts at its counting start
    working = np.repeat(has_start & ~elapsed, lengths)
    reading, as_of_working = moment, 0
    if working.any():
        instants = np.append(moment if working.all() else moment[working], as_of_us).view("datetime64[us]")
        counted = calendar.working_clock_array(instants)
        as_of_working = counted[-1]
        if working.all():
            reading = counted[:-1]
        else:
            reading = moment.copy()
            reading[working] = counted[:-1]
        del counted, instants
    del working
    gap = np.empty_like(reading)
    gap[:-1] = reading[1:]
    # a finished dossier's clock stops at its last event; an open one's runs to as_of
    gap[last] = np.where(finished, reading[last], np.where(elapsed, as_of_us, as_of_working))
    np.subtract(gap, reading, out=gap)
    np.maximum(gap, 0, out=gap)
    del reading
    if (gap % 1_000_000).any():  # fractions of a second: rounded half to even, as the calendar's minutes are
        seconds = gap.astype(np.float64)
        seconds /= 1e6
        np.rint(seconds, out=seconds)
        active = seconds.astype(np.int64)
        del seconds
    else:  # whole seconds (qms's files and most logs): exact in integers
        active = np.floor_divide(gap, 1_000_000, out=gap)
    del gap

    # paused after an event: 1 from a supplement request, 0 from its receipt (and at
    # the first event), carried forward over the others
    # by step code + 1 (code -1: a step not in the library): 1 request, 0 receipt, -1 neither
    state_of = np.full(max(int(sc.max(initial=0)), *STATUS_CODE.values()) + 2, -1, dtype=np.int8)
    state_of[STATUS_CODE["supplement_requested"] + 1] = 1
    state_of[STATUS_CODE["supplement_received"] + 1] = 0
    state = state_of[sc.astype(np.int32) + 1]
    state[first] = np.maximum(state[first], 0)
    carried = np.where(state >= 0, np.arange(len(state), dtype=np.int32), 0)
    np.maximum.accumulate(carried, out=carried)
    paused = state[carried] == 1
    del state, carried
    pause = np.where(paused, active, 0)
    active[paused] = 0
    del paused

    def before_each(values: np.ndarray, running: np.ndarray, total: np.ndarray, offset) -> None:
        """Into `running`: per event, `offset` plus the sum of its dossier's values
        before it; into `total`: per dossier, the sum of its values."""
        np.cumsum(values, out=running)
        base = running[first] - values[first]
        total[:] = running[last] - base
        running -= values
        running -= np.repeat(base - offset, lengths)

    clock_s, paused_before, active_total, paused_open = out
    before_each(active, clock_s, active_total, lead_s)
    before_each(pause, paused_before, paused_open, 0)


# -- the check --------------------------------------------------------------------------


def check_events(events, docs: CheckDocuments, as_of: dt.datetime, language: str = "vi"):
    """Judge every dossier of `events` (a frame, or `[frame]` to hand it over so that
    its memory is freed once sorted). Returns (dossiers, findings) DataFrames with
    the columns of `DOSSIER_COLUMNS` / `FINDING_COLUMNS` (plus a few extra)."""
    tz = docs.timezone
    hours = docs.calendar_settings.working_day_hours
    as_of_lit = pl.lit(as_of).cast(UTC)
    tick = _stopwatch()
    lookup = step_lookup(docs)
    names = list(STATUS_NAMES) + sorted(set(lookup["step"].to_list()) - set(STATUS_NAMES))
    step_codes = {name: code for code, name in enumerate(names)}
    ev, carries, id_order = prepare_events(events, as_of, names)
    tick("prepare")
    # 1. dossier-level facts (row i of `dossiers` is dossier i) ------------------------
    step = pl.col("step")
    # Dossier-level columns repeat on every row in most logs: take the first row's
    # values, and search further only for the dossiers whose first row lacks one.
    looked_up = ["procedure_code", "unit", "channel", "received_at", "appointment_at"]
    dossiers = ev.lazy().filter(FIRST).select(D, *looked_up, pl.col("at").alias("first_at"), "sc").collect()
    apology_first = dossiers["sc"] == STATUS_CODE["apology_issued"]
    for column in looked_up:
        # the appointment is the receipt's, never an apology's new date
        lacking = dossiers[column].is_null() | (apology_first if column == "appointment_at" else False)
        if lacking.any():
            condition = pl.col(column).is_not_null() & (~_is("apology_issued") if column == "appointment_at" else True)
            found = _first_per_dossier(ev, condition, [column], among=lacking)[column]
            dossiers = dossiers.with_columns(pl.when(lacking).then(found).otherwise(pl.col(column)).alias(column))
    tick("  facts: first row")
    firsts = _firsts_per_dossier(ev, {"received": (_is("received"), "at"), "apology": (_is("apology_issued"), "at")})
    received_event, first_apology = firsts["received"], firsts["apology"]
    dossiers = dossiers.with_columns(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("did"),
        pl.coalesce(pl.col("received_at"), received_event).alias("received_at"),
        pl.col("appointment_at").alias("logged_appointment_at"),
        first_apology.alias("first_apology_at"),
    ).drop("appointment_at", "sc")
    tick("  facts: firsts, counts")
    local_dates = LocalDates(tz)
    day = local_dates.exprs(dossiers, ["received_at", "first_at"])
    local_day = lambda c: day[c]  # noqa: E731
    dossiers = dossiers.with_columns(
        local_day("received_at").alias("receipt_day"),
        pl.coalesce(local_day("received_at"), local_day("first_at")).alias("rule_day"),
    )
    tick("  facts: local days")
    # The procedure issue in force: `pid` is its row in `procedure_issue_table` (the
    # usable issues in order), the newest issue in force winning; codes compared as
    # small integers (one Enum cast instead of a text comparison per issue).
    procedures = docs.usable_procedures()
    codes = sorted(docs.known_codes())
    code_number = {c: n for n, c in enumerate(codes)}
    newest_first = sorted(range(len(procedures)), key=lambda i: -procedures[i].issue)
    dossiers = dossiers.with_columns(
        pl.col("procedure_code").cast(pl.Enum(codes), strict=False).to_physical().alias("code_number"))
    rulesets = ruleset_list(docs)
    ordered_rs = sorted(range(1, len(rulesets)), key=lambda i: (rulesets[i].effective_from, rulesets[i].issue),
                        reverse=True)
    dossiers = dossiers.with_columns(
        _chain([((pl.col("code_number") == code_number[procedures[i].code])
                 & _in_force(pl.col("rule_day"), procedures[i]), i) for i in newest_first], pl.UInt32).alias("pid"),
        pl.col("code_number").is_not_null().alias("known"),
        _chain([(_in_force(pl.col("rule_day"), rulesets[i]), i) for i in ordered_rs], pl.Int64)
        .fill_null(0).alias("rs"),
    ).drop("code_number")
    rs_params = pl.DataFrame({
        "rs": list(range(len(rulesets))),
        "ruleset_code": [r.code for r in rulesets],
        "ruleset_issue": [r.issue for r in rulesets],
        "method": [r.classification_method.value for r in rulesets],
        "max_supplement_requests": [r.max_supplement_requests for r in rulesets],
        "max_reschedules": [r.max_reschedules for r in rulesets],
        "apology_lead_s": [int(round(r.apology_lead_working_days * hours * 3600)) for r in rulesets],
        "supplement_counts_late": [r.count_repeated_supplement_as_late for r in rulesets],
    }, schema_overrides={"rs": pl.Int64, "ruleset_issue": pl.Int64, "max_supplement_requests": pl.Int64,
                         "max_reschedules": pl.Int64, "apology_lead_s": pl.Int64})
    # the documents' columns by position (rs, pid) in their small tables
    issues = procedure_issue_table(docs)
    issue_table = issues.drop("pid", "procedure_code")
    dossiers = dossiers.with_columns(
        *(pl.lit(rs_params[c]).gather(pl.col("rs")).alias(c) for c in rs_params.columns if c != "rs"),
        *(pl.lit(issue_table[c]).gather(pl.col("pid")).alias(c) for c in issue_table.columns),
    )

    # dossier-level columns are no longer needed on the events
    ev = ev.drop("received_at", "appointment_at", "returned_at", "new_appointment_at", "channel", D,
                 "procedure_code")
    tick("dossier facts")
    # 2. counting start and legal due moment (loop over the few issues) --------------
    dossiers = _add_counting_start_and_due(dossiers, docs, issues)

    tick("counting start, due")
    # 3. events with their procedure step; result, approval and finish ---------------
    # `pid` (the procedure issue's row) is null exactly where no issue was in force
    ev = _broadcast(ev, dossiers, ["pid"])
    # A dense table with one row per (procedure issue, step code): each event finds
    # its step's properties by position, without a join.
    issue_codes = issues.select("pid", "procedure_code", "procedure_issue")
    width = len(names)
    lookup = lookup.join(issue_codes, on=["procedure_code", "procedure_issue"], how="inner").with_columns(
        (pl.col("pid").cast(pl.Int64) * width + pl.col("step").replace_strict(step_codes, return_dtype=pl.Int64))
        .alias("position")).drop("procedure_code", "procedure_issue", "step", "pid")
    # one block of `width` rows per procedure issue, and a last block for events of
    # dossiers with no issue (their statuses still finish them)
    blocks = issue_codes.height + 1
    dense = pl.DataFrame({"position": pl.int_range(0, blocks * width, dtype=pl.Int64, eager=True)}).join(
        lookup, on="position", how="left", maintain_order="left").with_columns(
        (pl.col("position") % width).alias("sc")).drop("position")
    # per (issue, step): whether it may occur only once, is a result, and how it finishes the dossier
    once = pl.col("idx").is_not_null() & ~pl.col("is_terminal").fill_null(False) & ~pl.col("repeatable").fill_null(False)
    is_result = _is("returned") | pl.col("result").fill_null(False)
    finish_rank = (pl.when(_is("processed")).then(1).when(is_result).then(2).when(_is("stopped", "refused")).then(3)
                   .when(_is("withdrawn")).then(4).otherwise(0))
    flag = lambda expr, bit: expr.fill_null(False).cast(pl.Int64) * (1 << bit)  # noqa: E731
    # The step's properties packed in one integer (idx + 1 in the low 16 bits, then
    # flags and the finish rank), so that each event needs two gathers (this and
    # allotted_s), not eleven, and decodes them with bitwise ands.
    dense = dense.with_columns(
        (pl.col("idx").fill_null(-1) + 1 + flag(pl.col("repeatable"), BIT_REPEATABLE)
         + flag(pl.col("approval"), BIT_APPROVAL) + flag(pl.col("result"), BIT_RESULT)
         + flag(pl.col("is_terminal"), BIT_TERMINAL) + flag(once, BIT_ONCE_ONLY) + flag(is_result, BIT_IS_RESULT)
         + finish_rank.cast(pl.Int64) * (1 << RANK_SHIFT)
         + flag(pl.col("is_terminal") | _is("refused", "withdrawn", "stopped"), BIT_ENDS)
         + flag(_is("processed") | is_result, BIT_TO_END)).alias("packed"),
        # each step as one bit (steps beyond 61 have none: the bit sets are then not used)
        pl.when(pl.col("idx").is_between(0, 61)).then(pl.lit(2, pl.Int64).pow(pl.col("idx")))
        .otherwise(0).cast(pl.Int64).alias("bit"))
    # positions as UInt32, polars' own index type: gathers by Int64 convert and bound-check them first
    position = pl.when(pl.col("sc") >= 0).then(
        (pl.col("pid").fill_null(blocks - 1).cast(pl.Int64) * width + pl.col("sc")).cast(pl.UInt32))
    # only `idx` is decoded into a column; the flags are read from `packed` where used
    low = pl.col("packed").fill_null(0) & PACKED_IDX_BITS
    ev = ev.with_columns(position.alias("position")).with_columns(
        pl.lit(dense[c]).gather(pl.col("position")).alias(c) for c in ("packed", "allotted_s", "bit")).with_columns(
        pl.when(low > 0).then(low - 1).alias("idx"))
    step_units = dense["step_unit"]
    tick("  step: lookup join")
    # Per dossier, over its run of events, with numpy's reduceat (a group_by over 9 M
    # events is several times slower, running sums read at the run ends 3x): the
    # finish (the lowest rank present), whether it has a terminal outcome or went to the
    # end, its once-only step events, the bit set of its steps and the furthest step.
    starts = np.flatnonzero(ev["first"].to_numpy())
    packed_np = ev["packed"].fill_null(0).to_numpy()
    bit = ev["bit"].fill_null(0).to_numpy()

    def per_run(ufunc, values: np.ndarray) -> np.ndarray:
        return ufunc.reduceat(values, starts) if len(starts) else values[:0]

    sc_np = ev["sc"].to_numpy()
    for name, status in (("supplement_requests", "supplement_requested"), ("reschedules", "apology_issued")):
        events_of = (sc_np == STATUS_CODE[status]).view(np.int8)
        dossiers = dossiers.with_columns(pl.Series(name, np.add.reduceat(events_of, starts, dtype=np.int64)
                                                   if len(starts) else [], dtype=pl.Int64))
    del sc_np
    flags = per_run(np.bitwise_or, packed_np)
    rank_code = ((packed_np >> RANK_SHIFT) & 7).astype(np.int8)
    rank_code[rank_code == 0] = 9
    rank = per_run(np.minimum, rank_code)
    furthest = per_run(np.maximum, packed_np & PACKED_IDX_BITS) - 1  # idx + 1 is kept in the low 16 bits
    once_only = ((packed_np >> BIT_ONCE_ONLY) & 1).astype(bool)
    counts = pl.DataFrame([
        pl.Series("has_terminal", (flags & (1 << BIT_ENDS)) != 0),
        pl.Series("went_to_end", (flags & (1 << BIT_TO_END)) != 0),
        pl.Series("once_only_events", per_run(np.add, once_only.astype(np.int64))),
        pl.Series("steps_seen", per_run(np.bitwise_or, bit)),
        pl.Series("distinct_once_only", per_run(np.bitwise_or, np.where(once_only, bit, 0))).bitwise_count_ones()
        .cast(pl.Int64),
        pl.Series("furthest_idx", furthest).set(pl.Series(furthest < 0), None),
    ])
    # the finish: each finished dossier's first event of its lowest rank
    lengths = np.diff(np.append(starts, ev.height))
    candidates = np.flatnonzero((rank_code == np.repeat(rank, lengths)) & (rank_code != 9))
    dossier_of = np.repeat(np.arange(len(starts)), lengths)[candidates]
    finish_at = candidates[np.append(True, dossier_of[1:] != dossier_of[:-1])] if len(candidates) else candidates
    del packed_np, bit, once_only, candidates, dossier_of
    finished = rank != 9
    ev = ev.drop("bit")
    steps_seen = counts
    tick("  step: sums, bits")
    firsts = _firsts_per_dossier(ev, {"return_at": (_packed_flag(BIT_IS_RESULT), "at"),
                                      "approval_at": (_packed_flag(BIT_APPROVAL), "at")})
    dossiers = dossiers.with_columns(
        firsts["return_at"],
        firsts["approval_at"],
        counts["has_terminal"],
        counts["furthest_idx"],
        steps_seen["steps_seen"],
        # a dossier can repeat a step only if it has more such events than distinct ones
        (steps_seen["once_only_events"] > steps_seen["distinct_once_only"].fill_null(0)).alias("may_repeat"),
        counts["went_to_end"],
    )
    ev = _broadcast(ev, dossiers, ["return_at"])

    tick("step join, finish")
    # 4. the clock: gaps between consecutive events, paused or active -----------------
    per_event, per_dossier = _clock(docs.calendar, ev, dossiers, finished, as_of)
    ev = ev.hstack(per_event)
    dossiers = dossiers.hstack(per_dossier)
    del per_event, per_dossier
    tick("  clock: gaps, sums")
    finish = pl.DataFrame([
        ev["did"].gather(finish_at),
        ev["at"].gather(finish_at).alias("finished_at"),
        pl.Series("finish_rank", rank_code[finish_at], dtype=pl.Int64),
        ev["clock_s"].gather(finish_at).alias("clock_at_finish"),
        ev["paused_before_s"].gather(finish_at).alias("paused_at_finish"),
    ])
    del rank_code
    # one row per finished dossier, in did order: scattered into full-length columns
    dossiers = dossiers.with_columns(
        pl.repeat(None, dossiers.height, dtype=finish.schema[c], eager=True).scatter(finish["did"], finish[c]).alias(c)
        for c in finish.columns if c != "did")
    dossiers = dossiers.with_columns(
        pl.when(pl.col("finished_at").is_not_null()).then(pl.col("clock_at_finish"))
        .otherwise(pl.col("lead_s") + pl.col("active_total")).alias("used_s"),
        pl.when(pl.col("counting_start_at").is_null()).then(None)
        .when(pl.col("finished_at").is_not_null()).then(pl.col("paused_at_finish")).otherwise(pl.col("paused_open"))
        .alias("paused_s"),
    )
    ev = ev.select(
        "did", "first", "pid", "step", "sc", "unit", "at", "idx",
        "packed", "allotted_s", "position", "clock_s", "step_due_at", "return_at",
    )
    tick("clock")
    dossiers = _classify(dossiers, as_of_lit, tz, hours, local_dates)
    tick("classify")
    findings = _findings(ev, dossiers, docs, carries, tz, names, issue_codes, step_units, local_dates, tick)
    order, rank = id_rank(id_order, dossiers.height)
    findings, per_dossier = _finish_findings(findings, dossiers, rank, docs, language)
    dossiers = dossiers.with_columns(pl.Series("findings", per_dossier, dtype=pl.Int64))
    tick("findings")
    return _dossier_output(dossiers, order), findings


def _stopwatch():
    """Stage timings on stderr when QMS_CHECK_TIMING is set (for profiling)."""
    import os
    import sys
    import time

    if not os.environ.get("QMS_CHECK_TIMING"):
        return lambda label: None
    last = [time.perf_counter(), time.process_time()]

    def tick(label: str) -> None:
        # wall time, and CPU time of all threads (less sensitive to other jobs' load)
        now, cpu = time.perf_counter(), time.process_time()
        print(f"  {label}: {now - last[0]:.2f} s (cpu {cpu - last[1]:.2f} s)", file=sys.stderr)
        last[:] = [now, cpu]

    return tick


def _add_counting_start_and_due(dossiers: pl.DataFrame, docs: CheckDocuments, issues: pl.DataFrame
                                ) -> pl.DataFrame:
    """Counting start (cut-off aware; calendar-day limits count from receipt itself)
    and legal due moment of every dossier judged against an issue: one calendar call
    per distinct (clock, cut-off), then per distinct limit, over the issues sharing
    it (rows picked by issue number, `pid`, not by comparing texts)."""
    n = dossiers.height
    received = _np(dossiers["received_at"])
    start = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    due = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    pid = dossiers["pid"].cast(pl.Int64).fill_null(-1).to_numpy()
    judged = (pid >= 0) & ~np.isnat(received)

    def rows_of(pids: list[int]) -> np.ndarray:
        return judged & np.isin(pid, pids)

    by_start = issues.group_by("calendar_clock", "cutoff").agg("pid").iter_rows()
    for clock, cutoff, pids in by_start:
        rows = rows_of(pids)
        if not rows.any():
            continue
        if clock:
            start[rows] = received[rows]
        else:
            cut = dt.time.fromisoformat(cutoff) if cutoff else None
            start[rows] = docs.calendar.counting_start_array(received[rows], cutoff=cut,
                                                             unit=dossiers["unit"].filter(pl.Series(rows)))
    for amount, limit_unit, pids in issues.group_by("limit_amount", "limit_unit").agg("pid").iter_rows():
        rows = rows_of(pids)
        if rows.any():
            due[rows] = docs.calendar.add_array(start[rows], amount, limit_unit)
    return dossiers.with_columns(_from_np(start, "counting_start_at"), _from_np(due, "due_at"))


def _classify(dossiers: pl.DataFrame, as_of_lit: pl.Expr, tz: str, hours: float,
              local_dates: LocalDates) -> pl.DataFrame:
    day_s = pl.when(pl.col("calendar_clock")).then(day_seconds(True, hours)).otherwise(day_seconds(False, hours))
    appointment = pl.coalesce(pl.col("logged_appointment_at"), pl.col("due_at"))
    dossiers = dossiers.with_columns(appointment.alias("appointment_at"), as_of_lit.alias("as_of_at"))
    appt, fin = pl.col("appointment_at"), pl.col("finished_at")
    used, allowed = pl.col("used_s"), pl.col("allowed_s")
    day = local_dates.exprs(dossiers, ["finished_at", "appointment_at"])
    # statuses as small integers through the chains, made texts once at the end
    early, on_time, late, within, overdue, not_assessable = range(6)
    names = {early: "early", on_time: "on_time", late: "late", within: "open_within_time",
             overdue: "open_overdue", not_assessable: "not_assessable"}
    by_appointment = (
        pl.when(fin > appt).then(late)
        .when(day["finished_at"] == day["appointment_at"]).then(on_time)
        .otherwise(early)
    )
    by_working_time = (
        pl.when(used > allowed).then(late)
        .when(used > allowed - day_s).then(on_time)
        .otherwise(early)
    )
    appointment_method = pl.col("method") == ClassificationMethodId.appointment.value
    late_by_method = pl.when(appointment_method).then(fin > appt).otherwise(used > allowed)
    finished_status = (
        pl.when(pl.col("supplement_counts_late") & (pl.col("supplement_requests") > pl.col("max_supplement_requests")))
        .then(late)
        .when(appointment_method).then(by_appointment)
        .otherwise(by_working_time)
    )
    open_status = pl.when(pl.when(appointment_method).then(as_of_lit > appt).otherwise(used > allowed)) \
        .then(overdue).otherwise(within)
    reason = (
        pl.when(~pl.col("known")).then(pl.lit(REASON_UNKNOWN_PROCEDURE))
        .when(pl.col("procedure_issue").is_null()).then(pl.lit(REASON_NO_ISSUE))
        .when(pl.col("received_at").is_null()).then(pl.lit(REASON_NO_RECEIPT))
        .when(pl.col("finish_rank") == 4).then(pl.lit(REASON_WITHDRAWN))
        .otherwise(pl.lit(None, pl.Utf8))
    )
    dossiers = dossiers.with_columns(reason.alias("not_assessable_reason"))
    status = (
        pl.when(pl.col("not_assessable_reason").is_not_null()).then(not_assessable)
        .when(fin.is_not_null()).then(finished_status)
        .otherwise(open_status)
    )
    return dossiers.with_columns(
        status.replace_strict(names, return_dtype=pl.Utf8).alias("status"),
        late_by_method.fill_null(False).alias("late_by_method"),
        pl.col("finish_rank").replace_strict(FINISH_KIND_NAMES, default=None, return_dtype=pl.Utf8).alias("finish_kind"),
    )


def _fmt_time(expr: pl.Expr, tz: str, fmt: str = TIME_FORMAT) -> pl.Expr:
    return expr.dt.convert_time_zone(tz).dt.strftime(fmt)


def _fmt_minutes(expr: pl.Expr) -> pl.Expr:
    return ((expr + 30) // 60).cast(pl.Utf8)


def _findings(ev: pl.DataFrame, dossiers: pl.DataFrame, docs: CheckDocuments, carries: dict, tz: str,
              step_names: list[str], pid_table: pl.DataFrame, step_units: pl.Series, local_dates: LocalDates,
              tick=lambda label: None) -> pl.DataFrame:
    """Every rule's candidate findings (before on/off and severity of the rule set).

    Each rule is a lazy query over the events or the dossiers, and all of them are
    collected together (in parallel): a rule's filter reads only the columns it
    needs (projection pushdown), and texts are formatted for findings only."""
    pending: list[pl.LazyFrame] = []
    step = pl.col("step")

    def add(frame: pl.LazyFrame | pl.DataFrame, rule: str, step_expr, unit_expr, expected, actual):
        pending.append(frame.lazy().select(
            pl.col("did"), pl.lit(rule).alias("rule"), step_expr.cast(pl.Utf8).alias("step"),
            unit_expr.cast(pl.Utf8).alias("unit"), expected.cast(pl.Utf8).alias("expected"),
            actual.cast(pl.Utf8).alias("actual"),
        ))

    none = pl.lit(None, pl.Utf8)
    d = dossiers.lazy()
    # dossiers that cannot be judged against a procedure
    add(d.filter(~pl.col("known")), "unknown_procedure", none, pl.col("unit"), none, pl.col("procedure_code"))
    add(d.filter(pl.col("known") & pl.col("procedure_issue").is_null()), "no_issue_in_force", none, pl.col("unit"),
        none, pl.col("rule_day").dt.strftime(DATE_FORMAT))

    lazy = ev.lazy()
    judged = pl.col("pid").is_not_null()  # an issue was in force
    is_step = pl.col("idx").is_not_null()

    # steps the procedure does not have
    is_terminal = _packed_flag(BIT_TERMINAL)
    add(lazy.filter(judged & ~is_step & ~_is_status() & ~is_terminal),
             "unexpected_step", step, pl.col("unit"), none, step)

    # Order: each step event against the previous step event of its dossier (a
    # declared loop may go back). Codes are carried forward over the other events.
    order_event = judged & is_step & ~is_terminal
    step_code = pl.when(order_event).then(pl.col("sc"))
    step_index = pl.when(order_event).then(pl.col("idx"))
    timed_event = judged & is_step
    step_clock = pl.when(timed_event).then(pl.col("clock_s"))
    ev = ev.with_columns(
        _last_before(step_code, -1).alias("prev_sc"),
        _last_before(step_index, -1).alias("prev_idx"),
        _last_before(step_clock, -1).alias("previous_clock"),
    )
    lazy = ev.lazy()
    ordered = lazy
    loops = loop_table(docs)
    if loops.height:
        codes = dict(zip(step_names, range(len(step_names))))
        pids = {(c, i): pid for pid, c, i in pid_table.select("pid", "procedure_code", "procedure_issue").iter_rows()}
        loop_keys = [pids[(c, i)] * (1 << 32) + codes[f] * 65536 + codes[t]
                     for c, i, f, t, _ in loops.iter_rows() if (c, i) in pids]
        loop_key = (pl.col("pid").cast(pl.Int64) * (1 << 32) + pl.col("prev_sc").cast(pl.Int64) * 65536
                    + pl.col("sc").cast(pl.Int64))
        ordered = ordered.with_columns((order_event & loop_key.is_in(loop_keys)).fill_null(False).alias("is_loop"))
    else:
        ordered = ordered.with_columns(pl.lit(False).alias("is_loop"))
    names = pl.Series(step_names, dtype=pl.Utf8)
    add(ordered.filter(order_event & (pl.col("prev_idx") >= 0) & (pl.col("idx") < pl.col("prev_idx"))
                            & ~pl.col("is_loop")),
             "step_out_of_order", step, pl.col("unit"), pl.col("prev_sc").replace_strict(
                 dict(enumerate(step_names)), return_dtype=pl.Utf8), step)
    # Repetition: one integer key per (dossier, loop segment, step); only keys seen
    # more than once are counted.
    segment = _running_sum(pl.col("is_loop").cast(pl.Int64))
    key = pl.col("did").cast(pl.Int64) * (1 << 24) + segment * (1 << 12) + pl.col("idx")
    candidates = d.filter(pl.col("may_repeat") | (pl.col("furthest_idx") >= 62)).select("did").collect()["did"]
    repeats = (
        ordered.filter(pl.col("did").is_in(candidates.implode()))
        .with_columns(key.alias("key"))
        .filter(order_event & ~_packed_flag(BIT_REPEATABLE))
        .filter(pl.col("key").is_duplicated())
        .with_columns(pl.col("key").cum_count().over("key").alias("occurrence"))
        .filter(pl.col("occurrence") > 1)
    )
    add(repeats, "repeated_step", step, pl.col("unit"), pl.lit("1"), pl.col("occurrence").cast(pl.Utf8))

    # working time each step took since the previous step event (pauses excluded)
    timed = lazy.with_columns((pl.col("clock_s") - pl.col("previous_clock")).alias("step_s"))
    add(timed.filter(timed_event & pl.col("allotted_s").is_not_null() & (pl.col("previous_clock") >= 0)
                          & (pl.col("step_s") > pl.col("allotted_s"))),
             "step_overrun", step, pl.lit(step_units).gather(pl.col("position")), _fmt_minutes(pl.col("allotted_s")),
             _fmt_minutes(pl.col("step_s")))

    if carries.get("step_due_at"):
        add(lazy.filter(judged & (pl.col("at") > pl.col("step_due_at"))), "step_due_exceeded", step,
                 pl.col("unit"), _fmt_time(pl.col("step_due_at"), tz), _fmt_time(pl.col("at"), tz))

    after_return = pl.col("return_at").is_not_null() & (pl.col("at") > pl.col("return_at"))
    add(lazy.filter(judged & after_return), "event_after_return", step, pl.col("unit"),
             _fmt_time(pl.col("return_at"), tz), _fmt_time(pl.col("at"), tz))
    # required steps never recorded, though the dossier went past them
    required = step_table(docs).filter(~pl.col("optional") & ~pl.col("terminal") & ~pl.col("result"))
    if required.height == 0 or required["idx"].max() < 62:
        # Steps as bits of one integer per dossier: required & reached & not recorded.
        bits = required.group_by("procedure_code", "procedure_issue").agg(
            pl.lit(2, pl.Int64).pow(pl.col("idx")).sum().alias("required_bits"))
        reached = pl.when(pl.col("went_to_end")).then(pl.lit(-1, pl.Int64)) \
            .otherwise(pl.lit(2, pl.Int64).pow(pl.col("furthest_idx").fill_null(0)) - 1)
        lacking = (
            d.filter(pl.col("procedure_issue").is_not_null())
            .select("did", "procedure_code", "procedure_issue", "went_to_end", "furthest_idx", "steps_seen")
            .join(bits.lazy(), on=["procedure_code", "procedure_issue"], how="inner")
            .filter((pl.col("required_bits") & reached & pl.col("steps_seen").fill_null(0).xor(-1)) != 0)
        )
        missing = lacking.join(required.lazy(), on=["procedure_code", "procedure_issue"], how="inner").filter(
            (pl.col("went_to_end") | (pl.col("furthest_idx") > pl.col("idx")))
            & ((pl.col("steps_seen").fill_null(0) // pl.lit(2, pl.Int64).pow(pl.col("idx")) % 2) == 0))
    else:
        expected_steps = d.filter(pl.col("procedure_issue").is_not_null()).select(
            "did", "procedure_code", "procedure_issue", "furthest_idx", "went_to_end",
        ).join(required.lazy(), on=["procedure_code", "procedure_issue"], how="inner").filter(
            pl.col("went_to_end") | (pl.col("furthest_idx") > pl.col("idx")))
        present = ev.lazy().filter(judged & is_step).select("did", "idx").unique()
        missing = expected_steps.join(present, on=["did", "idx"], how="anti")
    add(missing, "missing_step", step, pl.col("step_unit"), step, none)

    # dossier-level rules
    issued = d.filter(pl.col("procedure_issue").is_not_null())
    add(issued.filter((pl.col("finish_rank") == 1) & pl.col("return_at").is_null() & ~pl.col("has_terminal")),
        "no_result_step", none, pl.col("unit"), none, pl.lit("processed"))
    add(issued.filter(pl.col("has_approval_step") & pl.col("return_at").is_not_null()
                      & ~(pl.col("approval_at") < pl.col("return_at")).fill_null(False)),
        "returned_before_approval", pl.col("approval_step"), pl.col("unit"),
        _fmt_time(pl.col("approval_at"), tz), _fmt_time(pl.col("return_at"), tz))
    by_appointment = pl.col("method") == ClassificationMethodId.appointment.value
    expected_limit = pl.when(by_appointment).then(_fmt_time(pl.col("appointment_at"), tz)) \
        .otherwise(_fmt_minutes(pl.col("allowed_s")))
    add(issued.filter((pl.col("status") == "late") & pl.col("late_by_method")), "finished_late", none, pl.col("unit"), expected_limit,
        pl.when(by_appointment).then(_fmt_time(pl.col("finished_at"), tz)).otherwise(_fmt_minutes(pl.col("used_s"))))
    add(issued.filter(pl.col("status") == "open_overdue"), "open_overdue", none, pl.col("unit"), expected_limit,
        pl.when(by_appointment).then(_fmt_time(pl.col("as_of_at"), tz)).otherwise(_fmt_minutes(pl.col("used_s"))))
    day = local_dates.exprs(dossiers, ["logged_appointment_at", "due_at"])
    add(issued.filter(day["logged_appointment_at"] > day["due_at"]), "appointment_beyond_limit", none,
        pl.col("unit"), _fmt_time(pl.col("due_at"), tz, DATE_FORMAT),
        _fmt_time(pl.col("logged_appointment_at"), tz, DATE_FORMAT))
    if carries.get("appointment_at"):
        add(issued.filter(pl.col("logged_appointment_at").is_null() & pl.col("received_at").is_not_null()),
            "appointment_missing", none, pl.col("unit"), none, none)
    add(issued.filter(pl.col("reschedules") > pl.col("max_reschedules")), "appointment_rescheduled_more_than_once",
        none, pl.col("unit"), pl.col("max_reschedules").cast(pl.Utf8), pl.col("reschedules").cast(pl.Utf8))
    add(issued.filter(pl.col("supplement_requests") > pl.col("max_supplement_requests")),
        "too_many_supplement_requests", none, pl.col("unit"), pl.col("max_supplement_requests").cast(pl.Utf8),
        pl.col("supplement_requests").cast(pl.Utf8))

    # late without a timely apology: any apology at least the lead time before the appointment
    overdue = issued.filter(
        pl.col("status").is_in(["late", "open_overdue"])
        & (pl.coalesce(pl.col("finished_at"), pl.col("as_of_at")) > pl.col("appointment_at"))
    ).select("did", "unit", "appointment_at", "apology_lead_s", "first_apology_at").collect()
    apologies = ev.filter(judged & _is("apology_issued")).select("did", "at").join(
        overdue.select("did", "appointment_at", "apology_lead_s"), on="did", how="inner")
    lead = _working_seconds(docs.calendar, apologies["at"], apologies["appointment_at"],
                            pl.Series([False] * apologies.height, dtype=pl.Boolean))
    timely = apologies.with_columns(lead.alias("lead_s")).filter(
        (pl.col("at") <= pl.col("appointment_at")) & (pl.col("lead_s") >= pl.col("apology_lead_s"))
    ).select("did").unique()
    add(overdue.join(timely, on="did", how="anti"), "late_without_apology", none, pl.col("unit"),
        _fmt_time(pl.col("appointment_at"), tz), _fmt_time(pl.col("first_apology_at"), tz))

    parts = pl.collect_all(pending)
    tick("rules")
    return pl.concat(parts, how="vertical")


def _finish_findings(findings: pl.DataFrame, dossiers: pl.DataFrame, rank: pl.Series, docs: CheckDocuments,
                     language: str) -> tuple[pl.DataFrame, np.ndarray]:
    """The findings with the rule set's on/off, severity and texts, sorted by
    dossier; and the number of findings of each dossier (by did)."""
    settings = rule_settings_table(docs, language)
    index = findings["did"]
    out = (
        findings.with_columns(dossiers[c].gather(index).alias(c) for c in (D, "procedure_code", "rs"))
        .with_columns(rank.gather(index).alias("rank"))
        .join(settings, on=["rs", "rule"], how="left")
        .filter(pl.col("enabled"))
    )
    # the dossier's rank sorts by dossier_id, comparing integers (severity, clause,
    # code and message follow from dossier and rule: no need to sort by them)
    keys = ["rank", "rule", "step", "expected", "actual", "unit"]
    per_dossier = np.bincount(out["did"].to_numpy(), minlength=dossiers.height)
    return out.sort(keys, nulls_last=False).select(
        "dossier_id", "rule", "severity", "clause", "procedure_code", "step", "unit", "expected", "actual", "message",
    ), per_dossier


def sort_findings(findings: pl.DataFrame) -> pl.DataFrame:
    keys = ["dossier_id", "rule", "step", "expected", "actual", "unit"]
    return findings.sort(keys, nulls_last=False)


def _dossier_output(dossiers: pl.DataFrame, order: pl.Series) -> pl.DataFrame:
    from ..model.check_output import DOSSIER_COLUMNS

    out = dossiers.with_columns(
        (pl.col("paused_s") / 60).alias("paused_minutes"),
        (pl.col("used_s") / 60).alias("used_minutes"),
        (pl.col("allowed_s") / 60).alias("allowed_minutes"),
        pl.col("procedure_issue").cast(pl.Int64),
    )
    extra = ["method", "ruleset_code", "ruleset_issue", "finish_kind", "supplement_requests", "reschedules",
             "calendar_clock", "findings"]
    return out.select(*DOSSIER_COLUMNS, *extra).select(pl.all().gather(order))
