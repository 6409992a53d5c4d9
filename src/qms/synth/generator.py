"""`generate_log`: a reproducible synthetic dossier log with known defects.

Plan first, for all dossiers at once (procedure, receipt moment, channel, defect
kind), then build each batch of dossiers sharing a procedure issue, rule set and
defect layout with array arithmetic (`batch.py`), then assemble the canonical
event table. The same seed and library give the same table, row for row.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import numpy as np
import polars as pl

from .. import __version__
from ..errors import QmsError
from ..i18n import _
from . import names
from .batch import NAT, US, BatchContext, BatchInput, build_batch, resolve_due_requests
from .layout import build_layout
from .scenarios import (
    CLEAN, DEFECT_KINDS, DEFECT_NAMES, KIND_BY_NAME, LATE_KINDS, REFUSED, WITH_SUPPLEMENT, rule_enabled, variants,
)
from .shapes import FOREIGN_PROCEDURE_CODES, STATUS_STEPS, ProcedureShape, shape_of
from .timeline import WorkingTimeline

DEFAULT_FROM = dt.date(2025, 1, 1)
DEFAULT_TO = dt.date(2025, 12, 31)
DEFAULT_DEFECT_RATE = 0.10
SUPPLEMENT_SHARE = 0.08
REFUSED_SHARE = 0.01
OPTIONAL_STEP_SHARE = 0.4
CHANNELS = ("in_person", "online_full", "online_partial", "postal")
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
TRUTH_COLUMNS = ("dossier_id", "rule", "defect", "procedure_code", "step")
EVENT_COLUMNS = ("dossier_id", "procedure_code", "step", "unit", "officer", "at", "received_at", "appointment_at",
                 "returned_at", "channel", "step_due_at", "new_appointment_at")
UTC = pl.Datetime("us", "UTC")
KIND_NAMES = (CLEAN, WITH_SUPPLEMENT, REFUSED) + DEFECT_NAMES
KIND_CODE = {name: code for code, name in enumerate(KIND_NAMES)}


@dataclass
class GeneratedLog:
    events: pl.DataFrame
    truth: pl.DataFrame
    meta: dict


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
) -> GeneratedLog:
    """Generate `dossiers` dossiers received between `period_from` and `period_to`.

    `library`: a `qms.library.Library` (procedures, rule sets, calendar). `calendar`:
    a `WorkCalendar`; default the library's calendar in force at `period_from`, or
    the bundled sample calendar. `progress(done, total)` is called per batch.
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

    # ---- what is in force, day by day ------------------------------------------------
    days = [period_from + dt.timedelta(days=i) for i in range((period_to - period_from).days + 1)]
    codes = sorted(library.codes("procedure"))
    shapes: list[ProcedureShape] = []
    shape_key: dict[tuple[str, int], int] = {}
    rulesets: list = []
    ruleset_key: dict[tuple[str, int], int] = {}
    day_ruleset = np.full(len(days), -1, dtype=np.int64)
    procedures_by_day: dict[str, list] = {code: [None] * len(days) for code in codes}
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
                procedures_by_day[code][i] = library.procedure(code, day)
            except QmsError:
                pass
    if not rulesets:
        raise QmsError(_("no rule set is in force between {start} and {end}").format(start=period_from, end=period_to))

    max_limit_days = 1.0
    for code in codes:
        for procedure in procedures_by_day[code]:
            if procedure is not None:
                limit = procedure.time_limit
                days_of = limit.amount if limit.unit.value != "working_hours" else limit.amount / 8
                max_limit_days = max(max_limit_days, days_of)
    horizon = int(60 + 3 * max_limit_days * 7 / 5 + 40)
    timeline = WorkingTimeline(calendar, period_from - dt.timedelta(days=10), period_to + dt.timedelta(days=horizon))
    timeline.verify_against(np.random.default_rng([seed, 7]))
    day_ws = timeline.minimum_day_ws
    offset_s = _utc_offset_s(calendar)

    for code in codes:
        for procedure in procedures_by_day[code]:
            if procedure is not None and (code, procedure.issue) not in shape_key:
                shape_key[(code, procedure.issue)] = len(shapes)
                shapes.append(shape_of(procedure, calendar, day_ws))

    # ---- arrivals ---------------------------------------------------------------------
    first_index = timeline.day_index(period_from)
    day_length = timeline.day_length_ws[first_index:first_index + len(days)]
    day_start = timeline.day_start_ws[first_index:first_index + len(days)]
    weights = np.array([WEEKDAY_WEIGHTS[d.weekday()] for d in days]) * _tet_factor(days)
    weights = np.where((day_length > 0) & (day_ruleset >= 0), weights, 0.0)

    day_shape = {code: np.array([shape_key[(code, p.issue)] if p is not None else -1 for p in procedures_by_day[code]])
                 for code in codes}
    usable = [code for code in codes if np.any(weights * (day_shape[code] >= 0) > 0)]
    if not usable:
        raise QmsError(_("no procedure of the library is in force on a working day between {start} and {end}").format(
            start=period_from, end=period_to))
    popularity = np.array([1 / np.sqrt(max(shapes[day_shape[c][day_shape[c] >= 0][-1]].limit_amount, 0.5)) for c in usable])
    code_of = rng.choice(len(usable), size=dossiers, p=popularity / popularity.sum())
    day_of = np.zeros(dossiers, dtype=np.int64)
    for c, code in enumerate(usable):
        rows = np.flatnonzero(code_of == c)
        p = weights * (day_shape[code] >= 0)
        day_of[rows] = rng.choice(len(days), size=rows.size, p=p / p.sum())
    shape_of_row = _shape_lookup(day_shape, usable, code_of, day_of)
    ruleset_of_row = day_ruleset[day_of]
    margin_in_day = 600
    received_ws = day_start[day_of] + margin_in_day + np.floor(
        rng.beta(1.6, 2.2, dossiers) * (day_length[day_of] - 2 * margin_in_day)).astype(np.int64)
    channel_of = rng.choice(len(CHANNELS), size=dossiers, p=CHANNEL_SHARES)

    # ---- deadlines ----------------------------------------------------------------------
    received_us = timeline.instant_of(received_ws)
    counting_start_ws = np.zeros(dossiers, dtype=np.int64)
    due_ws = np.zeros(dossiers, dtype=np.int64)
    due_us = np.zeros(dossiers, dtype=np.int64)
    limit_nominal_s = np.zeros(dossiers, dtype=np.int64)
    for s, shape in enumerate(shapes):
        rows = np.flatnonzero(shape_of_row == s)
        if not rows.size:
            continue
        start = _instants(calendar.counting_start_array(received_us[rows].view("datetime64[us]"),
                                                        cutoff=shape.procedure.receipt_cutoff))
        due = _instants(calendar.add_array(start.view("datetime64[us]"), shape.limit_amount, shape.limit_unit))
        counting_start_ws[rows] = timeline.ws_of(start)
        due_ws[rows] = timeline.ws_of(due)
        due_us[rows] = due
        if shape.limit_unit == "calendar_days":
            limit_nominal_s[rows] = due_ws[rows] - counting_start_ws[rows]
        else:
            limit_nominal_s[rows] = int(calendar.duration_minutes(shape.limit_amount, shape.limit_unit) * 60)
    limit_effective = np.minimum(limit_nominal_s, due_ws - counting_start_ws)

    # ---- defects ------------------------------------------------------------------------
    cut_ws = int(timeline.ws_of(np.array([_end_of_day_us(timeline, period_to)]))[0])
    eligible = received_ws + 2 * limit_nominal_s + 12 * day_ws <= cut_ws
    kind_of = np.full(dossiers, KIND_CODE[CLEAN], dtype=np.int64)
    variant_of = np.zeros(dossiers, dtype=np.int64)
    defect_draw = rng.random(dossiers)
    benign_draw = rng.random(dossiers)
    optional_draw = rng.random((dossiers, 4))
    group_keys = np.unique(shape_of_row * len(rulesets) + ruleset_of_row).tolist()
    for s, r in (divmod(key, len(rulesets)) for key in group_keys):
        shape, ruleset = shapes[s], rulesets[r]
        rows = np.flatnonzero((shape_of_row == s) & (ruleset_of_row == r))
        limit_days = float(np.min(limit_effective[rows])) / day_ws
        feasible = {kind.name: variants(kind.name, shape, ruleset, limit_days, day_ws) for kind in DEFECT_KINDS}
        feasible = {name: options for name, options in feasible.items() if options}
        defective = rows[eligible[rows] & (defect_draw[rows] < defect_rate)]
        if defective.size and feasible:
            names_ = sorted(feasible, key=lambda name: [k.name for k in DEFECT_KINDS].index(name))
            w = np.array([KIND_BY_NAME[name].weight for name in names_], dtype=float)
            picks = rng.choice(len(names_), size=defective.size, p=w / w.sum())
            for k, name in enumerate(names_):
                chosen = defective[picks == k]
                kind_of[chosen] = KIND_CODE[name]
                options = feasible[name]
                variant_of[chosen] = np.asarray(options)[rng.integers(0, len(options), chosen.size)]
        clean_rows = rows[kind_of[rows] == KIND_CODE[CLEAN]]
        supplement = clean_rows[benign_draw[clean_rows] < SUPPLEMENT_SHARE]
        kind_of[supplement] = KIND_CODE[WITH_SUPPLEMENT]
        refused = clean_rows[(benign_draw[clean_rows] >= SUPPLEMENT_SHARE)
                             & (benign_draw[clean_rows] < SUPPLEMENT_SHARE + REFUSED_SHARE)]
        before_result = sum(1 for step in shape.steps if not step.optional and not step.result)
        kind_of[refused] = KIND_CODE[REFUSED]
        variant_of[refused] = rng.integers(0, max(1, min(3, before_result)), refused.size)

    # Optional steps: included in some clean dossiers only.
    optional_mask = np.zeros(dossiers, dtype=np.int64)
    clean_like = np.isin(kind_of, [KIND_CODE[CLEAN], KIND_CODE[WITH_SUPPLEMENT]])
    for bit in range(4):
        optional_mask |= ((optional_draw[:, bit] < OPTIONAL_STEP_SHARE) & clean_like).astype(np.int64) << bit

    # ---- appointments -------------------------------------------------------------------
    appointment_us = np.full(dossiers, NAT, dtype=np.int64)
    early = np.maximum(1800, np.floor(rng.uniform(0, 0.08, dossiers) * limit_effective)).astype(np.int64)
    planned = due_ws - early
    beyond = kind_of == KIND_CODE["appointment_beyond_limit"]
    planned[beyond] = due_ws[beyond] + np.floor((2 + rng.uniform(0, 3, int(beyond.sum()))) * day_ws).astype(np.int64)
    appointment_instants = timeline.instant_of(planned)
    appointment_instants -= appointment_instants % (300 * US)
    missing = kind_of == KIND_CODE["appointment_missing"]
    appointment_us = np.where(missing, NAT, appointment_instants)
    appointment_moment_us = np.where(missing, due_us, appointment_us)
    appointment_ws = timeline.ws_of(appointment_moment_us)
    finish_bound_ws = np.minimum.reduce([appointment_ws, due_ws, counting_start_ws + limit_nominal_s]) - np.maximum(
        900, np.floor(0.05 * limit_effective)).astype(np.int64)

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
                        | set(_foreign_steps()))
    ctx = BatchContext(timeline=timeline, calendar=calendar, rng=rng, day_ws=day_ws, cut_ws=cut_ws,
                       step_code={name: i for i, name in enumerate(step_table)},
                       unit_code={unit: i for i, unit in enumerate(unit_codes)},
                       roster_offset=roster_offset, roster_size=roster_size)

    # ---- batches -------------------------------------------------------------------------
    pieces = []
    returned_us = np.full(dossiers, NAT, dtype=np.int64)
    is_open = np.zeros(dossiers, dtype=bool)
    truth_parts: list[tuple[np.ndarray, str, str | None]] = []
    # One key per batch: shape, rule set, kind, variant, optional steps.
    sizes = (len(shapes), len(rulesets), len(KIND_NAMES), int(variant_of.max()) + 1, 16)
    batch_key = np.ravel_multi_index((shape_of_row, ruleset_of_row, kind_of, variant_of, optional_mask), sizes)
    by_key = np.argsort(batch_key, kind="stable")
    keys, starts = np.unique(batch_key[by_key], return_index=True)
    bounds = np.r_[starts, dossiers]
    batch_keys = [(tuple(int(v) for v in np.unravel_index(key, sizes)), by_key[bounds[i]:bounds[i + 1]])
                  for i, key in enumerate(keys.tolist())]
    for done, ((s, r, kind_code, variant, mask), rows) in enumerate(batch_keys):
        kind = KIND_NAMES[kind_code]
        rows = rows.astype(np.int64)
        shape, ruleset = shapes[s], rulesets[r]
        optional_steps = [step.index for step in shape.steps if step.optional]
        included = frozenset(index for bit, index in enumerate(optional_steps[:4]) if mask >> bit & 1)
        layout = build_layout(shape, kind, variant, included, ruleset.max_supplement_requests, ruleset.max_reschedules)
        data = BatchInput(rows=rows, received_ws=received_ws[rows], counting_start_ws=counting_start_ws[rows],
                          due_ws=due_ws[rows], appointment_ws=appointment_ws[rows],
                          appointment_moment_us=appointment_moment_us[rows], limit_nominal_s=limit_nominal_s[rows],
                          finish_bound_ws=finish_bound_ws[rows])
        out = build_batch(ctx, shape, layout, kind, data, ruleset.apology_lead_working_days, kind in LATE_KINDS)
        pieces.append(out)
        returned_us[rows] = out.returned_us
        is_open[rows] = out.is_open
        if kind == "unknown_procedure":
            truth_parts.append((rows, "unknown_procedure", None))
        else:
            truth_parts.extend(out.truth)
            for rule in KIND_BY_NAME[kind].rules if kind in KIND_BY_NAME else ():
                truth_parts.append((rows, rule, _rule_step(shape, kind, variant, rule)))
        if progress is not None:
            progress(done + 1, len(batch_keys))

    # ---- events table --------------------------------------------------------------------
    offsets = np.cumsum([0] + [p.rows.size for p in pieces])
    event_rows = np.concatenate([p.rows for p in pieces])
    at_us = np.concatenate([p.at_us for p in pieces])
    step_due_us = np.concatenate([p.step_due_us for p in pieces])
    resolve_due_requests(ctx, [(int(offsets[i]), r) for i, p in enumerate(pieces) for r in p.due_requests], step_due_us)
    step_codes = np.concatenate([p.step for p in pieces])
    due_exceeded = (step_due_us != NAT) & (at_us > step_due_us)
    if due_exceeded.any():
        for code in np.unique(step_codes[due_exceeded]).tolist():
            chosen = due_exceeded & (step_codes == code)
            truth_parts.append((np.unique(event_rows[chosen]), "step_due_exceeded", step_table[code]))
    as_of_us = int(at_us.max())
    # Open and overdue as of the latest event.
    overdue = is_open & (appointment_moment_us < as_of_us) & (kind_of != KIND_CODE["unknown_procedure"])
    if overdue.any():
        truth_parts.append((np.flatnonzero(overdue), "open_overdue", None))

    # Procedure codes: the library's, then the foreign ones of the unknown_procedure defect.
    foreign = [c for c in FOREIGN_PROCEDURE_CODES if c not in set(codes)]
    code_table = pl.Series(codes + foreign, dtype=pl.String)
    procedure_index = np.array([codes.index(shape.code) for shape in shapes], dtype=np.int64)[shape_of_row]
    unknown = np.flatnonzero(kind_of == KIND_CODE["unknown_procedure"])
    procedure_index[unknown] = len(codes) + rng.integers(0, len(foreign), unknown.size)

    desk_prefix = np.array([_desk_prefix_code(shape.desk_unit) for shape in shapes], dtype=np.int64)[shape_of_row]
    dossier_ids = _dossier_ids(received_us, offset_s, desk_prefix)
    # Log order: by receipt, then dossier, then time.
    dossier_rank = np.empty(dossiers, dtype=np.int64)
    dossier_rank[np.lexsort((np.arange(dossiers), received_us))] = np.arange(dossiers)
    order = np.lexsort((at_us, dossier_rank[event_rows]))
    event_rows = event_rows[order]
    events = pl.DataFrame({
        "dossier_id": dossier_ids.gather(event_rows),
        "procedure_code": code_table.gather(procedure_index[event_rows]),
        "step": pl.Series(step_table, dtype=pl.String).gather(step_codes[order]),
        "unit": pl.Series(unit_codes, dtype=pl.String).gather(np.concatenate([p.unit for p in pieces])[order]),
        "officer": pl.Series(officer_table, dtype=pl.String).gather(np.concatenate([p.officer for p in pieces])[order]),
        "at": _datetime(at_us[order]),
        "received_at": _datetime(received_us[event_rows]),
        "appointment_at": _datetime(appointment_us[event_rows]),
        "returned_at": _datetime(returned_us[event_rows]),
        "channel": pl.Series(CHANNELS, dtype=pl.String).gather(channel_of[event_rows]),
        "step_due_at": _datetime(step_due_us[order]),
        "new_appointment_at": _datetime(np.concatenate([p.new_appointment_us for p in pieces])[order]),
    })

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
        "rules": dict(sorted(Counter(truth["rule"].to_list()).items())),
        "units": {unit: {"name": names.unit_name(unit), "officers": rosters[unit]} for unit in unit_codes},
        "semantics": "docs/generate.md",
    }
    return GeneratedLog(events=events, truth=truth, meta=meta)


