"""Durations of dossiers in the unit of their procedure's time limit.

A procedure's time limit is in working days or in calendar days (`calendar_clock` in
`dossiers.parquet`); the check counts the time a dossier used on that clock (working
minutes, or elapsed minutes for calendar-day procedures) and the time it was allowed.
The report shows days on the same clock: working days of the calendar's
`working_day_hours` (the day of the check's time-limit arithmetic, recorded in the
manifest) for working-day procedures, calendar days for calendar-day ones, and says
which beside each figure or in its header.
"""

from __future__ import annotations

import polars as pl

MINUTES_PER_CALENDAR_DAY = 1440
WORKING, CALENDAR, MIXED = "working", "calendar", "mixed"
OVERDUE_STATUSES = ("late", "open_overdue")
UNKNOWN_KEY = "?"  # the check's key of a group with no value (qms.check.summary)


def on_calendar_clock(schema) -> pl.Expr:
    """True for dossiers of calendar-day procedures (older outputs lack the column: working days)."""
    return pl.col("calendar_clock").fill_null(False) if "calendar_clock" in schema else pl.lit(False)


def day_minutes(schema, working_day_hours: float) -> pl.Expr:
    return pl.when(on_calendar_clock(schema)).then(float(MINUTES_PER_CALENDAR_DAY)).otherwise(
        float(working_day_hours * 60))


def duration_columns(dossiers: pl.LazyFrame, working_day_hours: float) -> pl.LazyFrame:
    """Adds `day_unit` (working/calendar), `day_minutes` (minutes in one day of that
    clock), `used_days`, `allowed_days` and `days_overdue`.

    `days_overdue` is the time used beyond the time allowed, on the procedure's clock,
    for late and open-overdue dossiers. It is empty for a dossier late only against its
    appointment date (set earlier than the legal time limit) or only by the count of
    its supplement requests: it is within the legal time limit, by zero days.
    """
    schema = dossiers.collect_schema()
    per_day = day_minutes(schema, working_day_hours)
    over = pl.col("used_minutes") - pl.col("allowed_minutes")
    overdue = pl.col("status").is_in(OVERDUE_STATUSES) & (over > 0)
    return dossiers.with_columns(
        day_unit=pl.when(on_calendar_clock(schema)).then(pl.lit(CALENDAR)).otherwise(pl.lit(WORKING)),
        day_minutes=per_day,
        used_days=(pl.col("used_minutes") / per_day).round(2),
        allowed_days=(pl.col("allowed_minutes") / per_day).round(2),
        days_overdue=pl.when(overdue).then((over / per_day).round(1)),
    )


def group_day_units(dossiers: pl.LazyFrame, keys: dict[str, pl.Expr]) -> dict[str, dict[str, str]]:
    """For each grouping (name -> key expression), key -> the clock of the resolved dossiers
    its average processing time is over: working, calendar or mixed. A group with no
    resolved dossier of a calendar-day procedure is working (the common case)."""
    schema = dossiers.collect_schema()
    resolved = dossiers.filter(pl.col("status").is_in(["early", "on_time", "late"]))
    clock = on_calendar_clock(schema).alias("calendar")
    queries = [resolved.group_by(key.alias("key")).agg(clock.any().alias("any_calendar"),
                                                        clock.all().alias("all_calendar"))
               for key in keys.values()]
    frames = pl.collect_all(queries)  # one pass over the scan, shared by the groupings
    return {name: {row["key"]: CALENDAR if row["all_calendar"] else MIXED if row["any_calendar"] else WORKING
                   for row in frame.iter_rows(named=True)}
            for name, frame in zip(keys, frames)}


def mark_day_units(dossiers: pl.LazyFrame, timezone: str, tables: dict[str, list], totals) -> None:
    """Set `day_unit` on the rows of the breakdowns (procedure, field, unit, month; rows
    keyed as in summary.json) and on the total row, from the dossiers they count."""
    received_month = (pl.col("received_at").dt.convert_time_zone(timezone).dt.strftime("%Y-%m")
                      .fill_null(UNKNOWN_KEY))
    keys = {"procedure": pl.col("procedure_code").fill_null(UNKNOWN_KEY),
            "field": pl.col("field").fill_null(UNKNOWN_KEY), "unit": pl.col("unit").fill_null(UNKNOWN_KEY),
            "month": received_month, "total": pl.lit("")}
    units = group_day_units(dossiers, {name: keys[name] for name in [*tables, "total"]})
    for name, rows in tables.items():
        for row in rows:
            row.day_unit = units[name].get(row.key, WORKING)
    totals.day_unit = units["total"].get("", WORKING)


def name_average_unit(indicators: list, unit: str, gettext) -> None:
    """The average processing time's label names the days it is in (durations.py)."""
    texts = {"calendar": gettext("Average processing time (calendar days)"),
             "mixed": gettext("Average processing time (working days; calendar days for calendar-day procedures)")}
    for indicator in indicators:
        if indicator.key == "average_processing_days" and unit in texts:
            indicator.label = texts[unit]


def day_unit_labels(gettext) -> dict[str, str]:
    """working/calendar/mixed -> the unit's name in the report's language."""
    return {WORKING: gettext("working days"), CALENDAR: gettext("calendar days"),
            MIXED: gettext("working or calendar days")}
