"""`qms init DIR`: a new workspace with a configuration file and the sample library."""

from __future__ import annotations

from pathlib import Path

import click

from ..core.i18n import _
from ._common import echo, format_option, print_json


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing qms.yaml and sample library.")
@click.option("--empty", is_flag=True,
              help="No sample library: only a draft working calendar, for a log from another administration.")
@click.option("--timezone", default="Asia/Ho_Chi_Minh", show_default=True,
              help="With --empty: the calendar's time zone (IANA name, e.g. Europe/Amsterdam).")
@click.option("--country", default="VN", show_default=True,
              help="With --empty: country code for the public holidays (holidays package); 'none' for none.")
@format_option
def init(directory: Path, force: bool, empty: bool, timezone: str, country: str, output_format: str) -> None:
    """Create a workspace in DIRECTORY: qms.yaml and a copy of the sample library."""
    from ..workspace import init_workspace

    country_code = None if country.lower() == "none" else country.upper()
    workspace = init_workspace(directory, force=force, empty=empty, timezone=timezone, country=country_code)
    if output_format == "json":
        print_json({"workspace": str(workspace.root), "config": str(workspace.config_path),
                    "docs": str(workspace.docs_dir), "empty": empty})
        return
    echo(_("workspace created: {path}").format(path=workspace.config_path))
    echo(_("process documents: {path}").format(path=workspace.docs_dir))
    if empty:
        echo(_("next: review the draft calendar {path}, approve it (qms docs approve LICH --issue 1 --by NAME), "
               "then write a procedure document for each procedure code of your log (docs/process-documents.md)")
             .format(path=workspace.docs_dir / "calendars" / "LICH" / "issue-1.yaml"))
    else:
        echo(_("next: edit qms.yaml, then run `qms docs validate` inside {path}").format(path=workspace.root))
