"""Definitions both implementations (engine and reference) share, so that they
differ only in how they compute, never in what they mean."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import polars as pl

from ..model.events import INDICATOR_FIELDS, STATUS_STEPS

# The columns the engine reads; a canonical file's others (officer, source_row, …)
# are not loaded at all.
ENGINE_COLUMNS = frozenset({
    "dossier_id", "procedure_code", "step", "unit", "at", "received_at", "appointment_at", "returned_at",
    "step_due_at", "channel", *INDICATOR_FIELDS,
})

# Canonical statuses that are not procedure steps unless a procedure lists them.
CANONICAL_STATUSES = frozenset(STATUS_STEPS)

# How a dossier finished, by rank: processed, else a result, else stopped or refused; withdrawn last
# (the default finish); by its procedure's own finish step, or by its last event (`finish:`).
RANK_STOPPED_OR_REFUSED = 3
FINISH_STEP, FINISH_LAST_EVENT = 5, 6
FINISH_KIND_NAMES = {1: "processed", 2: "returned", RANK_STOPPED_OR_REFUSED: "stopped_or_refused", 4: "withdrawn",
                     FINISH_STEP: "finish_step", FINISH_LAST_EVENT: "last_event"}

REASON_UNKNOWN_PROCEDURE = "unknown_procedure"
REASON_NO_ISSUE = "no_issue_in_force"
REASON_NO_RECEIPT = "no_receipt"
REASON_WITHDRAWN = "withdrawn"

TIME_FORMAT = "%Y-%m-%d %H:%M"
DATE_FORMAT = "%Y-%m-%d"

OPTIONAL_TIME_COLUMNS = ("received_at", "appointment_at", "returned_at", "step_due_at", "new_appointment_at")
OPTIONAL_TEXT_COLUMNS = ("channel", "procedure_code", "unit", "officer")


def minutes_text(seconds: int | None) -> str | None:
    """Whole minutes, rounded half up, as text (findings' expected/actual)."""
    return None if seconds is None else str((int(seconds) + 30) // 60)


def local_text(moment: dt.datetime | None, zone: str, fmt: str = TIME_FORMAT) -> str | None:
    return None if moment is None else moment.astimezone(ZoneInfo(zone)).strftime(fmt)


def limit_seconds(amount: float, unit: str, working_day_hours: float) -> int:
    """A duration of a procedure (or a step's share) in seconds of its clock."""
    if unit == "working_days":
        return int(round(amount * working_day_hours * 3600))
    if unit == "working_hours":
        return int(round(amount * 3600))
    return int(round(amount * 86400))


def day_seconds(calendar_clock: bool, working_day_hours: float) -> int:
    return 86400 if calendar_clock else int(round(working_day_hours * 3600))


def fmt_time(expr, tz: str, fmt: str = TIME_FORMAT):
    """`local_text` over a column: local time in `tz` as text."""
    return expr.dt.convert_time_zone(tz).dt.strftime(fmt)


def fmt_minutes(expr):
    """`minutes_text` over a column of seconds."""
    return ((expr + 30) // 60).cast(pl.Utf8)
