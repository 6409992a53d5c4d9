"""An independent, per-dossier reading of docs/generate.md's rule semantics, used
only by the synth tests: plain loops over one dossier's events with the calendar's
scalar methods, sharing no code with qms.synth."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from qms.core.errors import QmsError

STATUSES = {"received", "supplement_requested", "supplement_received", "apology_issued", "processed",
            "returned", "refused", "withdrawn", "stopped"}
TERMINAL = {"refused", "withdrawn", "stopped"}


def _enabled(ruleset, rule: str) -> bool:
    setting = ruleset.rules.get(rule)
    return setting is None or setting.enabled


def findings_of_dossier(events: list[dict], library, calendar, as_of: dt.datetime) -> set[str]:
    events = sorted(events, key=lambda e: e["at"])
    head = events[0]
    if head["procedure_code"] not in set(library.codes("procedure")):
        return {"unknown_procedure"}
    received_at = head["received_at"]
    procedure = library.procedure(head["procedure_code"], received_at)
    ruleset = library.ruleset(received_at)
    ids = [s.id for s in procedure.steps]
    place = {step_id: i for i, step_id in enumerate(ids)}
    by_id = {s.id: s for s in procedure.steps}
    result_ids = {s.id for s in procedure.steps if s.result} | {"returned"}
    approval_ids = {s.id for s in procedure.steps if s.approval}
    loops = {(loop.from_step, loop.to_step) for loop in procedure.loops}
    found: set[str] = set()

    step_events = [e for e in events if e["step"] in place]
    present = {e["step"] for e in events}
    result_events = [e for e in events if e["step"] in result_ids]
    return_moment = result_events[0]["at"] if result_events else None
    has_processed = "processed" in present
    has_terminal = bool(present & TERMINAL)

    # pauses
    pauses, open_requests = [], []
    for e in events:
        if e["step"] == "supplement_requested":
            open_requests.append(e["at"])
        elif e["step"] == "supplement_received" and open_requests:
            pauses.append((open_requests.pop(0), e["at"]))

    for s in procedure.steps:
        if s.optional or s.result or s.id in present:
            continue
        later = any(place[e["step"]] > place[s.id] for e in step_events)
        if later or has_processed or result_events:
            found.add("missing_step")
    if any(e["step"] not in place and e["step"] not in STATUSES for e in events):
        found.add("unexpected_step")
    for before, after in zip(step_events, step_events[1:]):
        if place[after["step"]] < place[before["step"]] and (before["step"], after["step"]) not in loops:
            found.add("step_out_of_order")
    counts = defaultdict(int)
    previous = None
    for e in step_events:
        if previous is not None and (previous["step"], e["step"]) in loops:
            counts = defaultdict(int)  # a declared loop starts the count again
        counts[e["step"]] += 1
        if counts[e["step"]] > 1 and not by_id[e["step"]].repeatable:
            found.add("repeated_step")
        previous = e
    if has_processed and not result_events and not has_terminal:
        found.add("no_result_step")
    for before, after in zip(step_events, step_events[1:]):
        allotted = by_id[after["step"]].allotted
        if allotted is None:
            continue
        used = calendar.working_minutes_between(before["at"], after["at"], pauses)
        if used > calendar.duration_minutes(allotted.amount, allotted.unit.value):
            found.add("step_overrun")
    if any(e.get("step_due_at") is not None and e["at"] > e["step_due_at"] for e in events):
        found.add("step_due_exceeded")

    start = calendar.counting_start(received_at, cutoff=procedure.receipt_cutoff)
    due = calendar.add(start, procedure.time_limit.amount, procedure.time_limit.unit.value)
    appointment = head["appointment_at"] if head["appointment_at"] is not None else due
    processed = [e["at"] for e in events if e["step"] == "processed"]
    terminal = [e["at"] for e in events if e["step"] in TERMINAL]
    finish = processed[0] if processed else (return_moment if return_moment else (terminal[0] if terminal else None))
    overdue = finish is None and appointment < as_of
    if overdue:
        found.add("open_overdue")
    if finish is not None and finish > appointment:
        found.add("finished_late")
    if "finished_late" in found or overdue:
        lead = ruleset.apology_lead_working_days
        timely = False
        for e in events:
            if e["step"] != "apology_issued":
                continue
            deadline = calendar.add(e["at"], lead, "working_days") if lead > 0 else e["at"]
            timely |= deadline <= appointment
        if not timely:
            found.add("late_without_apology")
    if head["appointment_at"] is not None and head["appointment_at"] > due:
        found.add("appointment_beyond_limit")
    if head["appointment_at"] is None:
        found.add("appointment_missing")
    if sum(e["step"] == "apology_issued" for e in events) > ruleset.max_reschedules:
        found.add("appointment_rescheduled_more_than_once")
    if sum(e["step"] == "supplement_requested" for e in events) > ruleset.max_supplement_requests:
        found.add("too_many_supplement_requests")
    if result_events and approval_ids:
        if not any(e["step"] in approval_ids and e["at"] < return_moment for e in events):
            found.add("returned_before_approval")
    if return_moment is not None and any(e["at"] > return_moment for e in events):
        found.add("event_after_return")
    return {rule for rule in found if _enabled(ruleset, rule)}


def reference_findings(events_frame, library, calendar, as_of: dt.datetime) -> dict[str, set[str]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in events_frame.iter_rows(named=True):
        grouped[row["dossier_id"]].append(row)
    result = {}
    for dossier_id, rows in grouped.items():
        try:
            result[dossier_id] = findings_of_dossier(rows, library, calendar, as_of)
        except QmsError as error:  # pragma: no cover - would show as a test failure with context
            raise AssertionError(f"{dossier_id}: {error}") from error
    return result
