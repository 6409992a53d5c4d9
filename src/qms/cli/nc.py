"""`qms nc`: the nonconformity and corrective-action register."""

from __future__ import annotations

import datetime as dt

import click

from ..core.errors import QmsError
from ..core.i18n import _
from ._capa_common import (
    database_options, format_option, open_db, print_json, require_config, require_user, user_option,
)
from ._common import echo


@click.group()
def nc() -> None:
    """Nonconformities and corrective actions (ISO 9001 clause 10.2)."""


def _table(rows: list[dict], columns: list[tuple[str, str]]) -> None:
    if not rows:
        echo(_("(none)"))
        return
    widths = [max(len(header), *(len(str(row.get(key) if row.get(key) is not None else "-")) for row in rows))
              for key, header in columns]
    widths = [min(width, 60) for width in widths]
    echo("  ".join(header.ljust(width) for (_key, header), width in zip(columns, widths)).rstrip())
    for row in rows:
        cells = []
        for (key, _header), width in zip(columns, widths):
            value = row.get(key)
            text = "-" if value is None else str(value)
            cells.append((text[: width - 1] + "…" if len(text) > width else text).ljust(width))
        echo("  ".join(cells).rstrip())


def _headers() -> dict[str, str]:
    """Column headings, translated when the command runs (after --lang is applied)."""
    return {"code": _("NC"), "nc": _("NC"), "state": _("state"), "severity": _("severity"), "unit": _("unit"),
            "period": _("period"), "evidence": _("evidence"), "open_actions": _("open actions"),
            "title": _("title"), "rule": _("rule"), "procedure_code": _("procedure"), "dossiers": _("dossiers"),
            "action": _("action"), "owner": _("owner"), "due_date": _("due"), "days_overdue": _("days late"),
            "description": _("description"), "added_dossiers": _("added dossiers")}


def _readable(rows: list[dict]) -> list[dict]:
    """Rows for a text table: states and severities in words, counts grouped."""
    from . import _display as show

    words = {"state": show.nc_state, "severity": show.severity, "dossiers": show.count, "evidence": show.count,
             "added_dossiers": show.count}
    return [{key: words[key](value) if key in words and value is not None else value for key, value in row.items()}
            for row in rows]


def _columns(*keys: str) -> list[tuple[str, str]]:
    headers = _headers()
    return [(key, headers[key]) for key in keys]


@nc.command("list")
@click.option("--state", help="Only NCs in this state.")
@click.option("--unit", help="Only NCs of this unit.")
@click.option("--source", type=click.Choice(["manual", "audit", "check"]),
              help="Only NCs raised by hand, from an audit or from a check.")
@click.option("--open-only", is_flag=True, help="Leave closed NCs out.")
@database_options
@format_option
def list_command(state, unit, source, open_only, config_path, database_url, output_format) -> None:
    """List the register."""
    from ..capa import list_ncs

    _config, db = open_db(config_path, database_url)
    rows = list_ncs(db, state=state, unit=unit, source=source, include_closed=not open_only)
    if output_format == "json":
        print_json(rows)
    else:
        _table(_readable([row.model_dump() for row in rows]),
               _columns("code", "state", "severity", "unit", "period", "evidence", "open_actions", "title"))


@nc.command("show")
@click.argument("code")
@database_options
@format_option
def show_command(code, config_path, database_url, output_format) -> None:
    """Show one NC with its actions, evidence and history."""
    from ..capa import show_nc

    _config, db = open_db(config_path, database_url)
    shown = show_nc(db, code)
    if output_format == "json":
        print_json(shown)
        return
    _print_nc(shown.model_dump(mode="json"))