# ---- helpers ---------------------------------------------------------------------------


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


def _tet_factor(days: list[dt.date]) -> np.ndarray:
    factor = np.ones(len(days))
    for i, day in enumerate(days):
        tet = LUNAR_NEW_YEAR.get(day.year) or LUNAR_NEW_YEAR.get(day.year + 1)
        for candidate in (LUNAR_NEW_YEAR.get(day.year), LUNAR_NEW_YEAR.get(day.year + 1)):
            if candidate is not None and -14 <= (day - candidate).days <= 12:
                tet = candidate
                factor[i] = TET_DIP
        del tet
    return factor


def _shape_lookup(day_shape, usable, code_of, day_of) -> np.ndarray:
    table = np.stack([day_shape[code] for code in usable])
    return table[code_of, day_of]


def _instants(values) -> np.ndarray:
    return np.asarray(values).astype("datetime64[us]").view(np.int64)


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


def _foreign_steps():
    from .shapes import FOREIGN_STEP_IDS

    return FOREIGN_STEP_IDS


def _rule_step(shape: ProcedureShape, kind: str, variant: int, rule: str) -> str | None:
    if kind in ("missing_step", "unexpected_step", "repeated_step") and rule == kind:
        if kind == "unexpected_step":
            from .shapes import FOREIGN_STEP_IDS

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
