"""The log as the engine reads it: canonical events grouped by dossier, numbered
(`did`), in time order within each dossier, with steps as integer codes; and the
per-dossier operations over such runs of events.

Events are grouped by dossier, so "within the dossier" is a contiguous run: shifts
and running sums need no hashing, only the `first` flags of each run; per-dossier
values are broadcast back to events by position.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from .common import CANONICAL_STATUSES, OPTIONAL_TEXT_COLUMNS, OPTIONAL_TIME_COLUMNS

UTC = pl.Datetime("us", "UTC")
D = "dossier_id"


# -- preparing the events ---------------------------------------------------------


# The log's columns the engine reads: those about the event, and those about the
# dossier (the same on each of its events, normally; read at its first event).
EVENT_LEVEL = ("step", "unit", "at", "step_due_at")
DOSSIER_LEVEL = (D, "procedure_code", "channel", "received_at", "appointment_at", "returned_at")


def prepare_events(events: pl.DataFrame | pl.LazyFrame, as_of: dt.datetime, step_names: list[str]
                   ) -> tuple[pl.DataFrame, pl.DataFrame, dict, bool]:
    """Canonical events, optional columns filled, cut at `as_of`, grouped by dossier
    and in time order within each (stably), numbered by dossier (`did`, 0-based, so
    that per-dossier values are broadcast to events by position), each step's name
    as its code in `step_names` (`sc`, -1 for a name not there).

    Returns the events (`EVENT_LEVEL` columns, `sc`, `did`, `first`), the
    `DOSSIER_LEVEL` columns of the same rows in a frame of their own, which columns
    the log carries, and whether `did` numbers the dossiers in id order. The
    dossier-level columns are kept as read: they are read at the dossiers' first
    rows and dropped, so copying them into one chunk per column, as the events
    are, would cost more than it saves (0.17 s and 80 k page faults at 5.4 M events)."""
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
    as_of_lit = pl.lit(as_of).cast(UTC)
    # step names to codes first, while the strings are fresh from the reader (the same
    # cast takes two to four times longer once the check's columns fill the memory)
    frame = frame.with_columns(fill).select(*DOSSIER_LEVEL, *EVENT_LEVEL).with_columns(
        pl.col("step").cast(pl.Enum(step_names), strict=False).to_physical().cast(pl.Int16).fill_null(-1).alias("sc"))
    latest = frame["at"].max()
    if frame["at"].null_count() or (latest is not None and latest > as_of):
        frame = frame.filter(pl.col("at").is_not_null() & (pl.col("at") <= as_of_lit))
    ev, dossier_level, in_id_order = _group_by_dossier(frame)
    del frame
    if carries["returned_at"] and dossier_level["returned_at"].null_count() < ev.height:
        ev, dossier_level = _returns_from_column(ev, dossier_level, as_of)
    return ev, dossier_level, carries, in_id_order


def _returns_from_column(ev: pl.DataFrame, dossier_level: pl.DataFrame, as_of: dt.datetime
                         ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A dossier-level `returned_at` with no `returned` event stands for one: such
    events added (procedure code and unit as on the dossier's first event)."""
    dossier_count = int(ev["did"][-1]) + 1
    returned = ev.lazy().filter(status_is("returned")).select("did").collect()["did"].to_numpy()
    has_event = pl.Series(np.bincount(returned, minlength=dossier_count) > 0)
    # dossier-level: normally on the first row already; searched further only if not
    moment = dossier_level.filter(ev["first"])["returned_at"]
    lacking = moment.is_null()
    if lacking.any():
        later = first_per_dossier(searchable(ev, dossier_level, "returned_at"), pl.col("returned_at").is_not_null(),
                                  ["returned_at"], among=lacking)
        moment = moment.fill_null(later["returned_at"])
    needed = (moment.is_not_null() & (moment <= as_of) & ~has_event).fill_null(False)
    if not needed.any():
        return ev, dossier_level
    whole = pl.concat([ev, dossier_level.rechunk()], how="horizontal")
    synthetic = whole.filter(FIRST).select("did", D, "procedure_code", "unit").filter(needed).with_columns(
        pl.lit("returned").alias("step"), pl.lit(STATUS_CODE["returned"], pl.Int16).alias("sc"),
        moment.filter(needed).alias("at"))
    # appended last, so a synthetic return sorts after real events at the same instant
    whole = pl.concat([whole.drop("first"), synthetic], how="diagonal_relaxed")
    return _split(_mark_runs(whole.sort(["did", "at"], maintain_order=True)))


