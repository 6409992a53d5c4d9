"""Text from a log is data: control characters in procedure codes or units (an OSC
sequence that retitles the terminal, an ANSI colour) are printed escaped by every
command that echoes log text, whether or not the output is a terminal."""

from __future__ import annotations

import json

import polars as pl
import pytest
from click.testing import CliRunner

from check_support import approved_sample_library
from qms.cli import main
from qms.cli._common import json_text, terminal_safe
from qms.synth import generate_log
from qms.synth.output import write_events

TITLE = "\x1b]0;pwned\x07"
RED = "\x1b[31m"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    library = approved_sample_library()
    events = generate_log(library, 40, seed=8, defect_rate=0.5).events
    first = events["dossier_id"].unique().sort()[0]
    events = events.with_columns(
        pl.when(pl.col("dossier_id") == first).then(pl.lit(f"QT{TITLE}X")).otherwise(pl.col("procedure_code"))
        .alias("procedure_code"),
        (pl.lit(RED) + pl.col("unit") + pl.lit("\x9b2J")).alias("unit"))
    write_events(events, folder / "log.csv", "csv")
    return folder, str(library.root)


def assert_no_raw_controls(output: str) -> None:
    assert "\x1b" not in output and "\x07" not in output and "\x9b" not in output


def assert_neutralised(output: str) -> None:
    assert_no_raw_controls(output)
    assert "\\x1b" in output  # shown, escaped, not dropped


def run(*args: str) -> str:
    result = CliRunner().invoke(main, ["--lang", "en", *args])
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    return result.output


def test_check_prints_hostile_codes_escaped(hostile, tmp_path):
    folder, docs = hostile
    output = run("check", str(folder / "log.csv"), "--docs", docs, "--out", str(tmp_path / "out"))
    assert_neutralised(output)
    assert "QT\\x1b]0;pwned\\x07X" in output


def test_log_commands_print_hostile_units_escaped(hostile):
    folder, docs = hostile
    output = run("log", "stats", str(folder / "log.csv"))
    assert_neutralised(output)
    assert "\\x1b[31m" in output
    assert_no_raw_controls(run("log", "validate", str(folder / "log.csv"), "--docs", docs))


def test_nc_register_prints_hostile_units_escaped(hostile, tmp_path, monkeypatch):
    folder, docs = hostile
    monkeypatch.delenv("QMS_DATABASE_URL", raising=False)
    run("check", str(folder / "log.csv"), "--docs", docs, "--out", str(tmp_path / "out"))
    assert CliRunner().invoke(main, ["init", str(tmp_path / "ws")]).exit_code == 0
    monkeypatch.chdir(tmp_path / "ws")
    assert_neutralised(run("nc", "raise-from-check", str(tmp_path / "out"), "--user", "iso.secretary"))
    assert_no_raw_controls(run("nc", "list"))
    listed = json.loads(run("nc", "list", "--format", "json"))
    assert any(RED in (row["unit"] or "") for row in listed)  # JSON keeps the exact value, escaped as \u001b


def test_escapes_keep_layout_and_json_stays_exact():
    assert terminal_safe("Hồ sơ\tđơn vị\nA\rB\u202eC") == "Hồ sơ\tđơn vị\nA\\rB\\u202eC"
    data = {"unit": f"{RED}x\x85y\u202e"}
    assert json.loads(json_text(data)) == data
    assert "\x1b" not in json_text(data) and "\x85" not in json_text(data)
