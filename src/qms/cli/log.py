"""`qms log …`: validate, convert and describe dossier logs (thin over qms.ingest)."""

from __future__ import annotations

import contextlib
import sys

import click

from ..core.i18n import _
from . import _display
from ._common import aliased_option, echo, format_option, print_json

_LIBRARY_HELP = "Library folder whose procedure codes are known (default: the workspace's); enables the unknown_procedure_code finding."
_PROFILE_HELP = "Profile: a shipped name (canonical, receipt, motcua) or a YAML file; default: detected for canonical logs."


def _known_procedure_codes(library: str | None) -> set[str] | None:
    """Procedure codes of the process-document library (`--docs`, else the
    current workspace's), for the unknown-procedure-code finding. Without either
    the finding is not checked: the bundled sample library says nothing about a
    user's procedures."""
    from ..library import load_library
    from ..workspace import find_workspace

    if library is None and find_workspace() is None:
        return None
    return set(load_library(library).codes("procedure"))


@contextlib.contextmanager
def _progress():
    """A percentage bar with the current stage on a terminal; silent otherwise
    (pipes, tests)."""
    if not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=100, file=sys.stderr, label=_("Reading log"), show_percent=True) as bar:
        def step(stage: str, fraction: float) -> None:
            bar.label = stage
            target = min(100, int(fraction * 100))
            if target > bar.pos:
                bar.update(target - bar.pos)

        yield step


def _counter():
    """Counts as officers read them, in the language in use ("8.577" in Vietnamese)."""
    from ..core.i18n import get_language
    from ..core.formatting import Formatter

    return Formatter(get_language()).integer


def _print_report(report, output_format: str) -> None:
    if output_format == "json":
        print_json(report.to_dict())
        return
    count = _counter()
    echo(_("Log: {path} (format {format}, profile {profile})").format(
        path=report.path, format=report.format, profile=report.profile))
    echo(_("Rows read: {read} = accepted {accepted} + rejected {rejected}").format(
        read=count(report.rows_read), accepted=count(report.rows_accepted), rejected=count(report.rows_rejected)))
    for note in report.notes:
        if "ignored" in note or "skipped" in note:
            echo(f"  ({note})")
    from ._display import data_quality_kind, reject_reason

    for reason, rows in report.rejected_by_reason.items():
        echo(f"  {_('rejected')}: {reject_reason(reason)}: {count(rows)}")
    if report.rejects_path:
        echo(_("Rejected rows written to {path}").format(path=report.rejects_path))
    echo(_("Data-quality findings (dossiers affected):"))
    for kind, dossiers in report.findings_by_kind.items():
        echo(f"  {data_quality_kind(kind)}: {count(dossiers)}")
    if "unknown_procedure_code" not in report.findings_by_kind:
        echo("  " + _("unknown_procedure_code: not checked (give --docs, or run inside a workspace)"))
    if report.output_path:
        echo(_("Events written to {path}").format(path=report.output_path))


def _write_findings(report, target: str | None) -> None:
    if target:
        from ..core.atomic import atomic_target
        from ..core.excel_text import csv_safe_frame

        with atomic_target(target) as temporary:
            csv_safe_frame(report.findings).write_csv(temporary, include_bom=True)
        echo(_("Data-quality findings written to {path}").format(path=target))


@click.group()
def log() -> None:
    """Dossier logs: validate, convert to canonical events, describe."""


@log.command()
@click.argument("log_file", metavar="LOG", type=click.Path(dir_okay=False))
@click.option("--profile", "-p", help=_PROFILE_HELP)
@click.option("--rejects", type=click.Path(dir_okay=False), help="Write rejected rows (row, reason, raw row) to this CSV or Parquet file.")
@aliased_option("--docs", "--library", "library", type=click.Path(exists=True), help=_LIBRARY_HELP)
@click.option("--findings", type=click.Path(dir_okay=False), help="Write the data-quality findings (one row per dossier and kind) to this CSV file.")
@format_option
def validate(log_file, profile, rejects, library, findings, output_format):
    """Check every row of LOG against a profile; exit 1 if any row is rejected."""
    from ..ingest import validate_log

    with _progress() as step:
        report = validate_log(log_file, profile, rejects=rejects,
                              known_procedure_codes=_known_procedure_codes(library), progress=step)
    _print_report(report, output_format)
    _write_findings(report, findings)
    if report.rows_rejected:
        sys.exit(1)


