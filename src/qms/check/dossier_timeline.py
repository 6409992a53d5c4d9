"""One dossier judged step by step: the data of its process-control sheet and of its
page in the web workspace.

The check judges the dossier (the same engine as `qms check`); each step's time is
the working time since the previous step event, less the time waiting for the
applicant's supplement, against the time the procedure issue in force allots to
it; the step is early, on time or late against its own due moment as a dossier is
against its appointment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from ..core.errors import QmsError
from ..core.i18n import _
from .documents import CheckDocuments


@dataclass
class TimelineStep:
    number: int
    step: str
    name: str
    unit: str
    officer: str
    previous_at: dt.datetime | None
    handed_over_at: dt.datetime
    used_minutes: float | None
    allotted_minutes: float | None
    due_at: dt.datetime | None
    result: str | None  # early, on_time, late; None when the procedure allots no time


@dataclass
class DossierTimeline:
    dossier_id: str
    procedure_code: str | None
    procedure_title: str
    procedure_issue: int | None
    field_name: str
    channel: str | None
    received_at: dt.datetime | None
    counting_start_at: dt.datetime | None
    appointment_at: dt.datetime | None
    due_at: dt.datetime | None
    finished_at: dt.datetime | None
    status: str
    timezone: str
    language: str
    steps: list[TimelineStep] = field(default_factory=list)
    other_events: list[tuple[dt.datetime, str, str]] = field(default_factory=list)  # statuses outside the steps
    pauses: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)  # waits for the applicant's supplement
    findings: list[dict] = field(default_factory=list)


def dossier_timeline(events: pl.DataFrame, dossier_id: str, library=None, *, as_of=None,
                     language: str = "vi") -> DossierTimeline:
    """One dossier judged, step by step, from canonical events (any number of dossiers).
    `library`: a Library, a folder, or the CheckDocuments of `documents_as_of` (which
    keeps its working calendar's tables from one dossier to the next)."""
    from ..library import Library, load_library
    from .api import run_check

    if not isinstance(library, (Library, CheckDocuments)):
        library = load_library(library)
    own = events.filter(pl.col("dossier_id") == dossier_id)
    if own.height == 0:
        raise QmsError(_("dossier {dossier} is not in the log").format(dossier=dossier_id))
    result = run_check(own, library, as_of=as_of, language=language)
    dossier = result.dossiers.row(0, named=True)
    docs = result.documents
    procedure = None
    if dossier["procedure_issue"] is not None:
        procedure = next(p for p in docs.procedures
                         if p.code == dossier["procedure_code"] and p.issue == dossier["procedure_issue"])
    timeline = own.with_row_index("seq").sort(["at", "seq"]).to_dicts()
    pauses = _waits_for_the_applicant(timeline)
    steps_by_id = {s.id: s for s in procedure.steps} if procedure else {}
    steps, other, previous = [], [], dossier["counting_start_at"]
    for event in timeline:
        definition = steps_by_id.get(event["step"])
        if definition is None:
            other.append((event["at"], event["step"], event.get("unit") or ""))
            continue
        steps.append(_judged_step(len(steps) + 1, event, definition, previous, pauses, docs,
                                  bool(dossier["calendar_clock"]), language))
        previous = event["at"]
    findings = result.findings.select("rule", "severity", "step", "unit", "expected", "actual", "message").to_dicts()
    return DossierTimeline(
        dossier_id=dossier_id, procedure_code=dossier["procedure_code"],
        procedure_title=procedure.title.in_language(language) if procedure else "",
        procedure_issue=dossier["procedure_issue"], field_name=procedure.field.in_language(language) if procedure else "",
        channel=dossier["channel"], received_at=dossier["received_at"], counting_start_at=dossier["counting_start_at"],
        appointment_at=dossier["appointment_at"], due_at=dossier["due_at"], finished_at=dossier["finished_at"],
        status=dossier["status"], timezone=docs.timezone, language=language,
        steps=steps, other_events=other, pauses=pauses, findings=findings)


def documents_as_of(library, as_of: dt.datetime) -> CheckDocuments:
    """The documents a check as of `as_of` judges by, to judge many dossiers alike."""
    from ..library import Library, load_library
    from .api import _documents

    return _documents(library if isinstance(library, Library) else load_library(library), as_of)


def _waits_for_the_applicant(timeline: list[dict]) -> list[tuple[dt.datetime, dt.datetime]]:
    """Each supplement request to the supplement's receipt (a wait still open runs to
    the last event): the time the clock is paused, as the engine pauses it."""
    pauses, waiting_since = [], None
    for event in timeline:
        if event["step"] == "supplement_requested" and waiting_since is None:
            waiting_since = event["at"]
        elif event["step"] == "supplement_received" and waiting_since is not None:
            pauses.append((waiting_since, event["at"]))
            waiting_since = None
    if waiting_since is not None and timeline:
        pauses.append((waiting_since, timeline[-1]["at"]))
    return pauses


def _judged_step(number: int, event: dict, definition, previous: dt.datetime | None, pauses, docs,
                 calendar_clock: bool, language: str) -> TimelineStep:
    """A step's time since the previous step event (less the waits), its due moment
    and whether it was handed over early, on time or late."""
    calendar = docs.calendar
    used = allotted = due = result = None
    if previous is not None:
        end = max(event["at"], previous)
        clipped = [(max(a, previous), min(b, end)) for a, b in pauses if b > previous and a < end]
        if calendar_clock:
            used = ((end - previous) - sum((b - a for a, b in clipped), dt.timedelta())).total_seconds() / 60
        else:
            used = calendar.working_minutes_between(previous, end, clipped)
        if definition.allotted is not None:
            unit, amount = definition.allotted.unit.value, definition.allotted.amount
            hours = docs.calendar_settings.working_day_hours
            allotted = amount * 24 * 60 if unit == "calendar_days" else amount * 60 * (
                hours if unit == "working_days" else 1)
            due = calendar.add(previous, amount, unit)
            paused = sum(calendar.working_minutes_between(a, b) for a, b in clipped)
            if paused and unit != "calendar_days":
                due = calendar.add(due, paused / 60, "working_hours")  # the wait moves the step's due moment on
            result = _step_result(event["at"], due, calendar.zone)
    return TimelineStep(
        number=number, step=event["step"], name=definition.name.in_language(language),
        unit=event.get("unit") or definition.unit, officer=event.get("officer") or "",
        previous_at=previous, handed_over_at=event["at"], used_minutes=used, allotted_minutes=allotted,
        due_at=due, result=result)


def _step_result(handed_over_at: dt.datetime, due: dt.datetime, zone) -> str:
    """As a dossier against its appointment: after the step's due moment late, on its
    local date on time, before it early."""
    if handed_over_at > due:
        return "late"
    if handed_over_at.astimezone(zone).date() == due.astimezone(zone).date():
        return "on_time"
    return "early"
