"""The columns of the workbook's long sheets (Dossiers, Findings): what each cell holds,
as polars expressions over `dossiers.parquet` and `findings.parquet`.

Durations are in days on each procedure's clock with the unit named (durations.py);
a finding's step is the step's name in the procedure issue the dossier was judged
by; expected and actual values carry their unit.
"""

from __future__ import annotations

import polars as pl
from babel.numbers import get_decimal_symbol

from ..core.formatting import Formatter
from . import labels
from .durations import day_unit_labels
from .model import ReportModel
from .xlsx_bulk import Column, excel_serial

# Rules whose expected/actual are minutes on the dossier's clock or counts (qms.check
# writes bare numbers; `finished_late` and `open_overdue` do under the working-time
# method, and write instants under the appointment method).
MINUTE_VALUED_RULES = ("step_overrun", "finished_late", "open_overdue")
COUNT_VALUED_RULES = ("appointment_rescheduled_more_than_once", "too_many_supplement_requests", "repeated_step")
NUMBER = r"^-?\d+(\.\d+)?$"
LOCAL_DATE = r"^(\d{4})-(\d{2})-(\d{2})"  # how the check writes a local date or date-time


def dossier_columns(model: ReportModel, formatter: Formatter) -> list[Column]:
    gettext = formatter.gettext
    catalog = formatter.catalog
    timezone = model.timezone
    status_names = {key: catalog.gettext(text) for key, text in labels.STATUS.items()}
    channel_names = {key: catalog.gettext(text) for key, text in labels.CHANNEL.items()}
    reasons = {key: catalog.gettext(text) for key, text in labels.NOT_ASSESSABLE_REASON.items()}
    units = day_unit_labels(gettext)

    def moment(name: str) -> pl.Expr:
        return excel_serial(pl.col(name).cast(pl.Datetime("us", "UTC")), timezone)

    return [
        Column(gettext("Dossier id"), pl.col("dossier_id"), "text", 20),
        Column(gettext("Procedure code"), pl.col("procedure_code"), "text", 14),
        Column(gettext("Issue no."), pl.col("procedure_issue"), "integer", 8),
        Column(gettext("Field"), pl.col("field"), "text", 18),
        Column(gettext("Unit"), pl.col("unit"), "text", 20),
        Column(gettext("Channel"), pl.col("channel").replace(channel_names), "text", 16),
        Column(gettext("Received at"), moment("received_at"), "datetime", 16),
        Column(gettext("Counting starts at"), moment("counting_start_at"), "datetime", 16),
        Column(gettext("Appointment date"), moment("appointment_at"), "datetime", 16),
        Column(gettext("Legal due time"), moment("due_at"), "datetime", 16),
        Column(gettext("Finished at"), moment("finished_at"), "datetime", 16),
        Column(gettext("Days counted as"), pl.col("day_unit").replace_strict(units, default=None), "text", 15),
        Column(gettext("Allowed (days)"), pl.col("allowed_days"), "days", 10),
        Column(gettext("Used (days)"), pl.col("used_days"), "days", 10),
        Column(gettext("Used (hours)"), (pl.col("used_minutes") / 60).round(2), "number", 10),
        Column(gettext("Paused (hours)"), (pl.col("paused_minutes") / 60).round(2), "number", 10),
        Column(gettext("Days past the time limit"), pl.col("days_overdue"), "number", 11),
        Column(gettext("Status code"), pl.col("status"), "text", 16),
        Column(gettext("Dossier status"), pl.col("status").replace(status_names), "text", 24),
        Column(gettext("Why not assessable"), pl.col("not_assessable_reason").replace(reasons), "text", 30),
    ]


def findings_frame(model: ReportModel) -> pl.DataFrame:
    """The findings with what their cells need from the dossier: the procedure issue it
    was judged by (for the step names) and its clock (for durations)."""
    dossiers = model.dossiers.select("dossier_id", "procedure_issue", "day_unit", "day_minutes")
    # a finding whose dossier is not in the table counts its minutes in working days
    working_day = model.manifest["check"]["calendar"]["working_day_hours"] * 60
    return (model.findings.lazy().join(dossiers, on="dossier_id", how="left", maintain_order="left")
            .with_columns(pl.col("day_minutes").fill_null(working_day)).collect())


def _decimal_text(value: pl.Expr, decimal: str) -> pl.Expr:
    return value.round(1).cast(pl.Utf8).str.replace(".", decimal, literal=True)


