"""`qms report`: the PDF and Excel reports of a check (thin layer over qms.report)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from ..core.errors import QmsError
from ..core.i18n import _, get_language, set_language


def _parse_as_of(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise QmsError(_("--as-of: not a date or date-time: {value}").format(value=value)) from None
    return moment


@click.command("report")
@click.argument("log", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--from-check", "from_check", type=click.Path(file_okay=False, path_type=Path),
              help="Render from saved check outputs (summary.json, dossiers.parquet, findings.parquet).")
@click.option("--profile", help="Ingest profile of LOG.")
@click.option("--docs", type=click.Path(file_okay=False, path_type=Path), help="Library of process documents.")
@click.option("--as-of", "as_of", help="Judge open dossiers as of this date or date-time.")
@click.option("--from", "period_from", type=click.DateTime(["%Y-%m-%d"]), help="First day of the period.")
@click.option("--to", "period_to", type=click.DateTime(["%Y-%m-%d"]), help="Last day of the period.")
@click.option("--previous", type=click.Path(path_type=Path),
              help="Previous period: a check output directory, its summary.json, or (with LOG) a log.")
@click.option("--pdf", type=click.Path(dir_okay=False, path_type=Path), help="Write the PDF report here.")
@click.option("--xlsx", type=click.Path(dir_okay=False, path_type=Path), help="Write the Excel workbook here.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default=None, help="Report language (default: vi).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Workspace configuration (default: the qms.yaml of the workspace around the current folder).")
@click.option("--status", type=click.Choice(["draft", "approved"]), default="draft", show_default=True,
              help="Approved reports carry no DRAFT watermark; needs --user with the approving role.")
@click.option("--user", "user", envvar="QMS_USER", metavar="USER_ID",
              help="Who approves the report (a user id from qms.yaml with the manager role; default QMS_USER).")
@click.option("--register/--no-register", "with_register", default=True, show_default=True,
              help="Include the workspace's nonconformity register when it has one.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def report(log, from_check, profile, docs, as_of, period_from, period_to, previous, pdf, xlsx, lang,
           config_path, status, user, with_register, output_format):
    """Write the compliance report of a check as PDF and/or Excel."""
    from .. import report as reports

    if lang:
        set_language(lang)  # messages follow the report's language
    if (log is None) == (from_check is None):
        raise click.UsageError(_("Give either LOG or --from-check DIR."))
    if pdf is None and xlsx is None:
        raise click.UsageError(_("Nothing to write: give --pdf FILE, --xlsx FILE or both."))
    workspace = _workspace()
    config = config_path or (workspace.config if hasattr(workspace, "config") else workspace)
    render = {"pdf": pdf, "xlsx": xlsx, "config": config, "language": lang or get_language(), "status": status,
              "approved_by": user if status == "approved" else None,
              "register": _register_summary(workspace) if with_register else None}
    show_progress = sys.stderr.isatty() and output_format == "text"
    with click.progressbar(length=1, label=_("Writing the report"), file=sys.stderr) if show_progress else _Quiet() as bar:
        if from_check is not None:
            result = reports.report_from_check(from_check, previous=previous, **render)
        else:
            result = reports.report_from_log(
                log, profile=profile, docs=docs, as_of=_parse_as_of(as_of),
                period_from=period_from.date() if period_from else None,
                period_to=period_to.date() if period_to else None, previous_log=previous, **render)
        bar.update(1)
    if output_format == "json":
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"{_('Report id')}: {result.report_id}")
    for path in (result.pdf, result.xlsx):
        if path:
            click.echo(str(path))
    for warning in result.warnings:
        click.secho(f"{_('Warning')}: {warning}", fg="yellow", err=True)


def _workspace():
    """The workspace around the current folder (qms.workspace), or ./qms.yaml where that
    module is not part of this installation; None without one."""
    try:
        from ..workspace import load_workspace
    except ImportError:
        return Path("qms.yaml") if Path("qms.yaml").is_file() else None
    return load_workspace()


def _register_summary(workspace) -> dict | None:
    """The nonconformity register's summary when qms.capa and a workspace database exist."""
    if workspace is None or not hasattr(workspace, "database_url"):
        return None
    try:
        from sqlalchemy.exc import SQLAlchemyError

        from ..capa.summary import register_summary
        from ..db import open_database
    except ImportError:
        return None
    url = workspace.database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        return None  # no register kept in this workspace yet
    try:
        database = open_database(url, migrate=False)
        try:
            return register_summary(database)
        finally:
            database.dispose()
    except (QmsError, SQLAlchemyError) as error:
        click.secho(_("The nonconformity register is left out of the report: {reason}").format(reason=error),
                    fg="yellow", err=True)
        return None


class _Quiet:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, _steps: int) -> None:
        pass
