"""Every command and option of `qms` explains itself, in the language of the run,
and the options mean one thing everywhere."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from qms.cli import main
from qms.core import i18n


def walk(command: click.Command, ctx: click.Context, path: tuple[str, ...] = ()):
    yield path, command, ctx
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            yield from walk(sub, click.Context(sub, info_name=name, parent=ctx), (*path, name))


def every_command():
    root = click.Context(main, info_name="qms")
    return list(walk(main, root))


def test_every_command_and_option_has_help_text():
    missing = []
    for path, command, _ctx in every_command():
        name = " ".join(("qms", *path))
        if not (command.help or command.short_help):
            missing.append(f"{name}: no help text")
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden and not param.help:
                missing.append(f"{name} {param.opts[0]}: no help text")
    assert not missing, "\n".join(missing)


def test_every_help_text_has_a_vietnamese_translation():
    catalog = i18n.translations("vi")
    missing = []
    for path, command, _ctx in every_command():
        name = " ".join(("qms", *path))
        texts = [command.help, command.short_help] + [p.help for p in command.params if isinstance(p, click.Option)]
        missing += [f"{name}: {text!r}" for text in texts if text and catalog.gettext(text) == text]
    assert not missing, "untranslated help:\n" + "\n".join(missing)


@pytest.mark.parametrize("flag", ["--lang", "--format"])
def test_options_every_command_shares(flag):
    """--lang everywhere; --format, where a command has it, is text or json."""
    for path, command, _ctx in every_command():
        options = {opt: param for param in command.params for opt in param.opts}
        if flag == "--lang":
            assert "--lang" in options, " ".join(path)
        elif "--format" in options and path:
            assert set(options["--format"].type.choices) >= {"text", "json"}, " ".join(path)


def test_help_follows_the_language_of_the_run():
    vietnamese = CliRunner().invoke(main, ["nc", "show", "--help"])
    english = CliRunner().invoke(main, ["nc", "show", "--lang", "en", "--help"])
    assert "Hiển thị" in vietnamese.output and "Tùy chọn" in vietnamese.output
    assert "Show one NC" in english.output and "Options" in english.output


def test_usage_errors_in_vietnamese():
    result = CliRunner().invoke(main, ["nc", "show"])
    assert result.exit_code == 2
    assert "Lỗi" in result.output and "Missing" not in result.output


@pytest.mark.parametrize("args", [["--help"], ["nc", "--help"], ["audit", "--help"], ["calendar", "due", "--help"],
                                  ["log", "--help"], ["report", "--help"]])
def test_help_imports_no_heavy_library(args):
    """Help is shown without importing polars, SQLAlchemy, openpyxl, WeasyPrint, numpy or pydantic (start-up time)."""
    code = (f"import sys\nfrom qms.cli import main\ntry:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'polars', 'sqlalchemy', 'openpyxl', "
            "'weasyprint', 'numpy', 'pydantic'}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"
