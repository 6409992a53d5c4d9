"""Test helpers for the check: the working calendar, small procedures and rule sets,
a log builder and an approved copy of the sample library."""

from __future__ import annotations

import datetime as dt
import functools

import polars as pl

from qms.model.calendar import CalendarSettings
from qms.model.procedure import Procedure
from qms.model.ruleset import RuleSet


@functools.lru_cache(maxsize=None)
def make_calendar():
    """The real working calendar (Vietnamese holidays, default office hours), built once."""
    from qms.calendar import WorkCalendar

    return WorkCalendar.from_settings(calendar_settings())


def calendar_settings() -> CalendarSettings:
    return CalendarSettings(code="LICH", issue=1, status="approved", effective_from=dt.date(2020, 1, 1),
                            title={"vi": "Lịch làm việc"})


def simple_procedure(code="QT-01", issue=1, effective_from=dt.date(2020, 1, 1), effective_to=None,
                     limit_days=5, cutoff=None, **extra) -> Procedure:
    steps = [
        {"id": "received", "name": {"vi": "Tiếp nhận"}, "unit": "MC"},
        {"id": "appraise", "name": {"vi": "Thẩm định"}, "unit": "CM", "allotted": {"amount": 2}},
        {"id": "approve", "name": {"vi": "Phê duyệt"}, "unit": "LD", "allotted": {"amount": 1}, "approval": True},
        {"id": "issue_result", "name": {"vi": "Phát hành"}, "unit": "VT", "allotted": {"amount": 1}},
        {"id": "returned", "name": {"vi": "Trả kết quả"}, "unit": "MC", "result": True},
    ]
    data = dict(code=code, issue=issue, status="approved", effective_from=effective_from, effective_to=effective_to,
                title={"vi": "Thủ tục thử", "en": "Test procedure"}, field={"vi": "Đất đai", "en": "Land"},
                time_limit={"amount": limit_days}, receipt_cutoff=cutoff, steps=steps,
                loops=[{"from_step": "appraise", "to_step": "received"}])
    data.update(extra)
    return Procedure.model_validate(data)


def simple_ruleset(issue=1, effective_from=dt.date(2020, 1, 1), **extra) -> RuleSet:
    data = dict(code="RS", issue=issue, status="approved", effective_from=effective_from,
                title={"vi": "Bộ quy tắc"})
    data.update(extra)
    return RuleSet.model_validate(data)


def events_frame(rows: list[dict]) -> pl.DataFrame:
    """rows of dicts with at as naive local (UTC+7) datetimes or strings."""
    def utc(v):
        if v is None:
            return None
        if isinstance(v, str):
            v = dt.datetime.fromisoformat(v)
        if v.tzinfo is None:
            v = v.replace(tzinfo=dt.timezone(dt.timedelta(hours=7)))
        return v.astimezone(dt.timezone.utc)

    cols = {"dossier_id": pl.Utf8, "procedure_code": pl.Utf8, "step": pl.Utf8, "unit": pl.Utf8, "officer": pl.Utf8,
            "at": pl.Datetime("us", "UTC")}
    extra_time = ["received_at", "appointment_at", "returned_at", "step_due_at", "new_appointment_at"]
    present = [c for c in extra_time if any(c in r for r in rows)]
    data = {c: [] for c in [*cols, *present]}
    for r in rows:
        for c in cols:
            v = r.get(c)
            data[c].append(utc(v) if c == "at" else v)
        for c in present:
            data[c].append(utc(r.get(c)))
    schema = {**cols, **{c: pl.Datetime("us", "UTC") for c in present}}
    frame = pl.DataFrame(data, schema=schema)
    if any("channel" in r for r in rows):
        frame = frame.with_columns(pl.Series("channel", [r.get("channel") for r in rows], dtype=pl.Utf8))
    return frame


def approved_sample_library():
    """The bundled sample library (every issue approved, with its hash)."""
    from qms.library import load_library

    return load_library(None)
