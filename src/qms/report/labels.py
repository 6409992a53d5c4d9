"""Human names of statuses, rules, ISO clauses and columns, as gettext msgids.

The English text is the msgid; `report.po` gives the Vietnamese. `label()` looks
a key up here and translates it; an unknown key (a rule added to the check engine
later) falls back to the key itself, so nothing is hidden.
"""

from __future__ import annotations

from babel.support import NullTranslations

STATUS = {
    "early": "Early",
    "on_time": "On time",
    "late": "Late",
    "open_within_time": "In progress, within time",
    "open_overdue": "In progress, overdue",
    "not_assessable": "Not assessable",
}

SEVERITY = {"major": "Major", "minor": "Minor", "observation": "Observation"}

CHANNEL = {
    "in_person": "In person",
    "online_full": "Fully online",
    "online_partial": "Partly online",
    "postal": "Public postal service",
}

RULE = {
    "unknown_procedure": "Unknown procedure",
    "no_issue_in_force": "No procedure issue in force",
    "missing_step": "Missing step",
    "unexpected_step": "Unexpected step",
    "step_out_of_order": "Step out of order",
    "repeated_step": "Repeated step",
    "no_result_step": "No result step",
    "step_overrun": "Step took longer than its share",
    "step_due_exceeded": "Step due time exceeded",
    "finished_late": "Result returned late",
    "appointment_beyond_limit": "Appointment beyond the legal limit",
    "appointment_missing": "Appointment date missing",
    "late_without_apology": "Late without an apology letter",
    "appointment_rescheduled_more_than_once": "Appointment rescheduled more than once",
    "too_many_supplement_requests": "More than one supplement request",
    "returned_before_approval": "Result returned before approval",
    "event_after_return": "Event after the result was returned",
    "open_overdue": "Open and overdue",
    # ingest data-quality kinds
    "event_before_receipt": "Event before receipt",
    "duplicate_event": "Duplicate event",
    "conflicting_dossier_fields": "Conflicting dossier fields",
    "unknown_procedure_code": "Unknown procedure code",
}

# ISO 9001:2015 clause numbers with short titles only.
CLAUSE = {
    "4.4": "Quality management system and its processes",
    "7.5": "Documented information",
    "8.1": "Operational planning and control",
    "8.5.1": "Control of service provision",
    "8.7": "Control of nonconforming outputs",
    "9.1": "Monitoring, measurement, analysis and evaluation",
    "9.2": "Internal audit",
    "9.3": "Management review",
    "10.2": "Nonconformity and corrective action",
    "10.3": "Continual improvement",
}

# States and sources of the nonconformity register (qms.capa).
NC_STATE = {
    "open": "Raised",
    "containment": "Contained",
    "cause_analysis": "Cause analysed",
    "action_plan": "Actions planned",
    "implemented": "Actions implemented",
    "closed": "Closed",
}
NC_SOURCE = {"manual": "Raised by hand", "audit": "Internal audit", "check": "Dossier check"}

REJECT_REASON = {
    "unparseable_timestamp": "Unparseable timestamp",
    "missing_dossier_id": "Missing dossier id",
}


def label(table: dict[str, str], key: str | None, catalog: NullTranslations) -> str:
    if key is None:
        return ""
    text = table.get(key)
    return catalog.gettext(text) if text else key


def all_msgids() -> list[str]:
    return [text for table in (STATUS, SEVERITY, CHANNEL, RULE, CLAUSE, REJECT_REASON, DOCUMENT_KIND, NC_STATE, NC_SOURCE) for text in table.values()]

DOCUMENT_KIND = {"procedure": "Procedure document", "ruleset": "Rule set", "calendar": "Calendar document", "checklist": "Checklist document"}
