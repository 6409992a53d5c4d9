"""Form 06 counts by unit: a dossier counts for every unit that handled one of its
steps, and is late (or overdue) only for the units its delay is attributed to.

For one unit U and one dossier that U handled (`units`, see units.py):

* received, online, in person or postal, carried over, resolved, in progress, not
  assessable: as the dossier;
* early: as the dossier; on time: the dossier is on time, or late but not because of
  U (U's steps kept to their allotments); late: the dossier is late and U is in its
  `late_units`;
* in progress overdue / within time: likewise with `open_overdue`;
* findings: the findings that name U (whether or not U handled a step: a missing
  step names the unit that should have done it).

Each unit row is an exact form 06 row ((7) = (8) + (9) + (10)); the unit rows add up
to more than the totals when dossiers pass through several units, and the totals
stay the dossiers'. A dossier with no unit known counts under "?".
"""

from __future__ import annotations

import polars as pl

UNKNOWN_KEY = "?"


def unit_lists(dossiers: pl.DataFrame) -> list[pl.Expr]:
    """`units` and `late_units` of each dossier, never empty where it matters: tables
    without them (written before the attribution existed) count the dossier's `unit`."""
    desk = pl.concat_list(pl.col("unit").fill_null(UNKNOWN_KEY))
    if "units" not in dossiers.columns:
        late = pl.col("status").is_in(["late", "open_overdue"])
        return [desk.alias("units"), pl.when(late).then(desk).otherwise(pl.lit([], pl.List(pl.Utf8)))
                .alias("late_units")]
    units = pl.col("units").cast(pl.List(pl.Utf8))
    return [pl.when(units.list.len() > 0).then(units).otherwise(desk).alias("units"),
            pl.col("late_units").cast(pl.List(pl.Utf8))]


def unit_table(frame: pl.DataFrame, findings: pl.DataFrame, count_fields: tuple[str, ...], microdays: int
               ) -> pl.LazyFrame:
    """Sums by unit (column `key`) of `summary.contributions` rows, with the findings
    naming each unit; `days_sum` / `days_n` as the other groupings carry them."""
    shared = [c for c in count_fields if c not in _SPLIT]
    # dossiers alike (same units, same units blamed, same status) summed first: a few
    # hundred rows to spread over their units instead of one per dossier and unit
    alike = frame.lazy().group_by("units", "late_units", "status").agg(
        *(pl.col(c).sum() for c in shared),
        (pl.col("processing_days") * microdays).round().cast(pl.Int64).sum().alias("days_sum"),
        pl.col("processing_days").count().alias("days_n"),
        pl.len().cast(pl.Int64).alias("dossiers"),
    ).explode("units").rename({"units": "key"})
    status, dossiers = pl.col("status"), pl.col("dossiers")
    # late for this unit: it is among the units blamed (or nobody is known to blame)
    blamed = pl.col("late_units").list.contains(pl.col("key")) | (pl.col("late_units").list.len() == 0)
    counted = lambda condition: pl.when(condition).then(dossiers).otherwise(0)  # noqa: E731
    per_unit = alike.with_columns(
        counted(status == "early").alias("resolved_early"),
        counted((status == "on_time") | ((status == "late") & ~blamed)).alias("resolved_on_time"),
        counted((status == "late") & blamed).alias("resolved_late"),
        counted((status == "open_within_time") | ((status == "open_overdue") & ~blamed))
        .alias("in_progress_within_time"),
        counted((status == "open_overdue") & blamed).alias("in_progress_overdue"),
    )
    sums = per_unit.group_by("key").agg(
        *(pl.col(c).sum().cast(pl.Int64) for c in count_fields),
        pl.col("days_sum").sum(), pl.col("days_n").sum().cast(pl.UInt32),
    )
    named = findings.lazy().select(pl.col("unit").fill_null(UNKNOWN_KEY).alias("key")).group_by("key").agg(
        pl.len().cast(pl.Int64).alias("findings"))
    zero = [pl.col(c).fill_null(0) for c in (*count_fields, "findings", "days_sum", "days_n")]
    return sums.join(named, on="key", how="full", coalesce=True).with_columns(zero).sort("key")


# the columns a unit's row decides for itself (the others are the dossier's)
_SPLIT = ("resolved_early", "resolved_on_time", "resolved_late", "in_progress_within_time", "in_progress_overdue")
