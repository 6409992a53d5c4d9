"""The reference checker's facts about one dossier, in plain Python: what each
rule's `reference` judgement reads (the per-dossier twins of the engine's facts).

Written to be read: receipt, documents in force, counting start and due, finish,
the clock walked event by event, the status.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from ..model.procedure import FinishRule, Procedure
from ..model.ruleset import ClassificationMethodId, RuleSet
from .common import (
    CANONICAL_STATUSES, FINISH_LAST_EVENT, FINISH_STEP, RANK_STOPPED_OR_REFUSED, REASON_NO_RECEIPT, REASON_WITHDRAWN, day_seconds,
    limit_seconds,
)
from .documents import CheckDocuments
from .rules.base import Hit

_UNSET = object()


@dataclass
class Event:
    seq: int
    step: str
    unit: str | None
    at: dt.datetime
    procedure_code: str | None = None
    channel: str | None = None
    received_at: dt.datetime | None = None
    appointment_at: dt.datetime | None = None
    returned_at: dt.datetime | None = None
    step_due_at: dt.datetime | None = None


@dataclass
class StepVisit:
    """A step event in order, with the step event before it: whether that pair is a
    declared loop, and the how-many-th occurrence of the step since the last loop."""

    event: Event
    index: int
    previous: Event | None
    looped: bool
    occurrence: int


@dataclass
class DossierFacts:
    dossier_id: str
    events: list[Event]  # in time order (ties: the log's order), a synthetic return included
    docs: CheckDocuments
    as_of: dt.datetime
    carries: dict
    code: str | None
    unit: str | None
    channel: str | None
    received_at: dt.datetime | None
    logged_appointment: dt.datetime | None
    rule_day: dt.date
    known: bool
    procedure: Procedure | None
    ruleset: RuleSet
    steps: dict = field(default_factory=dict)  # step id -> (index, Step)
    terminal: set = field(default_factory=set)
    finish_event: Event | None = None
    finish_rank: int | None = None
    return_at: dt.datetime | None = None
    approval_at: dt.datetime | None = None
    went_to_end: bool = False
    ended_by_outcome: bool = False
    calendar_clock: bool = False
    allowed_s: int | None = None
    start: dt.datetime | None = None
    due: dt.datetime | None = None
    appointment: dt.datetime | None = None
    clock_at: dict = field(default_factory=dict)  # event position -> active seconds before it
    used: int | None = None
    paused: int | None = None
    status: str = "not_assessable"
    reason: str | None = None
    late_by_method: bool = False
    step_visits: list[StepVisit] = field(default_factory=list)
    units: list[str] = field(default_factory=list)  # units that handled a step (reference_units.py)
    late_units: list[str] = field(default_factory=list)  # units a late dossier is attributed to

    @property
    def tz(self) -> str:
        return self.docs.timezone

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.docs.timezone)

    @property
    def hours(self) -> float:
        return self.docs.calendar_settings.working_day_hours

    @property
    def method(self) -> str:
        return self.ruleset.classification_method.value

    @property
    def finished_at(self) -> dt.datetime | None:
        return self.finish_event.at if self.finish_event else None

    @property
    def supplement_requests(self) -> int:
        return sum(e.step == "supplement_requested" for e in self.events)

    @property
    def reschedules(self) -> int:
        return sum(e.step == "apology_issued" for e in self.events)

    def hit(self, step=None, unit=_UNSET, expected=None, actual=None) -> Hit:
        """A finding; its unit is the dossier's unless given."""
        return Hit(step=step, unit=self.unit if unit is _UNSET else unit, expected=expected, actual=actual)

    def is_result(self, e: Event) -> bool:
        return e.step == "returned" or (e.step in self.steps and self.steps[e.step][1].result)

    def seconds_between(self, a: dt.datetime, b: dt.datetime, clock: bool | None = None) -> int:
        """Seconds of the dossier's clock (elapsed for calendar-day limits), b < a as 0."""
        clock = self.calendar_clock if clock is None else clock
        b = max(a, b)
        if clock:
            return round((b - a) / dt.timedelta(seconds=1))
        return round(self.docs.calendar.working_minutes_between(a, b) * 60.0)


