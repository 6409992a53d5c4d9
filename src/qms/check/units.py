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

import polars as pl

from .frame import last_before

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
    (lists of unit names) added."""
    is_step = pl.col("pid").is_not_null() & pl.col("idx").is_not_null()
    steps = ev.lazy().with_columns(
        last_before(pl.when(is_step).then(pl.col("clock_s")), -1).alias("previous_clock"),
    ).filter(is_step).select(
        "did",
        step_unit(step_units).alias("handled_by"),
        step_overran().alias("overran"),
    )
    per_dossier = steps.group_by("did").agg(
        pl.col("handled_by").drop_nulls().unique().sort().alias("step_units"),
        pl.col("handled_by").filter(pl.col("overran")).drop_nulls().unique().sort().alias("overran_units"),
        pl.col("handled_by").drop_nulls().last().alias("last_unit"),
    ).collect()
    n = dossiers.height
    frame = pl.DataFrame({"did": pl.int_range(n, dtype=pl.UInt32, eager=True)}).join(
        per_dossier, on="did", how="left").sort("did")
    desk = dossiers["unit"]
    desk_list = pl.concat_list(pl.lit(desk)).list.drop_nulls()
    handled = frame.select(
        pl.when(pl.col("step_units").list.len() > 0).then(pl.col("step_units")).otherwise(desk_list).alias("units"),
        pl.when(pl.col("overran_units").list.len() > 0).then(pl.col("overran_units"))
        .otherwise(pl.concat_list(pl.coalesce(pl.col("last_unit"), pl.lit(desk))).list.drop_nulls())
        .alias("blamed"),
    )
    late = dossiers["status"].is_in(list(LATE_STATUSES))
    empty = pl.lit([], pl.List(pl.Utf8))
    return dossiers.with_columns(
        handled["units"].cast(pl.List(pl.Utf8)),
        pl.when(pl.lit(late)).then(handled["blamed"].cast(pl.List(pl.Utf8))).otherwise(empty).alias("late_units"),
    )


def lists_as_text(frame):
    """List columns (`units`, `late_units`) of a DataFrame or LazyFrame as text for a
    CSV file: the items joined by "; "."""
    lists = [name for name, dtype in frame.collect_schema().items() if isinstance(dtype, pl.List)]
    return frame.with_columns(pl.col(name).list.join("; ") for name in lists) if lists else frame
