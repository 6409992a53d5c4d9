"""What the generator needs to know about one procedure issue: which steps play
which part (first, approval, result, middle), their allotted times and its loops."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model.events import STATUS_STEPS
from ..model.procedure import Procedure

# Step ids a procedure might wrongly see in a log (the `unexpected_step` defect).
FOREIGN_STEP_IDS = ("kiem_tra_thuc_dia", "xin_y_kien_phoi_hop", "chuyen_phong_khac", "tham_dinh_lai", "bo_sung_noi_bo")
# Codes a log might carry that the library does not have (the `unknown_procedure` defect).
FOREIGN_PROCEDURE_CODES = ("QT-KT-09", "1.004227", "QT-TNMT-05", "2.001711", "QT-CT-99")


@dataclass(frozen=True)
class StepInfo:
    index: int
    id: str
    unit: str
    optional: bool
    repeatable: bool
    approval: bool
    result: bool
    amount: float | None  # allotted amount (None = no allotted time)
    unit_of_time: str | None
    nominal_s: float | None  # allotted time in working seconds at the nominal day length
    effective_s: float | None  # the same at the shortest real working day (the safe size)


@dataclass(frozen=True)
class ProcedureShape:
    procedure: Procedure
    steps: tuple[StepInfo, ...]
    limit_amount: float
    limit_unit: str
    loops: frozenset[tuple[str, str]]
    step_ids: frozenset[str] = field(default_factory=frozenset)

    @property
    def code(self) -> str:
        return self.procedure.code

    @property
    def issue(self) -> int:
        return self.procedure.issue

    @property
    def desk_unit(self) -> str:
        return self.steps[0].unit

    @property
    def has_processed_step(self) -> bool:
        return "processed" in self.step_ids

    @property
    def approval_index(self) -> int | None:
        return next((s.index for s in self.steps if s.approval and s.index > 0), None)

    @property
    def result_indexes(self) -> tuple[int, ...]:
        return tuple(s.index for s in self.steps if s.result or s.id == "returned")

    def middle(self, *, required_only: bool = False) -> tuple[int, ...]:
        """Steps that are neither the first, nor approval, nor result, nor a status."""
        return tuple(
            s.index
            for s in self.steps
            if s.index > 0 and not s.approval and not s.result and s.id not in STATUS_STEPS
            and not (required_only and s.optional)
        )

    def is_loop(self, from_step: str, to_step: str) -> bool:
        return (from_step, to_step) in self.loops


def shape_of(procedure: Procedure, calendar, day_ws: int) -> ProcedureShape:
    """`day_ws`: the shortest real working day in working seconds."""
    hours_per_day = calendar.settings.working_day_hours
    steps = []
    for index, step in enumerate(procedure.steps):
        amount = unit = nominal = effective = None
        if step.allotted is not None:
            amount = step.allotted.amount
            unit = step.allotted.unit.value
            if unit == "working_days":
                nominal = amount * hours_per_day * 3600
                effective = min(nominal, amount * day_ws)
            elif unit == "working_hours":
                nominal = effective = amount * 3600
            else:  # calendar days: at least the working days inside them, minus a holiday week
                nominal = amount * hours_per_day * 3600
                effective = max(0.0, (amount * 5 / 7 - 5)) * day_ws
        steps.append(StepInfo(index, step.id, step.unit, step.optional, step.repeatable, step.approval,
                              step.result, amount, unit, nominal, effective))
    return ProcedureShape(
        procedure=procedure,
        steps=tuple(steps),
        limit_amount=procedure.time_limit.amount,
        limit_unit=procedure.time_limit.unit.value,
        loops=frozenset((loop.from_step, loop.to_step) for loop in procedure.loops),
        step_ids=frozenset(s.id for s in procedure.steps),
    )
