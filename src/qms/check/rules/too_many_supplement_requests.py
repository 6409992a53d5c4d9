"""More `supplement_requested` events than the rule set allows."""

from __future__ import annotations

from ...model.common import Text
from ._shared import count_over_limit
from .base import Rule

query, reference = count_over_limit("supplement_requests", "max_supplement_requests")


RULE = Rule(
    id="too_many_supplement_requests", severity="minor", clause="8.5.1", scope="dossier",
    title=Text(vi="Yêu cầu bổ sung quá số lần", en="Too many supplement requests"),
    description=Text(vi="Hồ sơ bị yêu cầu bổ sung, hoàn thiện nhiều hơn số lần bộ quy tắc cho phép.",
                     en="The applicant was asked for more documents more often than the rule set allows."),
    reported_when="more `supplement_requested` events than `max_supplement_requests`",
    dossier_facts=("supplement_requests", "max_supplement_requests"), query=query, reference=reference,
)
