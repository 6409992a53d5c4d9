"""What every `qms` command shares: terminal-safe printing, JSON output, the
`--lang` option, hidden old spellings of options, and help texts shown in the
language of the run.

Text from logs is data: a procedure code holding `ESC ] 0 ; … BEL` must not
retitle the officer's terminal, so everything a command prints goes through
`terminal_safe` (control characters shown escaped, e.g. `\\x1b`). Import this
module's `echo`/`secho`/`print_json` instead of click's.

Help texts are English msgids like every other message; they are looked up in
the catalog when the help is shown, after `--lang` is known, so that
`qms --lang en nc show --help` and `qms nc show --lang en --help` are English and
the default is Vietnamese.
"""

from __future__ import annotations

import json
import re
from typing import Any

import click

from ..core.i18n import SUPPORTED_LANGUAGES, gettext, set_language

# C0 controls but tab and newline, DEL, C1 controls, and the Unicode bidi
# overrides/isolates that reorder what a reader sees ("Trojan source").
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# In JSON text the C0 controls are already escaped by json.dumps; the others are not.
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """`text` with every control character shown as its escape (`\\x1b`, `\\r`, `\\u202e`)."""
    return _UNSAFE.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


def echo(message: Any = "", *, err: bool = False, nl: bool = True) -> None:
    click.echo(terminal_safe(str(message)), err=err, nl=nl)


def secho(message: Any, *, fg: str | None = None, err: bool = False) -> None:
    click.secho(terminal_safe(str(message)), fg=fg, err=err)


def _plain(data: Any) -> Any:
    """Typed results (pydantic models) as the JSON-able data they hold."""
    if hasattr(data, "model_dump"):
        return data.model_dump(mode="json")
    if isinstance(data, (list, tuple)):
        return [_plain(item) for item in data]
    if isinstance(data, dict):
        return {key: _plain(value) for key, value in data.items()}
    return data


def json_text(data: Any) -> str:
    """Indented JSON (UTF-8 text kept readable) whose strings hold no raw control character."""
    text = json.dumps(_plain(data), ensure_ascii=False, indent=2, default=str)
    return _UNSAFE_IN_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def print_json(data: Any) -> None:
    click.echo(json_text(data))


def _apply_language(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value:
        set_language(value)
    return value


def language_option(*, envvar: str | None = None, default: str | None = None) -> click.Option:
    """`--lang vi|en`: applied as soon as it is read, so later messages and help follow it."""
    return click.Option(["--lang"], type=click.Choice(list(SUPPORTED_LANGUAGES)), envvar=envvar, default=default,
                        show_default=default is not None, is_eager=True, expose_value=False,
                        callback=_apply_language, help="Language of messages and help (vi or en).")


class AliasedOption(click.Option):
    """An option whose later spellings are accepted but left out of the help (old
    names kept working: `--library` for `--docs`, `--by` for `--user`)."""

    def get_help_record(self, ctx: click.Context):
        shown, self.opts = self.opts, self.opts[:1]
        try:
            return super().get_help_record(ctx)
        finally:
            self.opts = shown


def aliased_option(*spellings: str, **attributes):
    """`click.option` with the first spelling shown and the others hidden aliases."""
    return click.option(*spellings, cls=AliasedOption, **attributes)


def _translate_when_shown(thing: click.Command | click.Parameter, *methods: str) -> None:
    """Make `thing`'s help-showing methods look its help msgid up in the catalog of
    the language in force at that moment (help strings are set at import time,
    before --lang is read)."""
    for name in methods:
        original = getattr(thing, name)

        def shown_translated(*args, _original=original, **kwargs):
            msgid = thing.help
            thing.help = gettext(msgid) if msgid else msgid
            try:
                return _original(*args, **kwargs)
            finally:
                thing.help = msgid

        setattr(thing, name, shown_translated)


def prepare(command: click.Command) -> click.Command:
    """Give `command` and its subcommands what every qms command has: `--lang`, and
    help texts translated when shown. Idempotent."""
    if getattr(command, "_qms_prepared", False):
        return command
    command._qms_prepared = True
    _translate_when_shown(command, "format_help_text", "get_short_help_str")
    names = {name for param in command.params for name in param.opts}
    if "--lang" not in names:
        command.params.append(language_option())
    for param in command.params:
        if isinstance(param, click.Option):
            _translate_when_shown(param, "get_help_record")
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            prepare(sub)
    return command


def format_option(command):
    """`--format text|json`: how a command prints what it reports."""
    return click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
                        show_default=True, help="Print the result as text or as JSON.")(command)
