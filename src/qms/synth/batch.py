"""Times, officers and truth for one batch of dossiers sharing a layout.

Everything here works on arrays: one row per dossier, one column per slot. Times
are placed in working seconds (see `timeline`), so that a step's duration is
exactly what the check engine's working-time arithmetic will measure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .layout import (
    EXTRA, LATE_PROCESSED, PROCESSED, RECEIVED, REFUSED, RETURNED, STEP, SUPPLEMENT_RECEIVED,
    SUPPLEMENT_REQUESTED, Layout,
)
from .scenarios import BENIGN
from .shapes import ProcedureShape

NAT = np.iinfo(np.int64).min
US = 1_000_000
FIVE_MINUTES_US = 300 * US
# Clean steps use at most this share of their allotted time; injected overruns use
# at least OVERRUN_FACTOR × allotted + OVERRUN_EXTRA_S. Nothing falls in between.
CLEAN_SHARE_MAX = 0.6
OVERRUN_FACTOR = 1.3
OVERRUN_EXTRA_S = 3600


class SynthBug(AssertionError):
    """The generator broke one of its own margins: the truth could be ambiguous."""


@dataclass
class BatchInput:
    rows: np.ndarray  # global dossier indexes
    received_ws: np.ndarray
    counting_start_ws: np.ndarray
    due_ws: np.ndarray
    appointment_ws: np.ndarray  # appointment moment (appointment_at, else legal due)
    appointment_moment_us: np.ndarray
    limit_nominal_s: np.ndarray
    finish_bound_ws: np.ndarray  # clean dossiers finish at or before this


@dataclass
class BatchOutput:
    rows: np.ndarray  # per event: global dossier index
    step: np.ndarray  # per event: index into the step table
    unit: np.ndarray
    officer: np.ndarray
    at_us: np.ndarray
    step_due_us: np.ndarray
    new_appointment_us: np.ndarray
    returned_us: np.ndarray  # per dossier of the batch
    is_open: np.ndarray  # per dossier of the batch
    truth: list[tuple[np.ndarray, str, str | None]] = field(default_factory=list)  # (rows, rule, step)
    due_requests: list = field(default_factory=list)  # DueRequests, by event index within the batch


@dataclass
class BatchContext:
    timeline: object
    calendar: object
    rng: np.random.Generator
    day_ws: int
    cut_ws: int
    step_code: dict[str, int]
    unit_code: dict[str, int]
    roster_offset: dict[str, int]
    roster_size: dict[str, int]


def _uniform(rng, low, high, n):
    return rng.uniform(low, high, n)


def build_batch(ctx: BatchContext, shape: ProcedureShape, layout: Layout, kind: str, data: BatchInput,
                apology_lead_days: float, late_kind: bool) -> BatchOutput:
    """Times, officers and time-based truth of the dossiers `data` under `layout`."""
    rng = ctx.rng
    slots = layout.slots
    first_step = next(i for i, s in enumerate(slots) if s.role == STEP)
    # Working time before the counting start: added to injected overruns in case a
    # checker leaves it out of a step's duration.
    pre_count = np.maximum(0, data.counting_start_ws - data.received_ws)
    gaps, fixed = _draw_gaps(ctx, shape, slots, kind, first_step, pre_count, data.rows.size)
    finish = _finish_position(slots)
    if finish is not None and not late_kind:
        _fit_before_bound(ctx, shape, slots, kind, data, gaps, fixed, finish)
    work = _measured(slots, gaps, first_step)
    if late_kind:
        _make_late(ctx, shape, slots, data, gaps, work, finish, pre_count)
    at_ws = data.received_ws[:, None] + np.cumsum(gaps, axis=1)
    _check_step_margins(shape, slots, work, first_step)

    # Apologies float between the chain's events.
    apology_ws = _apologies(layout, data, at_ws, finish, ctx, apology_lead_days, rng)
    new_appointment_us = _new_appointments(layout, data, at_ws, finish, ctx, rng)

    # The cut at the end of the period.
    kept = at_ws <= ctx.cut_ws
    _keep_processed_with_result(slots, at_ws, kept, ctx.cut_ws)
    if kind not in BENIGN and not kept.all():
        raise SynthBug(f"{shape.code}: a {kind} dossier runs past the end of the period")

    at_us = ctx.timeline.instant_of(at_ws.reshape(-1)).reshape(at_ws.shape)
    step_due_us, due_requests = _step_dues(ctx, shape, slots, at_us, at_ws, gaps, work, first_step, rng)

    n = data.rows.size
    results = [i for i, s in enumerate(slots) if s.is_result or (s.role == STEP and s.index in shape.result_indexes)]
    first_result = results[0] if results else None
    returned_us = np.where(kept[:, first_result], at_us[:, first_result], NAT) if first_result is not None else np.full(n, NAT)
    finished = kept[:, finish] if finish is not None else np.zeros(n, dtype=bool)
    finish_us = np.where(finished, at_us[:, finish], NAT) if finish is not None else np.full(n, NAT)
    if not late_kind and np.any(finished & (finish_us > data.appointment_moment_us)):
        raise SynthBug(f"{shape.code}: a {kind} dossier finished late")
    truth = _time_truth(ctx, shape, slots, data, work, kept, first_step, finished, finish_us, apology_ws,
                        apology_lead_days)
    output = _flatten(ctx, layout, data, at_ws, at_us, kept, apology_ws, step_due_us, new_appointment_us, due_requests)
    output.returned_us = returned_us
    output.is_open = ~finished
    output.truth = truth
    return output


def _draw_gaps(ctx: BatchContext, shape, slots, kind: str, first_step: int, pre_count, n: int):
    """The working time before each slot's event: each step's work (a share of its
    allotment) split among the status events since the previous step."""
    rng = ctx.rng
    count = len(slots)
    gaps = np.zeros((n, count), dtype=np.int64)
    fixed = np.zeros(count, dtype=bool)  # columns that scaling must not shrink
    unallotted = _unallotted_budget(shape, _limit_effective_s(shape, ctx.day_ws))
    quick = kind == "step_overrun"  # the other steps hurry so the overrun does not make the dossier late
    pending: list[int] = []
    for position, slot in enumerate(slots):
        if position == 0:
            continue
        if slot.role == SUPPLEMENT_RECEIVED:
            continue  # the pause, filled in later
        if slot.role != STEP:
            pending.append(position)
            continue
        info = shape.steps[slot.index]
        minimum = 120 * (1 + len(pending))
        if position == first_step:  # a step after a `received` status: quick, not measured
            amount = np.maximum(minimum, _uniform(rng, 60, 1800, n)).astype(np.int64)
        elif slot.mode == "overrun":
            amount = np.floor(OVERRUN_FACTOR * info.nominal_s + OVERRUN_EXTRA_S + pre_count
                              + _uniform(rng, 0, 0.2, n) * info.nominal_s).astype(np.int64)
            fixed[position] = True
        else:
            base = info.effective_s if info.nominal_s else unallotted
            low, high = (0.1, 0.25) if quick else (0.15, CLEAN_SHARE_MAX)
            if slot.mode == "due_exceeded":
                low, high = 0.4, CLEAN_SHARE_MAX
            amount = np.maximum(minimum, np.floor(_uniform(rng, low, high, n) * base)).astype(np.int64)
        shares = [np.maximum(60, np.floor(amount * _uniform(rng, 0.05, 0.25, n) / len(pending))).astype(np.int64)
                  for _ in pending]
        for pending_position, share in zip(pending, shares):
            gaps[:, pending_position] = share
            fixed[pending_position] = fixed[position]
        gaps[:, position] = amount - (np.sum(shares, axis=0) if shares else 0)
        pending = []
    for position in pending:  # status slots after the last step: their own gaps
        gaps[:, position] = _own_gap(slots[position].role, rng, n, ctx.day_ws)
    return gaps, fixed


def _fit_before_bound(ctx: BatchContext, shape, slots, kind: str, data: BatchInput, gaps, fixed, finish: int) -> None:
    """Shrink the flexible gaps so that the dossier finishes inside its bound, then
    give the pauses part of what is left."""
    n = data.rows.size
    pauses = [i for i, s in enumerate(slots) if s.role == SUPPLEMENT_RECEIVED]
    bound = data.finish_bound_ws - data.received_ws - 60 * len(pauses)
    before = gaps[:, 1:finish + 1]
    flexible = ~fixed[1:finish + 1]
    fixed_sum = (before * ~flexible).sum(axis=1)
    flexible_sum = (before * flexible).sum(axis=1)
    room = bound - fixed_sum
    if np.any(room < 60 * flexible.sum() + 60):
        raise SynthBug(f"{shape.code}: no room for the {kind} dossiers to finish on time")
    factor = np.minimum(1.0, room / np.maximum(flexible_sum, 1))
    scaled = np.maximum(60, np.floor(before * factor[:, None])).astype(np.int64)
    gaps[:, 1:finish + 1] = np.where(flexible[None, :], scaled, before)
    if pauses:
        slack = bound - gaps[:, 1:finish + 1].sum(axis=1)
        for position in pauses:
            gaps[:, position] = np.maximum(60, np.floor(slack * _uniform(ctx.rng, 0.2, 0.7, n) / len(pauses)))


def _make_late(ctx: BatchContext, shape, slots, data: BatchInput, gaps, work, finish: int, pre_count) -> None:
    """Delay the marked step so that the dossier finishes at least a working day after
    the latest of its appointment, legal due and counting start + nominal limit."""
    n = data.rows.size
    delayed = next(i for i, s in enumerate(slots) if s.mode == "late")
    info = shape.steps[slots[delayed].index]
    floor_ws = np.maximum.reduce([data.appointment_ws, data.due_ws, data.counting_start_ws + data.limit_nominal_s])
    target = floor_ws + np.floor(ctx.day_ws * (1 + _uniform(ctx.rng, 0, 2, n))).astype(np.int64)
    extra = np.maximum(0, target - (data.received_ws + gaps[:, 1:finish + 1].sum(axis=1)))
    gaps[:, delayed] += extra
    work[:, delayed] += extra
    if info.nominal_s:  # never leave the delayed step between clean and overrun
        floor_over = OVERRUN_FACTOR * info.nominal_s + OVERRUN_EXTRA_S + 60 + pre_count
        band = (work[:, delayed] > CLEAN_SHARE_MAX * info.effective_s + 60) & (work[:, delayed] < floor_over)
        bump = np.where(band, np.ceil(floor_over) - work[:, delayed], 0).astype(np.int64)
        gaps[:, delayed] += bump
        work[:, delayed] += bump


def _time_truth(ctx: BatchContext, shape, slots, data: BatchInput, work, kept, first_step: int, finished, finish_us,
                apology_ws, apology_lead_days: float) -> list[tuple[np.ndarray, str, str | None]]:
    """step_overrun, finished_late and late_without_apology, read off the times."""
    truth: list[tuple[np.ndarray, str, str | None]] = []
    for position, slot in enumerate(slots):
        if slot.role != STEP or position == first_step:
            continue
        info = shape.steps[slot.index]
        if info.nominal_s is None:
            continue
        over = kept[:, position] & (work[:, position] > info.nominal_s)
        if over.any():
            truth.append((data.rows[over], "step_overrun", slot.step))
    late = finished & (finish_us > data.appointment_moment_us)
    if late.any():
        truth.append((data.rows[late], "finished_late", None))
        timely = np.zeros(data.rows.size, dtype=bool)
        for column in range(apology_ws.shape[1]):
            apology_us = ctx.timeline.instant_of(apology_ws[:, column])
            if apology_lead_days > 0:
                deadline = np.asarray(ctx.calendar.add_array(apology_us.view("datetime64[us]"), apology_lead_days,
                                                             "working_days")).astype("datetime64[us]").view(np.int64)
            else:
                deadline = apology_us
            timely |= deadline <= data.appointment_moment_us
        without = late & ~timely
        if without.any():
            truth.append((data.rows[without], "late_without_apology", None))
    return truth


def _flatten(ctx: BatchContext, layout: Layout, data: BatchInput, at_ws, at_us, kept, apology_ws, step_due_us,
             new_appointment_us, due_requests) -> BatchOutput:
    """Chain slots plus apologies, in time order per dossier, as flat event arrays."""
    rng = ctx.rng
    slots = layout.slots
    n, count = at_ws.shape
    apology_count = apology_ws.shape[1]
    total = count + apology_count
    all_ws = np.concatenate([at_ws, apology_ws], axis=1)
    all_kept = np.concatenate([kept, np.ones((n, apology_count), dtype=bool)], axis=1)
    all_us = np.concatenate([at_us, ctx.timeline.instant_of(apology_ws.reshape(-1)).reshape(apology_ws.shape)], axis=1)
    all_due = np.concatenate([step_due_us, np.full((n, apology_count), NAT, dtype=np.int64)], axis=1)
    all_new = np.concatenate([np.full((n, count), NAT, dtype=np.int64), new_appointment_us], axis=1)
    step_ids = np.array([ctx.step_code[s.step] for s in slots] + [ctx.step_code["apology_issued"]] * apology_count)
    units = [s.unit for s in slots] + [layout.apology_unit] * apology_count
    unit_ids = np.array([ctx.unit_code[u] for u in units])
    officers = np.stack([ctx.roster_offset[u] + rng.integers(0, ctx.roster_size[u], n) for u in units], axis=1)

    order = np.argsort(np.where(all_kept, all_ws, np.iinfo(np.int64).max), axis=1, kind="stable")

    def take(matrix):
        return np.take_along_axis(matrix, order, axis=1)

    flat = take(all_kept).reshape(-1)
    cell_to_event = np.full(n * total, -1, dtype=np.int64)
    kept_cells = take(np.arange(n * total, dtype=np.int64).reshape(n, total)).reshape(-1)[flat]
    cell_to_event[kept_cells] = np.arange(kept_cells.size)
    requests = []
    for position, start_us, amount, unit, paused in due_requests:
        events = cell_to_event[np.arange(n, dtype=np.int64) * total + position]
        keep = events >= 0
        requests.append(DueRequests(events[keep], start_us[keep], amount, unit, paused[keep]))
    return BatchOutput(
        rows=np.broadcast_to(data.rows[:, None], (n, total)).reshape(-1)[flat],
        step=take(np.broadcast_to(step_ids[None, :], (n, total))).reshape(-1)[flat],
        unit=take(np.broadcast_to(unit_ids[None, :], (n, total))).reshape(-1)[flat],
        officer=take(officers).reshape(-1)[flat],
        at_us=take(all_us).reshape(-1)[flat],
        step_due_us=take(all_due).reshape(-1)[flat],
        new_appointment_us=take(all_new).reshape(-1)[flat],
        returned_us=np.empty(0, dtype=np.int64),
        is_open=np.empty(0, dtype=bool),
        due_requests=requests,
    )


# ---- pieces ---------------------------------------------------------------------------


def _limit_effective_s(shape: ProcedureShape, day_ws: int) -> float:
    if shape.limit_unit == "working_days":
        return shape.limit_amount * day_ws
    if shape.limit_unit == "working_hours":
        return shape.limit_amount * 3600
    return max(1.0, shape.limit_amount * 5 / 7 - 5) * day_ws


def _unallotted_budget(shape: ProcedureShape, limit_effective: float) -> float:
    allotted = sum(s.effective_s for s in shape.steps if s.nominal_s)
    without = sum(1 for s in shape.steps if not s.nominal_s)
    return max(0.05 * limit_effective, (limit_effective - allotted) / max(without, 1))


def _own_gap(role: str, rng, n: int, day_ws: int) -> np.ndarray:
    low, high = {
        PROCESSED: (300, 3600),
        RETURNED: (600, 4 * 3600),
        REFUSED: (1800, day_ws / 2),
        LATE_PROCESSED: (1800, 2 * day_ws),
        RECEIVED: (60, 600),
        EXTRA: (600, 3600),
        SUPPLEMENT_REQUESTED: (600, 3600),
    }[role]
    return np.floor(rng.uniform(low, high, n)).astype(np.int64)


def _finish_position(slots) -> int | None:
    for role_test in (lambda s: s.role == PROCESSED,
                      lambda s: s.is_result,
                      lambda s: s.role == REFUSED):
        found = next((i for i, s in enumerate(slots) if role_test(s)), None)
        if found is not None:
            return found
    return None


def _measured(slots, gaps: np.ndarray, first_step: int) -> np.ndarray:
    """For each STEP slot: the working time since the previous STEP slot, pauses excluded."""
    work = np.zeros_like(gaps)
    running = np.zeros(gaps.shape[0], dtype=np.int64)
    for position, slot in enumerate(slots):
        if position == 0:
            continue
        if slot.role == SUPPLEMENT_RECEIVED:
            continue
        running = running + gaps[:, position]
        if slot.role == STEP:
            work[:, position] = running
            running = np.zeros_like(running)
    return work


def _check_step_margins(shape, slots, work, first_step) -> None:
    for position, slot in enumerate(slots):
        if slot.role != STEP or position == first_step:
            continue
        info = shape.steps[slot.index]
        if not info.nominal_s:
            continue
        values = work[:, position]
        ambiguous = (values > CLEAN_SHARE_MAX * info.effective_s + 60) & (values < OVERRUN_FACTOR * info.nominal_s + OVERRUN_EXTRA_S)
        if ambiguous.any():
            raise SynthBug(f"{shape.code}/{slot.step}: a step time falls between clean and overrun")


def _apologies(layout: Layout, data: BatchInput, at_ws, finish, ctx: BatchContext, lead: float, rng) -> np.ndarray:
    n = at_ws.shape[0]
    count = layout.apologies
    result = np.zeros((n, count), dtype=np.int64)
    if not count:
        return result
    finish_ws = at_ws[:, finish]
    day = ctx.day_ws
    if layout.apology_mode == "timely":
        first = data.appointment_ws - int((lead + 1) * day) - np.floor(rng.uniform(0, 0.5, n) * day).astype(np.int64)
        first = np.maximum(first, data.received_ws + 600)
    else:
        first = data.appointment_ws + np.floor(rng.uniform(0.1, 0.6, n) * day).astype(np.int64)
    result[:, 0] = first
    for column in range(1, count):
        previous = result[:, column - 1]
        result[:, column] = previous + np.maximum(1, np.floor((finish_ws - previous) * rng.uniform(0.2, 0.6, n))).astype(np.int64)
    # Never at the same second as another event of the dossier.
    for _ in range(4):
        clash = np.zeros_like(result, dtype=bool)
        for column in range(count):
            clash[:, column] = (at_ws == result[:, [column]]).any(axis=1)
            clash[:, column] |= (result[:, :column] == result[:, [column]]).any(axis=1)
        if not clash.any():
            break
        result += clash
    return result


def _new_appointments(layout: Layout, data: BatchInput, at_ws, finish, ctx: BatchContext, rng) -> np.ndarray:
    n = at_ws.shape[0]
    count = layout.apologies
    result = np.full((n, count), NAT, dtype=np.int64)
    if not count:
        return result
    finish_ws = at_ws[:, finish]
    for column in range(count):
        if column == count - 1:
            when = finish_ws + np.floor(rng.uniform(0.5, 2.0, n) * ctx.day_ws).astype(np.int64)
        else:
            when = data.appointment_ws + (finish_ws - data.appointment_ws) * (column + 1) // (count + 1)
        instants = ctx.timeline.instant_of(when)
        result[:, column] = instants - instants % FIVE_MINUTES_US
    return result


def _keep_processed_with_result(slots, at_ws, kept, cut_ws: int) -> None:
    """Never cut between `processed` and the result: move the result inside the period
    when there is room, else leave both out."""
    processed = next((i for i, s in enumerate(slots) if s.role == PROCESSED), None)
    if processed is None or processed + 1 >= len(slots):
        return
    result = processed + 1
    split = kept[:, processed] & ~kept[:, result]
    if not split.any():
        return
    room = cut_ws - at_ws[:, processed]
    movable = split & (room >= 2)
    at_ws[movable, result] = at_ws[movable, processed] + np.maximum(1, room[movable] // 2)
    kept[movable, result] = True
    kept[split & ~movable, processed] = False


def _step_dues(ctx: BatchContext, shape, slots, at_us, at_ws, gaps, work, first_step, rng):
    """The log's per-step due moments: the calendar's `add(previous step, allotted)`,
    moved on by the pauses in between. Direct values (the `step_due_exceeded`
    defect) are set here; calendar additions are returned as requests, to be done
    for the whole log at once (one calendar call per allotment, not per batch)."""
    n, count = at_us.shape
    dues = np.full((n, count), NAT, dtype=np.int64)
    requests: list[tuple[int, np.ndarray, float, str, np.ndarray]] = []
    previous = None
    paused = np.zeros(n, dtype=np.int64)
    for position, slot in enumerate(slots):
        if slot.role == SUPPLEMENT_RECEIVED:
            paused = paused + gaps[:, position]
            continue
        if slot.role != STEP:
            continue
        info = shape.steps[slot.index]
        if previous is not None and info.amount is not None:
            if slot.mode == "due_exceeded":
                early = at_ws[:, previous] + np.floor(work[:, position] * rng.uniform(0.3, 0.8, n)).astype(np.int64)
                dues[:, position] = ctx.timeline.instant_of(early)
            else:
                requests.append((position, at_us[:, previous].copy(), info.amount, info.unit_of_time, paused.copy()))
        previous = position
        paused = np.zeros(n, dtype=np.int64)
    return dues, requests


@dataclass
class DueRequests:
    """Calendar additions for `step_due_at`, by output event index."""

    events: np.ndarray
    start_us: np.ndarray
    amount: float
    unit: str
    paused_ws: np.ndarray


def resolve_due_requests(ctx: BatchContext, requests: list[tuple[int, DueRequests]], target: np.ndarray) -> None:
    """Fill `target` (the log's step_due_at, int64 µs) for every request; `requests`
    holds (offset of the batch's first event in the log, request)."""
    groups: dict[tuple[float, str], list[tuple[int, DueRequests]]] = {}
    for offset, request in requests:
        groups.setdefault((request.amount, request.unit), []).append((offset, request))
    for (amount, unit), items in sorted(groups.items()):
        events = np.concatenate([offset + r.events for offset, r in items])
        start = np.concatenate([r.start_us for _, r in items])
        paused = np.concatenate([r.paused_ws for _, r in items])
        due = np.asarray(ctx.calendar.add_array(start.view("datetime64[us]"), amount, unit)).astype("datetime64[us]").view(np.int64)
        if paused.any():
            shifted = ctx.timeline.instant_of(ctx.timeline.ws_of(due) + paused)
            due = np.where(paused > 0, shifted, due)
        target[events] = due
