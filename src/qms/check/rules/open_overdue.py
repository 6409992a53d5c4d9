"""Still open and overdue as of the check date."""

from __future__ import annotations

import polars as pl

from ...model.common import Text
from ._shared import expected_limit, expected_limit_text, measured, measured_text
from .base import Rule


def query(inputs):
    overdue = inputs.issued.filter(pl.col("status") == "open_overdue").explode("late_units", empty_as_null=True)
    return inputs.emit(overdue, unit=pl.col("late_units"), expected=expected_limit(inputs.tz),
                       actual=measured("as_of_at", inputs.tz))


def reference(facts):
    if facts.status == "open_overdue":
        for unit in facts.late_units or [None]:
            yield facts.hit(unit=unit, expected=expected_limit_text(facts), actual=measured_text(facts, facts.as_of))


RULE = Rule(
    id="open_overdue", severity="minor", clause="9.1", scope="dossier",
    title=Text(vi="Đang giải quyết, quá hạn", en="Open and overdue"),
    description=Text(vi="Hồ sơ chưa giải quyết xong và đã quá hạn tại ngày kiểm tra.",
                     en="The dossier is still open and overdue as of the check date."),
    reported_when="still open and overdue as of the check date; one finding per unit the delay is attributed to "
                  "(`late_units`)",
    dossier_facts=("late_units", "status", "method", "appointment_at", "allowed_s", "as_of_at", "used_s"),
    query=query, reference=reference,
)