def _with_return(events: list[Event], as_of: dt.datetime) -> list[Event]:
    """In time order; a dossier-level return moment with no `returned` event stands for one."""
    events = sorted(events, key=lambda e: (e.at, e.seq))
    if not any(e.step == "returned" for e in events):
        returned_at = next((e.returned_at for e in events if e.returned_at is not None), None)
        if returned_at is not None and returned_at <= as_of:
            events = sorted(events + [Event(seq=10**12, step="returned", unit=events[0].unit, at=returned_at,
                                            procedure_code=events[0].procedure_code)], key=lambda e: (e.at, e.seq))
    return events


def dossier_facts(dossier_id: str, events: list[Event], docs: CheckDocuments, as_of: dt.datetime,
                  carries: dict) -> DossierFacts:
    events = _with_return(events, as_of)
    zone = ZoneInfo(docs.timezone)
    first = lambda attr: next((getattr(e, attr) for e in events if getattr(e, attr) is not None), None)  # noqa: E731
    code = first("procedure_code")
    received_at = first("received_at") or next((e.at for e in events if e.step == "received"), None)
    rule_day = (received_at or events[0].at).astimezone(zone).date()
    facts = DossierFacts(
        dossier_id=dossier_id, events=events, docs=docs, as_of=as_of, carries=carries, code=code,
        unit=first("unit"), channel=first("channel"), received_at=received_at,
        logged_appointment=next((e.appointment_at for e in events
                                 if e.step != "apology_issued" and e.appointment_at is not None), None),
        rule_day=rule_day, known=code in docs.known_codes(),
        procedure=docs.procedure_in_force(code, rule_day) if code is not None else None,
        ruleset=docs.ruleset_in_force(rule_day),
    )
    if facts.procedure is not None:
        procedure = facts.procedure
        facts.steps = {s.id: (i, s) for i, s in enumerate(procedure.steps)}
        facts.terminal = set(procedure.terminal_outcomes)
        facts.calendar_clock = procedure.time_limit.unit.value == "calendar_days"
        facts.allowed_s = limit_seconds(procedure.time_limit.amount, procedure.time_limit.unit.value, facts.hours)
    _finish(facts)
    if facts.procedure is not None:
        _times(facts)
        _clock(facts)
        _status(facts)
        facts.step_visits = _step_visits(facts)
    return facts


def _rank(facts: DossierFacts, e: Event) -> int | None:
    """How an event finishes the dossier: processed, else the result returned, else
    stopped/refused (or a step the procedure lists as a terminal outcome), else withdrawn."""
    if e.step == "processed":
        return 1
    if facts.is_result(e):
        return 2
    if e.step in ("stopped", "refused") or (e.step in facts.terminal and e.step not in CANONICAL_STATUSES):
        return 3
    if e.step == "withdrawn":
        return 4
    return None


def _finish(facts: DossierFacts) -> None:
    facts.finish_event, facts.finish_rank = _finishing_event(facts)
    facts.return_at = min((e.at for e in facts.events if facts.is_result(e)), default=None)
    facts.approval_at = min((e.at for e in facts.events if e.step in facts.steps and facts.steps[e.step][1].approval),
                            default=None)
    facts.went_to_end = any(e.step == "processed" or facts.is_result(e) for e in facts.events)
    facts.ended_by_outcome = any(e.step in facts.terminal or e.step in ("refused", "withdrawn", "stopped")
                                 for e in facts.events)


def _first_of_lowest_rank(facts: DossierFacts, events: list[Event]) -> tuple[Event | None, int | None]:
    ranked = [(_rank(facts, e), e) for e in events if _rank(facts, e) is not None]
    if not ranked:
        return None, None
    rank, event = min(ranked, key=lambda pair: pair[0])  # min keeps the first of equals
    return event, rank


