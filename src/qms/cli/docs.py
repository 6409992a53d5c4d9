"""`qms docs …`: validate, list, show, diff, approve and export schemas of the
process-document library. Thin: each command calls `qms.library`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
import yaml

from ..core.errors import QmsError, ValidationFailed
from ..core.i18n import _
from ._common import aliased_option, echo, format_option, print_json

library_option = aliased_option(
    "--docs",
    "--library",  # the old spelling, hidden
    "library_path",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="QMS_LIBRARY",
    default=None,
    help="Library folder (default: the workspace's docs_dir, else the bundled sample).",
)
date_type = click.DateTime(formats=["%Y-%m-%d"])


@click.group()
def docs() -> None:
    """Process documents: procedures, checklists, rule sets, calendars."""


@docs.command()
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@format_option
def validate(directory: Path | None, output_format: str) -> None:
    """Validate every document of the library in DIRECTORY (default: workspace or sample), or one YAML file."""
    from ..library import validate_library

    library, problems = validate_library(directory)
    if problems:
        raise ValidationFailed(
            [str(p) for p in problems], summary=_("the process-document library has {count} problem(s):").format(count=len(problems))
        )
    assert library is not None
    counts = {kind: len(library.documents(kind))
              for kind in ("procedure", "ruleset", "checklist", "calendar", "indicator_set")}
    if output_format == "json":
        print_json({"library": str(library.root), "valid": True, "issues": sum(counts.values()), "by_kind": counts})
        return
    echo(
        _("{root}: {total} document issues valid (procedures: {procedure}, rule sets: {ruleset}, checklists: {checklist}, "
          "calendars: {calendar}, indicator sets: {indicator_set})").format(
            root=library.root, total=sum(counts.values()), **counts
        )
    )


@docs.command("list")
@click.option("--at", type=date_type, default=None, help="Only the issues in force on this date (YYYY-MM-DD).")
@click.option("--kind", type=click.Choice(["procedure", "ruleset", "checklist", "calendar"]), default=None,
              help="Only documents of this kind.")
@format_option
@library_option
def list_(at: dt.datetime | None, kind: str | None, output_format: str, library_path: Path | None) -> None:
    """List document issues."""
    from ..library import load_library
    from ..library.render import text

    library = load_library(library_path)
    rows = []
    for document in library.documents(kind):
        if at is not None and not (document.status.value != "draft" and document.in_force_on(at.date())):
            continue
        loaded = library.loaded(document)
        rows.append(
            {
                "kind": loaded.kind,
                "code": document.code,
                "issue": document.issue,
                "status": document.status.value,
                "effective_from": document.effective_from.isoformat(),
                "effective_to": document.effective_to.isoformat() if document.effective_to else None,
                "title": text(getattr(document, "title", None)),
                "path": str(loaded.path),
            }
        )
    if output_format == "json":
        print_json(rows)
        return
    from ..library.render import status_name
    from ._display import document_kind

    rows = [{**row, "kind": document_kind(row["kind"]), "status": status_name(row["status"])} for row in rows]
    columns = [("kind", _("Kind")), ("code", _("Code")), ("issue", _("Issue")), ("status", _("Status")),
               ("effective_from", _("Effective from")), ("effective_to", _("Effective to")), ("title", _("Title"))]
    echo(_table(rows, columns))


def _table(rows: list[dict], columns: list[tuple[str, str]]) -> str:
    cells = [[label for _key, label in columns]] + [["" if row[key] is None else str(row[key]) for key, _label in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    out = []
    for index, line in enumerate(cells):
        out.append("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
        if index == 0:
            out.append("  ".join("-" * width for width in widths))
    return "\n".join(out)


@docs.command()
@click.argument("code")
@click.option("--issue", type=int, default=None, help="Issue number.")
@click.option("--at", type=date_type, default=None, help="The issue in force on this date.")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "yaml"]), default="text", show_default=True,
              help="Print the issue as text, JSON or YAML.")
@library_option
def show(code: str, issue: int | None, at: dt.datetime | None, output_format: str, library_path: Path | None) -> None:
    """Show one issue of a document (default: the current approved one, else the latest)."""
    from ..library import load_library
    from ..library.render import render_text

    if issue is not None and at is not None:
        raise click.UsageError(_("give either --issue or --at, not both"))
    library = load_library(library_path)
    kind = library.kind_of(code)
    if issue is not None:
        document = library.issue(code, issue)
    elif at is not None:
        document = library.in_force(kind, code, at.date())
    else:
        issues = library.issues(code)
        document = next((d for d in reversed(issues) if d.status.value == "approved"), issues[-1])
    if output_format == "json":
        print_json(document.model_dump(mode="json", exclude_none=True))
    elif output_format == "yaml":
        echo(yaml.safe_dump(document.model_dump(mode="json", exclude_none=True), allow_unicode=True, sort_keys=False), nl=False)
    else:
        path, _line = library.source_of(document)
        echo(render_text(document))
        echo(f"{_('File')}: {path}")


@docs.command()
@click.argument("code")
@click.argument("issue_a", type=int)
@click.argument("issue_b", type=int)
@format_option
@library_option
def diff(code: str, issue_a: int, issue_b: int, output_format: str, library_path: Path | None) -> None:
    """Field-level differences from ISSUE_A to ISSUE_B of document CODE."""
    from ..library import load_library
    from ..library.diff import diff_documents

    library = load_library(library_path)
    changes = diff_documents(library.issue(code, issue_a), library.issue(code, issue_b))
    if output_format == "json":
        print_json([c.as_dict() for c in changes])
        return
    echo(_("{code}: issue {a} → issue {b}, {n} change(s)").format(code=code, a=issue_a, b=issue_b, n=len(changes)))
    for change in changes:
        echo(str(change))


@docs.command()
@click.argument("code")
@click.option("--issue", type=int, required=True, help="Issue number to approve.")
@aliased_option("--user", "--by", "user", envvar="QMS_USER", required=True, metavar="USER",
                help="Who approves: a user id from qms.yaml (their name and title are recorded), else a name.")
@click.option("--title", default=None, help="Their position, e.g. 'Giám đốc' (default: from qms.yaml).")
@click.option("--date", "on", type=date_type, default=None, help="Approval date (default: today).")
@library_option
@format_option
def approve(code: str, issue: int, user: str, title: str | None, on: dt.datetime | None, library_path: Path | None,
            output_format: str) -> None:
    """Approve a draft issue: record who and its content hash; retire the issue it supersedes."""
    from ..library.approve import approve as approve_issue

    name, title = _approver(user, title)
    result = approve_issue(code, issue, name, path=library_path, title=title, on=on.date() if on else None)
    if output_format == "json":
        print_json({"code": result.code, "issue": result.issue, "path": str(result.path),
                    "content_sha256": result.content_sha256, "approved_by": name, "title": title,
                    "superseded_issue": result.superseded_issue,
                    "superseded_path": str(result.superseded_path) if result.superseded_path else None,
                    "superseded_effective_to": result.superseded_effective_to})
        return
    echo(_("{code} issue {issue} approved: {path} (content_sha256 {digest})").format(
        code=result.code, issue=result.issue, path=result.path, digest=result.content_sha256))
    if result.superseded_issue is not None:
        echo(_("issue {issue} marked obsolete, in force until {day}: {path}").format(
            issue=result.superseded_issue, day=result.superseded_effective_to, path=result.superseded_path))


def _approver(user: str, title: str | None) -> tuple[str, str | None]:
    """(name, title) of a user id of the workspace's qms.yaml; other text is taken as the name."""
    from ..workspace import load_workspace

    workspace = load_workspace()
    person = workspace.config.users.get(user) if workspace else None
    if person is None:
        return user, title
    # the approval is recorded in the document, whose first language is Vietnamese
    return person.name, title or person.title_in("vi")


