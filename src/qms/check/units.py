"""Which units handled a dossier, and which of them made it late (vectorised).

A step event's unit is the unit the log names on it, else the unit the procedure
makes responsible for the step. A dossier's `units` are the distinct units of its
step events (sorted); a dossier with no step event of a procedure issue (unknown
procedure, no issue in force) is the receiving desk's (the unit of its first event).

A step overran when the active time since the previous step event exceeds the
step's allotment: the per-step judgement of the process-control sheet, the one
`step_overrun` reports. A late or open overdue dossier's `late_units` are the units
of its overrunning steps; when no step overran, the unit of its last step event
(the one that held it last), else the receiving desk. Other dossiers have none.
`reference_units.py` computes the same per dossier in plain Python.
"""

from __future__ import annotations

import numpy as np
import polars as pl


LATE_STATUSES = ("late", "open_overdue")


def step_overran() -> pl.Expr:
    """A step event whose time since the previous step event exceeds its allotment
    (over events of judged dossiers carrying `clock_s`, `allotted_s`, `previous_clock`)."""
    return (pl.col("idx").is_not_null() & pl.col("allotted_s").is_not_null() & (pl.col("previous_clock") >= 0)
            & ((pl.col("clock_s") - pl.col("previous_clock")) > pl.col("allotted_s")))


def step_unit(step_units: pl.Series) -> pl.Expr:
    """The unit of a step event: the log's, else the step's responsible unit."""
    return pl.coalesce(pl.col("unit"), pl.lit(step_units).gather(pl.col("position")))


def unit_attribution(ev: pl.DataFrame, dossiers: pl.DataFrame, step_units: pl.Series) -> pl.DataFrame:
    """`dossiers` (row = did, with `unit` and `status`) with `units` and `late_units`
    (sorted lists of unit names) added."""
    is_step = pl.col("pid").is_not_null() & pl.col("idx").is_not_null()
    same_dossier = pl.col("did") == pl.col("did").shift(1)
    # the step events in time order by dossier; the previous step event is the row before
    steps = ev.lazy().filter(is_step).with_columns(
        pl.when(same_dossier).then(pl.col("clock_s").shift(1)).otherwise(-1).alias("previous_clock"),
    ).select("did", "unit", "position", step_overran().fill_null(False).alias("overran")).collect()
    # units as integer codes (names sorted): the log's, else the step's responsible unit
    names = pl.concat([steps["unit"].drop_nulls().unique(), step_units.drop_nulls().unique(),
                       dossiers["unit"].drop_nulls().unique()]).unique().sort()
    enum = pl.Enum(names.to_list())
    step_codes = step_units.cast(enum).to_physical()
    steps = steps.select(
        "did", "overran",
        pl.coalesce(pl.col("unit").cast(enum).to_physical(), pl.lit(step_codes).gather(pl.col("position")))
        .alias("code"),
    ).filter(pl.col("code").is_not_null())  # a step event with no unit is nobody's
    desk = dossiers["unit"].cast(enum).to_physical()
    late = dossiers["status"].is_in(list(LATE_STATUSES))
    lists = _lists_by_grouping if names.len() > MAX_BITS else _lists_by_bits
    units, late_units = lists(steps, names, desk, late)
    return dossiers.with_columns(units.alias("units"), late_units.alias("late_units"))


# Up to this many distinct units a dossier's units are a bit mask (one OR per dossier
# in numpy; the lists are made once per distinct mask); more fall back to grouping.
MAX_BITS = 63


def _lists_by_bits(steps: pl.DataFrame, names: pl.Series, desk: pl.Series, late: pl.Series
                   ) -> tuple[pl.Series, pl.Series]:
    """(units, late_units) per dossier (row = did) from the step events' unit codes and
    the receiving desk's (`desk`), as bit masks."""
    n = desk.len()
    desk_codes = desk.fill_null(0).to_numpy().astype(np.uint64)
    desk_bit = np.where(desk.is_not_null().to_numpy(), np.left_shift(np.uint64(1), desk_codes), np.uint64(0))
    units, overran, last = (np.zeros(n, np.uint64) for _ in range(3))
    did = steps["did"].to_numpy()
    if len(did):
        bits = np.left_shift(np.uint64(1), steps["code"].to_numpy().astype(np.uint64))
        starts = np.flatnonzero(np.r_[True, did[1:] != did[:-1]])
        present = did[starts]
        units[present] = np.bitwise_or.reduceat(bits, starts)
        overran[present] = np.bitwise_or.reduceat(np.where(steps["overran"].to_numpy(), bits, np.uint64(0)), starts)
        last[present] = bits[np.r_[starts[1:], len(did)] - 1]
    units = np.where(units != 0, units, desk_bit)
    blamed = np.where(overran != 0, overran, np.where(last != 0, last, desk_bit))
    return _mask_lists(units, names), _mask_lists(np.where(late.to_numpy(), blamed, np.uint64(0)), names)


def _mask_lists(masks: np.ndarray, names: pl.Series) -> pl.Series:
    """Each mask as the sorted list of the names of its bits, made once per distinct mask."""
    # the few distinct masks by hashing, then each mask's place among them by binary
    # search (np.unique sorts the million masks: three times longer)
    distinct = np.sort(pl.Series(masks, dtype=pl.UInt64).unique().to_numpy())
    inverse = np.searchsorted(distinct, masks)
    labels = names.to_list()
    lists = [[labels[bit] for bit in range(len(labels)) if int(mask) >> bit & 1] for mask in distinct]
    return pl.Series(lists, dtype=pl.List(pl.Utf8)).gather(inverse.ravel())


def _lists_by_grouping(steps: pl.DataFrame, names: pl.Series, desk: pl.Series, late: pl.Series
                       ) -> tuple[pl.Series, pl.Series]:
    """The same as `_lists_by_bits` for any number of units, grouping by dossier."""
    named = steps.lazy().select("did", "overran", pl.lit(names).gather(pl.col("code")).alias("unit"))
    per_dossier = named.group_by("did").agg(
        pl.col("unit").unique().sort().alias("units"),
        pl.col("unit").filter(pl.col("overran")).unique().sort().alias("overran"),
        pl.col("unit").last().alias("last"),
    ).collect()
    frame = pl.DataFrame({"did": pl.int_range(desk.len(), dtype=pl.UInt32, eager=True),
                          "desk": names.gather(desk), "late": late}).join(
        per_dossier, on="did", how="left").sort("did")
    desk_list = pl.concat_list("desk").list.drop_nulls()
    lists = frame.select(
        pl.when(pl.col("units").list.len() > 0).then(pl.col("units")).otherwise(desk_list).alias("units"),
        pl.when(~pl.col("late")).then(pl.lit([], pl.List(pl.Utf8)))
        .when(pl.col("overran").list.len() > 0).then(pl.col("overran"))
        .otherwise(pl.concat_list(pl.coalesce("last", "desk")).list.drop_nulls()).alias("late_units"))
    return lists["units"], lists["late_units"]


def lists_as_text(frame):
    """List columns (`units`, `late_units`) of a DataFrame or LazyFrame as text for a
    CSV file: the items joined by "; "."""
    lists = [name for name, dtype in frame.collect_schema().items() if isinstance(dtype, pl.List)]
    return frame.with_columns(pl.col(name).list.join("; ") for name in lists) if lists else frame