@log.command()
@click.argument("log_file", metavar="LOG", type=click.Path(dir_okay=False))
@click.option("--profile", "-p", help=_PROFILE_HELP)
@click.option("--out", "-o", required=True, type=click.Path(dir_okay=False), help="Canonical events file (.parquet; .csv and .jsonl also work).")
@click.option("--rejects", type=click.Path(dir_okay=False), help="Rejected rows file; default <out>.rejects.csv when any row is rejected.")
@aliased_option("--docs", "--library", "library", type=click.Path(exists=True), help=_LIBRARY_HELP)
@click.option("--findings", type=click.Path(dir_okay=False), help="Write the data-quality findings to this CSV file.")
@format_option
def convert(log_file, profile, out, rejects, library, findings, output_format):
    """Write LOG's accepted events as canonical Parquet; rejected rows go to a rejects file."""
    from ..ingest import convert_log

    with _progress() as step:
        report = convert_log(log_file, out, profile, rejects=rejects,
                             known_procedure_codes=_known_procedure_codes(library), progress=step)
    _print_report(report, output_format)
    _write_findings(report, findings)


@log.command()
@click.argument("log_file", metavar="LOG", type=click.Path(dir_okay=False))
@click.option("--profile", "-p", help=_PROFILE_HELP)
@format_option
def stats(log_file, profile, output_format):
    """Dossiers, events, date range, procedures, units and channels of LOG."""
    from ..ingest import log_stats

    with _progress() as step:
        result = log_stats(log_file, profile, progress=step)
    if output_format == "json":
        print_json(result)
        return
    count = _counter()
    echo(_("Log: {path} (format {format}, profile {profile})").format(
        path=result["path"], format=result["format"], profile=result["profile"]))
    echo(_("Rows read: {read} = accepted {accepted} + rejected {rejected}").format(
        read=count(result["rows_read"]), accepted=count(result["rows_accepted"]),
        rejected=count(result["rows_rejected"])))
    echo(_("Dossiers: {dossiers}, events: {events}").format(dossiers=count(result["dossiers"]),
                                                                   events=count(result["events"])))
    if result.get("first_event_at"):
        from ._display import local_moment

        echo(_("Events from {first} to {last}").format(first=local_moment(result["first_event_at"]),
                                                       last=local_moment(result["last_event_at"])))
    for key, title in (("procedures", _("Procedures (dossiers)")), ("channels", _("Channels (dossiers)")),
                       ("units", _("Units (events)")), ("steps", _("Steps (events)")),
                       ("fields", _("Events carrying each optional field"))):
        if key not in result:
            continue
        items = list(result[key].items())
        echo(f"{title}: {count(len(items))}")
        for name, number in items[:15]:
            shown = {"channels": _display.channel, "steps": _display.status_step}.get(key, str)(name) if name else name
            echo(f"  {shown or '—'}: {count(number)}")
        if len(items) > 15:
            echo("  " + _("… and {more} more").format(more=count(len(items) - 15)))


@log.command()
@click.argument("log_file", metavar="LOG", type=click.Path(dir_okay=False))
@click.option("--out", "-o", required=True, type=click.Path(file_okay=False),
              help="Folder for the dataset (new or empty): part=K/data.parquet for K = 0 … N-1.")
@click.option("--partitions", "-n", required=True, type=click.IntRange(min=1), help="Number of parts.")
@click.option("--profile", "-p", help=_PROFILE_HELP)
@format_option
def partition(log_file, out, partitions, profile, output_format):
    """Split LOG by dossier into a Parquet dataset (hive layout), reading it in batches."""
    from ..ingest.partition import partition_log

    result = partition_log(log_file, out, partitions, profile=profile)
    if output_format == "json":
        print_json(result.to_dict())
        return
    count = _counter()
    echo(_("Wrote {rows} events in {parts} parts to {path}").format(
        rows=count(result.rows), parts=count(result.partitions), path=result.out))
    sizes = [f["rows"] for f in result.files]
    echo(_("Events per part: smallest {low}, largest {high}").format(low=count(min(sizes)), high=count(max(sizes))))
    if result.rejects_path:
        echo(_("Rejected rows written to {path}").format(path=result.rejects_path))
