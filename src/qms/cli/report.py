"""`qms report`: the PDF and Excel reports of a check (thin layer over qms.report)."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click

from ..core.errors import QmsError
from ..core.i18n import _, get_language, set_language
from ._common import echo, format_option, print_json, secho


def _parse_as_of(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise QmsError(_("--as-of: not a date or date-time: {value}").format(value=value)) from None
    return moment


class _ReportCommand(click.Command):
    """`qms report [LOG] …` writes a report; `qms report verify FILE.pdf` checks a signed one."""

    def make_context(self, info_name, args, parent=None, **extra):
        sub = SUBCOMMANDS.get(args[0]) if args else None
        if sub is not None:
            return sub.make_context(f"{info_name} {args[0]}", list(args[1:]), parent=parent, **extra)
        return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx):
        if ctx.command is not self:
            return ctx.command.invoke(ctx)
        return super().invoke(ctx)


@click.command("report", cls=_ReportCommand,
               epilog="qms report verify FILE.pdf [--trust CA.pem]: check a signed report. "
                      "qms report dossier ID LOG --pdf FILE: the process-control sheet of one dossier.")
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
@click.option("--sign", "sign_key", type=click.Path(dir_okay=False, path_type=Path), metavar="KEY.p12",
              help="Sign the PDF (PAdES) with this PKCS#12 key; passphrase from QMS_SIGN_PASSPHRASE or a prompt.")
@format_option
def report(log, from_check, profile, docs, as_of, period_from, period_to, previous, pdf, xlsx, lang,
           config_path, status, user, with_register, sign_key, output_format):
    """Write the compliance report of a check as PDF and/or Excel."""
    from .. import report as reports

    if lang:
        set_language(lang)  # messages follow the report's language
    if (log is None) == (from_check is None):
        raise click.UsageError(_("Give either LOG or --from-check DIR."))
    if pdf is None and xlsx is None:
        raise click.UsageError(_("Nothing to write: give --pdf FILE, --xlsx FILE or both."))
    if sign_key is not None and pdf is None:
        raise click.UsageError(_("--sign signs the PDF: give --pdf FILE."))
    from ._capa_common import load_context

    workspace_config, workspace_dir = load_context(str(config_path) if config_path else None)
    config = config_path or workspace_config
    render = {"pdf": pdf, "xlsx": xlsx, "config": config, "language": lang or get_language(), "status": status,
              "approved_by": user if status == "approved" else None,
              "register": _register_summary(workspace_config, workspace_dir,
                                            _register_period(from_check, period_from, period_to))
              if with_register else None,
              "sign": _signing_key(sign_key) if sign_key else None}
    show_progress = sys.stderr.isatty() and output_format == "text"
    with click.progressbar(length=1, label=_("Writing the report"), file=sys.stderr) if show_progress else _Quiet() as bar:
        if from_check is not None:
            result = reports.report_from_check(from_check, previous=previous, procedures=_procedures(docs), **render)
        else:
            result = reports.report_from_log(
                log, profile=profile, docs=docs, as_of=_parse_as_of(as_of),
                period_from=period_from.date() if period_from else None,
                period_to=period_to.date() if period_to else None, previous_log=previous, **render)
        bar.update(1)
    if output_format == "json":
        print_json(result.as_dict())
        return
    echo(f"{_('Report id')}: {result.report_id}")
    for path in (result.pdf, result.xlsx):
        if path:
            echo(str(path))
    for warning in result.warnings:
        secho(f"{_('Warning')}: {warning}", fg="yellow", err=True)


def _procedures(docs: Path | None) -> list | None:
    """The library's procedure issues (--docs, else the workspace's), to name the steps;
    None when there is no library to read (the report then shows step ids)."""
    from ..library import load_library

    try:
        return load_library(docs).documents("procedure")
    except QmsError:
        if docs is not None:
            raise  # a library asked for by name must be readable
        return None


def _signing_key(key_file: Path):
    from ..report.pdf import SigningKey

    passphrase = os.environ.get("QMS_SIGN_PASSPHRASE")
    if passphrase is None:
        passphrase = click.prompt(_("Passphrase of {path}").format(path=key_file), hide_input=True, default="",
                                  show_default=False, err=True)
    return SigningKey(key_file, passphrase.encode("utf-8") if passphrase else None)


@click.command("verify")
@click.argument("pdf", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--trust", "trust", multiple=True, type=click.Path(dir_okay=False, path_type=Path), metavar="CA.pem",
              help="Certificate(s) of the certification authority to trust (PEM or DER); may repeat.")
@format_option
def verify(pdf, trust, output_format):
    """Check a signed report: signature, nothing changed since, attachments match the manifest."""
    from ..report.signing import verify_pdf

    result = verify_pdf(pdf, list(trust))
    if output_format == "json":
        print_json(result.as_dict())
    else:
        echo(f"{_('File')}: {pdf}")
        echo(f"{_('Report id')}: {result.report_id or '–'}")
        echo(f"{_('Signed by')}: {result.signer or '–'}")
        echo(f"{_('Signed at')}: {result.signed_at.isoformat() if result.signed_at else '–'}")
        if result.trusted is None and result.signed:
            echo(_("Certificate chain not checked: give --trust CA.pem to check it."))
        for name, digest in sorted(result.attachments.items()):
            echo(f"  {name}  sha256={digest}")
        for problem in result.problems:
            echo(f"  ✘ {problem}")
        echo(_("Valid") if result.valid else _("Not valid"))
    sys.exit(0 if result.valid else 1)


def _register_period(from_check, period_from, period_to):
    """The report's period as instants, so the register section counts only its NCs."""
    from ..report.model import period_instants

    if from_check is not None:
        from ..report.model import load_summary

        summary_path = Path(from_check) / "summary.json"
        if not summary_path.is_file():
            return None  # the report itself says what is missing
        manifest = load_summary(summary_path).manifest
        return period_instants(manifest.period_from, manifest.period_to or manifest.as_of.date(), manifest.timezone)
    if period_from and period_to:
        return period_instants(period_from.date(), period_to.date(), "Asia/Ho_Chi_Minh")
    return None


