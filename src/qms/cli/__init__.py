"""The `qms` command line: a thin layer over the Python API.

Each command group lives in its own module (`qms.cli.docs`, `qms.cli.calendar`, …)
and is imported only when it runs; `qms --help` lists the commands from the table
below without importing them, so it does not load polars, SQLAlchemy, openpyxl or
WeasyPrint. Exit status: 0 success, 1 invalid input or failed validation (a
`QmsError`, printed without traceback), 2 usage error (click's own, in the
language of the run).
"""

from __future__ import annotations

import importlib

import click

from ..core.errors import QmsError
from ..core.i18n import _, gettext, ngettext
from ..core.process_memory import tune_before_loading
from ._common import language_option, prepare, secho

# command name -> (module under qms.cli, attribute, one-line help msgid shown by `qms --help`)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("workspace", "init", "Create a workspace: qms.yaml and a copy of the sample library."),
    "docs": ("docs", "docs", "Process documents: procedures, checklists, rule sets, calendars."),
    "calendar": ("calendar", "calendar", "Working-time calendar: appointment dates and elapsed working time."),
    "log": ("log", "log", "Dossier logs: validate, convert to canonical events, describe."),
    "generate": ("generate", "generate", "Write a reproducible synthetic dossier log with injected defects."),
    "check": ("check", "check", "Check every dossier of a log against the procedures in force."),
    "reconcile": ("reconcile", "reconcile", "Compare the national portal's service-quality figures with a check's."),
    "report": ("report", "report", "Write the compliance report of a check as PDF and/or Excel."),
    "audit": ("audit", "audit", "Internal audits (ISO 9001 clause 9.2)."),
    "nc": ("nc", "nc", "Nonconformities and corrective actions (ISO 9001 clause 10.2)."),
    "db": ("db", "db", "The database of audits, nonconformities and their history."),
    "user": ("user", "user", "Web users: passwords, access and API tokens."),
    "serve": ("serve", "serve", "Serve the web workspace (nonconformities, check results, reports, audits)."),
}


def _translate_click_messages() -> None:
    """Click's own messages (usage errors, "Usage:", "Options") go through qms's
    catalog, so a Vietnamese run does not print them in English."""
    import click.core
    import click.decorators
    import click.exceptions
    import click.formatting
    import click.parser
    import click.types
    import click.utils

    for module in (click.core, click.decorators, click.exceptions, click.formatting, click.parser, click.types,
                   click.utils):
        if hasattr(module, "_"):
            module._ = gettext
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(super().list_commands(ctx)))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in COMMANDS:
            module_name, attr, _help = COMMANDS[name]
            module = importlib.import_module(f"{__name__}.{module_name}")
            return prepare(getattr(module, attr))
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the table: no command module is imported for it."""
        rows = [(name, gettext(COMMANDS[name][2])) for name in sorted(COMMANDS)]
        with formatter.section(_("Commands")):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except QmsError as error:
            secho(f"{_('Error')}: {error}", fg="red", err=True)
            ctx.exit(error.exit_code)

    def main(self, *args, **kwargs):
        # before any command loads polars or numpy (the workers a command starts inherit it)
        tune_before_loading()
        _translate_click_messages()
        return super().main(*args, **kwargs)


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from .. import __version__

    click.echo(f"qms {__version__}")
    ctx.exit()


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_show_version,
              help="Show the version and exit.")
def main() -> None:
    """qms: quality management and audit of administrative-procedure dossiers (ISO 9001:2015)."""


main.params.append(language_option(envvar="QMS_LANG", default="vi"))
prepare(main)

if __name__ == "__main__":  # pragma: no cover
    main()
