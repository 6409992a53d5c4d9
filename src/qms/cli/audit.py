"""`qms audit`: internal audit programme, plans, fill-in sheets and results."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..core.errors import QmsError, ValidationFailed
from ..core.i18n import _
from ._capa_common import (
    database_options, format_option, open_db, print_json, require_config, require_user, user_option,
)
from ._common import echo


@click.group()
def audit() -> None:
    """Internal audits (ISO 9001 clause 9.2)."""


@audit.command("programme")
@click.argument("programme_file", required=False, type=click.Path(dir_okay=False, exists=True))
@click.option("--year", type=int, help="Year to show (default: the file's, else this year).")
@user_option
@database_options
@format_option
def programme_command(programme_file, year, user, config_path, database_url, output_format) -> None:
    """Load a programme file (YAML) or show a year's programme."""
    from ..audit import load_programme_file, save_programme, show_programme

    config, db = open_db(config_path, database_url)
    if programme_file:
        spec = load_programme_file(programme_file)
        changes = save_programme(db, require_config(config), require_user(user), spec)
        if output_format == "json":
            print_json(changes)
            return
        echo(_("Programme {year}: {added} added, {updated} updated, {removed} removed").format(
            year=spec.year, added=len(changes.added), updated=len(changes.updated),
            removed=len(changes.removed)))
        year = spec.year
    from ..capa.register import local_today

    data = show_programme(db, year or local_today().year)
    if output_format == "json":
        print_json(data)
        return
    echo(f"{data.year}  {data.title}")
    for item in data.audits:
        month = f"{item.planned_month:02d}" if item.planned_month else "--"
        date = item.audit_date or "-"
        echo(f"  {item.code}  {month}  {_audit_status(item.status):<10}  {date}  {','.join(item.units)}  "
             f"{','.join(item.clauses) or '*'}  {item.title}")


def _load_checklist(reference: str, audit_date: dt.date, docs_dir: str | Path | None):
    """A checklist YAML file, or a code looked up in the library (issue in force on the date)."""
    from ..library import load_library
    from ..library.loader import read_document
    from ..model.checklist import Checklist

    path = Path(reference)
    if path.is_file():
        loaded, problems = read_document(path)
        if problems:
            raise ValidationFailed([str(p) for p in problems], _("The checklist {path} is invalid").format(path=path))
        if not isinstance(loaded.document, Checklist):
            raise QmsError(_("{path} is not a checklist").format(path=path))
        return loaded.document
    return load_library(docs_dir).checklist(reference, audit_date)


@audit.command("plan")
@click.argument("audit_id")
@click.option("--date", "audit_date", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Day of the audit (YYYY-MM-DD).")
@click.option("--lead", "lead_auditor", required=True, metavar="USER_ID", help="User id of the lead auditor.")
@click.option("--auditor", "auditors", multiple=True, metavar="USER_ID",
              help="User id of another auditor of the team (repeatable).")
@click.option("--auditee", "auditees", multiple=True, metavar="USER_ID", help="User id of an auditee (repeatable).")
@click.option("--checklist", "checklist_ref", required=True, metavar="FILE|CODE",
              help="A checklist YAML file, or a code in the library (issue in force on the date).")
@click.option("--docs", "docs_dir", type=click.Path(file_okay=False), help="Library folder for --checklist CODE.")
@click.option("--scope", help="Scope text (default: the audit's title).")
@user_option
@database_options
@format_option
def plan_command(audit_id, audit_date, lead_auditor, auditors, auditees, checklist_ref, docs_dir, scope, user,
                 config_path, database_url, output_format) -> None:
    """Plan an audit of the programme: date, team, auditees, checklist."""
    from ..audit import plan_audit

    config, db = open_db(config_path, database_url)
    if docs_dir is None and config is not None and config_path:
        docs_dir = Path(config_path).resolve().parent / config.docs_dir  # else the workspace found from cwd
    checklist = _load_checklist(checklist_ref, audit_date.date(), docs_dir)
    data = plan_audit(db, require_config(config), require_user(user), audit_id, audit_date=audit_date.date(),
                      lead_auditor=lead_auditor, auditors=list(auditors), auditees=list(auditees),
                      checklist=checklist, scope=scope)
    if output_format == "json":
        print_json(data)
    else:
        echo(_("{code} planned on {date}: {items} checklist item(s) from {checklist} issue {issue}").format(
            code=data.code, date=data.audit_date, items=data.checklist_items.count,
            checklist=data.checklist_code, issue=data.checklist_issue))


@audit.command("sheet")
@click.argument("audit_id")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False), help="Workbook to write (.xlsx).")
@database_options
@format_option
def sheet_command(audit_id, out_path, config_path, database_url, output_format) -> None:
    """Write the fill-in workbook of an audit (one row per checklist item)."""
    from ..audit import export_sheet
    from ..core.i18n import get_language

    config, db = open_db(config_path, database_url)
    result = export_sheet(db, audit_id, out_path, language=get_language(), config=config)
    if output_format == "json":
        print_json(result)
    else:
        echo(_("Wrote {items} item(s) of {code} to {path}").format(items=result.items, code=audit_id,
                                                                          path=result.path))


