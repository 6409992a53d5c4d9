"""Options and helpers shared by `qms db`, `qms nc` and `qms audit`.

The configuration (users, roles, units, database URL) comes from the workspace
found from the current directory (`qms.workspace`), or from `--config FILE`; the
acting user from `--user` or `QMS_USER`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..core.errors import QmsError
from ..core.i18n import _
from ..model.workspace import WorkspaceConfig


def load_context(config_path: str | None) -> tuple[WorkspaceConfig | None, Path]:
    """(configuration, workspace folder): from --config FILE, else the workspace
    found from the current directory, else (None, cwd)."""
    from ..workspace import CONFIG_NAME, load_workspace

    if not config_path:
        workspace = load_workspace()
        return (workspace.config, workspace.root) if workspace else (None, Path.cwd())
    file = Path(config_path)
    if not file.is_file():
        raise QmsError(_("Configuration file not found: {path}").format(path=config_path))
    if file.name == CONFIG_NAME:
        workspace = load_workspace(file.resolve().parent)
        return workspace.config, workspace.root
    return _read_config_file(file), file.resolve().parent


def _read_config_file(file: Path) -> WorkspaceConfig:
    """A configuration under another name than qms.yaml (errors as file:line: field)."""
    from ..core.model_file import load_model_file

    return load_model_file(file, WorkspaceConfig, summary=_("The workspace configuration is invalid"))


def load_config(config_path: str | None) -> WorkspaceConfig | None:
    return load_context(config_path)[0]


def configured_url(config: WorkspaceConfig | None, workspace_dir: Path) -> str | None:
    """The configuration's database URL, a relative SQLite path taken from the workspace."""
    url = config.database_url if config else None
    if url and url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        url = f"sqlite:///{(workspace_dir / url[len('sqlite:///'):]).resolve()}"
    return url


def database_options(command):
    command = click.option("--database", "database_url", metavar="URL",
                           help="SQLAlchemy URL (default: QMS_DATABASE_URL, then qms.yaml, then qms.db in the workspace).")(command)
    command = click.option("--config", "config_path", metavar="FILE", type=click.Path(dir_okay=False),
                           help="Workspace configuration (default: the qms.yaml found from the current folder up).")(command)
    return command


def user_option(command):
    return click.option("--user", "user", envvar="QMS_USER", metavar="USER_ID",
                        help="Who acts (a user id from qms.yaml; default QMS_USER).")(command)


def format_option(command):
    return click.option("--format", "output_format", type=click.Choice(["text", "json"]),
                        default="text", show_default=True)(command)


def open_db(config_path: str | None, database_url: str | None):
    from ..db import open_database

    config, workspace_dir = load_context(config_path)
    db = open_database(database_url, workspace_dir=workspace_dir, configured_url=configured_url(config, workspace_dir))
    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(db.dispose)  # close pooled connections when the command ends
    return config, db


def require_config(config):
    if config is None:
        raise QmsError(_("This command needs the workspace configuration (qms.yaml or --config) "
                         "for users and roles"))
    return config


def require_user(user: str | None) -> str:
    if not user:
        raise QmsError(_("Say who acts with --user or QMS_USER"))
    return user


def print_json(data: Any) -> None:
    from ..capa.models import dumped

    data = dumped(data)
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
