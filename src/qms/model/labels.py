"""Display names of the codes qms uses (statuses, severities, channels, NC states,
document kinds, …), as English gettext msgids: one home for every layer that shows
them (the reports, the CLI, the web pages). Plain data; the Vietnamese is in the
catalogs (`report.po`). A key not listed falls back to the key itself.
"""

from __future__ import annotations

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

# The canonical statuses a log records beside the procedure's own steps.
EVENT = {
    "received": "Dossier received",
    "supplement_requested": "Supplement requested",
    "supplement_received": "Supplement received",
    "apology_issued": "Apology and new appointment issued",
    "processed": "Processed",
    "returned": "Result returned",
    "refused": "Refused",
    "withdrawn": "Withdrawn by the applicant",
    "stopped": "Processing stopped",
}

# Names of the check rules come from the rule catalogue (qms.check.rules), the one
# source of their titles; these are the data-quality kinds found while reading a log.
DATA_QUALITY = {
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
    # The other clauses an audit checklist can cite (4.1–10.3).
    "4.1": "Understanding the organization and its context",
    "4.2": "Needs and expectations of interested parties",
    "4.3": "Scope of the quality management system",
    "5.1": "Leadership and commitment",
    "5.1.1": "Leadership and commitment for the quality management system",
    "5.1.2": "Customer focus",
    "5.2": "Quality policy",
    "5.3": "Organizational roles, responsibilities and authorities",
    "6.1": "Actions to address risks and opportunities",
    "6.2": "Quality objectives and planning to achieve them",
    "6.3": "Planning of changes",
    "7.1": "Resources",
    "7.1.1": "Resources in general",
    "7.1.2": "People",
    "7.1.3": "Infrastructure",
    "7.1.4": "Environment for the operation of processes",
    "7.1.5": "Monitoring and measuring resources",
    "7.1.6": "Organizational knowledge",
    "7.2": "Competence",
    "7.3": "Awareness",
    "7.4": "Communication",
    "7.5.1": "Documented information in general",
    "7.5.2": "Creating and updating documented information",
    "7.5.3": "Control of documented information",
    "8.2": "Requirements for products and services",
    "8.2.1": "Customer communication",
    "8.2.2": "Determining the requirements for products and services",
    "8.2.3": "Review of the requirements for products and services",
    "8.2.4": "Changes to requirements for products and services",
    "8.3": "Design and development of products and services",
    "8.4": "Control of externally provided processes, products and services",
    "8.5": "Production and service provision",
    "8.5.2": "Identification and traceability",
    "8.5.3": "Property belonging to customers or external providers",
    "8.5.4": "Preservation",
    "8.5.5": "Post-delivery activities",
    "8.5.6": "Control of changes",
    "8.6": "Release of products and services",
    "9.1.1": "Monitoring and measurement in general",
    "9.1.2": "Customer satisfaction",
    "9.1.3": "Analysis and evaluation",
    "10.1": "Improvement in general",
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

# Why ingest rejected a row (qms.ingest.schema.REJECT_REASONS).
REJECT_REASON = {
    "empty_row": "Empty row",
    "missing_dossier_id": "Missing dossier id",
    "missing_procedure_code": "Missing procedure code",
    "missing_step": "Missing step",
    "unknown_step": "Unknown step",
    "missing_timestamp": "Missing timestamp",
    "unparseable_timestamp": "Unparseable timestamp",
    "implausible_timestamp": "Implausible timestamp",
    "invalid_utf8": "Bytes that are not UTF-8 text",
    "unknown_channel": "Unknown channel",
    "unknown_value": "Value not in the profile's value map",
}

# Why the check could not judge a dossier (qms.check.common REASON_*).
NOT_ASSESSABLE_REASON = {
    "unknown_procedure": "Procedure not in the library",
    "no_issue_in_force": "No issue of the procedure in force on the day received",
    "no_receipt": "No receipt event",
    "withdrawn": "Withdrawn by the applicant",
}

DOCUMENT_KIND = {"procedure": "Procedure document", "ruleset": "Rule set", "calendar": "Calendar document", "checklist": "Checklist document",
                 "indicator_set": "Indicator set"}
