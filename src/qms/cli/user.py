"""`qms user`: passwords and API tokens of the users named in qms.yaml (for `qms serve`)."""

from __future__ import annotations

import sys

import click

from ..core.errors import QmsError
from ..core.i18n import _
from ._capa_common import database_options, open_db, require_config
from ._common import echo, format_option, print_json


@click.group()
def user() -> None:
    """Passwords and API tokens of the web workspace's users (users and roles are in qms.yaml)."""


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(_("New password"), hide_input=True, confirmation_prompt=True)
    if not password:
        raise QmsError(_("No password given"))
    return password


@user.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@database_options
@format_option
def set_password_command(username, password_stdin, config_path, database_url, output_format) -> None:
    """Set USERNAME's password (asked twice, or read from stdin); enables a disabled user."""
    from ..auth import set_password

    config, db = open_db(config_path, database_url)
    set_password(db, require_config(config), username, _read_password(password_stdin))
    if output_format == "json":
        print_json({"user": username, "password_set": True})
        return
    echo(_("Password of {user} set").format(user=username))


@user.command("disable")
@click.argument("username")
@database_options
@format_option
def disable_command(username, config_path, database_url, output_format) -> None:
    """Stop USERNAME from logging in or using API tokens."""
    from ..auth import disable_user

    config, db = open_db(config_path, database_url)
    disable_user(db, require_config(config), username)
    if output_format == "json":
        print_json({"user": username, "disabled": True})
        return
    echo(_("{user} is disabled").format(user=username))


@user.command("token")
@click.argument("username")
@database_options
@format_option
def token_command(username, config_path, database_url, output_format) -> None:
    """Make a new API token for USERNAME (printed once; only its hash is kept)."""
    from ..auth import issue_token

    config, db = open_db(config_path, database_url)
    token = issue_token(db, require_config(config), username)
    print_json({"user": username, "token": token}) if output_format == "json" else echo(token)
