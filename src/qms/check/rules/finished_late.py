"""Late by the classification method's own comparison."""

from __future__ import annotations

import polars as pl

from ...model.common import Text
from ._shared import expected_limit, expected_limit_text, measured, measured_text
from .base import Rule


def query(inputs):
    late = (pl.col("status") == "late") & pl.col("late_by_method")
    # one finding per unit the delay is attributed to (check/units.py)
    blamed = inputs.issued.filter(late).explode("late_units", empty_as_null=True)
    return inputs.emit(blamed, unit=pl.col("late_units"), expected=expected_limit(inputs.tz),
                       actual=measured("finished_at", inputs.tz))


def reference(facts):
    # a dossier late only because the rule set counts repeated supplement requests
    # as late gets too_many_supplement_requests instead
    if facts.status == "late" and facts.late_by_method:
        for unit in facts.late_units or [None]:
            yield facts.hit(unit=unit, expected=expected_limit_text(facts),
                            actual=measured_text(facts, facts.finished_at))


RULE = Rule(
    id="finished_late", severity="major", clause="8.7", scope="dossier",
    title=Text(vi="Giải quyết quá hạn", en="Dossier finished late"),
    description=Text(vi="Hồ sơ được giải quyết quá hạn theo phương pháp phân loại của bộ quy tắc.",
                     en="The dossier was finished late under the rule set's classification method."),
    reported_when="late by the method's own comparison; one finding per unit the delay is attributed to "
                  "(`late_units`)",
    dossier_facts=("late_units", "status", "late_by_method", "method", "appointment_at", "allowed_s", "finished_at", "used_s"),
    query=query, reference=reference,
)