def _register_summary(config, workspace_dir: Path, period=None) -> dict | None:
    """The nonconformity register's summary when the workspace keeps one (the same
    database `qms nc` and `qms audit` use: `qms.db.resolve_database_url`), limited to
    the report's period."""
    if config is None:
        return None
    from sqlalchemy.exc import SQLAlchemyError

    from ..capa.summary import register_summary
    from ..db import open_database, resolve_database_url

    url = resolve_database_url(None, config.database_url, workspace_dir)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        return None  # no register kept in this workspace yet
    try:
        database = open_database(url, migrate=False)
        try:
            return register_summary(database, period=period)
        finally:
            database.dispose()
    except (QmsError, SQLAlchemyError) as error:
        secho(_("The nonconformity register is left out of the report: {reason}").format(reason=error),
              fg="yellow", err=True)
        return None


class _Quiet:
    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        return False

    def update(self, _steps: int) -> None:
        pass


@click.command("dossier")
@click.argument("dossier_id")
@click.argument("log", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--profile", help="Ingest profile of LOG.")
@click.option("--docs", type=click.Path(file_okay=False, path_type=Path), help="Library of process documents.")
@click.option("--as-of", "as_of", help="Judge an open dossier as of this date or date-time.")
@click.option("--pdf", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Write the process-control sheet here.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default=None, help="Language of the sheet (default: vi).")
def dossier(dossier_id, log, profile, docs, as_of, pdf, lang):
    """The process-control sheet of one dossier (form 06 of Circular 03/2025/TT-VPCP) as PDF."""
    from ..check.dossier_timeline import dossier_timeline
    from ..ingest import read_log
    from ..report.control_sheet import control_sheet, write_control_sheet_pdf
    from ._capa_common import load_context

    if lang:
        set_language(lang)
    events = read_log(log, profile).events
    workspace_config, _workspace_dir = load_context(None)
    timeline = dossier_timeline(events, dossier_id, str(docs) if docs else None, as_of=as_of,
                                language=lang or get_language())
    echo(str(write_control_sheet_pdf(control_sheet(timeline, workspace_config), pdf)))


SUBCOMMANDS = {"verify": verify, "dossier": dossier}
