"""The service-quality index (Decision 766/QĐ-TTg) from a checked log.

Each formula of `IndicatorFormula` is counted here as named parts (numerator,
denominator, …) over the dossiers table and the dossiers' optional facts; a value
is always recomputed from parts, so partial summaries merge exactly. An indicator
the log cannot support is reported as not measurable with the reason (the field
the log lacks), never guessed or scored as zero. Which indicators exist, their
points and thresholds are the indicator-set document's, not this module's.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from ..core.i18n import _
from ..model.check_output import (
    IndicatorGroupScore, IndicatorReport, IndicatorResult, IndicatorScores, UnitIndicators,
)
from ..model.events import INDICATOR_FIELDS, ONLINE_CHANNELS
from ..model.indicators import Band, Indicator, IndicatorFormula, IndicatorGroup, IndicatorSet

RESOLVED = ("early", "on_time", "late")
# what the optional fields hold, for the reason an indicator is not measurable
FIELD_NAMES = {
    "channel": "submission channel", "payment_channel": "fee payment channel",
    "digitised": "digitised components", "electronic_result": "electronic result",
    "reused_data": "reuse of digitised data", "complaint": "complaints",
}
OPEN = ("open_within_time", "open_overdue")
F = IndicatorFormula


def _status_in(statuses: tuple[str, ...]) -> pl.Expr:
    return pl.col("status").is_in(list(statuses))


def _received_in_period() -> pl.Expr:
    return pl.col("received_in_period")


# formula -> (fields of the log it needs, its parts as conditions on one dossier: a part
# counts the dossiers meeting it, and a reconciliation lists them)
PARTS: dict[IndicatorFormula, tuple[tuple[str, ...], dict[str, pl.Expr]]] = {
    F.on_time_rate: ((), {
        "in_time": _status_in(("early", "on_time", "open_within_time")),
        "counted": _status_in(RESOLVED + OPEN),
    }),
    F.online_dossier_rate: (("channel",), {
        "online": _received_in_period() & pl.col("channel").is_in(list(ONLINE_CHANNELS)),
        "received": _received_in_period() & pl.col("channel").is_not_null(),
    }),
    F.online_payment_rate: (("payment_channel",), {
        "paid_online": pl.col("payment_channel") == "online",
        "with_fee": pl.col("payment_channel").is_in(["online", "offline"]),
    }),
    F.digitised_dossier_rate: (("digitised",), {
        "digitised": _received_in_period() & (pl.col("digitised") == "yes"),
        "received": _received_in_period() & pl.col("digitised").is_not_null(),
    }),
    F.electronic_result_rate: (("electronic_result",), {
        "electronic": _status_in(RESOLVED) & (pl.col("electronic_result") == "yes"),
        "resolved": _status_in(RESOLVED) & pl.col("electronic_result").is_not_null(),
    }),
    F.data_reuse_rate: (("reused_data",), {
        "reused": _received_in_period() & (pl.col("reused_data") == "yes"),
        "received": _received_in_period() & pl.col("reused_data").is_not_null(),
    }),
    F.satisfaction_rate: (("complaint",), {
        "late": pl.col("status") == "late",
        "resolved": _status_in(RESOLVED),
        "complaints": _received_in_period() & (pl.col("complaint") == "yes"),
        "received": _received_in_period() & pl.col("complaint").is_not_null(),
    }),
}


def _ratio(top: str, bottom: str) -> Callable[[dict[str, int]], float | None]:
    return lambda parts: parts[top] / parts[bottom] if parts[bottom] else None


def _satisfaction(parts: dict[str, int]) -> float | None:
    if not parts["resolved"] or not parts["received"]:
        return None
    return max(0.0, 1.0 - (parts["late"] / parts["resolved"] + parts["complaints"] / parts["received"]))


VALUE: dict[IndicatorFormula, Callable[[dict[str, int]], float | None]] = {
    F.on_time_rate: _ratio("in_time", "counted"),
    F.online_dossier_rate: _ratio("online", "received"),
    F.online_payment_rate: _ratio("paid_online", "with_fee"),
    F.digitised_dossier_rate: _ratio("digitised", "received"),
    F.electronic_result_rate: _ratio("electronic", "resolved"),
    F.data_reuse_rate: _ratio("reused", "received"),
    F.satisfaction_rate: _satisfaction,
}


def dossier_facts(events: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame | None:
    """Each dossier's first non-empty value of the indicator fields the log carries
    (they are dossier-level, repeated on its rows); None when it carries none."""
    names = events.collect_schema().names() if isinstance(events, pl.LazyFrame) else events.columns
    present = [name for name in INDICATOR_FIELDS if name in names]
    if not present:
        return None
    return (events.lazy().select("dossier_id", *present)
            .group_by("dossier_id").agg(pl.col(name).drop_nulls().first() for name in present).collect())


def indicator_table(dossiers: pl.DataFrame, facts: pl.DataFrame | None, received_from=None) -> pl.DataFrame:
    """One row per dossier with what the formulas read: status, unit, channel, whether
    it was received in the period, and the indicator facts (null where absent)."""
    table = dossiers.select("dossier_id", "status", "unit", "channel", "received_at",
                            *[name for name in INDICATOR_FIELDS if name in dossiers.columns])
    if facts is not None:
        table = table.join(facts.select("dossier_id", *[c for c in facts.columns if c not in table.columns]),
                           on="dossier_id", how="left")
    missing = [pl.lit(None, pl.Utf8).alias(name) for name in INDICATOR_FIELDS if name not in table.columns]
    in_period = pl.col("received_at").is_not_null()
    if received_from is not None:
        in_period = in_period & (pl.col("received_at") >= received_from)
    return table.with_columns(*missing, in_period.alias("received_in_period"))


def compute_indicators(dossiers: pl.DataFrame, facts: pl.DataFrame | None, carried: set[str],
                       indicator_set: IndicatorSet, received_from=None, sha256: str | None = None) -> IndicatorReport:
    """The index over `dossiers` (the check's table) and in total and by unit.
    `carried`: the optional fields the log carries; `received_from`: the period's
    first instant (dossiers received earlier are carried over, not received)."""
    table = indicator_table(dossiers, facts, received_from)
    expressions = [condition.fill_null(False).sum().cast(pl.Int64).alias(f"{formula.value}:{name}")
                   for formula, (_, parts) in PARTS.items() for name, condition in parts.items()]
    totals = table.select(expressions).row(0, named=True)
    by_unit = table.group_by("unit").agg(expressions).sort("unit", nulls_last=True)
    overall = scores(indicator_set, _parts_by_formula(totals), carried)
    units = [UnitIndicators(unit=row["unit"] if row["unit"] is not None else "", **scores(
        indicator_set, _parts_by_formula(row), carried).model_dump()) for row in by_unit.iter_rows(named=True)]
    return IndicatorReport(code=indicator_set.code, issue=indicator_set.issue, title=indicator_set.title,
                           sha256=sha256, bands=[band.model_dump() for band in indicator_set.bands], by_unit=units,
                           **overall.model_dump())


def _parts_by_formula(row: dict) -> dict[str, dict[str, int]]:
    parts: dict[str, dict[str, int]] = {}
    for column, value in row.items():
        if ":" in column:
            formula, name = column.split(":", 1)
            parts.setdefault(formula, {})[name] = int(value or 0)
    return parts


def scores(indicator_set: IndicatorSet, parts: dict[str, dict[str, int]], carried: set[str]) -> IndicatorScores:
    """Values, scores, group sums and band from counted parts (by formula name):
    the one place a score is made, for a check and for merged partial summaries."""
    items = [_result(indicator, parts.get(indicator.formula.value, {}), carried) for indicator in indicator_set.indicators]
    groups = []
    for group in indicator_set.groups:
        members = [item for item in items if item.group == group.key]
        groups.append(IndicatorGroupScore(
            key=group.key, number=group.number, title=group.title, max_score=group.max_points,
            score=round(sum(item.score or 0.0 for item in members), 6),
            measurable_max_score=sum(item.max_score for item in members if item.measurable)))
    score = round(sum(item.score or 0.0 for item in items), 6)
    measurable_max = sum(item.max_score for item in items if item.measurable)
    scaled = round(score * 100 / measurable_max, 6) if measurable_max else None
    band = indicator_set.band_for(scaled) if scaled is not None else None
    return IndicatorScores(
        score=score, max_score=sum(item.max_score for item in items), measurable_max_score=measurable_max,
        scaled_score=scaled, band=band.key if band else None, band_title=band.title if band else None,
        groups=groups, items=items)


def _result(indicator: Indicator, parts: dict[str, int], carried: set[str]) -> IndicatorResult:
    base = dict(key=indicator.key, number=indicator.number, group=indicator.group, title=indicator.title,
                formula=indicator.formula.value, threshold=indicator.threshold, max_score=indicator.max_points)
    if indicator.formula is F.outside_the_log:
        return IndicatorResult(**base, measurable=False,
                               reason=_("needs data a dossier log does not carry (the national database)"))
    needed, _expressions = PARTS[indicator.formula]
    lacking = [name for name in needed if name not in carried]
    if lacking:
        return IndicatorResult(**base, measurable=False, reason=_("the log has no {fields} field").format(
            fields=", ".join(f"{_(FIELD_NAMES.get(name, name))} (`{name}`)" for name in lacking)))
    value = VALUE[indicator.formula](parts)
    if value is None:
        return IndicatorResult(**base, parts=parts, measurable=False, reason=_("no dossiers to count"))
    score = indicator.max_points * min(1.0, value / indicator.threshold)
    return IndicatorResult(**base, parts=parts, value=value, score=round(score, 6), measurable=True)


def merge_indicator_reports(reports: list[IndicatorReport]) -> IndicatorReport:
    """Partial reports of one indicator-set issue (logs checked in partitions by
    dossier) added up: parts summed, values and scores made again from them."""
    first = reports[0]
    if any((r.code, r.issue, r.sha256) != (first.code, first.issue, first.sha256) for r in reports):
        raise ValueError("indicator reports of different indicator-set issues cannot be merged")
    indicator_set = _set_described_by(first)

    def summed(items_lists) -> tuple[dict[str, dict[str, int]], set[str]]:
        parts: dict[str, dict[str, int]] = {}
        carried: set[str] = set()
        for items in items_lists:
            for item in items:
                if item.measurable or item.parts:
                    needed = PARTS.get(IndicatorFormula(item.formula), ((), {}))[0]
                    carried.update(needed)
                target = parts.setdefault(item.formula, {})
                for name, count in item.parts.items():
                    target[name] = target.get(name, 0) + count
        return parts, carried

    parts, carried = summed(r.items for r in reports)
    overall = scores(indicator_set, parts, carried)
    units: dict[str, list] = {}
    for report in reports:
        for unit in report.by_unit:
            units.setdefault(unit.unit, []).append(unit.items)
    by_unit = []
    for unit in sorted(units):
        unit_parts, _unit_carried = summed(units[unit])
        by_unit.append(UnitIndicators(unit=unit, **scores(indicator_set, unit_parts, carried).model_dump()))
    return IndicatorReport(code=first.code, issue=first.issue, title=first.title, sha256=first.sha256,
                           bands=first.bands, by_unit=by_unit, **overall.model_dump())


def _set_described_by(report: IndicatorReport) -> IndicatorSet:
    """The scoring part of the set a report was made with (its groups, items and bands
    carry points, thresholds and formulas): enough to score merged parts again."""
    return IndicatorSet.model_construct(
        code=report.code, issue=report.issue, title=report.title,
        groups=[IndicatorGroup(key=g.key, number=g.number, title=g.title, max_points=g.max_score)
                for g in report.groups],
        indicators=[Indicator(key=i.key, number=i.number, group=i.group, title=i.title,
                              formula=IndicatorFormula(i.formula), max_points=i.max_score, threshold=i.threshold)
                    for i in report.items],
        bands=[Band(key=b.key, min_score=b.min_score, title=b.title) for b in report.bands])
