"""The defect kinds the generator injects, which procedures each fits, and the
rules each implies structurally. Time-based consequences (overruns, lateness,
apologies, open and overdue) are not listed here: they are computed from the
generated times themselves (see `batch.py`), so the truth follows the data."""

from __future__ import annotations

from dataclasses import dataclass

from ..model.ruleset import RuleSet
from ..model.events import STATUS_STEPS
from .shapes import ProcedureShape

CLEAN = "clean"
# Benign variants of a clean dossier (no truth rows).
WITH_SUPPLEMENT = "clean_supplement"
REFUSED = "clean_refused"
LOOPED = "clean_loop"  # a declared loop taken after a supplement request
BENIGN = (CLEAN, WITH_SUPPLEMENT, REFUSED, LOOPED)

# A defect kind is named after the check rule it is made to trigger, with a variant
# after a dot where several kinds trigger the same rule (tests tie the names to the
# check's rule registry).
LATE_KINDS = ("late_without_apology", "finished_late", "late_without_apology.apology_after_appointment",
              "appointment_rescheduled_more_than_once")


@dataclass(frozen=True)
class DefectKind:
    name: str
    weight: float
    rules: tuple[str, ...]  # rules implied by the structure alone

    @property
    def rule(self) -> str:
        """The check rule this kind is made to trigger."""
        return self.name.split(".")[0]


DEFECT_KINDS: tuple[DefectKind, ...] = (
    DefectKind("unknown_procedure", 2, ("unknown_procedure",)),
    DefectKind("missing_step", 6, ("missing_step",)),
    DefectKind("unexpected_step", 5, ("unexpected_step",)),
    DefectKind("step_out_of_order", 5, ("step_out_of_order",)),
    DefectKind("repeated_step", 4, ("repeated_step",)),
    DefectKind("no_result_step", 4, ("no_result_step",)),
    DefectKind("step_overrun", 8, ()),
    DefectKind("step_due_exceeded", 4, ()),
    DefectKind("late_without_apology", 20, ()),
    DefectKind("finished_late", 22, ()),
    DefectKind("late_without_apology.apology_after_appointment", 5, ()),
    DefectKind("appointment_rescheduled_more_than_once", 4, ("appointment_rescheduled_more_than_once",)),
    DefectKind("appointment_beyond_limit", 4, ("appointment_beyond_limit",)),
    DefectKind("appointment_missing", 4, ("appointment_missing",)),
    DefectKind("too_many_supplement_requests", 5, ("too_many_supplement_requests",)),
    DefectKind("returned_before_approval", 3, ("returned_before_approval", "step_out_of_order", "event_after_return")),
    DefectKind("event_after_return", 4, ("event_after_return",)),
    DefectKind("open_overdue", 5, ()),
)
KIND_BY_NAME = {kind.name: kind for kind in DEFECT_KINDS}
DEFECT_NAMES = tuple(kind.name for kind in DEFECT_KINDS)


def loop_variants(shape: ProcedureShape) -> list[int]:
    """Declared loops (by index) a clean dossier can take: back to an earlier
    required step from a required step."""
    steps = {s.id: s for s in shape.steps}
    found = []
    for index, loop in enumerate(shape.procedure.loops):
        origin, target = steps[loop.from_step], steps[loop.to_step]
        if target.index < origin.index and not origin.optional and not target.optional and not origin.result:
            found.append(index)
    return found


def rule_enabled(ruleset: RuleSet, rule: str) -> bool:
    setting = ruleset.rules.get(rule)
    return True if setting is None else bool(setting.enabled)


def variants(kind: str, shape: ProcedureShape, ruleset: RuleSet, limit_days: float, day_ws: int = 27000) -> list[int]:
    """The variants (usually a step index) with which `kind` can be injected into a
    dossier of `shape`; empty when the kind does not fit the procedure."""
    steps = shape.steps
    middle_required = shape.middle(required_only=True)
    if kind in ("unknown_procedure", "no_result_step", "appointment_beyond_limit", "appointment_missing",
                "too_many_supplement_requests"):
        return [0]
    if kind == "missing_step":
        return list(middle_required)
    if kind == "unexpected_step":
        return [s.index for s in steps if s.index > 0 and not s.optional]
    if kind == "step_out_of_order":
        # Two consecutive required steps (optional ones are left out of defective
        # dossiers), neither the first nor a result, whose reversal is not a loop.
        inner = [s.index for s in steps if s.index > 0 and not s.optional and not s.result and s.id not in STATUS_STEPS]
        return [a for a, b in zip(inner, inner[1:]) if not shape.is_loop(steps[b].id, steps[a].id)]
    if kind == "repeated_step":
        return [i for i in middle_required if not steps[i].repeatable]
    if kind in ("step_overrun", "step_due_exceeded"):
        if kind == "step_due_exceeded" and not rule_enabled(ruleset, "step_due_exceeded"):
            return []
        candidates = [s.index for s in steps if s.index > 0 and not s.optional and s.nominal_s]
        if kind == "step_overrun":
            candidates = [i for i in candidates if _overrun_fits(shape, i, limit_days * day_ws)]
        return candidates
    if kind in LATE_KINDS:
        if kind != "late_without_apology" and limit_days < ruleset.apology_lead_working_days + 2:
            return []  # no room for an apology the lead time allows
        candidates = [s.index for s in steps if s.index > 0 and not s.optional and not s.result]
        return candidates
    if kind == "returned_before_approval":
        approval = shape.approval_index
        results = shape.result_indexes
        if approval is None or not results or min(results) < approval:
            return []
        if steps[approval].optional or shape.is_loop(steps[max(results)].id, steps[approval].id):
            return []
        return [approval]
    if kind == "event_after_return":
        return [] if shape.has_processed_step else [0]
    if kind == "open_overdue":
        before_result = [s.index for s in steps if not s.optional and not s.result and s.id != "processed"]
        return list(range(1, len(before_result) + 1))  # number of steps recorded before it stalls
    raise ValueError(kind)


def _overrun_fits(shape: ProcedureShape, index: int, limit_s: float) -> bool:
    """Whether step `index` can overrun while the dossier still finishes on time
    (the other steps hurrying at up to a quarter of their allotment)."""
    step = shape.steps[index]
    if step.result or step.id == "returned":
        return True  # after `processed`: the finish does not move
    others = sum(0.25 * (s.effective_s or 0) + 600 for s in shape.steps
                 if s.index not in (0, index) and not s.result and not s.optional)
    return 1.5 * step.nominal_s + 3600 + others <= 0.8 * limit_s - 1800
