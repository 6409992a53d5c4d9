"""More `apology_issued` events (new appointments) than the rule set allows."""

from __future__ import annotations

from ...model.common import Text
from ._shared import count_over_limit
from .base import Rule

query, reference = count_over_limit("reschedules", "max_reschedules")


RULE = Rule(
    id="appointment_rescheduled_more_than_once", severity="major", clause="8.5.1", scope="dossier",
    title=Text(vi="Hẹn lại quá số lần cho phép", en="Appointment rescheduled too often"),
    description=Text(vi="Hồ sơ được hẹn lại ngày trả kết quả nhiều hơn số lần bộ quy tắc cho phép.",
                     en="The dossier was given more new appointment dates than the rule set allows."),
    reported_when="more `apology_issued` events than `max_reschedules`",
    dossier_facts=("reschedules", "max_reschedules"), query=query, reference=reference,
)
