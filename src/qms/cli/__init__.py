"""The `qms` command line: a thin layer over the Python API.

Each command group lives in its own module (`qms.cli.docs`, `qms.cli.calendar`, …)
and is imported only when used, so `qms --help` stays fast. Exit status: 0 success,
1 invalid input or failed validation (a `QmsError`, printed without traceback),
2 usage error (click's own).
"""

from __future__ import annotations

import importlib
import importlib.util

import click

from .. import __version__
from ..core.errors import QmsError
from ..core.i18n import _, set_language

# command name -> (module under qms.cli, attribute). A module that does not exist
# yet is simply not offered; one that exists but fails to import raises.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("workspace", "init"),
    "docs": ("docs", "docs"),
    "calendar": ("calendar", "calendar"),
    "log": ("log", "log"),
    "generate": ("generate", "generate"),
    "check": ("check", "check"),
    "report": ("report", "report"),
    "audit": ("audit", "audit"),
    "nc": ("nc", "nc"),
    "db": ("db", "db"),
    "user": ("user", "user"),
    "serve": ("serve", "serve"),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        available = [name for name, (module, _attr) in COMMANDS.items() if _module_exists(module)]
        return sorted(set(available) | set(super().list_commands(ctx)))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in COMMANDS and _module_exists(COMMANDS[name][0]):
            module_name, attr = COMMANDS[name]
            module = importlib.import_module(f"{__name__}.{module_name}")
            return getattr(module, attr)
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except QmsError as error:
            click.secho(f"{_('Error')}: {error}", fg="red", err=True)
            ctx.exit(error.exit_code)


def _module_exists(module: str) -> bool:
    return importlib.util.find_spec(f"{__name__}.{module}") is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qms")
@click.option(
    "--lang",
    type=click.Choice(["vi", "en"]),
    envvar="QMS_LANG",
    default="vi",
    show_default=True,
    help="Language of messages and reports.",
)
def main(lang: str) -> None:
    """qms: quality management and audit of administrative-procedure dossiers (ISO 9001:2015)."""
    set_language(lang)


if __name__ == "__main__":  # pragma: no cover
    main()
