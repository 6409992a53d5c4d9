"""Reconciling the national portal's service-quality figures with the centre's own.

Provinces are told to reconcile the Decision 766 figures the national portal
publishes with their own one-stop system. Given the portal's figures for the same
period (a CSV: unit, indicator, value, optionally numerator and denominator), this
lists, per unit and indicator, our value and counts beside the portal's, the
difference, and for every difference the dossiers behind our figure (each with
the parts of the formula it counts in), so officers can find the dossiers the
two systems count differently.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ..core.errors import QmsError, ValidationFailed
from ..core.i18n import _
from ..model.check_output import CheckSummary, IndicatorScores
from ..model.indicators import IndicatorFormula
from .indicators import PARTS, indicator_table

# Values are shares (0..1); a difference smaller than this is rounding, not a difference.
TOLERANCE = 0.0005
TOTAL = ""  # the portal's row for the whole organisation: an empty unit (or "*")


@dataclass
class PortalFigure:
    line: int
    unit: str
    indicator: str
    value: float
    numerator: int | None = None
    denominator: int | None = None


@dataclass
class ReconciledFigure:
    unit: str
    indicator: str
    ours: float | None
    portal: float
    difference: float | None  # ours - portal, as a share
    our_parts: dict[str, int]
    portal_numerator: int | None
    portal_denominator: int | None
    matches: bool
    note: str = ""


@dataclass
class Reconciliation:
    figures: list[ReconciledFigure]
    dossiers: pl.DataFrame  # unit, indicator, dossier_id, status, one boolean column per part
    unmatched: list[str] = field(default_factory=list)  # portal rows naming what we do not have

    @property
    def differences(self) -> list[ReconciledFigure]:
        return [figure for figure in self.figures if not figure.matches]


def read_portal_figures(path: str | Path) -> list[PortalFigure]:
    """The portal's figures: columns unit, indicator, value (0.955, 95.5 or "95,5 %"),
    optional numerator, denominator. Every bad line is reported with its number."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise QmsError(_("cannot read {path}: {error}").format(path=path, error=error)) from None
    rows = list(csv.DictReader(text.splitlines()))
    needed = {"unit", "indicator", "value"}
    header = set(rows[0]) if rows else set()
    if not needed <= header:
        raise QmsError(_("{path}: the portal figures need the columns unit, indicator, value (found: {found})").format(
            path=path, found=", ".join(sorted(header)) or "–"))
    figures, problems = [], []
    for line, row in enumerate(rows, start=2):
        try:
            figures.append(PortalFigure(
                line=line, unit=(row["unit"] or "").strip().replace("*", TOTAL), indicator=(row["indicator"] or "").strip(),
                value=_share(row["value"]), numerator=_count(row.get("numerator")),
                denominator=_count(row.get("denominator"))))
        except ValueError as error:
            problems.append(f"{path}:{line}: {error}")
    if problems:
        raise ValidationFailed(problems, _("{count} line(s) of the portal figures are not valid").format(
            count=len(problems)))
    return figures


def _share(text: str | None) -> float:
    raw = (text or "").strip()
    if not raw:
        raise ValueError(_("value is empty"))
    percent = raw.endswith("%")
    number = raw.rstrip("%").strip().replace(",", ".")
    try:
        value = float(number)
    except ValueError:
        raise ValueError(_("value {value!r} is not a number").format(value=raw)) from None
    if percent or value > 1:
        value /= 100
    if not 0 <= value <= 1:
        raise ValueError(_("value {value!r} is not a share between 0 and 100 %").format(value=raw))
    return value


