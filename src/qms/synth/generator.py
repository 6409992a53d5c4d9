"""`generate_log`: a reproducible synthetic dossier log with known defects.

Plan first, for all dossiers at once (procedure, receipt moment, channel, defect
kind), then build each batch of dossiers sharing a procedure issue, rule set and
defect layout with array arithmetic (`batch.py`), then assemble the canonical
event table. The same seed and library give the same table, row for row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from .. import __version__
from ..core.errors import QmsError
from ..core.i18n import _
from . import names
from .batch import NAT, US, BatchContext, BatchInput, build_batch, resolve_due_requests
from .event_store import EventSegments
from .layout import build_layout
from .plan import (
    KIND_CODE, KIND_NAMES, assign_kinds, compute_deadlines, documents_in_force, draw_arrivals,
    set_appointments,
)
from .scenarios import KIND_BY_NAME, LATE_KINDS, rule_enabled
from ..model.events import CHANNELS, STATUS_STEPS
from .shapes import FOREIGN_PROCEDURE_CODES, FOREIGN_STEP_IDS, ProcedureShape
from .timeline import WorkingTimeline

DEFAULT_FROM = dt.date(2025, 1, 1)
DEFAULT_TO = dt.date(2025, 12, 31)
DEFAULT_DEFECT_RATE = 0.10
TRUTH_COLUMNS = ("dossier_id", "rule", "defect", "procedure_code", "step")
UTC = pl.Datetime("us", "UTC")


@dataclass
class EventColumns:
    """The generated events as integer segments (`event_store`) plus the per-dossier
    arrays and the tables of names they index: a slice of the log becomes a polars
    frame on demand, so that a large log is written chunk by chunk instead of being
    held as one table of texts."""

    dossier_ids: pl.Series  # per dossier
    codes: pl.Series  # procedure code table
    procedure_index: np.ndarray  # per dossier
    steps: pl.Series
    units: pl.Series
    officers: pl.Series
    segments: EventSegments  # per event, by dossier rank in log order
    row_of_rank: np.ndarray  # dossier index of each rank
    received_us: np.ndarray  # per dossier
    appointment_us: np.ndarray
    returned_us: np.ndarray
    channel: np.ndarray

    def __post_init__(self) -> None:
        self._ends = np.cumsum(self.segments.per_rank)  # events up to and including each rank

    @property
    def height(self) -> int:
        return self.segments.height

    def frame(self, start: int = 0, stop: int | None = None) -> pl.DataFrame:
        """Events [start, stop) of the log order as the canonical table."""
        stop = self.height if stop is None else min(stop, self.height)
        if stop > start:
            first, last = np.searchsorted(self._ends, [start, stop - 1], side="right").tolist()
            events = self.segments.read(first, last)
            skip = start - (int(self._ends[first - 1]) if first else 0)
            events = {name: values[skip:skip + stop - start] for name, values in events.items()}
        else:
            events = self.segments.read(1, 0)
        rows = self.row_of_rank[events["rank"]]
        return pl.DataFrame({
            "dossier_id": self.dossier_ids.gather(rows),
            "procedure_code": self.codes.gather(self.procedure_index[rows]),
            "step": self.steps.gather(events["step"]),
            "unit": self.units.gather(events["unit"]),
            "officer": self.officers.gather(events["officer"]),
            "at": _datetime(events["at_us"]),
            "received_at": _datetime(self.received_us[rows]),
            "appointment_at": _datetime(self.appointment_us[rows]),
            "returned_at": _datetime(self.returned_us[rows]),
            "channel": pl.Series(CHANNELS, dtype=pl.String).gather(self.channel[rows]),
            "step_due_at": _datetime(events["step_due_us"]),
            "new_appointment_at": _datetime(events["new_appointment_us"]),
        })

    def chunks(self, rows: int):
        for start in range(0, self.height, rows):
            yield self.frame(start, min(self.height, start + rows))


@dataclass
class GeneratedLog:
    columns: EventColumns
    truth: pl.DataFrame
    meta: dict

    @property
    def events(self) -> pl.DataFrame:
        """Every event as one table (for a large log, write `columns.chunks(...)`)."""
        cached = self.__dict__.get("_events")
        if cached is None:
            cached = self.__dict__["_events"] = self.columns.frame()
        return cached


def _local_day_of(instant_us: np.ndarray, offset_s: int) -> np.ndarray:
    return ((instant_us // US + offset_s) // 86400).astype(np.int64)


def generate_log(
    library,
    dossiers: int,
    seed: int,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
    defect_rate: float = DEFAULT_DEFECT_RATE,
    calendar=None,
    progress=None,
    spill=None,
) -> GeneratedLog:
    """Generate `dossiers` dossiers received between `period_from` and `period_to`.

    `library`: a `qms.library.Library` (procedures, rule sets, calendar). `calendar`:
    a `WorkCalendar`; default the library's calendar in force at `period_from`, or
    the bundled sample calendar. `progress(done, total)` is called per batch.
    `spill`: a folder for the events until they are written (None: in memory); the
    log is the same either way.
    """
    period_from = period_from or DEFAULT_FROM
    period_to = period_to or DEFAULT_TO
    if dossiers < 1:
        raise QmsError(_("the number of dossiers must be at least 1"))
    if period_to < period_from:
        raise QmsError(_("--to is before --from"))
    if not 0 <= defect_rate <= 1:
        raise QmsError(_("the defect rate must be between 0 and 1"))
    rng = np.random.default_rng(seed)
    calendar = calendar or _calendar_of(library, period_from)

    in_force = documents_in_force(library, period_from, period_to)
    horizon = int(60 + 3 * in_force.longest_limit_days * 7 / 5 + 40)
    timeline = WorkingTimeline(calendar, period_from - dt.timedelta(days=10), period_to + dt.timedelta(days=horizon))
    timeline.verify_against(np.random.default_rng([seed, 7]))
    day_ws = timeline.minimum_day_ws
    cut_ws = int(timeline.ws_of(np.array([_end_of_day_us(timeline, period_to)]))[0])

    plan = draw_arrivals(rng, dossiers, in_force, timeline, calendar, day_ws)
    compute_deadlines(plan, calendar, timeline)
    assign_kinds(plan, rng, defect_rate, cut_ws, day_ws)
    set_appointments(plan, rng, timeline, day_ws)
    shapes, rulesets, codes = plan.shapes, plan.rulesets, in_force.codes
    shape_of_row, ruleset_of_row, kind_of = plan.shape, plan.ruleset, plan.kind
    received_ws, received_us, channel_of = plan.received_ws, plan.received_us, plan.channel
    appointment_us, appointment_moment_us = plan.appointment_us, plan.appointment_moment_us
    offset_s = _utc_offset_s(calendar)

    # ---- tables of names ------------------------------------------------------------------
    unit_codes = sorted({step.unit for shape in shapes for step in shape.steps})
    rosters = names.officer_rosters(unit_codes, np.random.default_rng([seed, 11]))
    officer_table: list[str] = []
    roster_offset, roster_size = {}, {}
    for unit in unit_codes:
        roster_offset[unit] = len(officer_table)
        roster_size[unit] = len(rosters[unit])
        officer_table.extend(rosters[unit])
    step_table = sorted(set(STATUS_STEPS) | {step.id for shape in shapes for step in shape.steps}
                        | set(FOREIGN_STEP_IDS))
    ctx = BatchContext(timeline=timeline, calendar=calendar, rng=rng, day_ws=day_ws, cut_ws=cut_ws,
                       step_code={name: i for i, name in enumerate(step_table)},
                       unit_code={unit: i for i, unit in enumerate(unit_codes)},
                       roster_offset=roster_offset, roster_size=roster_size)

    # ---- batches -------------------------------------------------------------------------
    # Log order: by receipt, then dossier, then time. Each batch's events go to the
    # store sorted by (rank, time) as soon as they are made; only per-dossier arrays
    # and the truth's rows stay in memory.
    row_of_rank = np.lexsort((np.arange(dossiers), received_us))
    dossier_rank = np.empty(dossiers, dtype=np.int64)
    dossier_rank[row_of_rank] = np.arange(dossiers)
    store = EventSegments(dossiers, spill)
    returned_us = np.full(dossiers, NAT, dtype=np.int64)
    is_open = np.zeros(dossiers, dtype=bool)
    truth_parts: list[tuple[np.ndarray, str, str | None]] = []
    as_of_us = NAT
    batch_keys = _batches(plan)
    try:
        for done, ((s, r, kind_code, variant, mask), rows) in enumerate(batch_keys):
            kind = KIND_NAMES[kind_code]
            rows = rows.astype(np.int64)
            shape, ruleset = shapes[s], rulesets[r]
            optional_steps = [step.index for step in shape.steps if step.optional]
            included = frozenset(index for bit, index in enumerate(optional_steps[:4]) if mask >> bit & 1)
            layout = build_layout(shape, kind, variant, included, ruleset.max_supplement_requests,
                                  ruleset.max_reschedules)
            data = BatchInput(rows=rows, received_ws=received_ws[rows], counting_start_ws=plan.counting_start_ws[rows],
                              due_ws=plan.due_ws[rows], appointment_ws=plan.appointment_ws[rows],
                              appointment_moment_us=appointment_moment_us[rows],
                              limit_nominal_s=plan.limit_nominal_s[rows], finish_bound_ws=plan.finish_bound_ws[rows])
            out = build_batch(ctx, shape, layout, kind, data, ruleset.apology_lead_working_days, kind in LATE_KINDS)
            returned_us[rows] = out.returned_us
            is_open[rows] = out.is_open
            if kind == "unknown_procedure":
                truth_parts.append((rows, "unknown_procedure", None))
            else:
                truth_parts.extend(out.truth)
                for rule in KIND_BY_NAME[kind].rules if kind in KIND_BY_NAME else ():
                    truth_parts.append((rows, rule, _rule_step(shape, kind, variant, rule)))
            resolve_due_requests(ctx, [(0, request) for request in out.due_requests], out.step_due_us)
            truth_parts.extend(_due_exceeded(out, step_table))
            if out.at_us.size:
                as_of_us = max(as_of_us, int(out.at_us.max()))
            store.append(dossier_rank[out.rows], step=out.step, unit=out.unit, officer=out.officer, at_us=out.at_us,
                         step_due_us=out.step_due_us, new_appointment_us=out.new_appointment_us)
            del out, data
            if progress is not None:
                progress(done + 1, len(batch_keys))
    finally:
        store.close()
    # What only the batches needed (the plan's per-dossier deadlines and bounds) goes
    # before the dossier ids and the truth are made.
    del dossier_rank, batch_keys, plan, received_ws

    # Open and overdue as of the latest event.
    overdue = is_open & (appointment_moment_us < as_of_us) & (kind_of != KIND_CODE["unknown_procedure"])
    if overdue.any():
        # Past its appointment with no apology (open dossiers never carry one here).
        truth_parts.append((np.flatnonzero(overdue), "open_overdue", None))
        truth_parts.append((np.flatnonzero(overdue), "late_without_apology", None))

    # Procedure codes: the library's, then the foreign ones of the unknown_procedure defect.
    foreign = [c for c in FOREIGN_PROCEDURE_CODES if c not in set(codes)]
    code_table = pl.Series(codes + foreign, dtype=pl.String)
    procedure_index = np.array([codes.index(shape.code) for shape in shapes], dtype=np.int64)[shape_of_row]
    unknown = np.flatnonzero(kind_of == KIND_CODE["unknown_procedure"])
    procedure_index[unknown] = len(codes) + rng.integers(0, len(foreign), unknown.size)

    desk_prefix = np.array([_desk_prefix_code(shape.desk_unit) for shape in shapes], dtype=np.int64)[shape_of_row]
    dossier_ids = _dossier_ids(received_us, offset_s, desk_prefix)
    events = EventColumns(
        dossier_ids=dossier_ids, codes=code_table, procedure_index=procedure_index,
        steps=pl.Series(step_table, dtype=pl.String), units=pl.Series(unit_codes, dtype=pl.String),
        officers=pl.Series(officer_table, dtype=pl.String), segments=store, row_of_rank=row_of_rank,
        received_us=received_us, appointment_us=appointment_us, returned_us=returned_us, channel=channel_of,
    )

    # ---- truth ---------------------------------------------------------------------------
    truth = _truth_table(truth_parts, dossier_ids, code_table.gather(procedure_index), kind_of, ruleset_of_row, rulesets)
    meta = {
        "generator": "qms.synth",
        "qms_version": __version__,
        "seed": seed,
        "dossiers": dossiers,
        "events": events.height,
        "period_from": period_from.isoformat(),
        "period_to": period_to.isoformat(),
        "as_of": _iso(as_of_us),
        "defect_rate": defect_rate,
        "calendar": {"code": calendar.settings.code, "issue": calendar.settings.issue,
                     "timezone": calendar.settings.timezone},
        "procedures": [{"code": s.code, "issue": s.issue, "sha256": _hash(library, s.procedure)} for s in shapes],
        "rulesets": [{"code": r.code, "issue": r.issue, "sha256": _hash(library, r)} for r in rulesets],
        "defects": {name: int(count) for name, count in zip(KIND_NAMES, np.bincount(kind_of, minlength=len(KIND_NAMES)))
                    if name in KIND_BY_NAME and count},
        "rules": {row["rule"]: row["len"] for row in truth.group_by("rule").len().sort("rule").iter_rows(named=True)},
        "skipped_procedures": in_force.skipped,
        "units": {unit: {"name": names.unit_name(unit), "officers": rosters[unit]} for unit in unit_codes},
        "semantics": "docs/generate.md",
    }
    return GeneratedLog(columns=events, truth=truth, meta=meta)


# ---- helpers ---------------------------------------------------------------------------


def _batches(plan) -> list[tuple[tuple[int, int, int, int, int], np.ndarray]]:
    """Dossiers grouped by (shape, rule set, kind, variant, optional steps), in key order."""
    sizes = (len(plan.shapes), len(plan.rulesets), len(KIND_NAMES), int(plan.variant.max()) + 1, 16)
    batch_key = np.ravel_multi_index((plan.shape, plan.ruleset, plan.kind, plan.variant, plan.optional_mask), sizes)
    by_key = np.argsort(batch_key, kind="stable")
    keys, starts = np.unique(batch_key[by_key], return_index=True)
    bounds = np.r_[starts, plan.size]
    return [(tuple(int(v) for v in np.unravel_index(key, sizes)), by_key[bounds[i]:bounds[i + 1]])
            for i, key in enumerate(keys.tolist())]


def _calendar_of(library, day: dt.date):
    from ..calendar import WorkCalendar

    try:
        settings = library.calendar(day)
    except QmsError:
        return WorkCalendar.sample()
    return WorkCalendar.from_settings(settings)


def _utc_offset_s(calendar) -> int:
    from zoneinfo import ZoneInfo

    # Asia/Ho_Chi_Minh has had a fixed offset since 1975; used only for dossier-id dates.
    return int(dt.datetime(2025, 1, 1, tzinfo=ZoneInfo(calendar.settings.timezone)).utcoffset().total_seconds())


def _end_of_day_us(timeline: WorkingTimeline, day: dt.date) -> int:
    index = timeline.day_index(day)
    later = timeline.starts[timeline.session_day <= index]
    ends = timeline.ends[timeline.session_day <= index]
    return int(ends[-1]) if later.size else int(timeline.starts[0])


def _datetime(values: np.ndarray) -> pl.Series:
    series = pl.Series(values.astype(np.int64))
    return series.cast(pl.Datetime("us")).dt.replace_time_zone("UTC").scatter(np.flatnonzero(values == NAT), None) \
        if (values == NAT).any() else series.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def _iso(instant_us: int) -> str:
    return (dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(microseconds=instant_us)).isoformat().replace("+00:00", "Z")


DESK_PREFIXES = ("000.00.25.H40", "000.07.25.H40")  # provincial centre's desk, a commune's desk
COMMUNE_DESKS = {"UBND_XA"}


def _desk_prefix_code(desk_unit: str) -> int:
    return 1 if desk_unit in COMMUNE_DESKS else 0


def _dossier_ids(received_us: np.ndarray, offset_s: int, prefix: np.ndarray) -> pl.Series:
    """`<agency code>-<yymmdd>-<sequence of the day at that desk>`, numbered in order of receipt."""
    n = received_us.size
    local_day = _local_day_of(received_us, offset_s)
    order = np.lexsort((np.arange(n), received_us, local_day, prefix))
    group = prefix[order] * 1_000_000 + local_day[order]
    starts = np.r_[True, group[1:] != group[:-1]]
    first_of_group = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    seq = np.empty(n, dtype=np.int64)
    seq[order] = np.arange(n) - first_of_group + 1
    frame = pl.DataFrame({"prefix": pl.Series(DESK_PREFIXES, dtype=pl.String).gather(prefix),
                          "day": local_day.astype(np.int32), "seq": seq})
    return frame.select(pl.concat_str([
        pl.col("prefix"), pl.lit("-"), pl.col("day").cast(pl.Date).dt.strftime("%y%m%d"), pl.lit("-"),
        pl.col("seq").cast(pl.String).str.zfill(5)]).alias("dossier_id"))["dossier_id"]


def _due_exceeded(out, step_table: list[str]) -> list[tuple[np.ndarray, str, str | None]]:
    """step_due_exceeded of one batch, read off its resolved per-step due moments."""
    exceeded = (out.step_due_us != NAT) & (out.at_us > out.step_due_us)
    parts = []
    for code in np.unique(out.step[exceeded]).tolist():
        chosen = exceeded & (out.step == code)
        parts.append((np.unique(out.rows[chosen]), "step_due_exceeded", step_table[code]))
    return parts


def _rule_step(shape: ProcedureShape, kind: str, variant: int, rule: str) -> str | None:
    if kind in ("missing_step", "unexpected_step", "repeated_step") and rule == kind:
        if kind == "unexpected_step":
            return next(s for s in FOREIGN_STEP_IDS if s not in shape.step_ids)
        return shape.steps[variant].id
    if kind == "step_out_of_order" and rule == "step_out_of_order":
        return shape.steps[variant].id
    if kind == "returned_before_approval":
        return shape.steps[variant].id
    return None


def _truth_table(parts, dossier_ids: pl.Series, procedure_codes: pl.Series, kind_of, ruleset_of_row, rulesets) -> pl.DataFrame:
    frames = []
    for rows, rule, step in parts:
        enabled_in = np.array([rule_enabled(ruleset, rule) for ruleset in rulesets])
        rows = rows[enabled_in[ruleset_of_row[rows]]]
        if rows.size:
            frames.append(pl.DataFrame({"row": rows.astype(np.int64)}).with_columns(
                rule=pl.lit(rule, dtype=pl.String), step=pl.lit(step, dtype=pl.String)))
    if not frames:
        return pl.DataFrame(schema={c: pl.String for c in TRUTH_COLUMNS})
    frame = pl.concat(frames).sort(["row", "rule", "step"], nulls_last=True).unique(["row", "rule"], keep="first", maintain_order=True)
    row_values = frame["row"].to_numpy()
    return pl.DataFrame({
        "dossier_id": dossier_ids.gather(row_values),
        "rule": frame["rule"],
        "defect": pl.Series(KIND_NAMES, dtype=pl.String).gather(kind_of[row_values]),
        "procedure_code": procedure_codes.gather(row_values),
        "step": frame["step"],
    }).sort(["dossier_id", "rule"])


def _hash(library, document) -> str | None:
    try:
        return library.content_hash(document)
    except Exception:  # a stand-in library in tests may not hash
        return None
