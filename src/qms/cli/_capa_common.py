"""Options and helpers shared by `qms db`, `qms nc` and `qms audit`.

Until the workspace loader (`qms.workspace`) is wired in, the configuration is read
from `--config FILE` or `qms.yaml` in the current directory with a small guarded
loader; the acting user comes from `--user` or `QMS_USER`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..errors import QmsError, ValidationFailed
from ..i18n import _

CONFIG_NAME = "qms.yaml"


def load_config(path: str | None):
    """WorkspaceConfig from `path` or ./qms.yaml; None when neither exists."""
    from ..model.workspace import WorkspaceConfig

    try:
        from ..workspace import load_workspace_config  # type: ignore[attr-defined]
    except ImportError:
        load_workspace_config = None
    file = Path(path) if path else Path.cwd() / CONFIG_NAME
    if not file.is_file():
        if path:
            raise QmsError(_("Configuration file not found: {path}").format(path=path))
        return None
    if load_workspace_config is not None:
        return load_workspace_config(file)
    import yaml
    from pydantic import ValidationError

    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise QmsError(f"{file}: {error}") from None
    try:
        return WorkspaceConfig.model_validate(data)
    except ValidationError as error:
        raise ValidationFailed(
            [f"{file}: {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()],
            _("The workspace configuration is invalid"),
        ) from None


def database_options(command):
    command = click.option("--database", "database_url", metavar="URL",
                           help="SQLAlchemy URL (default: QMS_DATABASE_URL, then qms.yaml, then ./qms.db).")(command)
    command = click.option("--config", "config_path", metavar="FILE", type=click.Path(dir_okay=False),
                           help="Workspace configuration (default: ./qms.yaml).")(command)
    return command


def user_option(command):
    return click.option("--user", "user", envvar="QMS_USER", metavar="USER_ID",
                        help="Who acts (a user id from qms.yaml; default QMS_USER).")(command)


def format_option(command):
    return click.option("--format", "output_format", type=click.Choice(["text", "json"]),
                        default="text", show_default=True)(command)


def open_db(config_path: str | None, database_url: str | None):
    from ..db import open_database

    config = load_config(config_path)
    workspace_dir = Path(config_path).resolve().parent if config_path else Path.cwd()
    configured = config.database_url if config else None
    if configured and configured.startswith("sqlite:///") and not configured.startswith("sqlite:////"):
        configured = f"sqlite:///{(workspace_dir / configured[len('sqlite:///'):]).resolve()}"
    return config, open_database(database_url, workspace_dir=workspace_dir, configured_url=configured)


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
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