def _print_nc(data: dict) -> None:
    """`nc show` as an officer reads it: labelled fields, words for codes, local times."""
    from . import _display as show

    echo(f"{data['code']}  {data['title']}")
    fields = [
        (_("State"), show.nc_state(data.get("state"))), (_("Cycle"), data.get("cycle")),
        (_("Version"), data.get("version")), (_("Severity"), show.severity(data.get("severity"))),
        (_("Source"), show.nc_source(data.get("source"))), (_("ISO 9001 clause"), data.get("clause")),
        (_("Procedure"), data.get("procedure_code")), (_("Unit"), data.get("unit")),
        (_("Receipt period"), data.get("period")), (_("Rule"), data.get("rule")),
        (_("Raised by"), data.get("raised_by")), (_("Raised at"), _moment(data.get("raised_at"))),
        (_("Containment"), data.get("containment")), (_("Cause analysis method"), _cause_method(data.get("cause_method"))),
        (_("Root cause"), data.get("root_cause")), (_("Plan approved by"), data.get("plan_approved_by")),
        (_("Plan approved at"), _moment(data.get("plan_approved_at"))), (_("Closed at"), _moment(data.get("closed_at"))),
        (_("Description"), data.get("description") or None),
    ]
    shown = [(label, value) for label, value in fields if value is not None]
    width = max(len(label) for label, _value in shown)
    for label, value in shown:
        echo(f"  {label + ':':<{width + 1}} {value}")
    analysis = data.get("cause_analysis")
    if isinstance(analysis, dict):
        for category, causes in analysis.items():
            echo(f"  {_('Cause')} ({category}): " + "; ".join(causes))
    elif analysis:
        for number, why in enumerate(analysis, start=1):
            echo(f"  {_('Why {number}').format(number=number)}: {why}")
    for action in data["actions"]:
        done = (_("done {when} by {user}").format(when=_moment(action["done_at"]), user=action["done_by"])
                if action["done_at"] else _("open"))
        echo(_("  Action {number} (cycle {cycle}): {description} — {owner}, due {due}, {done}").format(
            number=action["number"], cycle=action["cycle"], description=action["description"],
            owner=action["owner"], due=action["due_date"], done=done))
    for record in data["verifications"]:
        verdict = _("effective") if record["effective"] else _("not effective")
        echo(_("  Verification (cycle {cycle}): {verdict}, by {user} at {when}: {note}").format(
            cycle=record["cycle"], verdict=verdict, user=record["by"], when=_moment(record["at"]), note=record["note"]))
    items = data["evidence_items"]
    echo(f"  {_('Evidence')} ({show.count(len(items))}): " + ", ".join(f"{e['kind']}:{e['ref']}" for e in items[:20])
         + (" …" if len(items) > 20 else ""))
    echo(f"  {_('History')}:")
    for entry in data["history"]:
        echo(f"    #{entry['seq']} {_moment(entry['at'])} {entry['actor']}: {show.history_action(entry['action'])}")


def _moment(value) -> str | None:
    from ._display import local_moment

    return None if value is None else local_moment(value)


def _cause_method(method: str | None) -> str | None:
    names = {"five_whys": _("5 whys"), "fishbone": _("fishbone (Ishikawa) diagram")}
    return names.get(method, method) if method else None


@nc.command("raise")
@click.option("--title", required=True, help="Short title of the nonconformity.")
@click.option("--severity", type=click.Choice(["major", "minor"]), required=True, help="Major or minor nonconformity.")
@click.option("--description", default="", help="What was found.")
@click.option("--clause", help="ISO 9001 clause, e.g. 8.5.1.")
@click.option("--procedure", "procedure_code", help="Code of the procedure concerned.")
@click.option("--unit", help="Unit concerned (a unit id from qms.yaml).")
@click.option("--evidence", multiple=True, metavar="KIND:REF", help="e.g. dossier:HS-0012 (repeatable).")
@user_option
@database_options
@format_option
def raise_command(title, severity, description, clause, procedure_code, unit, evidence, user, config_path,
                  database_url, output_format) -> None:
    """Raise a nonconformity by hand."""
    from ..capa import raise_nc

    config, db = open_db(config_path, database_url)
    items = []
    for item in evidence:
        kind, sep, ref = item.partition(":")
        if not sep or not kind or not ref:
            raise click.BadParameter(f"'{item}' (expected KIND:REF)", param_hint="--evidence")
        items.append((kind, ref, ""))
    data = raise_nc(db, require_config(config), require_user(user), title=title, severity=severity,
                    description=description, clause=clause, procedure_code=procedure_code, unit=unit,
                    evidence=items)
    print_json(data) if output_format == "json" else echo(_("Raised {code}").format(code=data.code))


