"""What a rule is: metadata, the facts it reads, and its two implementations.

The engine computes a fixed set of facts once for the whole log (the tables below:
one row per dossier, one row per event of a dossier judged against a procedure
issue); a rule's `query` reads only the facts it declares (it is handed frames with
just those columns) and returns its findings as a lazy query, collected with every
other rule's at once. Its `reference` judges one dossier from the reference
checker's facts (`qms.check.reference_facts.DossierFacts`) in plain Python. Tests
hold the two to identical findings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ...model.check_output import Severity
from ...model.common import Text

# Facts per dossier (row = dossier), computed once by the engine.
DOSSIER_FACTS: dict[str, str] = {
    "procedure_code": "the dossier's procedure code",
    "known": "the code has a procedure in the library",
    "procedure_issue": "the issue in force at receipt (null: none)",
    "rule_day": "local day of receipt (else of the first event): picks the issues in force",
    "received_at": "receipt: the dossier-level column, else the first `received` event",
    "logged_appointment_at": "the appointment the log carries (never an apology's new date)",
    "appointment_at": "the logged appointment, else the legal due",
    "due_at": "legal due: counting start plus the time limit on the calendar",
    "finished_at": "finish, by the issue's `finish:`; by default first `processed`, else first result, else first "
                   "stop, refusal or terminal-outcome step",
    "finish_rank": "1 processed, 2 result, 3 stopped, refused or a terminal-outcome step, 4 withdrawn, "
                   "5 the issue's finish step, 6 the last event",
    "return_at": "first result event (`returned` or a step with `result: true`)",
    "approval_at": "first approval step event",
    "has_approval_step": "the procedure issue has an approval step",
    "approval_step": "the approval step's id",
    "has_terminal": "a terminal outcome, refusal, withdrawal or stop was recorded",
    "went_to_end": "`processed` or a result was recorded",
    "furthest_idx": "the furthest step (index in the procedure) recorded",
    "steps_seen": "the recorded steps as bits (index < 62)",
    "may_repeat": "more once-only step events than distinct once-only steps",
    "status": "early, on_time, late, open_within_time, open_overdue, not_assessable",
    "late_by_method": "late by the method's own comparison",
    "method": "the rule set's classification method",
    "allowed_s": "the time limit in seconds of the dossier's clock",
    "used_s": "active time up to the finish (or as-of)",
    "as_of_at": "the check's as-of instant",
    "supplement_requests": "number of `supplement_requested` events",
    "reschedules": "number of `apology_issued` events",
    "max_supplement_requests": "the rule set's limit",
    "max_reschedules": "the rule set's limit",
    "apology_lead_s": "the rule set's apology lead time, in working seconds",
    "first_apology_at": "first `apology_issued` event",
    "late_units": "a late or open overdue dossier's units whose steps overran, else its last step's unit (units.py)",
}
# Facts per event of a dossier judged against a procedure issue (row = event, in
# time order within the dossier; `did` numbers the dossier).
EVENT_FACTS: dict[str, str] = {
    "first": "the dossier's first event",
    "step": "the event's step name",
    "sc": "the step name as an integer code (canonical statuses first)",
    "at": "the event's instant",
    "idx": "index of the step in the procedure (null: not a step of it)",
    "packed": "the step's properties as bits (see frame.BIT_*)",
    "allotted_s": "the step's allotted time in seconds",
    "position": "row of the (issue, step) in the step table (for the step's unit)",
    "clock_s": "active time of the dossier's clock before the event",
    "previous_clock": "clock_s of the previous step event (-1: none)",
    "prev_sc": "step code of the previous ordered step event (-1: none)",
    "prev_idx": "procedure index of the previous ordered step event (-1: none)",
    "is_loop": "(previous step, this step) is a declared loop",
    "step_due_at": "the per-step due moment the log carries",
    "return_at": "the dossier's first result event",
}


@dataclass(frozen=True)
class Hit:
    """One finding of a rule in the reference checker (rule id and texts added by it)."""

    step: str | None
    unit: str | None
    expected: str | None = None
    actual: str | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    clause: str  # ISO 9001:2015 clause the finding evidences
    scope: str  # "dossier", "event" (one per offending event) or "step" (one per procedure step)
    title: Text
    description: Text
    reported_when: str  # the docs' table (English, Markdown)
    query: Callable[[Any], Any]  # (qms.check.findings.RuleInputs) -> pl.LazyFrame | None
    reference: Callable[[Any], Iterable[Hit]]  # (qms.check.reference_facts.DossierFacts) -> hits
    dossier_facts: tuple[str, ...] = ()
    event_facts: tuple[str, ...] = ()
    judged_only: bool = True  # applies only to dossiers with a procedure issue in force
    # a concept some source systems do not record at all (e.g. "apology"); where a log's
    # system lacks it, the rule is reported as not assessable instead of finding everything
    needs_concept: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "severity", Severity(self.severity))
        if self.scope not in ("dossier", "event", "step"):
            raise ValueError(f"rule {self.id}: unknown scope {self.scope!r}")
        unknown = [f for f in self.dossier_facts if f not in DOSSIER_FACTS] + \
                  [f for f in self.event_facts if f not in EVENT_FACTS]
        if unknown:
            raise ValueError(f"rule {self.id}: undeclared facts {unknown}")
