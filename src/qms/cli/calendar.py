"""`qms calendar …`: appointment dates, working time between two moments, a year's days off."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import click

from typing import TYPE_CHECKING
from ..core.errors import QmsError
from ..core.i18n import _, get_language
from ._common import echo, format_option, print_json, secho

if TYPE_CHECKING:  # the calendar (numpy) and the library (pydantic) load when a command runs, not for --help
    from ..calendar import WorkCalendar
    from ..calendar.durations import Duration

_DOCS = click.option("--docs", "docs_dir", type=click.Path(file_okay=False, path_type=Path),
                     help="Library folder (default: the workspace's, else the bundled sample).")
_CALENDAR = click.option("--calendar", "calendar_file", type=click.Path(dir_okay=False, path_type=Path),
                         help="Calendar document (YAML); default: the library's calendar in force (the workspace's, else the bundled sample).")


@click.group()
def calendar() -> None:
    """Working-time calendar: appointment dates and elapsed working time."""


def _load(calendar_file: Path | None, at: dt.date | dt.datetime | None = None,
          docs_dir: Path | None = None) -> WorkCalendar:
    """The calendar given, else the library's calendar in force at `at` (the
    workspace's library, or the bundled sample)."""
    from ..calendar import WorkCalendar
    from ..library import load_library

    if calendar_file:
        return WorkCalendar.from_file(calendar_file)
    return WorkCalendar.from_settings(load_library(docs_dir).calendar(at))


