"""Where things go on the dossier page's time axis: the step handovers, the waits for
the applicant (the clock paused) and the marked moments (receipt, counting start,
appointment, legal due, finish), as x positions of an SVG the template draws."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.i18n import _

WIDTH = 1000.0
MARGIN = 30.0
LABEL_ROWS = 3  # marks close together take turns on three label rows


@dataclass
class Mark:
    x: float
    label: str
    row: int
    kind: str
    anchor: str = "middle"  # labels near an end of the axis grow inwards, not off the picture


@dataclass
class TimelineChart:
    width: float
    pauses: list[tuple[float, float]]  # (x, width)
    steps: list[tuple[float, int, str | None]]  # (x, step number, result)
    marks: list[Mark]


def timeline_chart(timeline) -> TimelineChart | None:
    named = [(timeline.received_at, _("Received"), "received"),
             (timeline.counting_start_at, _("Counting starts"), "start"),
             (timeline.appointment_at, _("Appointment"), "appointment"),
             (timeline.due_at, _("Legal due"), "due"),
             (timeline.finished_at, _("Finished"), "finished")]
    moments = [at for at, _label, _kind in named if at is not None]
    moments += [step.handed_over_at for step in timeline.steps] + [at for pause in timeline.pauses for at in pause]
    moments += [at for at, _step, _unit in timeline.other_events]
    if not moments:
        return None
    start, end = min(moments), max(moments)
    span = (end - start).total_seconds() or 1.0

    def x(at) -> float:
        return round(MARGIN + (at - start).total_seconds() / span * (WIDTH - 2 * MARGIN), 1)

    marks = [Mark(x(at), label, 0, kind) for at, label, kind in named if at is not None]
    marks.sort(key=lambda mark: mark.x)
    for number, mark in enumerate(marks):
        mark.row = number % LABEL_ROWS
        mark.anchor = "start" if mark.x < WIDTH * 0.15 else "end" if mark.x > WIDTH * 0.85 else "middle"
    return TimelineChart(
        width=WIDTH,
        pauses=[(x(a), max(x(b) - x(a), 1.0)) for a, b in timeline.pauses],
        steps=[(x(step.handed_over_at), step.number, step.result) for step in timeline.steps],
        marks=marks)
