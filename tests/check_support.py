"""Test helpers for the check: a tiny fixed calendar (used only until / unless the
real `qms.calendar` is importable), small procedures and a log builder."""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
import polars as pl

from qms.model.calendar import CalendarSettings
from qms.model.procedure import Procedure
from qms.model.ruleset import RuleSet

OFFSET = np.timedelta64(7, "h")  # Asia/Ho_Chi_Minh has no DST
US_PER_MIN = 60_000_000


class FixedCalendar:
    """Mon–Fri 07:30–11:30 and 13:00–17:00 local (8 h), UTC+7, no holidays."""

    holiday_source = "none (test calendar)"
    years_without_holiday_data: list[int] = []

    # cumulative working minutes since a Monday, as a function of local time
    @staticmethod
    def _F(t: np.ndarray) -> np.ndarray:
        local = t.astype("datetime64[us]") + OFFSET
        us = local.astype("int64")
        day = np.floor_divide(us, 86_400_000_000)
        minute = (us - day * 86_400_000_000) / US_PER_MIN
        dprime = day + 3
        weekday = np.mod(dprime, 7)
        before = np.floor_divide(dprime, 7) * 5 + np.minimum(weekday, 5)
        within = np.clip(minute - 450, 0, 240) + np.clip(minute - 780, 0, 240)
        within = np.where(weekday < 5, within, 0.0)
        out = before * 480.0 + within
        return np.where(np.isnat(t), np.nan, out)

    @staticmethod
    def _G(x: np.ndarray, prefer_start: bool = False) -> np.ndarray:
        nan = np.isnan(x)
        x = np.where(nan, 0, x)
        k = np.floor(x / 480.0)
        rem = x - k * 480.0
        at_start = (rem == 0) & (k > 0) & (not prefer_start)
        k = np.where(at_start, k - 1, k)
        rem = np.where(at_start, 480.0, rem)
        dprime = np.floor_divide(k.astype("int64"), 5) * 7 + np.mod(k.astype("int64"), 5)
        day = dprime - 3
        minute = np.where(rem <= 240, 450 + rem, 780 + rem - 240)
        us = day * 86_400_000_000 + np.round(minute * US_PER_MIN).astype("int64")
        local = us.astype("datetime64[us]")
        return np.where(nan, np.datetime64("NaT"), local - OFFSET)

    def working_minutes_between_array(self, a, b):
        return np.maximum(self._F(b) - self._F(a), 0.0)

    def counting_start_array(self, received, cutoff=None, unit=None):
        received = np.asarray(received, dtype="datetime64[us]")
        x = self._F(received)
        if cutoff is not None:
            local = received + OFFSET
            minute = (local - local.astype("datetime64[D]")).astype("int64") / US_PER_MIN
            after = minute > cutoff.hour * 60 + cutoff.minute
            x = np.where(after, np.floor(x / 480.0) * 480.0 + 480.0, x)
        return self._G(x, prefer_start=True)

    def add_array(self, start, amount, unit):
        start = np.asarray(start, dtype="datetime64[us]")
        unit = getattr(unit, "value", unit)
        if unit == "calendar_days":
            return start + np.timedelta64(int(round(amount * 86400 * 1e6)), "us")
        minutes = amount * (480.0 if unit == "working_days" else 60.0)
        return self._G(self._F(start) + minutes)

    # scalar twins --------------------------------------------------------------
    @staticmethod
    def _arr(t):
        return np.array([np.datetime64(t.astimezone(dt.timezone.utc).replace(tzinfo=None), "us")])

    @staticmethod
    def _back(v):
        v = v[0]
        if np.isnat(v):
            return None
        return v.astype("datetime64[us]").astype(dt.datetime).replace(tzinfo=dt.timezone.utc)

    def working_minutes_between(self, a, b, pauses=()):
        total = float(self.working_minutes_between_array(self._arr(a), self._arr(b))[0])
        for p, q in pauses:
            total -= float(self.working_minutes_between_array(self._arr(p), self._arr(q))[0])
        return total

    def counting_start(self, received_at, cutoff=None, unit=None):
        return self._back(self.counting_start_array(self._arr(received_at), cutoff, unit))

    def add(self, start, amount, unit):
        return self._back(self.add_array(self._arr(start), amount, unit))


@functools.lru_cache(maxsize=None)
def make_calendar():
    try:
        from qms.calendar import WorkCalendar  # noqa: F401
    except ImportError:
        return FixedCalendar()
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


def approved_sample_library(tmp_dir):
    """The bundled sample library; an approved copy when a sample document still
    lacks its content hash (the sample calendar did while the branches were merging)."""
    import shutil

    from qms.errors import ValidationFailed
    from qms.library import load_library

    try:
        return load_library(None)
    except ValidationFailed:
        from qms.library.approve import approve
        from qms.resources import sample_library_dir

        copy = tmp_dir / "process_docs"
        shutil.copytree(sample_library_dir(), copy)
        for path in copy.rglob("*.yaml"):
            text = path.read_text(encoding="utf-8")
            if "status: approved" in text and "content_sha256" not in text:
                path.write_text(text.replace("status: approved", "status: draft"), encoding="utf-8")
                code = next(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("code:"))
                issue = int(next(line.split(":", 1)[1] for line in text.splitlines() if line.startswith("issue:")))
                approve(code, issue, "Kiểm thử", path=copy, on=dt.date(2023, 12, 1))
        return load_library(copy)