def _count(text: str | None) -> int | None:
    raw = (text or "").strip().replace(".", "").replace(",", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise ValueError(_("count {value!r} is not a whole number").format(value=text))
    return int(raw)


def reconcile(check_dir: str | Path, portal_csv: str | Path) -> Reconciliation:
    """Our figures (a `qms check` output folder) against the portal's (a CSV)."""
    folder = Path(check_dir)
    try:
        summary = CheckSummary.model_validate(json.loads((folder / "summary.json").read_text(encoding="utf-8")))
    except (OSError, ValueError) as error:
        raise QmsError(_("{folder}: no readable summary.json ({error}); is it the output folder of `qms check`?").format(
            folder=folder, error=error)) from None
    report = summary.indicators
    if report is None:
        raise QmsError(_("{folder}: the check scored no service-quality index (the library has no indicator set "
                         "in force); nothing to reconcile").format(folder=folder))
    portal = read_portal_figures(portal_csv)
    scopes: dict[str, IndicatorScores] = {TOTAL: report, **{unit.unit: unit for unit in report.by_unit}}
    figures, unmatched, wanted = [], [], []
    for figure in portal:
        scope = scopes.get(figure.unit)
        item = next((i for i in scope.items if i.key == figure.indicator), None) if scope is not None else None
        if item is None:
            unmatched.append(_("line {line}: unit {unit!r}, indicator {indicator!r}: not in this check").format(
                line=figure.line, unit=figure.unit or "*", indicator=figure.indicator))
            continue
        difference = None if item.value is None else item.value - figure.value
        counts_differ = _counts_differ(item.parts, figure, IndicatorFormula(item.formula))
        matches = difference is not None and abs(difference) <= TOLERANCE and not counts_differ
        note = "" if item.measurable else (item.reason or "")
        figures.append(ReconciledFigure(
            unit=figure.unit, indicator=figure.indicator, ours=item.value, portal=figure.value, difference=difference,
            our_parts=dict(item.parts), portal_numerator=figure.numerator, portal_denominator=figure.denominator,
            matches=matches, note=note))
        if not matches and item.measurable:
            wanted.append((figure.unit, figure.indicator, IndicatorFormula(item.formula)))
    return Reconciliation(figures=figures, dossiers=_dossiers_behind(folder, summary, wanted), unmatched=unmatched)


def _counts_differ(parts: dict[str, int], figure: PortalFigure, formula: IndicatorFormula) -> bool:
    names = list(PARTS[formula][1]) if formula in PARTS else []
    if len(names) != 2:
        return False
    ours = (parts.get(names[0]), parts.get(names[1]))
    theirs = (figure.numerator, figure.denominator)
    return any(t is not None and o != t for o, t in zip(ours, theirs))


def _dossiers_behind(folder: Path, summary: CheckSummary, wanted: list[tuple[str, str, IndicatorFormula]]
                     ) -> pl.DataFrame:
    columns = {"unit": pl.Utf8, "indicator": pl.Utf8, "dossier_id": pl.Utf8, "status": pl.Utf8, "counts_in": pl.Utf8}
    if not wanted:
        return pl.DataFrame(schema=columns)
    from ..core.check_tables import scan_table

    try:  # dossiers.parquet, or one file per shard of a check in shards
        dossiers = scan_table(folder, "dossiers").collect()
    except (OSError, pl.exceptions.PolarsError) as error:
        raise QmsError(_("cannot read {path}: {error}").format(path=folder / "dossiers", error=error)) from None
    period_from = summary.manifest.period_from
    received_from = None
    if period_from is not None:
        from zoneinfo import ZoneInfo

        received_from = dt.datetime.combine(period_from, dt.time(), tzinfo=ZoneInfo(summary.manifest.timezone)
                                            ).astimezone(dt.timezone.utc)
    table = indicator_table(dossiers, None, received_from)
    parts = []
    for unit, indicator, formula in wanted:
        conditions = PARTS[formula][1]
        scoped = table if unit == TOTAL else table.filter(pl.col("unit") == unit)
        flags = scoped.with_columns(
            pl.concat_str([pl.when(condition.fill_null(False)).then(pl.lit(name)) for name, condition in conditions.items()],
                          separator=", ", ignore_nulls=True).alias("counts_in"))
        parts.append(flags.filter(pl.col("counts_in") != "").select(
            pl.lit(unit).alias("unit"), pl.lit(indicator).alias("indicator"), "dossier_id", "status", "counts_in"))
    return pl.concat(parts).sort("unit", "indicator", "dossier_id") if parts else pl.DataFrame(schema=columns)


def write_reconciliation_xlsx(result: Reconciliation, target: str | Path, language: str = "vi") -> Path:
    """Two sheets: the figures side by side, and the dossiers behind each difference.
    Text from the log (dossier ids, units) is never evaluated as a formula."""
    from openpyxl import Workbook

    from ..core.excel_text import inert_row
    from ..core.formatting import Formatter

    formatter = Formatter(language)
    gettext = formatter.gettext
    workbook = Workbook(write_only=True)
    figures = workbook.create_sheet(gettext("Reconciliation"))
    figures.append([gettext("Unit"), gettext("Indicator"), gettext("Ours"), gettext("Portal"),
                    gettext("Difference (points)"), gettext("Our counts"), gettext("Portal numerator"),
                    gettext("Portal denominator"), gettext("Matches"), gettext("Note")])
    for figure in result.figures:
        figures.append(inert_row(figures, [
            figure.unit or gettext("Total"), figure.indicator, figure.ours, figure.portal,
            None if figure.difference is None else round(figure.difference * 100, 2),
            ", ".join(f"{name} {count}" for name, count in figure.our_parts.items()),
            figure.portal_numerator, figure.portal_denominator,
            gettext("yes") if figure.matches else gettext("no"), figure.note]))
    for line in result.unmatched:
        figures.append(inert_row(figures, [None, None, None, None, None, None, None, None, gettext("no"), line]))
    behind = workbook.create_sheet(gettext("Dossiers behind"))
    behind.append([gettext("Unit"), gettext("Indicator"), gettext("Dossier"), gettext("Status"), gettext("Counts in")])
    for row in result.dossiers.iter_rows():
        behind.append(inert_row(behind, [row[0] or gettext("Total"), *row[1:]]))
    from ..core.atomic import atomic_target

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_target(target) as temporary:
        workbook.save(temporary)
    return target