@nc.command("raise-from-check")
@click.argument("check_dir", type=click.Path(file_okay=False))
@click.option("--timezone", help="Zone of the months (default: the check's, else Asia/Ho_Chi_Minh).")
@click.option("--min-severity", type=click.Choice(["minor", "major"]), default="minor", show_default=True,
              help="Leave out findings below this severity.")
@click.option("--period", type=click.Choice(["month", "quarter", "year"]), default="month", show_default=True,
              help="Group findings by month, quarter or year of receipt.")
@user_option
@database_options
@format_option
def raise_from_check_command(check_dir, timezone, min_severity, period, user, config_path, database_url,
                             output_format) -> None:
    """Group a check's findings into NCs (rule × procedure × unit × period)."""
    from ..capa import raise_from_check

    config, db = open_db(config_path, database_url)
    result = raise_from_check(db, require_config(config), require_user(user), check_dir,
                              timezone=timezone, min_severity=min_severity, period=period)
    if output_format == "json":
        print_json(result)
        return
    from ._display import count

    echo(_("{findings} finding(s) in {groups} group(s): {raised} NC(s) raised, {extended} extended, "
           "{unchanged} unchanged").format(findings=count(result.findings), groups=count(result.groups),
                                           raised=count(len(result.raised)), extended=count(len(result.extended)),
                                           unchanged=count(result.unchanged)))
    if result.skipped.dossiers:
        echo(_("{dossiers} dossier(s) already evidence of an NC for the same rule under another period were "
               "not raised again ({groups} group(s) left with none)").format(
            dossiers=count(result.skipped.dossiers), groups=count(result.skipped.groups)))
    _table(_readable([row.model_dump() for row in result.raised]),
           _columns("code", "severity", "rule", "procedure_code", "unit", "period", "dossiers"))
    if result.extended:
        echo(_("New dossiers added to existing NCs:"))
        _table(_readable([row.model_dump() for row in result.extended]), _columns("code", "state", "added_dossiers"))


def _parse_action(text: str):
    from ..capa import PlannedAction

    parts = [part.strip() for part in text.split("|")]
    if len(parts) != 3:
        raise click.BadParameter(f"'{text}' (expected 'DESCRIPTION|OWNER|YYYY-MM-DD')", param_hint="--action")
    try:
        due = dt.date.fromisoformat(parts[2])
    except ValueError:
        raise click.BadParameter(f"'{parts[2]}' is not a date YYYY-MM-DD", param_hint="--action") from None
    return PlannedAction(parts[0], parts[1], due)


@nc.command("advance")
@click.argument("code")
@click.argument("step", type=click.Choice(["contain", "analyse", "plan", "approve", "implement", "verify"]))
@click.option("--containment", help="contain: what was done at once.")
@click.option("--why", "whys", multiple=True, help="analyse: one answer of the 5 whys (repeatable, in order).")
@click.option("--cause", "causes", multiple=True, metavar="CATEGORY=TEXT",
              help="analyse: a fishbone cause (people, methods, machines, materials, measurement, environment).")
@click.option("--root-cause", help="analyse: the root cause.")
@click.option("--action", "actions", multiple=True, metavar="DESCRIPTION|OWNER|YYYY-MM-DD",
              help="plan: a corrective action (repeatable).")