def _moment(text: str, what: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise QmsError(
            _("{what}: cannot read {text!r} as a date and time; write e.g. \"2025-01-24 16:30\" "
              "or \"2025-01-24T16:30+07:00\"").format(what=what, text=text)
        ) from None


def _clock(text: str | None) -> dt.time | None:
    if text is None:
        return None
    try:
        return dt.time.fromisoformat(text.strip())
    except ValueError:
        raise QmsError(_("--cutoff: cannot read {text!r} as a time of day, e.g. \"15:00\"").format(text=text)) from None




def _weekday(day: dt.date) -> str:
    return {
        0: _("Monday"), 1: _("Tuesday"), 2: _("Wednesday"), 3: _("Thursday"),
        4: _("Friday"), 5: _("Saturday"), 6: _("Sunday"),
    }[day.weekday()]


def _show_moment(moment: dt.datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} ({_weekday(moment.date())})"


def _describe_limit(limit: Duration) -> str:
    """"1 working day", "3 working days" (the library's wording, singular and plural)."""
    amount = f"{float(limit.amount):g}"
    one, many = {"working_days": (_("{n} working day"), _("{n} working days")),
                 "working_hours": (_("{n} working hour"), _("{n} working hours")),
                 "calendar_days": (_("{n} calendar day"), _("{n} calendar days"))}[limit.unit]
    return (one if float(limit.amount) == 1 else many).format(n=amount)


def _procedure_rules(code: str, received_at: dt.datetime,
                     docs_dir: Path | None = None) -> tuple[Duration, dt.time | None, int]:
    """Time limit, cut-off and issue number of the procedure issue in force on the
    day of receipt, from the library (the workspace's, else the bundled sample)."""
    from ..calendar.durations import Duration
    from ..library import load_library

    procedure = load_library(docs_dir).procedure(code, received_at)
    limit = procedure.time_limit
    return Duration(float(limit.amount), getattr(limit.unit, "value", limit.unit)), procedure.receipt_cutoff, procedure.issue


def _quietly(action):
    """Run `action` with the missing-holiday-data warning kept for our own note."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return action()


def _note_missing_years(calendar: WorkCalendar) -> None:
    years = calendar.years_without_holiday_data
    if years:
        secho(
            _("Warning: no public-holiday data for {years}; weekdays of those years were counted as working days")
            .format(years=", ".join(map(str, years))),
            fg="yellow", err=True,
        )


def _calendar_facts(calendar: WorkCalendar) -> dict:
    return calendar.manifest()


@calendar.command()
@click.option("--received", required=True, help='Receipt moment, e.g. "2025-01-24 16:30" (calendar zone if no offset).')
@click.option("--limit", help='Time limit, e.g. "3 working days", "4 working hours", "15 calendar days".')
@click.option("--procedure", help="Procedure code: its time limit and cut-off come from the library.")
@click.option("--cutoff", help='Receipt cut-off, e.g. "15:00" (default: the calendar\'s).')
@click.option("--unit", help="Receiving unit (whether its Saturday receipt counts).")
@_CALENDAR
@_DOCS
@format_option
def due(received, limit, procedure, cutoff, unit, calendar_file, docs_dir, output_format):
    """Counting start and appointment moment for a receipt."""
    from ..calendar import parse_duration

    if not limit and not procedure:
        raise click.UsageError(_("give --limit or --procedure"))
    received_at = _moment(received, "--received")
    work_calendar = _load(calendar_file, received_at, docs_dir)
    cutoff_time = _clock(cutoff)
    procedure_issue = None
    if procedure:
        procedure_limit, procedure_cutoff, procedure_issue = _procedure_rules(procedure, received_at, docs_dir)
        duration = parse_duration(limit) if limit else procedure_limit
        cutoff_time = cutoff_time or procedure_cutoff
    else:
        duration = parse_duration(limit)

    start, appointment = _quietly(lambda: work_calendar.due(received_at, duration.amount, duration.unit,
                                                            cutoff=cutoff_time, unit=unit))
    received_local = work_calendar.local(work_calendar.instant(received_at))
    chosen_cutoff = cutoff_time or work_calendar.settings.receipt_cutoff
    if output_format == "json":
        print_json({
            "received_at": received_local.isoformat(),
            "counting_start": start.isoformat(),
            "limit": {"amount": duration.amount, "unit": duration.unit},
            "appointment_at": appointment.isoformat(),
            "cutoff": chosen_cutoff.strftime("%H:%M") if chosen_cutoff else None,
            "unit": unit,
            "procedure": procedure,
            "procedure_issue": procedure_issue,
            "calendar": _calendar_facts(work_calendar),
        })
    else:
        rows = [
            (_("Received"), _show_moment(received_local)),
            (_("Counting starts"), _show_moment(start)),
            (_("Time limit"), _describe_limit(duration)),
            (_("Appointment"), _show_moment(appointment)),
        ]
        if chosen_cutoff:
            rows.insert(2, (_("Cut-off"), chosen_cutoff.strftime("%H:%M")))
        if procedure:
            rows.insert(0, (_("Procedure"), f"{procedure} ({_('issue')} {procedure_issue})"))
        rows.append((_("Calendar"), f"{work_calendar.settings.code} ({_('issue')} {work_calendar.settings.issue}, "
                                    f"{work_calendar.settings.timezone})"))
        _print_rows(rows)
    _note_missing_years(work_calendar)


@calendar.command()
@click.argument("start")
@click.argument("end")
@click.option("--pause", "pauses", nargs=2, multiple=True, metavar="FROM TO",
              help="A paused interval (supplement requested → received); repeat for more.")
@click.option("--unit", help="Unit whose rules apply (Saturday receipt).")
@_CALENDAR
@_DOCS
@format_option
def between(start, end, pauses, unit, calendar_file, docs_dir, output_format):
    """Working minutes, hours and days from START to END, less paused time."""
    begin, finish = _moment(start, "START"), _moment(end, "END")
    work_calendar = _load(calendar_file, begin, docs_dir)
    spans = [(_moment(a, "--pause"), _moment(b, "--pause")) for a, b in pauses]
    elapsed = _quietly(lambda: work_calendar.working_time_between(begin, finish, spans, office_unit=unit))
    unpaused = _quietly(lambda: work_calendar.working_time_between(begin, finish, office_unit=unit))
    if output_format == "json":
        print_json({
            "start": work_calendar.local(work_calendar.instant(begin)).isoformat(),
            "end": work_calendar.local(work_calendar.instant(finish)).isoformat(),
            "pauses": [[work_calendar.local(work_calendar.instant(a)).isoformat(),
                        work_calendar.local(work_calendar.instant(b)).isoformat()] for a, b in spans],
            "working_minutes": elapsed.minutes,
            "working_hours": round(elapsed.hours, 4),
            "working_days": round(elapsed.days, 4),
            "paused_working_minutes": unpaused.minutes - elapsed.minutes,
            "working_day_hours": elapsed.working_day_hours,
            "calendar": _calendar_facts(work_calendar),
        })
    else:
        from ..core.formatting import Formatter

        number = Formatter(get_language())  # "2.430" and "5,06" in Vietnamese
        day_hours = float(elapsed.working_day_hours)
        hours = number.decimal(day_hours, 0 if day_hours.is_integer() else 1)
        rows = [
            (_("From"), _show_moment(work_calendar.local(work_calendar.instant(begin)))),
            (_("To"), _show_moment(work_calendar.local(work_calendar.instant(finish)))),
        ]
        if spans:
            rows.append((_("Paused"), _("{minutes} working minutes in {count} pause(s)").format(
                minutes=number.decimal(unpaused.minutes - elapsed.minutes, 0), count=len(spans))))
        rows += [
            (_("Working minutes"), number.decimal(elapsed.minutes, 0)),
            (_("Working hours"), number.decimal(elapsed.hours, 2)),
            (_("Working days"), _("{days} (of {hours} h)").format(days=number.decimal(elapsed.days, 2), hours=hours)),
        ]
        _print_rows(rows)
    _note_missing_years(work_calendar)


@calendar.command()
@click.argument("year", type=click.IntRange(1900, 2200))
@_CALENDAR
@_DOCS
@format_option
def show(year, calendar_file, docs_dir, output_format):
    """Days off (with their names) and worked weekend days of YEAR."""
    work_calendar = _load(calendar_file, dt.date(year, 1, 1), docs_dir)
    shown, counts = _quietly(lambda: work_calendar.show(year, language=get_language()))
    if output_format == "json":
        print_json({
            "year": year,
            "days": [{"date": item.date.isoformat(), "weekday": item.date.strftime("%a").lower(),
                      "kind": item.kind, "name": item.name} for item in shown],
            "counts": counts,
            "calendar": _calendar_facts(work_calendar),
        })
    else:
        kinds = {"holiday": _("day off"), "holiday_on_weekend": _("day off (weekend)"),
                 "worked_weekend": _("worked"), "working": _("working")}
        echo(_("Calendar {code} (issue {issue}), year {year}").format(
            code=work_calendar.settings.code, issue=work_calendar.settings.issue, year=year))
        width = max([len(kinds[item.kind]) for item in shown] + [1])
        for item in shown:
            echo(f"{item.date:%Y-%m-%d}  {_weekday(item.date):<9}  {kinds[item.kind]:<{width}}  {item.name}")
        from ._display import count

        echo(_("Working days: {days} ({minutes} working minutes); days off on weekdays: {off}; "
               "weekend days worked: {worked}").format(
            days=count(counts["working_days"]), minutes=count(counts["working_minutes"]),
            off=count(counts["holidays_on_working_weekdays"]), worked=count(counts["worked_weekend_days"])))
        echo(_("Holiday data: {source}").format(source=_holiday_source(work_calendar)))
    _note_missing_years(work_calendar)


def _print_rows(rows: list[tuple[str, str]]) -> None:
    width = max(len(label) for label, _value in rows)
    for label, value in rows:
        echo(f"{label + ':':<{width + 1}}  {value}")


def _holiday_source(work_calendar: WorkCalendar) -> str:
    """Where the holiday data comes from, in the language of the run (the manifest
    keeps its own fixed wording, `WorkCalendar.holiday_source`)."""
    settings = work_calendar.settings
    parts = [_("{code} issue {issue}").format(code=settings.code, issue=settings.issue)]
    version = _holidays_version()
    parts.append(_("the holidays package {version} ({country})").format(version=version, country=settings.country)
                 if settings.country else _("no holidays package (country not set)"))
    for override in sorted(settings.overrides, key=lambda item: item.year):
        template = (_("overrides for {year}: the complete list (days off: {added}, worked: {worked})") if override.complete
                    else _("overrides for {year}: days off added: {added}, removed: {removed}, days worked: {worked}"))
        parts.append(template.format(year=override.year, added=len(override.add), removed=len(override.remove),
                                     worked=len(override.worked)))
    return "; ".join(parts)


def _holidays_version() -> str:
    import holidays

    return holidays.__version__
