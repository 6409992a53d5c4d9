"""The calendar over columns: working seconds between instants, each dossier's
clock (active and paused time, in numpy over the runs of events), and the counting
start and legal due of every dossier."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from ..calendar.array_inputs import NAT
from ..calendar.day_plans import to_us
from .documents import CheckDocuments
from .frame import STATUS_CODE

def to_np(series: pl.Series) -> np.ndarray:
    return series.dt.replace_time_zone(None).to_numpy().astype("datetime64[us]")


def from_np(values: np.ndarray, name: str) -> pl.Series:
    return pl.Series(name, values.astype("datetime64[us]")).dt.replace_time_zone("UTC")


def working_seconds(calendar, a: pl.Series, b: pl.Series, calendar_clock: pl.Series) -> pl.Series:
    """Seconds of the dossier's clock between a and b (b < a counts as 0): working
    time for working-day limits, elapsed time for calendar-day limits. Each gap is
    rounded to whole seconds, so sums are exact. Null where either end is null."""
    a_np, b_np = to_np(a), to_np(b)
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


def dossier_clock(calendar, ev: pl.DataFrame, dossiers: pl.DataFrame, finished: np.ndarray, as_of: dt.datetime
           ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each dossier's clock, in numpy over the runs of events.

    A dossier's clock starts at its counting start; each gap between consecutive
    events is paused when the last supplement event before it was a request, active
    otherwise; the last gap runs to `as_of` for an open dossier and is empty for a
    finished one. Each gap is rounded to whole seconds (as `working_seconds`), so
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
    lead = working_seconds(calendar, dossiers["counting_start_at"],
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
    """`dossier_clock` for a block of whole dossiers, into `out`: (clock before each event
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


def counting_start_and_due(dossiers: pl.DataFrame, docs: CheckDocuments, issues: pl.DataFrame) -> pl.DataFrame:
    """`counting_start_at` (cut-off aware; calendar-day limits count from receipt
    itself) and `due_at`, the legal due moment, of every dossier judged against an
    issue (row = dossier): one calendar call per distinct (clock, cut-off), then per
    distinct limit, over the issues sharing it (rows picked by issue number, `pid`,
    not by comparing texts)."""
    n = dossiers.height
    received = to_np(dossiers["received_at"])
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
    return pl.DataFrame([from_np(start, "counting_start_at"), from_np(due, "due_at")])
