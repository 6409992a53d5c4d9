"""The reference checker: one dossier at a time, in plain Python, written to be read.

It states the rules the way an auditor would apply them by hand and uses only the
calendar's scalar methods. It is slow and exists so that the vectorised engine (`engine.py`) can be tested against it: both must produce
identical dossiers and findings tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import polars as pl

from ..model.ruleset import ClassificationMethodId
from .common import (
    CANONICAL_STATUSES, DATE_FORMAT, FINISH_KIND_NAMES, OPTIONAL_TIME_COLUMNS, REASON_NO_ISSUE, REASON_NO_RECEIPT,
    REASON_UNKNOWN_PROCEDURE, REASON_WITHDRAWN, day_seconds, limit_seconds, local_text, minutes_text,
)
from .documents import CheckDocuments
from .engine import ruleset_list, sort_findings
from .rules import RULES_BY_ID


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
class Judgement:
    row: dict
    findings: list[dict] = field(default_factory=list)


def check_events_reference(events: pl.DataFrame | pl.LazyFrame, docs: CheckDocuments, as_of: dt.datetime,
                           language: str = "vi"):
    frame = events.collect() if isinstance(events, pl.LazyFrame) else events
    carries = {c: c in frame.columns for c in (*OPTIONAL_TIME_COLUMNS, "channel")}
    by_dossier: dict[str, list[Event]] = {}
    for seq, row in enumerate(frame.iter_rows(named=True)):
        if row["at"] is None or row["at"] > as_of:
            continue
        by_dossier.setdefault(row["dossier_id"], []).append(Event(
            seq=seq, step=row["step"], unit=row.get("unit"), at=row["at"], procedure_code=row.get("procedure_code"),
            channel=row.get("channel"), received_at=row.get("received_at"), appointment_at=row.get("appointment_at"),
            returned_at=row.get("returned_at"), step_due_at=row.get("step_due_at"),
        ))
    rows, findings = [], []
    for dossier_id in sorted(by_dossier):
        judgement = judge_dossier(dossier_id, by_dossier[dossier_id], docs, as_of, carries, language)
        rows.append(judgement.row)
        findings.extend(judgement.findings)
    return rows, findings


def judge_dossier(dossier_id: str, events: list[Event], docs: CheckDocuments, as_of: dt.datetime, carries: dict,
                  language: str) -> Judgement:
    tz = docs.timezone
    zone = ZoneInfo(tz)
    hours = docs.calendar_settings.working_day_hours
    cal = docs.calendar

    events = sorted(events, key=lambda e: (e.at, e.seq))
    # A dossier-level return moment with no `returned` event stands for one.
    if not any(e.step == "returned" for e in events):
        returned_at = next((e.returned_at for e in events if e.returned_at is not None), None)
        if returned_at is not None and returned_at <= as_of:
            events = events + [Event(seq=10**12, step="returned", unit=events[0].unit, at=returned_at,
                                     procedure_code=events[0].procedure_code)]
    events = sorted(events, key=lambda e: (e.at, e.seq))

    code = next((e.procedure_code for e in events if e.procedure_code is not None), None)
    unit = next((e.unit for e in events if e.unit is not None), None)
    channel = next((e.channel for e in events if e.channel is not None), None)
    received_at = next((e.received_at for e in events if e.received_at is not None), None)
    if received_at is None:
        received_at = next((e.at for e in events if e.step == "received"), None)
    logged_appointment = next(
        (e.appointment_at for e in events if e.step != "apology_issued" and e.appointment_at is not None), None)
    receipt_day = received_at.astimezone(zone).date() if received_at else None
    rule_day = receipt_day or events[0].at.astimezone(zone).date()
    procedure = docs.procedure_in_force(code, rule_day) if code is not None else None
    known = code in docs.known_codes()
    rulesets = ruleset_list(docs)
    ruleset = docs.ruleset_in_force(rule_day)
    rs_index = next(i for i, r in enumerate(rulesets) if r is ruleset)

    found: list[dict] = []

    def finding(rule_id, step=None, unit_=unit, expected=None, actual=None):
        setting = ruleset.rules.get(rule_id)
        if setting is not None and not setting.enabled:
            return
        rule = RULES_BY_ID[rule_id]
        severity = setting.severity if setting is not None and setting.severity else rule.severity
        found.append({"dossier_id": dossier_id, "rule": rule_id, "severity": severity.value, "clause": rule.clause,
                      "procedure_code": code, "step": step, "unit": unit_, "expected": expected, "actual": actual,
                      "message": rule.title.in_language(language)})

    row = {
        "dossier_id": dossier_id, "procedure_code": code, "procedure_issue": None, "field": None, "unit": unit,
        "channel": channel, "received_at": received_at, "counting_start_at": None, "appointment_at": None,
        "due_at": None, "finished_at": None, "paused_minutes": None, "used_minutes": None, "allowed_minutes": None,
        "status": "not_assessable", "not_assessable_reason": None,
        "method": ruleset.classification_method.value, "ruleset_code": ruleset.code,
        "ruleset_issue": ruleset.issue, "finish_kind": None,
        "supplement_requests": sum(e.step == "supplement_requested" for e in events),
        "reschedules": sum(e.step == "apology_issued" for e in events), "calendar_clock": None,
    }
    steps = {s.id: (i, s) for i, s in enumerate(procedure.steps)} if procedure else {}
    def is_result(e: Event) -> bool:
        return e.step == "returned" or (e.step in steps and steps[e.step][1].result)

    # finish: processed, else the result returned, else stopped/refused, else withdrawn
    def rank(e: Event) -> int | None:
        if e.step == "processed":
            return 1
        if is_result(e):
            return 2
        if e.step in ("stopped", "refused"):
            return 3
        if e.step == "withdrawn":
            return 4
        return None

    ranked = [(rank(e), e) for e in events if rank(e) is not None]
    finish_event = min(ranked, key=lambda pair: pair[0])[1] if ranked else None  # min keeps the first of equals
    finish_rank = rank(finish_event) if finish_event else None
    finished_at = finish_event.at if finish_event else None
    return_at = min((e.at for e in events if is_result(e)), default=None)
    row["finished_at"] = finished_at
    row["finish_kind"] = FINISH_KIND_NAMES.get(finish_rank)

    if not known:
        row.update(not_assessable_reason=REASON_UNKNOWN_PROCEDURE, appointment_at=logged_appointment)
        finding("unknown_procedure", actual=code)
        return Judgement(row, found)
    if procedure is None:
        row.update(not_assessable_reason=REASON_NO_ISSUE, appointment_at=logged_appointment)
        finding("no_issue_in_force", actual=rule_day.strftime(DATE_FORMAT))
        return Judgement(row, found)

    terminal = set(procedure.terminal_outcomes)
    loops = {(loop.from_step, loop.to_step) for loop in procedure.loops}
    limit_unit = procedure.time_limit.unit.value
    calendar_clock = limit_unit == "calendar_days"
    allowed_s = limit_seconds(procedure.time_limit.amount, limit_unit, hours)
    row.update(procedure_issue=procedure.issue, field=procedure.field.vi, allowed_minutes=allowed_s / 60,
               calendar_clock=calendar_clock)

    # counting start and the legal due moment
    start = due = None
    if received_at is not None:
        if calendar_clock:
            start = received_at
        else:
            cutoff = procedure.receipt_cutoff or docs.calendar_settings.receipt_cutoff
            start = cal.counting_start(received_at, cutoff=cutoff, unit=unit)
        due = cal.add(start, procedure.time_limit.amount, limit_unit)
    appointment = logged_appointment or due
    row.update(counting_start_at=start, due_at=due, appointment_at=appointment)

    def seconds_between(a, b, clock=calendar_clock):
        if b < a:
            b = a
        if clock:
            return round((b - a) / dt.timedelta(seconds=1))
        return round(cal.working_minutes_between(a, b) * 60.0)

    # The clock, walked event by event: each gap to the next event is paused when
    # the last supplement event so far was a request, active otherwise.
    clock_at: dict[int, int] = {}  # event position -> active seconds before it
    used = paused = None
    if start is not None:
        active_total = seconds_between(start, max(events[0].at, start))
        paused_total = 0
        waiting = False
        for position, e in enumerate(events):
            clock_at[position] = active_total
            if e is finish_event:
                used, paused = active_total, paused_total
            if e.step == "supplement_requested":
                waiting = True
            elif e.step == "supplement_received":
                waiting = False
            here = max(e.at, start)
            if position + 1 < len(events):
                there = max(events[position + 1].at, start)
            else:
                there = here if finish_event is not None else as_of
            gap = seconds_between(here, there)
            if waiting:
                paused_total += gap
            else:
                active_total += gap
        if finish_event is None:
            used, paused = active_total, paused_total
        row.update(used_minutes=used / 60, paused_minutes=paused / 60)

    # status
    reason = None
    if received_at is None:
        reason = REASON_NO_RECEIPT
    elif finish_rank == 4:
        reason = REASON_WITHDRAWN
    method = ruleset.classification_method.value
    day_s = day_seconds(calendar_clock, hours)
    if reason:
        status = "not_assessable"
    elif finished_at is not None:
        if ruleset.count_repeated_supplement_as_late and row["supplement_requests"] > ruleset.max_supplement_requests:
            status = "late"
        elif method == ClassificationMethodId.appointment.value:
            if finished_at > appointment:
                status = "late"
            elif finished_at.astimezone(zone).date() == appointment.astimezone(zone).date():
                status = "on_time"
            else:
                status = "early"
        else:
            status = "late" if used > allowed_s else "on_time" if used > allowed_s - day_s else "early"
    else:
        if method == ClassificationMethodId.appointment.value:
            overdue = as_of > appointment
        else:
            overdue = used > allowed_s
        status = "open_overdue" if overdue else "open_within_time"
    row.update(status=status, not_assessable_reason=reason)

    # --- rules over the events -------------------------------------------------------
    for e in events:
        if e.step not in steps and e.step not in CANONICAL_STATUSES and e.step not in terminal:
            finding("unexpected_step", step=e.step, unit_=e.unit, actual=e.step)

    # Order: each step event against the step event before it (a declared loop may
    # go back). Repetition: a non-repeatable step seen again since the last loop.
    step_events = [(i, e) for i, e in enumerate(events) if e.step in steps and e.step not in terminal]
    seen: dict[str, int] = {}
    previous = None
    for _, e in step_events:
        index, step_def = steps[e.step]
        looped = previous is not None and (previous.step, e.step) in loops
        if looped:
            seen = {}
        seen[e.step] = seen.get(e.step, 0) + 1
        if seen[e.step] > 1 and not step_def.repeatable:
            finding("repeated_step", step=e.step, unit_=e.unit, expected="1", actual=str(seen[e.step]))
        if previous is not None and index < steps[previous.step][0] and not looped:
            finding("step_out_of_order", step=e.step, unit_=e.unit, expected=previous.step, actual=e.step)
        previous = e

    # working time each step took since the previous step event (pauses excluded)
    if start is not None:
        timed = [(i, e) for i, e in enumerate(events) if e.step in steps]
        for (before, _), (position, e) in zip(timed, timed[1:]):
            step_def = steps[e.step][1]
            if step_def.allotted is None:
                continue
            allotted = limit_seconds(step_def.allotted.amount, step_def.allotted.unit.value, hours)
            took = clock_at[position] - clock_at[before]
            if took > allotted:
                finding("step_overrun", step=e.step, unit_=step_def.unit, expected=minutes_text(allotted),
                        actual=minutes_text(took))

    if carries.get("step_due_at"):
        for e in events:
            if e.step_due_at is not None and e.at > e.step_due_at:
                finding("step_due_exceeded", step=e.step, unit_=e.unit, expected=local_text(e.step_due_at, tz),
                        actual=local_text(e.at, tz))

    if return_at is not None:
        for e in events:
            if e.at > return_at:
                finding("event_after_return", step=e.step, unit_=e.unit, expected=local_text(return_at, tz),
                        actual=local_text(e.at, tz))

    # A required step is missing only when the dossier went past it: a later step,
    # `processed` or a result was recorded. (A missing result is `no_result_step`.)
    recorded = {e.step for e in events}
    furthest = max((steps[e.step][0] for e in events if e.step in steps), default=None)
    went_to_end = any(e.step == "processed" or is_result(e) for e in events)
    for index, s in enumerate(procedure.steps):
        if s.optional or s.result or s.id in terminal or s.id in recorded:
            continue
        if went_to_end or (furthest is not None and furthest > index):
            finding("missing_step", step=s.id, unit_=s.unit, expected=s.id)

    ended_by_outcome = any(e.step in terminal or e.step in ("refused", "withdrawn", "stopped") for e in events)
    if finish_rank == 1 and return_at is None and not ended_by_outcome:
        finding("no_result_step", actual="processed")
    approval_at = min((e.at for e in events if e.step in steps and steps[e.step][1].approval), default=None)
    has_approval_step = any(s.approval for s in procedure.steps)
    if has_approval_step and return_at is not None and not (approval_at is not None and approval_at < return_at):
        approval_step = next(s.id for s in procedure.steps if s.approval)
        finding("returned_before_approval", step=approval_step, expected=local_text(approval_at, tz), actual=local_text(return_at, tz))

    by_appointment = method == ClassificationMethodId.appointment.value
    # Late by the method's own comparison; a dossier late only because the rule set
    # counts repeated supplement requests as late gets too_many_supplement_requests.
    late_by_method = finished_at is not None and appointment is not None and (
        finished_at > appointment if by_appointment else used is not None and used > allowed_s)
    if status == "late" and late_by_method:
        finding("finished_late",
                expected=local_text(appointment, tz) if by_appointment else minutes_text(allowed_s),
                actual=local_text(finished_at, tz) if by_appointment else minutes_text(used))
    if status == "open_overdue":
        finding("open_overdue",
                expected=local_text(appointment, tz) if by_appointment else minutes_text(allowed_s),
                actual=local_text(as_of, tz) if by_appointment else minutes_text(used))
    if logged_appointment is not None and due is not None and \
            logged_appointment.astimezone(zone).date() > due.astimezone(zone).date():
        finding("appointment_beyond_limit", expected=local_text(due, tz, DATE_FORMAT),
                actual=local_text(logged_appointment, tz, DATE_FORMAT))
    if carries.get("appointment_at") and logged_appointment is None and received_at is not None:
        finding("appointment_missing")
    if row["reschedules"] > ruleset.max_reschedules:
        finding("appointment_rescheduled_more_than_once", expected=str(ruleset.max_reschedules),
                actual=str(row["reschedules"]))
    if row["supplement_requests"] > ruleset.max_supplement_requests:
        finding("too_many_supplement_requests", expected=str(ruleset.max_supplement_requests),
                actual=str(row["supplement_requests"]))
    if status in ("late", "open_overdue") and (finished_at or as_of) > appointment:
        lead_s = int(round(ruleset.apology_lead_working_days * hours * 3600))
        apologies = [e.at for e in events if e.step == "apology_issued"]
        timely = any(a <= appointment and seconds_between(a, appointment, clock=False) >= lead_s for a in apologies)
        if not timely:
            finding("late_without_apology", expected=local_text(appointment, tz),
                    actual=local_text(apologies[0], tz) if apologies else None)
    return Judgement(row, found)


def reference_tables(events, docs: CheckDocuments, as_of: dt.datetime, language: str = "vi"):
    """The reference result as DataFrames shaped like the engine's."""
    from ..model.check_output import DOSSIER_COLUMNS, FINDING_COLUMNS

    rows, findings = check_events_reference(events, docs, as_of, language)
    utc = pl.Datetime("us", "UTC")
    schema = {c: pl.Utf8 for c in (*DOSSIER_COLUMNS, "method", "ruleset_code", "finish_kind")}
    schema.update({c: utc for c in ("received_at", "counting_start_at", "appointment_at", "due_at", "finished_at")})
    schema.update({c: pl.Float64 for c in ("paused_minutes", "used_minutes", "allowed_minutes")})
    schema.update({c: pl.Int64 for c in ("procedure_issue", "ruleset_issue", "supplement_requests", "reschedules")})
    schema["calendar_clock"] = pl.Boolean
    dossiers = pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)
    finding_schema = {c: pl.Utf8 for c in FINDING_COLUMNS}
    table = pl.DataFrame(findings, schema=finding_schema) if findings else pl.DataFrame(schema=finding_schema)
    per_dossier = table.group_by("dossier_id").agg(pl.len().cast(pl.Int64).alias("findings"))
    dossiers = dossiers.join(per_dossier, on="dossier_id", how="left", maintain_order="left").with_columns(
        pl.col("findings").fill_null(0))
    return dossiers, sort_findings(table)
