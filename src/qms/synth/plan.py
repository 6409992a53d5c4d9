"""The plan of a synthetic log, made for all dossiers at once before any event
exists: which documents are in force on which day, when each dossier arrives, by
which channel, under which procedure issue and rule set, what its deadlines are,
which defect (if any) it gets, and its appointment."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ..core.errors import QmsError
from ..core.i18n import _
from .batch import NAT, US
from .scenarios import (
    BENIGN, CLEAN, DEFECT_KINDS, DEFECT_NAMES, KIND_BY_NAME, LOOPED, REFUSED, WITH_SUPPLEMENT, loop_variants, variants,
)
from ..model.events import CHANNELS
from .shapes import ProcedureShape, shape_of
from .timeline import WorkingTimeline

SUPPLEMENT_SHARE = 0.08
REFUSED_SHARE = 0.01
LOOP_SHARE = 0.03  # of clean dossiers of a procedure with a loop
OPTIONAL_STEP_SHARE = 0.4
CHANNEL_SHARES = (0.45, 0.25, 0.22, 0.08)
# Arrivals by weekday (Mon..Sun; weekend days only when worked in exchange).
WEEKDAY_WEIGHTS = (1.35, 1.1, 1.0, 1.0, 0.9, 0.6, 0.6)
# First day of the lunar new year (Tết Nguyên Đán).
LUNAR_NEW_YEAR = {
    2020: dt.date(2020, 1, 25), 2021: dt.date(2021, 2, 12), 2022: dt.date(2022, 2, 1),
    2023: dt.date(2023, 1, 22), 2024: dt.date(2024, 2, 10), 2025: dt.date(2025, 1, 29),
    2026: dt.date(2026, 2, 17), 2027: dt.date(2027, 2, 6), 2028: dt.date(2028, 1, 26),
    2029: dt.date(2029, 2, 13), 2030: dt.date(2030, 2, 3),
}
TET_DIP = 0.5
FINISH_MARGIN_S = 900  # a clean dossier finishes at least this long before its bound
KIND_NAMES = BENIGN + DEFECT_NAMES
KIND_CODE = {name: code for code, name in enumerate(KIND_NAMES)}


@dataclass
class InForce:
    """The documents in force on each day of the period."""

    days: list[dt.date]
    codes: list[str]
    procedures_by_day: dict[str, list]  # code -> procedure issue (or None) per day
    rulesets: list
    day_ruleset: np.ndarray  # index into rulesets per day, -1 = none
    skipped: list[str]  # "code issue N": issues the generator does not make dossiers for

    @property
    def longest_limit_days(self) -> float:
        longest = 1.0
        for issues in self.procedures_by_day.values():
            for procedure in issues:
                if procedure is not None:
                    limit = procedure.time_limit
                    longest = max(longest, limit.amount if limit.unit.value != "working_hours" else limit.amount / 8)
        return longest


@dataclass
class Plan:
    """One entry per dossier (arrays of length n), plus the tables they index."""

    shapes: list[ProcedureShape]
    rulesets: list
    shape: np.ndarray
    ruleset: np.ndarray
    channel: np.ndarray
    received_ws: np.ndarray
    received_us: np.ndarray
    counting_start_ws: np.ndarray | None = None
    due_ws: np.ndarray | None = None
    due_us: np.ndarray | None = None
    limit_nominal_s: np.ndarray | None = None
    limit_effective_s: np.ndarray | None = None
    kind: np.ndarray | None = None
    variant: np.ndarray | None = None
    optional_mask: np.ndarray | None = None
    appointment_us: np.ndarray | None = None  # NaT when the receipt has none
    appointment_moment_us: np.ndarray | None = None  # appointment, else legal due
    appointment_ws: np.ndarray | None = None
    finish_bound_ws: np.ndarray | None = None

    @property
    def size(self) -> int:
        return self.shape.size


def documents_in_force(library, period_from: dt.date, period_to: dt.date) -> InForce:
    days = [period_from + dt.timedelta(days=i) for i in range((period_to - period_from).days + 1)]
    codes = sorted(library.codes("procedure"))
    rulesets: list = []
    ruleset_key: dict[tuple[str, int], int] = {}
    day_ruleset = np.full(len(days), -1, dtype=np.int64)
    procedures_by_day: dict[str, list] = {code: [None] * len(days) for code in codes}
    skipped: set[str] = set()
    for i, day in enumerate(days):
        try:
            ruleset = library.ruleset(day)
        except QmsError:
            continue
        key = (ruleset.code, ruleset.issue)
        if key not in ruleset_key:
            ruleset_key[key] = len(rulesets)
            rulesets.append(ruleset)
        day_ruleset[i] = ruleset_key[key]
        for code in codes:
            try:
                procedure = library.procedure(code, day)
            except QmsError:
                continue
            if _counts_calendar_days(procedure):
                skipped.add(f"{procedure.code} issue {procedure.issue}")
            else:
                procedures_by_day[code][i] = procedure
    if not rulesets:
        raise QmsError(_("no rule set is in force between {start} and {end}").format(start=period_from, end=period_to))
    return InForce(days, codes, procedures_by_day, rulesets, day_ruleset, sorted(skipped))


def _counts_calendar_days(procedure) -> bool:
    """Limits in calendar days are measured differently by different checkers (from
    receipt or from the counting start, in calendar or working time); the generator
    leaves such procedures out rather than write a truth that depends on the choice."""
    durations = [procedure.time_limit] + [step.allotted for step in procedure.steps if step.allotted is not None]
    return any(duration.unit.value == "calendar_days" for duration in durations)


def draw_arrivals(rng, dossiers: int, in_force: InForce, timeline: WorkingTimeline, calendar, day_ws: int) -> Plan:
    """Procedure, receipt moment and channel of every dossier."""
    days = in_force.days
    shapes: list[ProcedureShape] = []
    shape_key: dict[tuple[str, int], int] = {}
    for code in in_force.codes:
        for procedure in in_force.procedures_by_day[code]:
            if procedure is not None and (code, procedure.issue) not in shape_key:
                shape_key[(code, procedure.issue)] = len(shapes)
                shapes.append(shape_of(procedure, calendar, day_ws))

    first_index = timeline.day_index(days[0])
    day_length = timeline.day_length_ws[first_index:first_index + len(days)]
    day_start = timeline.day_start_ws[first_index:first_index + len(days)]
    weights = np.array([WEEKDAY_WEIGHTS[d.weekday()] for d in days]) * tet_factor(days)
    weights = np.where((day_length > 0) & (in_force.day_ruleset >= 0), weights, 0.0)

    day_shape = {code: np.array([shape_key[(code, p.issue)] if p is not None else -1
                                 for p in in_force.procedures_by_day[code]]) for code in in_force.codes}
    usable = [code for code in in_force.codes if np.any(weights * (day_shape[code] >= 0) > 0)]
    if not usable:
        message = _("no procedure of the library is in force on a working day between {start} and {end}").format(
            start=days[0], end=days[-1])
        if in_force.skipped:
            message += " " + _("(left out because they count in calendar days: {issues})").format(
                issues=", ".join(in_force.skipped))
        raise QmsError(message)
    # Short procedures (certification, civil status) are the most frequent.
    popularity = np.array([1 / np.sqrt(max(shapes[day_shape[c][day_shape[c] >= 0][-1]].limit_amount, 0.5)) for c in usable])
    code_of = rng.choice(len(usable), size=dossiers, p=popularity / popularity.sum())
    day_of = np.zeros(dossiers, dtype=np.int64)
    for c, code in enumerate(usable):
        rows = np.flatnonzero(code_of == c)
        p = weights * (day_shape[code] >= 0)
        day_of[rows] = rng.choice(len(days), size=rows.size, p=p / p.sum())
    table = np.stack([day_shape[code] for code in usable])
    margin_in_day = 600  # not in the first or last ten minutes of the day
    received_ws = day_start[day_of] + margin_in_day + np.floor(
        rng.beta(1.6, 2.2, dossiers) * (day_length[day_of] - 2 * margin_in_day)).astype(np.int64)
    channel = rng.choice(len(CHANNELS), size=dossiers, p=CHANNEL_SHARES)
    return Plan(shapes=shapes, rulesets=in_force.rulesets, shape=table[code_of, day_of],
                ruleset=in_force.day_ruleset[day_of], channel=channel, received_ws=received_ws,
                received_us=timeline.instant_of(received_ws))


def tet_factor(days: list[dt.date]) -> np.ndarray:
    """Fewer arrivals in the two weeks before Tết and the days after the break."""
    factor = np.ones(len(days))
    for i, day in enumerate(days):
        for tet in (LUNAR_NEW_YEAR.get(day.year), LUNAR_NEW_YEAR.get(day.year + 1)):
            if tet is not None and -14 <= (day - tet).days <= 12:
                factor[i] = TET_DIP
    return factor


def compute_deadlines(plan: Plan, calendar, timeline: WorkingTimeline) -> None:
    """Counting start and legal due, with the calendar's own arithmetic."""
    n = plan.size
    plan.counting_start_ws = np.zeros(n, dtype=np.int64)
    plan.due_ws = np.zeros(n, dtype=np.int64)
    plan.due_us = np.zeros(n, dtype=np.int64)
    plan.limit_nominal_s = np.zeros(n, dtype=np.int64)
    for s, shape in enumerate(plan.shapes):
        rows = np.flatnonzero(plan.shape == s)
        if not rows.size:
            continue
        start = _instants(calendar.counting_start_array(plan.received_us[rows].view("datetime64[us]"),
                                                        cutoff=shape.procedure.receipt_cutoff))
        due = _instants(calendar.add_array(start.view("datetime64[us]"), shape.limit_amount, shape.limit_unit))
        plan.counting_start_ws[rows] = timeline.ws_of(start)
        plan.due_ws[rows] = timeline.ws_of(due)
        plan.due_us[rows] = due
        if shape.limit_unit == "calendar_days":
            plan.limit_nominal_s[rows] = plan.due_ws[rows] - plan.counting_start_ws[rows]
        else:
            plan.limit_nominal_s[rows] = int(calendar.duration_minutes(shape.limit_amount, shape.limit_unit) * 60)
    plan.limit_effective_s = np.minimum(plan.limit_nominal_s, plan.due_ws - plan.counting_start_ws)