def _finishing_event(facts: DossierFacts) -> tuple[Event | None, int | None]:
    """The event that finishes the dossier and its rank, by the issue's `finish:`:
    `default` the first of the lowest rank; `last_event` the last event, unless the
    dossier was only withdrawn; a step its first or last occurrence, else the first
    stop or refusal, else a withdrawal, else none (the dossier is open)."""
    finish = facts.procedure.finish if facts.procedure is not None else FinishRule.default
    event, rank = _first_of_lowest_rank(facts, facts.events)
    if finish == FinishRule.default:
        return event, rank
    if finish == FinishRule.last_event:
        return (event, rank) if rank == 4 else (facts.events[-1], FINISH_LAST_EVENT)
    occurrences = [e for e in facts.events if e.step == finish.step]
    if occurrences:
        return occurrences[0 if finish.occurrence == "first" else -1], FINISH_STEP
    return _first_of_lowest_rank(facts, [e for e in facts.events if (_rank(facts, e) or 0) >= RANK_STOPPED_OR_REFUSED])


def _times(facts: DossierFacts) -> None:
    """Counting start (calendar-day limits count from receipt itself), legal due and appointment."""
    procedure, limit = facts.procedure, facts.procedure.time_limit
    if facts.received_at is not None:
        # the one function `qms calendar due` asks too
        cutoff = procedure.receipt_cutoff or facts.docs.calendar_settings.receipt_cutoff
        facts.start, facts.due = facts.docs.calendar.due(facts.received_at, limit.amount, limit.unit.value, cutoff,
                                                         unit=facts.unit)
    facts.appointment = facts.logged_appointment or facts.due


def _clock(facts: DossierFacts) -> None:
    """The clock, walked event by event: each gap to the next event is paused when
    the last supplement event so far was a request, active otherwise."""
    start, events = facts.start, facts.events
    if start is None:
        return
    active_total = facts.seconds_between(start, max(events[0].at, start))
    paused_total = 0
    waiting = False
    for position, e in enumerate(events):
        facts.clock_at[position] = active_total
        if e is facts.finish_event:
            facts.used, facts.paused = active_total, paused_total
        if e.step == "supplement_requested":
            waiting = True
        elif e.step == "supplement_received":
            waiting = False
        here = max(e.at, start)
        if position + 1 < len(events):
            there = max(events[position + 1].at, start)
        else:
            there = here if facts.finish_event is not None else facts.as_of
        gap = facts.seconds_between(here, there)
        if waiting:
            paused_total += gap
        else:
            active_total += gap
    if facts.finish_event is None:
        facts.used, facts.paused = active_total, paused_total


def _status(facts: DossierFacts) -> None:
    finished_at, appointment, used, allowed_s = facts.finished_at, facts.appointment, facts.used, facts.allowed_s
    by_appointment = facts.method == ClassificationMethodId.appointment.value
    if facts.received_at is None:
        facts.reason = REASON_NO_RECEIPT
    elif facts.finish_rank == 4:
        facts.reason = REASON_WITHDRAWN
    day_s = day_seconds(facts.calendar_clock, facts.hours)
    if facts.reason:
        status = "not_assessable"
    elif finished_at is not None:
        if facts.ruleset.count_repeated_supplement_as_late and \
                facts.supplement_requests > facts.ruleset.max_supplement_requests:
            status = "late"
        elif by_appointment:
            if finished_at > appointment:
                status = "late"
            elif finished_at.astimezone(facts.zone).date() == appointment.astimezone(facts.zone).date():
                status = "on_time"
            else:
                status = "early"
        else:
            status = "late" if used > allowed_s else "on_time" if used > allowed_s - day_s else "early"
    else:
        overdue = facts.as_of > appointment if by_appointment else used > allowed_s
        status = "open_overdue" if overdue else "open_within_time"
    facts.status = status
    # late by the method's own comparison (not by the count of supplement requests)
    facts.late_by_method = finished_at is not None and appointment is not None and (
        finished_at > appointment if by_appointment else used is not None and used > allowed_s)


def _step_visits(facts: DossierFacts) -> list[StepVisit]:
    """Each step event against the step event before it (a declared loop may go back
    and starts the count of occurrences anew)."""
    loops = {(loop.from_step, loop.to_step) for loop in facts.procedure.loops}
    visits, seen, previous = [], {}, None
    for e in facts.events:
        if e.step not in facts.steps or e.step in facts.terminal:
            continue
        looped = previous is not None and (previous.step, e.step) in loops
        if looped:
            seen = {}
        seen[e.step] = seen.get(e.step, 0) + 1
        visits.append(StepVisit(e, facts.steps[e.step][0], previous, looped, seen[e.step]))
        previous = e
    return visits
