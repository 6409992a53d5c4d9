"""The sequence of events ("slots") one batch of dossiers goes through.

A batch is a set of dossiers of one procedure issue that share a defect kind and
variant, so they share one layout; only their times and officers differ. This is
what lets the generator work on whole arrays instead of one dossier at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .scenarios import LATE_KINDS
from .shapes import FOREIGN_STEP_IDS, ProcedureShape

# Slot roles.
STEP = "step"  # an event of a procedure step
RECEIVED = "received_status"  # `received` when the procedure's first step is not `received`
PROCESSED = "processed"
RETURNED = "returned_status"  # `returned` when the procedure has no result step
SUPPLEMENT_REQUESTED = "supplement_requested"
SUPPLEMENT_RECEIVED = "supplement_received"  # its gap is the pause
EXTRA = "extra"  # a step the procedure does not have
REFUSED = "refused"
LATE_PROCESSED = "late_processed"  # a second `processed` after the return


@dataclass(frozen=True)
class Slot:
    step: str
    unit: str
    role: str
    index: int = -1  # position of the step in the procedure (STEP slots)
    mode: str = "normal"  # STEP slots: normal, overrun, late, due_exceeded

    @property
    def is_result(self) -> bool:
        return self.role == RETURNED or (self.role == STEP and self.step == "returned")


@dataclass(frozen=True)
class Layout:
    slots: tuple[Slot, ...]
    apologies: int = 0
    apology_mode: str = ""  # timely, after_appointment
    apology_unit: str = ""
    supplements: int = 0


def base_slots(shape: ProcedureShape, included_optional: frozenset[int]) -> list[Slot]:
    slots: list[Slot] = []
    steps = shape.steps
    if steps[0].id != "received":
        slots.append(Slot("received", steps[0].unit, RECEIVED))
    results = set(shape.result_indexes)
    processed_added = shape.has_processed_step
    for step in steps:
        if step.optional and step.index not in included_optional:
            continue
        if step.index in results and not processed_added:
            slots.append(Slot("processed", _unit_before(slots, steps[0].unit), PROCESSED))
            processed_added = True
        slots.append(Slot(step.id, step.unit, STEP, step.index))
    if not results:
        if not processed_added:
            slots.append(Slot("processed", _unit_before(slots, steps[0].unit), PROCESSED))
        slots.append(Slot("returned", steps[0].unit, RETURNED))
    return slots


def _unit_before(slots: list[Slot], default: str) -> str:
    return next((s.unit for s in reversed(slots) if s.role == STEP), default)


def _position(slots: list[Slot], index: int) -> int:
    return next(i for i, s in enumerate(slots) if s.role == STEP and s.index == index)


def _first_step_position(slots: list[Slot]) -> int:
    return next(i for i, s in enumerate(slots) if s.role == STEP)


def build_layout(shape: ProcedureShape, kind: str, variant: int, included_optional: frozenset[int],
                 max_supplements: int, max_reschedules: int) -> Layout:
    slots = base_slots(shape, included_optional)
    desk = shape.desk_unit
    first = _first_step_position(slots)

    def supplements(count: int) -> list[Slot]:
        handler = slots[first + 1].unit if first + 1 < len(slots) else desk
        pair = [Slot("supplement_requested", handler, SUPPLEMENT_REQUESTED), Slot("supplement_received", desk, SUPPLEMENT_RECEIVED)]
        return pair * count

    if kind == "clean_supplement":
        slots[first + 1:first + 1] = supplements(1)
        return Layout(tuple(slots), supplements=1)
    if kind == "too_many_supplement_requests":
        slots[first + 1:first + 1] = supplements(max_supplements + 1)
        return Layout(tuple(slots), supplements=max_supplements + 1)
    if kind == "clean_loop":
        # The step the loop starts from asks for more documents; once they come in,
        # the dossier goes back to the loop's target and through the steps again.
        loop = shape.procedure.loops[variant]
        origin = _position(slots, next(s.index for s in shape.steps if s.id == loop.from_step))
        target = _position(slots, next(s.index for s in shape.steps if s.id == loop.to_step))
        again = [s for s in slots[target:origin + 1] if s.role == STEP]
        handler = slots[origin].unit
        slots[origin + 1:origin + 1] = [Slot("supplement_requested", handler, SUPPLEMENT_REQUESTED),
                                        Slot("supplement_received", desk, SUPPLEMENT_RECEIVED), *again]
        return Layout(tuple(slots), supplements=1)
    if kind == "clean_refused":
        # Refused while the variant-th step after the first was being worked on.
        kept = [i for i, s in enumerate(slots) if s.role == STEP][: variant + 1]
        cut = kept[-1] + 1
        next_unit = slots[cut].unit if cut < len(slots) else desk
        return Layout(tuple(slots[:cut]) + (Slot("refused", next_unit, REFUSED),))
    if kind == "missing_step":
        del slots[_position(slots, variant)]
    elif kind == "unexpected_step":
        position = _position(slots, variant)
        foreign = next(s for s in FOREIGN_STEP_IDS if s not in shape.step_ids)
        slots.insert(position, Slot(foreign, slots[position].unit, EXTRA))
    elif kind == "step_out_of_order":
        a = _position(slots, variant)
        b = next(i for i in range(a + 1, len(slots)) if slots[i].role == STEP)
        slots[a], slots[b] = slots[b], slots[a]
    elif kind == "repeated_step":
        position = _position(slots, variant)
        slots.insert(position + 1, slots[position])
    elif kind == "no_result_step":
        slots = [s for s in slots if not (s.is_result or (s.role == STEP and s.index in shape.result_indexes))]
    elif kind in ("step_overrun", "step_due_exceeded"):
        position = _position(slots, variant)
        slots[position] = replace(slots[position], mode="overrun" if kind == "step_overrun" else "due_exceeded")
    elif kind in LATE_KINDS:
        position = _position(slots, variant)
        slots[position] = replace(slots[position], mode="late")
        count = {"late_without_apology": 0, "finished_late": 1, "late_without_apology.apology_after_appointment": 1,
                 "appointment_rescheduled_more_than_once": max_reschedules + 1}[kind]
        mode = "after_appointment" if kind == "late_without_apology.apology_after_appointment" else "timely"
        return Layout(tuple(slots), apologies=count, apology_mode=mode, apology_unit=slots[position].unit)
    elif kind == "returned_before_approval":
        approval = slots.pop(_position(slots, variant))
        last_result = max(i for i, s in enumerate(slots) if s.is_result or (s.role == STEP and s.index in shape.result_indexes))
        slots.insert(last_result + 1, approval)
    elif kind == "event_after_return":
        last_result = max(i for i, s in enumerate(slots) if s.is_result or (s.role == STEP and s.index in shape.result_indexes))
        processed_unit = next(s.unit for s in slots if s.role == PROCESSED)
        slots.insert(last_result + 1, Slot("processed", processed_unit, LATE_PROCESSED))
    elif kind == "open_overdue":
        step_positions = [i for i, s in enumerate(slots) if s.role == STEP]
        slots = slots[: step_positions[variant - 1] + 1]
    return Layout(tuple(slots))