def _split(whole: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(events, dossier-level columns) of one frame holding both."""
    return whole.select(*EVENT_LEVEL, "sc", "did", "first"), whole.select(DOSSIER_LEVEL)


def searchable(ev: pl.DataFrame, dossier_level: pl.DataFrame, column: str) -> pl.DataFrame:
    """A dossier-level column beside the events' `did`, `first` and `sc`, in one chunk:
    for the searches past a dossier's first row (rare: dossier-level values are
    normally on it)."""
    return pl.concat([dossier_level.select(column).rechunk(), ev.select("did", "first", "sc")], how="horizontal")


def _group_by_dossier(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, bool]:
    """The events grouped by dossier, each dossier's events in time order (events at
    the same instant keep the log's order), numbered by dossier (`did`, 0-based, as
    UInt32, polars' index type: gathers by it need no conversion): (events,
    dossier-level columns, whether in id order), as `prepare_events` returns them.

    Logs mostly arrive grouped already (an export lists each dossier's history, and
    qms writes its canonical files so): then the groups are kept in the log's order
    and only a dossier whose events are out of time order costs a sort. A log whose
    dossiers are interleaved is sorted by (dossier_id, at), and `did` follows the
    ids; else `did` numbers the groups in the log's order, and the outputs are put in
    id order at the end (the engine sorts their ids)."""
    run = frame[D].rle_id()
    # fewer than two events per run: most likely interleaved, not worth testing
    runs = int(run[-1]) + 1 if run.len() else 0
    first_ids = frame[D].filter((run != run.shift(1)).fill_null(True)) if 2 * runs <= run.len() else None
    if first_ids is None or not _all_distinct(first_ids):
        # a dossier in more than one run: the log interleaves dossiers
        ev, dossier_level = _split(_mark_runs(frame.sort([D, "at"], maintain_order=True).with_columns(
            pl.col(D).rle_id().alias("did"))))
        return ev, dossier_level, True
    # One chunk per column, once: a Parquet file is read as one chunk per row group,
    # and every later select or drop next to the check's own single-chunk columns
    # would copy the columns into aligned chunks again (0.4-0.7 s each at 9 M events).
    ev = frame.select(*EVENT_LEVEL, "sc").rechunk().with_columns(run.rechunk().alias("did"))
    dossier_level = frame.select(DOSSIER_LEVEL)
    backwards = ((pl.col("at") < pl.col("at").shift(1)) & (pl.col("did") == pl.col("did").shift(1))).any()
    if ev.select(backwards).item():
        in_time_order = ev.with_row_index("row").sort(["did", "at"], maintain_order=True)
        dossier_level = dossier_level[in_time_order["row"]]
        ev = in_time_order.drop("row")
    return _mark_runs(ev), dossier_level, False


def _all_distinct(ids: pl.Series) -> bool:
    """No id twice: told by the ids' 64-bit hashes (0.03 s for a million ids, against
    0.19 s to sort the texts and compare neighbours), the texts compared only if two
    hashes are equal."""
    return ids.hash().n_unique() == ids.len() or ids.n_unique() == ids.len()


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



# -- per-dossier operations over events grouped by dossier -------------------------------
# Events are sorted by dossier, so "within the dossier" is a contiguous run: shifts and
# running sums need no hashing, only the `first`/`last` flags of each run.

FIRST = pl.col("first")

# Canonical statuses get fixed small codes in the `sc` column (step name as an integer),
# so that the many status tests compare integers, not strings.
STATUS_NAMES = tuple(sorted(CANONICAL_STATUSES))
STATUS_CODE = {name: code for code, name in enumerate(STATUS_NAMES)}


def status_is(*names: str) -> pl.Expr:
    codes = [STATUS_CODE[n] for n in names]
    return pl.col("sc") == codes[0] if len(codes) == 1 else pl.col("sc").is_in(codes)


def is_status() -> pl.Expr:
    return pl.col("sc").is_between(0, len(STATUS_NAMES) - 1)


# An event's step properties, packed in one integer per (procedure issue, step)
# (see `facts.dense_step_table`): idx + 1 in bits 0-15, then flags, and the finish rank.
PACKED_IDX_BITS = 0xFFFF
BIT_REPEATABLE, BIT_APPROVAL, BIT_RESULT, BIT_TERMINAL, BIT_ONCE_ONLY, BIT_IS_RESULT = 16, 17, 18, 19, 20, 21
RANK_SHIFT = 22  # 3 bits: 1 processed, 2 result, 3 stopped or refused, 4 withdrawn; 0 none
BIT_ENDS, BIT_TO_END = 25, 26  # a terminal outcome or refusal; processed or a result


def packed_flag(bit: int) -> pl.Expr:
    """A flag of the event's packed step properties (False for a step not in its procedure)."""
    return (pl.col("packed").fill_null(0) & (1 << bit)) != 0


def running_sum(expr: pl.Expr, first=FIRST) -> pl.Expr:
    """Inclusive running sum within the dossier."""
    total = expr.cum_sum()
    return total - pl.when(first).then(total - expr).otherwise(None).forward_fill()


def last_before(expr: pl.Expr, default) -> pl.Expr:
    """The last non-null value of `expr` on an earlier event of the same dossier,
    `default` if none (the default at each first event stops the fill there)."""
    return pl.when(FIRST).then(pl.lit(default)).otherwise(expr.shift(1)).forward_fill()


def first_per_dossier(ev: pl.DataFrame, condition: pl.Expr, columns: list[str],
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


def firsts_per_dossier(ev: pl.DataFrame, wanted: dict[str, tuple[pl.Expr, str]]) -> pl.DataFrame:
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


def broadcast(ev: pl.DataFrame, per_dossier: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Per-dossier columns (row i = dossier i) onto the events, by position."""
    # one eager with_columns: gathered in parallel, the other columns are not copied
    return ev.with_columns(pl.lit(per_dossier[c]).gather(pl.col("did")).alias(c) for c in columns)
