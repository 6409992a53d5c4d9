"""`qms db`: the operational-records database."""

from __future__ import annotations

import click

from ..core.i18n import _
from ._capa_common import database_options, format_option, load_context, print_json
from ._common import echo


@click.group()
def db() -> None:
    """The database of audits, nonconformities and their history."""


@db.command("upgrade")
@database_options
@format_option
def upgrade_command(config_path, database_url, output_format) -> None:
    """Create the database or apply pending migrations."""
    from ..db import create_database_engine, resolve_database_url, upgrade

    config, workspace_dir = load_context(config_path)
    url = resolve_database_url(database_url, config.database_url if config else None, workspace_dir)
    engine = create_database_engine(url)
    try:
        before, after = upgrade(engine)
        shown = engine.url.render_as_string(hide_password=True)
    finally:
        engine.dispose()
    if output_format == "json":
        print_json({"database": shown, "revision_before": before, "revision": after})
    elif before == after:
        echo(_("{database}: already at revision {revision}").format(database=shown, revision=after))
    else:
        echo(_("{database}: upgraded from {before} to {after}").format(
            database=shown, before=before or "-", after=after))
