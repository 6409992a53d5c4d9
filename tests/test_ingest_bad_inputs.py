"""Hostile and broken inputs: a clear message and exit 1 (or a reconciled rejects
file), never a traceback."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from ingest_support import MOTCUA_HEADER, motcua_row, write_csv_text
from qms.cli import main

SAMPLES = __import__("pathlib").Path(__file__).resolve().parents[1] / "samples"

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<log><trace><string key="concept:name" value="&lol9;"/>
<event><string key="concept:name" value="a"/><date key="time:timestamp" value="2011-10-11T13:45:40.276+02:00"/></event>
</trace></log>
"""


def external_entity(secret) -> str:
    return f"""<?xml version="1.0"?>
<!DOCTYPE log [<!ENTITY xxe SYSTEM "file://{secret}">]>
<log><trace><string key="concept:name" value="&xxe;"/>
<event><string key="concept:name" value="a"/><date key="time:timestamp" value="2011-10-11T13:45:40.276+02:00"/></event>
</trace></log>
"""


def _run(*args):
    result = CliRunner().invoke(main, ["--lang", "en", "log", *map(str, args)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def _fails_with(args, *fragments):
    result = _run(*args)
    assert result.exit_code == 1, result.output
    for fragment in fragments:
        assert fragment in result.output, result.output
    return result


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    _fails_with(["validate", path], "the file is empty")
    _fails_with(["validate", path, "--profile", "motcua"], "the file is empty")


def test_header_only(tmp_path):
    path = tmp_path / "header.csv"
    write_csv_text(path, MOTCUA_HEADER, [])
    _fails_with(["validate", path, "--profile", "motcua"], "a header but no data rows")


def test_wrong_delimiter_declared_in_the_profile(tmp_path):
    path = tmp_path / "semicolons.csv"
    write_csv_text(path, MOTCUA_HEADER, [motcua_row()], delimiter=";")
    profile = tmp_path / "comma.yaml"
    profile.write_text(
        (SAMPLES.parent / "src/qms/profiles/motcua.yaml").read_text(encoding="utf-8")
        .replace("profile: motcua", "profile: comma\ncsv: {delimiter: ','}"),
        encoding="utf-8",
    )
    _fails_with(["validate", path, "--profile", profile], "not found", "is the delimiter right?")


def test_row_with_more_fields_than_the_header(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("dossier_id,procedure_code,step,at\nD1,P,received,2025-01-01T00:00:00Z,extra\n")
    _fails_with(["validate", path], f"{path}:2: 5 fields where the header has 4")


def test_truncated_xlsx(tmp_path):
    path = tmp_path / "cut.xlsx"
    path.write_bytes((SAMPLES / "motcua-export.xlsx").read_bytes()[:3000])
    _fails_with(["validate", path, "--profile", "motcua"], "not a readable XLSX workbook")
    _fails_with(["stats", path], "not a readable XLSX workbook")


@pytest.mark.parametrize("name", ["garbage.csv", "garbage.bin", "garbage.parquet"])
def test_binary_garbage(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(os.urandom(4096).replace(b"PAR1", b"XXXX") + b"\x00" * 16)
    result = _run("validate", path)
    assert result.exit_code == 1
    assert any(message in result.output for message in (
        "not a text (CSV) file", "not a readable Parquet file", "binary content, not a log"))


def test_xes_with_external_entity_is_refused_and_reads_nothing(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    path = tmp_path / "xxe.xes"
    path.write_text(external_entity(secret))
    for args in (["validate", path, "--profile", "receipt"], ["stats", path]):
        result = _fails_with(args, "refused for safety")
        assert "TOP-SECRET" not in result.output


def test_xes_billion_laughs_is_refused(tmp_path):
    path = tmp_path / "lol.xes"
    path.write_text(BILLION_LAUGHS)
    _fails_with(["convert", path, "--profile", "receipt", "--out", tmp_path / "x.parquet"], "refused for safety")
    assert not (tmp_path / "x.parquet").exists()


def test_truncated_xes(tmp_path):
    path = tmp_path / "cut.xes"
    path.write_text('<log><trace><string key="concept:name" value="c1"/><event>\n')
    _fails_with(["validate", path, "--profile", "receipt"], f"{path}:2: malformed XML")


def test_missing_file_and_unknown_profile(tmp_path):
    _fails_with(["validate", tmp_path / "nope.csv", "--profile", "motcua"], "no such file")
    path = tmp_path / "x.csv"
    write_csv_text(path, MOTCUA_HEADER, [motcua_row()])
    _fails_with(["validate", path, "--profile", "no-such-profile"], "no profile 'no-such-profile'")


def test_unrecognised_columns_without_profile(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    _fails_with(["stats", path], "not a canonical log and no --profile given", "'a', 'b'")


def test_bad_rows_give_exit_1_and_a_reconciled_rejects_file(tmp_path):
    path = tmp_path / "x.csv"
    write_csv_text(path, MOTCUA_HEADER, [motcua_row(), motcua_row(at="not a date")])
    rejects = tmp_path / "rejects.csv"
    result = _fails_with(["validate", path, "--profile", "motcua", "--rejects", rejects],
                         "Rows read: 2 = accepted 1 + rejected 1", "(unparseable_timestamp): 1")
    assert rejects.read_text(encoding="utf-8-sig").count("\n") == 2
    assert result.exit_code == 1


def test_malformed_json_line(tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text(
        '{"dossier_id":"D1","procedure_code":"P","step":"received","at":"2025-01-01T00:00:00Z"}\n'
        '{"dossier_id":"D2","procedure_code":"P","step":"received","at":"2025-01-01T00:00:00Z"\n'
    )
    _fails_with(["validate", path], f"{path}:2: not valid JSON")


def test_unsupported_output_type_is_refused_before_reading(tmp_path):
    _fails_with(["convert", SAMPLES / "motcua-export.csv", "--profile", "motcua", "--out", tmp_path / "events.xlsx"],
                "write .parquet, .csv or .jsonl")
    assert not (tmp_path / "events.xlsx").exists()