@audit.command("record")
@click.argument("audit_id")
@click.argument("sheet_file", required=False, type=click.Path(dir_okay=False))
@click.option("--item", "item_id", help="Record one item from the command line instead of a sheet.")
@click.option("--result", type=click.Choice(["conforming", "major_nc", "minor_nc", "observation", "ofi",
                                             "not_applicable"]), help="With --item: the result of that item.")
@click.option("--evidence", default="", help="With --item: the evidence seen.")
@click.option("--notes", default="", help="With --item: notes.")
@user_option
@database_options
@format_option
def record_command(audit_id, sheet_file, item_id, result, evidence, notes, user, config_path, database_url,
                   output_format) -> None:
    """Import a filled-in sheet, or record one item; major/minor NCs are raised."""
    from ..audit import record_results, record_sheet
    from ..model.audit import ItemResult

    if bool(sheet_file) == bool(item_id):
        raise click.UsageError(_("Give either a sheet file or --item with --result"))
    if item_id and not result:
        raise click.UsageError(_("--item needs --result"))
    config, db = open_db(config_path, database_url)
    config, user = require_config(config), require_user(user)
    if sheet_file:
        done = record_sheet(db, config, user, audit_id, sheet_file)
    else:
        done = record_results(db, config, user, audit_id,
                              [ItemResult(item_id=item_id, result=result, evidence=evidence, notes=notes)])
    if output_format == "json":
        print_json(done)
        return
    echo(_("{code}: {recorded} result(s) recorded, {missing} item(s) not yet recorded").format(
        code=audit_id, recorded=done.recorded, missing=done.not_recorded))
    if done.raised:
        echo(_("Nonconformities raised: {codes}").format(codes=", ".join(done.raised)))


@audit.command("show")
@click.argument("audit_id")
@database_options
@format_option
def show_command(audit_id, config_path, database_url, output_format) -> None:
    """An audit's plan, results by clause and coverage."""
    from ..audit import audit_results

    _config, db = open_db(config_path, database_url)
    data = audit_results(db, audit_id)
    if output_format == "json":
        print_json(data)
        return
    from ..core.i18n import get_language
    from ..model.audit import RESULT_LABELS

    results = {value.value: text.in_language(get_language()) for value, text in RESULT_LABELS.items()}
    plan = data["audit"]
    echo(f"{plan['code']}  {plan['title']}  [{_audit_status(plan['status'])}]  {plan['audit_date'] or '-'}")
    echo(_("  Lead auditor: {lead}; team: {team}; auditees: {auditees}").format(
        lead=plan["lead_auditor"] or "-", team=", ".join(plan["auditors"] or []) or "-",
        auditees=", ".join(plan["auditees"] or []) or "-"))
    coverage = data["coverage"]
    echo(_("  Items recorded: {recorded} of {items}").format(recorded=coverage["recorded"], items=coverage["items"]))
    width = max([len(results.get(row["result"], row["result"] or "-")) for row in data["results"]] + [1])
    for row in data["results"]:
        shown = results.get(row["result"], row["result"]) if row["result"] else "-"
        echo(f"  {row['item_id']:<10} {row['clause']:<8} {shown:<{width}} {row['nc'] or ''}".rstrip())


def _audit_status(status: str) -> str:
    names = {"programmed": _("in the programme"), "planned": _("planned"), "recorded": _("results recorded")}
    return names.get(status, status)



@audit.command("report")
@click.argument("audit_id")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False), help="Write the PDF report here.")
@click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False), help="Write the Excel report here.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default=None, help="Report language (default: vi).")
@database_options
@format_option
def report_command(audit_id, pdf_path, xlsx_path, lang, config_path, database_url, output_format) -> None:
    """The audit report: results by clause, findings, NCs raised, coverage (PDF and/or Excel)."""
    from ..core.i18n import get_language, set_language
    from ..report.audit_report import audit_report

    if not pdf_path and not xlsx_path:
        raise click.UsageError(_("Give --pdf FILE, --xlsx FILE or both"))
    if lang:
        set_language(lang)  # messages follow the report's language
    config, db = open_db(config_path, database_url)
    done = audit_report(db, audit_id, pdf=pdf_path, xlsx=xlsx_path, config=config, language=lang or get_language())
    if output_format == "json":
        print_json(done)
        return
    echo(_("{code}: {answered}/{applicable} applicable item(s) answered, {findings} finding(s), "
                 "nonconformities: {ncs}").format(code=audit_id, answered=done["answered"],
                                                  applicable=done["applicable"], findings=done["findings"],
                                                  ncs=", ".join(done["nonconformities"]) or "–"))
    for path in (done["pdf"], done["xlsx"]):
        if path:
            echo(path)