@click.option("--effective/--not-effective", default=None, help="verify: the verdict.")
@click.option("--note", help="verify: the evidence of (in)effectiveness.")
@click.option("--expect-version", type=int, help="Refuse if the NC changed since you read this version.")
@user_option
@database_options
@format_option
def advance_command(code, step, containment, whys, causes, root_cause, actions, effective, note, expect_version,
                    user, config_path, database_url, output_format) -> None:
    """Take the next workflow step of an NC."""
    from ..capa import advance

    fishbone: dict[str, list[str]] = {}
    for cause in causes:
        category, sep, text = cause.partition("=")
        if not sep:
            raise click.BadParameter(f"'{cause}' (expected CATEGORY=TEXT)", param_hint="--cause")
        fishbone.setdefault(category.strip(), []).append(text)
    config, db = open_db(config_path, database_url)
    data = advance(db, require_config(config), require_user(user), code, step, expected_version=expect_version,
                   containment=containment, cause_method="fishbone" if fishbone else None, whys=list(whys),
                   fishbone=fishbone or None, root_cause=root_cause,
                   actions=[_parse_action(a) for a in actions], effective=effective, note=note)
    if output_format == "json":
        print_json(data)
    elif step == "approve":
        echo(_("{code}: action plan approved by {user} (version {version})").format(
            code=data.code, user=data.plan_approved_by, version=data.version))
    else:
        from ._display import nc_state

        echo(_("{code} is now: {state} (cycle {cycle}, version {version})").format(
            code=data.code, state=nc_state(data.state), cycle=data.cycle, version=data.version))


@nc.command("action-done")
@click.argument("code")
@click.argument("number", type=int)
@click.option("--note", default="", help="What was done (kept in the history).")
@click.option("--expect-version", type=int, help="Refuse if the NC changed since you read this version.")
@user_option
@database_options
@format_option
def action_done_command(code, number, note, expect_version, user, config_path, database_url, output_format) -> None:
    """Mark a corrective action done (its owner, a quality officer or a manager)."""
    from ..capa import complete_action

    config, db = open_db(config_path, database_url)
    data = complete_action(db, require_config(config), require_user(user), code, number, note=note,
                           expected_version=expect_version)
    if output_format == "json":
        print_json(data)
    else:
        echo(_("{code}: action {number} done").format(code=data.code, number=number))


@nc.command("overdue")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Reference day (default: today).")
@database_options
@format_option
def overdue_command(today, config_path, database_url, output_format) -> None:
    """Corrective actions past their due date and not done."""
    from ..capa import overdue_actions

    _config, db = open_db(config_path, database_url)
    rows = overdue_actions(db, today.date() if today else None)
    if output_format == "json":
        print_json(rows)
    else:
        _table([row.model_dump(mode="json") for row in rows],
               _columns("nc", "action", "owner", "due_date", "days_overdue", "description"))


@nc.command("verify")
@database_options
@format_option
def verify_command(config_path, database_url, output_format) -> None:
    """Recompute the history chain and compare the register with it (exit 1 if broken)."""
    from ..records import verify_register

    _config, db = open_db(config_path, database_url)
    report = verify_register(db)
    if output_format == "json":
        print_json(report)
    elif report.ok:
        from ._display import count

        echo(_("History intact: {entries} entries; the newest is #{seq}, hash {hash}").format(
            entries=count(report.entries), seq=report.head_seq, hash=report.head_hash))
    if not report.ok:
        lines = [f"#{p.seq}: {p.reason}" for p in report.problems]
        lines += [m["reason"] for m in report.state_mismatches]
        first = report.first_problem
        head = (_("History broken: first entry that does not match is #{seq}").format(seq=first.seq) if first
                else _("History intact but the register was changed outside it"))
        raise QmsError("\n".join([head, *lines]))


@nc.command("export")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False),
              help="FILE.json (everything, with history), FILE.csv or FILE.xlsx.")
@database_options
@format_option
def export_command(out_path, config_path, database_url, output_format) -> None:
    """Write the register to a file."""
    from ..capa.export import export_register

    _config, db = open_db(config_path, database_url)
    result = export_register(db, out_path)
    if output_format == "json":
        print_json(result)
    else:
        from ._display import count

        echo(_("Wrote {count} NC(s) and {entries} history entries to {path}").format(
            count=count(result["nonconformities"]), entries=count(result["history"]), path=result["path"]))