def assign_kinds(plan: Plan, rng, defect_rate: float, cut_ws: int, day_ws: int) -> None:
    """A defect kind and variant for some eligible dossiers; benign variety for the rest."""
    n = plan.size
    eligible = plan.received_ws + 2 * plan.limit_nominal_s + 12 * day_ws <= cut_ws
    kind = np.full(n, KIND_CODE[CLEAN], dtype=np.int64)
    variant = np.zeros(n, dtype=np.int64)
    defect_draw = rng.random(n)
    benign_draw = rng.random(n)
    optional_draw = rng.random((n, 4))
    groups = len(plan.rulesets)
    for s, r in (divmod(key, groups) for key in np.unique(plan.shape * groups + plan.ruleset).tolist()):
        shape, ruleset = plan.shapes[s], plan.rulesets[r]
        rows = np.flatnonzero((plan.shape == s) & (plan.ruleset == r))
        limit_days = float(np.min(plan.limit_effective_s[rows])) / day_ws
        feasible = {k.name: variants(k.name, shape, ruleset, limit_days, day_ws) for k in DEFECT_KINDS}
        feasible = {name: options for name, options in feasible.items() if options}
        defective = rows[eligible[rows] & (defect_draw[rows] < defect_rate)]
        if defective.size and feasible:
            chosen_names = [name for name in DEFECT_NAMES if name in feasible]
            weights = np.array([KIND_BY_NAME[name].weight for name in chosen_names], dtype=float)
            picks = rng.choice(len(chosen_names), size=defective.size, p=weights / weights.sum())
            for k, name in enumerate(chosen_names):
                chosen = defective[picks == k]
                kind[chosen] = KIND_CODE[name]
                options = feasible[name]
                variant[chosen] = np.asarray(options)[rng.integers(0, len(options), chosen.size)]
        clean_rows = rows[kind[rows] == KIND_CODE[CLEAN]]
        draw = benign_draw[clean_rows]
        kind[clean_rows[draw < SUPPLEMENT_SHARE]] = KIND_CODE[WITH_SUPPLEMENT]
        refused = clean_rows[(draw >= SUPPLEMENT_SHARE) & (draw < SUPPLEMENT_SHARE + REFUSED_SHARE)]
        before_result = sum(1 for step in shape.steps if not step.optional and not step.result)
        kind[refused] = KIND_CODE[REFUSED]
        variant[refused] = rng.integers(0, max(1, min(3, before_result)), refused.size)
        loops = loop_variants(shape)
        if loops:
            low = SUPPLEMENT_SHARE + REFUSED_SHARE
            looped = clean_rows[(draw >= low) & (draw < low + LOOP_SHARE)]
            kind[looped] = KIND_CODE[LOOPED]
            variant[looped] = np.asarray(loops)[rng.integers(0, len(loops), looped.size)]
    # Optional steps: included in some clean dossiers only.
    optional_mask = np.zeros(n, dtype=np.int64)
    clean_like = np.isin(kind, [KIND_CODE[CLEAN], KIND_CODE[WITH_SUPPLEMENT]])
    for bit in range(4):
        optional_mask |= ((optional_draw[:, bit] < OPTIONAL_STEP_SHARE) & clean_like).astype(np.int64) << bit
    plan.kind, plan.variant, plan.optional_mask = kind, variant, optional_mask