def _value_text(column: str, step_name: pl.Expr, formatter: Formatter, decimal: str) -> pl.Expr:
    """`expected`/`actual` for a reader: minutes as days and hours on the dossier's clock,
    counts as times, step ids as the step's name, canonical statuses by name, local dates
    in the report's style; anything else as the check wrote it."""
    gettext = formatter.gettext
    value = pl.col(column)
    numeric = value.str.contains(NUMBER).fill_null(False)
    minutes = value.cast(pl.Float64, strict=False)
    calendar = pl.col("day_unit") == "calendar"
    days = minutes / pl.col("day_minutes")
    working_text = gettext("{days} working days ({hours} working hours)")
    calendar_text = gettext("{days} calendar days ({hours} hours)")

    def duration(template: str) -> pl.Expr:
        before, _, rest = template.partition("{days}")
        middle, _, after = rest.partition("{hours}")
        return pl.concat_str([pl.lit(before), _decimal_text(days, decimal), pl.lit(middle),
                              _decimal_text(minutes / 60, decimal), pl.lit(after)])

    events = {key: formatter.catalog.gettext(text) for key, text in labels.EVENT.items()}
    return (
        pl.when(pl.col("rule").is_in(MINUTE_VALUED_RULES) & numeric)
        .then(pl.when(calendar).then(duration(calendar_text)).otherwise(duration(working_text)))
        .when(pl.col("rule").is_in(COUNT_VALUED_RULES) & numeric)
        .then(pl.concat_str([value, pl.when(value == "1").then(pl.lit(" " + gettext("time")))
                             .otherwise(pl.lit(" " + gettext("times")))]))
        .when(step_name.is_not_null()).then(step_name)
        .when(value.is_in(list(events))).then(value.replace_strict(events, default=None))
        .otherwise(value.str.replace(LOCAL_DATE, gettext("${1}-${2}-${3}")))
    )


def finding_columns(model: ReportModel, formatter: Formatter) -> list[Column]:
    """Columns over `findings_frame(model)`."""
    gettext = formatter.gettext
    catalog = formatter.catalog
    rule_names = labels.rule_names(formatter.language, catalog)
    severity_names = {key: catalog.gettext(text) for key, text in labels.SEVERITY.items()}
    rule_name = pl.col("rule").replace(rule_names)
    decimal = get_decimal_symbol(formatter.locale)
    events = {key: catalog.gettext(text) for key, text in labels.EVENT.items()}

    def step_name(column: str) -> pl.Expr:
        return _step_name(model.step_names, column)

    return [
        Column(gettext("Dossier id"), pl.col("dossier_id"), "text", 27),
        Column(gettext("Rule id"), pl.col("rule"), "text", 30),
        Column(gettext("Rule"), rule_name, "text", 34),
        Column(gettext("Severity"), pl.col("severity").replace(severity_names), "text", 12),
        Column(gettext("Clause"), pl.col("clause"), "text", 8),
        Column(gettext("Procedure code"), pl.col("procedure_code"), "text", 13),
        Column(gettext("Step"), pl.coalesce(step_name("step"), pl.col("step").replace_strict(events, default=None),
                                            pl.col("step")), "text", 40),
        Column(gettext("Unit"), pl.col("unit"), "text", 18),
        Column(gettext("Expected"), _value_text("expected", step_name("expected"), formatter, decimal), "text", 40),
        Column(gettext("Actual"), _value_text("actual", step_name("actual"), formatter, decimal), "text", 40),
        Column(gettext("Message"), _message_beyond_title(), "text", 40),
    ]


def _step_name(steps: dict[str, str], column: str) -> pl.Expr:
    """The name of the step whose id is in `column`, in the dossier's procedure issue
    (`steps`: "code\x1fissue\x1fstep" → name)."""
    key = pl.concat_str([pl.col("procedure_code"), pl.col("procedure_issue").cast(pl.Utf8), pl.col(column)],
                        separator="\x1f")
    return key.replace_strict(steps, default=None) if steps else pl.lit(None, pl.Utf8)


def _message_beyond_title() -> pl.Expr:
    """The check's message is often the rule's title again (in the check's language):
    shown only when it says more than the title in either language."""
    repeats_title = pl.concat_str([pl.col("rule"), pl.col("message")], separator="\x1f").is_in(labels.rule_titles())
    return pl.when(~repeats_title).then(pl.col("message"))


def readable_findings(findings: pl.DataFrame, formatter: Formatter, steps: dict[str, str]) -> pl.DataFrame:
    """`expected`, `actual` and `message` of findings as the Findings sheet shows them
    (the web's dossier page shows them so too). `findings` needs `rule`, `expected`,
    `actual`, `message`, `procedure_code`, `procedure_issue`, `day_unit` and `day_minutes`
    (minutes in one day of the dossier's clock)."""
    decimal = get_decimal_symbol(formatter.locale)
    return findings.with_columns(
        _value_text("expected", _step_name(steps, "expected"), formatter, decimal).alias("expected"),
        _value_text("actual", _step_name(steps, "actual"), formatter, decimal).alias("actual"),
        _message_beyond_title().alias("message"))
