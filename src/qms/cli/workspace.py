"""`qms init DIR`: a new workspace with a configuration file and the sample library."""

from __future__ import annotations

from pathlib import Path

import click

from ..core.i18n import _
from ._common import echo, format_option, print_json


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing qms.yaml and sample library.")
@format_option
def init(directory: Path, force: bool, output_format: str) -> None:
    """Create a workspace in DIRECTORY: qms.yaml and a copy of the sample library."""
    from ..workspace import init_workspace

    workspace = init_workspace(directory, force=force)
    if output_format == "json":
        print_json({"workspace": str(workspace.root), "config": str(workspace.config_path),
                    "docs": str(workspace.docs_dir)})
        return
    echo(_("workspace created: {path}").format(path=workspace.config_path))
    echo(_("process documents: {path}").format(path=workspace.docs_dir))
    echo(_("next: edit qms.yaml, then run `qms docs validate` inside {path}").format(path=workspace.root))