@docs.command("new-issue")
@click.argument("code")
@click.option("--effective-from", "effective_from", type=date_type, required=True, help="First day the new issue is in force.")
@click.option("--from-issue", "based_on", type=int, default=None, help="Issue to copy (default: the latest).")
@library_option
@format_option
def new_issue(code: str, effective_from: dt.datetime, based_on: int | None, library_path: Path | None,
              output_format: str) -> None:
    """Start the next issue of a document as a draft copy, to edit and then approve."""
    from ..library.approve import new_issue as start_issue

    result = start_issue(code, effective_from.date(), path=library_path, based_on=based_on)
    if output_format == "json":
        print_json({"code": result.code, "issue": result.issue, "based_on": result.based_on, "path": str(result.path)})
        return
    echo(_("{code} issue {issue} drafted from issue {based_on}: {path}").format(
        code=result.code, issue=result.issue, based_on=result.based_on, path=result.path))
    echo(_("edit it (and its revision_history), then: qms docs approve {code} --issue {issue} --user USER").format(
        code=result.code, issue=result.issue))


@docs.command()
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@format_option
def schema(outdir: Path, output_format: str) -> None:
    """Write a JSON Schema per document kind (and qms.yaml) into OUTDIR, for editors."""
    from ..library.schema import write_schemas

    try:
        written = write_schemas(outdir)
    except OSError as error:
        raise QmsError(_("cannot write to {path}: {error}").format(path=outdir, error=error.strerror)) from None
    if output_format == "json":
        print_json([str(path) for path in written])
        return
    for path in written:
        echo(str(path))