def set_appointments(plan: Plan, rng, timeline: WorkingTimeline, day_ws: int) -> None:
    """Appointments a little before the legal due (beyond it, or none, for those defects)
    and the moment each clean dossier must finish by."""
    early = np.maximum(1800, np.floor(rng.uniform(0, 0.08, plan.size) * plan.limit_effective_s)).astype(np.int64)
    planned = plan.due_ws - early
    beyond = plan.kind == KIND_CODE["appointment_beyond_limit"]
    planned[beyond] = plan.due_ws[beyond] + np.floor((2 + rng.uniform(0, 3, int(beyond.sum()))) * day_ws).astype(np.int64)
    instants = timeline.instant_of(planned)
    instants -= instants % (300 * US)  # appointments are written to the 5 minutes
    missing = plan.kind == KIND_CODE["appointment_missing"]
    plan.appointment_us = np.where(missing, NAT, instants)
    plan.appointment_moment_us = np.where(missing, plan.due_us, plan.appointment_us)
    plan.appointment_ws = timeline.ws_of(plan.appointment_moment_us)
    plan.finish_bound_ws = np.minimum.reduce(
        [plan.appointment_ws, plan.due_ws, plan.counting_start_ws + plan.limit_nominal_s]
    ) - np.maximum(FINISH_MARGIN_S, np.floor(0.05 * plan.limit_effective_s)).astype(np.int64)


def _instants(values) -> np.ndarray:
    return np.asarray(values).astype("datetime64[us]").view(np.int64)
