"""The logged appointment falls on a later day than the legal due."""

from __future__ import annotations

import polars as pl

from ...model.common import Text
from ..common import DATE_FORMAT, fmt_time, local_text
from .base import Rule


def query(inputs):
    day = inputs.local_days(["logged_appointment_at", "due_at"])
    return inputs.emit(inputs.issued.filter(day["logged_appointment_at"] > day["due_at"]),
                       expected=fmt_time(pl.col("due_at"), inputs.tz, DATE_FORMAT),
                       actual=fmt_time(pl.col("logged_appointment_at"), inputs.tz, DATE_FORMAT))


def reference(facts):
    logged, due = facts.logged_appointment, facts.due
    if logged is not None and due is not None and logged.astimezone(facts.zone).date() > due.astimezone(facts.zone).date():
        yield facts.hit(expected=local_text(due, facts.tz, DATE_FORMAT), actual=local_text(logged, facts.tz, DATE_FORMAT))


RULE = Rule(
    id="appointment_beyond_limit", severity="major", clause="8.5.1", scope="dossier",
    title=Text(vi="Hẹn trả vượt thời hạn luật định", en="Appointment later than the legal limit"),
    description=Text(vi="Ngày hẹn trả kết quả trên giấy tiếp nhận muộn hơn ngày hết thời hạn giải quyết.",
                     en="The appointment date on the receipt is later than the day the legal time limit ends."),
    reported_when="the logged appointment falls on a later day than the legal due",
    dossier_facts=("logged_appointment_at", "due_at"), query=query, reference=reference,
)
