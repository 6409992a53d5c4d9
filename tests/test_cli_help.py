"""Every command and option of `qms` explains itself, in the language of the run,
and the options mean one thing everywhere."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
    """--lang everywhere; --format text|json on every command."""
    for path, command, _ctx in every_command():
        options = {opt: param for param in command.params for opt in param.opts}
        if flag == "--lang":
            assert "--lang" in options, " ".join(path)
        elif path and not isinstance(command, click.Group) and list(path) != ["serve"]:
            # every command that reports something has JSON (serve runs a server, it reports nothing)
            assert "--format" in options, " ".join(path)
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


def test_one_name_per_concept():
    """--docs for the library folder and --user for who acts; old spellings hidden but accepted."""
    for path, command, ctx in every_command():
        for param in command.params:
            if isinstance(param, click.Option):
                record = param.get_help_record(ctx)
                shown = record[0] if record else ""
                assert "--library" not in shown and "--by" not in shown, " ".join(path)
    repo = str(Path(__file__).resolve().parents[1] / "process_docs")
    old = CliRunner().invoke(main, ["docs", "list", "--library", repo, "--format", "json"])
    new = CliRunner().invoke(main, ["docs", "list", "--docs", repo, "--format", "json"])
    assert old.exit_code == new.exit_code == 0 and old.output == new.output


def test_generate_old_format_spelling_still_works(tmp_path):
    result = CliRunner().invoke(main, ["--lang", "en", "generate", "-n", "5", "--seed", "1", "--out",
                                       str(tmp_path / "log.data"), "--format", "parquet"])
    assert result.exit_code == 0, result.output
    assert "deprecated" in result.output
    assert (tmp_path / "log.data").read_bytes()[:4] == b"PAR1"
    summary = CliRunner().invoke(main, ["generate", "-n", "5", "--seed", "1", "--out", str(tmp_path / "l.csv"),
                                        "--format", "json"])
    assert summary.exit_code == 0 and summary.output.lstrip().startswith("{")
