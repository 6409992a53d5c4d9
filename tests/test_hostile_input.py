"""Hostile and damaged input (issue 11): every file is built here, small, and must
give a clean refusal (exit 1, file, line/row and reason, no traceback) within a
memory bound, or the correct result: the bad row rejected, the rest judged as
without it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from qms.cli import main

CANONICAL = "dossier_id,procedure_code,step,unit,officer,at\n"


def cli(*args):
    result = CliRunner().invoke(main, ["--lang", "en", *map(str, args)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def refused(*args, says=()):
    result = cli(*args)
    assert result.exit_code == 1, result.output
    for fragment in says:
        assert fragment in result.output, result.output
    return result.output


def run_bounded(args, cwd=None) -> tuple[int, str, int]:
    """The CLI in a child process: (exit code, output, peak resident memory in MB).

    The peak is the child's own VmHWM, polled until it exits (rusage would count the
    pytest process it was forked from; RLIMIT_AS makes polars' thread pool hang)."""
    command = [sys.executable, "-c", "from qms.cli import main; main()", "--lang", "en", *map(str, args)]
    peak_kb = 0
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, cwd=cwd)
        status = Path(f"/proc/{process.pid}/status")
        while process.poll() is None:
            try:
                for line in status.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peak_kb = max(peak_kb, int(line.split()[1]))
            except (OSError, ValueError):
                pass
            time.sleep(0.01)
        output.seek(0)
        text = output.read().decode("utf-8", errors="replace")
    return process.returncode, text, peak_kb // 1024


def workspace_with_limits(folder: Path, limits: str) -> None:
    """A workspace whose qms.yaml changes a reader limit (its library is the sample's)."""
    sample = Path(__file__).resolve().parents[1] / "process_docs"
    (folder / "qms.yaml").write_text(
        f"organisation: {{name: {{vi: Thử}}}}\ndocs_dir: {sample}\nlimits: {{{limits}}}\n", encoding="utf-8")


# --- YAML ---------------------------------------------------------------------

def test_yaml_alias_bomb_is_refused_within_memory(tmp_path):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join(["*" + previous] * 9) + "]")
        previous = name
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines) + "\n")
    assert bomb.stat().st_size < 400
    code, output, peak_mb = run_bounded(["docs", "validate", bomb])
    assert code == 1, output
    assert f"{bomb}:1:" in output and "expands to more than 100000 values" in output
    assert "Traceback" not in output
    assert peak_mb < 400, peak_mb


def test_yaml_alias_inside_itself_is_refused(tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text("code: X\nsteps: &s [1, *s]\n")
    refused("docs", "validate", path, says=(f"{path}:2:", "an alias refers to itself"))


def _sample_procedure() -> Path:
    folder = Path(__file__).resolve().parents[1] / "process_docs" / "procedures" / "QT-HT-01"
    return sorted(folder.glob("*.yaml"))[0]


@pytest.mark.parametrize("amount", [".inf", "1e308", ".nan"])
def test_time_limit_must_be_finite_and_sane(tmp_path, amount):
    text = _sample_procedure().read_text(encoding="utf-8")
    assert "time_limit:" in text
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("time_limit:"))
    lines[at] = f"time_limit: {{amount: {amount}, unit: working_days}}"
    # the content changed, so the stored approval no longer matches: a draft
    lines = [("status: draft" if line.startswith("status:") else line) for line in lines
             if not line.startswith(("content_sha256:", "approved"))]
    path = tmp_path / _sample_procedure().name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = refused("docs", "validate", path, says=(f"{path}:{at + 1}:", "time_limit"))
    assert "finite" in output or "more than ten years" in output


# --- XLSX ---------------------------------------------------------------------

_TYPES = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/xl/workbook.xml" '
          'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
          '<Override PartName="/xl/worksheets/sheet1.xml" '
          'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = ('<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
             '<sheets><sheet name="Log" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = ('<?xml version="1.0"?><Relationships '
                  'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                  'worksheet" Target="worksheets/sheet1.xml"/></Relationships>')


def hostile_xlsx(path: Path, cells: str, dimension: str | None = None, shared: str | None = None) -> Path:
    head = '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    if dimension:
        head += f'<dimension ref="{dimension}"/>'
    header = ('<row r="1"><c r="A1" t="inlineStr"><is><t>dossier_id</t></is></c>'
              '<c r="B1" t="inlineStr"><is><t>procedure_code</t></is></c>'
              '<c r="C1" t="inlineStr"><is><t>step</t></is></c><c r="D1" t="inlineStr"><is><t>at</t></is></c></row>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", head + "<sheetData>" + header + cells + "</sheetData></worksheet>")
        if shared is not None:
            archive.writestr("xl/sharedStrings.xml", shared)
    return path


def test_a_lone_cell_at_the_last_row_and_column_is_refused_before_calamine(tmp_path):
    path = hostile_xlsx(tmp_path / "far.xlsx", '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
                        dimension="A1:XFD1048576")
    assert path.stat().st_size < 5000
    code, output, peak_mb = run_bounded(["log", "validate", path])
    assert code == 1, output
    assert f"{path}:" in output and "row 1048576, column 16384" in output
    assert "Traceback" not in output and "panicked" not in output
    assert peak_mb < 400, peak_mb


def test_a_cell_far_right_inside_an_early_row_without_dimension_is_refused(tmp_path):
    # the row element says 2, the cell says XFD8000: calamine believes the cell
    path = hostile_xlsx(tmp_path / "wide.xlsx", '<row r="2"><c r="XFD8000"><v>1</v></c></row>')
    refused("log", "validate", path, says=(f"{path}:", "row 8000, column 16384", "limits.xlsx_max_cells"))


def test_a_lying_shared_string_count_is_refused(tmp_path):
    shared = ('<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
              'count="4000000000" uniqueCount="4000000000"><si><t>x</t></si></sst>')
    path = hostile_xlsx(tmp_path / "sst.xlsx", "", shared=shared)
    refused("log", "validate", path, says=(f"{path}:", "4000000000 shared texts", "limits.xlsx_max_shared_strings"))


def test_a_zip_bomb_cell_is_refused_by_its_compression_ratio(tmp_path):
    cell = '<row r="2"><c r="A2" t="inlineStr"><is><t>' + "A" * (12 * 1024 * 1024) + "</t></is></c></row>"
    path = hostile_xlsx(tmp_path / "bomb.xlsx", cell)
    assert path.stat().st_size < 100_000
    refused("log", "validate", path, says=(f"{path}:", "xl/worksheets/sheet1.xml", "zip bomb"))


def test_a_workbook_over_the_configured_size_is_refused(tmp_path, monkeypatch):
    workspace_with_limits(tmp_path, "xlsx_max_uncompressed_bytes: 1048576")
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(2, 40_000))
    path = hostile_xlsx(tmp_path / "big.xlsx", rows)
    monkeypatch.chdir(tmp_path)
    refused("log", "validate", path, says=("unpacks to more than 1048576 bytes", "xlsx_max_uncompressed_bytes"))


def test_an_ordinary_workbook_still_reads(tmp_path):
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>D{r}</t></is></c><c r="B{r}" t="inlineStr"><is><t>P</t></is></c>'
        f'<c r="C{r}" t="inlineStr"><is><t>received</t></is></c>'
        f'<c r="D{r}" t="inlineStr"><is><t>2025-03-0{r}T08:00:00Z</t></is></c></row>' for r in range(2, 5))
    path = hostile_xlsx(tmp_path / "ok.xlsx", rows, dimension="A1:D4")
    result = cli("log", "validate", path)
    assert result.exit_code == 0, result.output
    assert "Rows read: 3 = accepted 3 + rejected 0" in result.output


# --- timestamps ---------------------------------------------------------------

@pytest.mark.parametrize("value", ["0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z", "2199-06-01T08:00:00Z",
                                   "1970-01-01T00:00:00Z"])
def test_an_implausible_instant_rejects_its_row_only(tmp_path, value):
    path = tmp_path / "log.csv"
    path.write_text(CANONICAL + "D1,P,received,MC,An,2025-03-03T08:00:00Z\n"
                    f"D2,P,received,MC,An,{value}\nD3,P,received,MC,An,2025-03-04T08:00:00Z\n", encoding="utf-8")
    rejects = tmp_path / "rejects.csv"
    result = cli("log", "validate", path, "--rejects", rejects)
    assert result.exit_code == 1, result.output  # validate exits 1 when any row is rejected
    assert "Rows read: 3 = accepted 2 + rejected 1" in result.output
    assert "implausible_timestamp): 1" in result.output
    row = pl.read_csv(rejects, infer_schema=False).row(0, named=True)
    assert row["source_row"] == "3" and row["reason"] == "implausible_timestamp"
    assert value in row["detail"]


def test_one_row_typed_2199_neither_moves_the_as_of_nor_changes_any_dossier(tmp_path):
    from check_support import approved_sample_library
    from qms.synth import generate_log
    from qms.synth.output import write_events

    library = approved_sample_library()
    events = generate_log(library, 60, seed=11, defect_rate=0.2).events
    victim = events.filter(pl.col("step") != "received").row(0, named=True)
    index = events.with_row_index().filter(
        (pl.col("dossier_id") == victim["dossier_id"]) & (pl.col("step") == victim["step"])
        & (pl.col("at") == victim["at"]))["index"][0]
    hostile = events.with_columns(
        pl.when(pl.int_range(pl.len()) == index).then(pl.lit("2199-01-01T08:00:00Z"))
        .otherwise(pl.col("at").dt.strftime("%Y-%m-%dT%H:%M:%SZ")).alias("at"))
    write_events(hostile, tmp_path / "hostile.csv", "csv")
    without = events.with_row_index().filter(pl.col("index") != index).drop("index")
    write_events(without, tmp_path / "without.csv", "csv")
    outputs = {}
    for name in ("hostile", "without"):
        result = cli("check", tmp_path / f"{name}.csv", "--docs", library.root, "--out", tmp_path / name,
                     "--format", "json")
        assert result.exit_code == 0, result.output
        outputs[name] = json.loads(result.output)
    assert outputs["hostile"]["data_quality"]["rejected_by_reason"] == {"implausible_timestamp": 1}
    as_of = {name: output["manifest"]["as_of"] for name, output in outputs.items()}
    assert as_of["hostile"] == as_of["without"] and as_of["hostile"] < "2030"
    judged = {name: pl.read_parquet(tmp_path / name / "dossiers.parquet") for name in outputs}
    assert judged["hostile"].equals(judged["without"])


# --- encoding -----------------------------------------------------------------

def test_one_invalid_byte_rejects_its_row_and_the_file_stays_utf8(tmp_path):
    rows = [f"D{i},P,received,MC,Nguyễn Văn An,2025-03-03T08:00:00Z\n".encode() for i in range(1, 6)]
    rows[2] = b"D3,P,received,MC,Nguy\xff\xfen,2025-03-03T08:00:00Z\n"
    path = tmp_path / "log.csv"
    path.write_bytes(CANONICAL.encode() + b"".join(rows))
    out = tmp_path / "events.parquet"
    rejects = tmp_path / "rejects.csv"
    result = cli("log", "convert", path, "--out", out, "--rejects", rejects)
    assert result.exit_code == 0, result.output
    assert "invalid_utf8): 1" in result.output
    accepted = pl.read_parquet(out)
    assert accepted["officer"].to_list() == ["Nguyễn Văn An"] * 4
    assert accepted["dossier_id"].to_list() == ["D1", "D2", "D4", "D5"]
    row = pl.read_csv(rejects, infer_schema=False).row(0, named=True)
    assert (row["source_row"], row["reason"]) == ("4", "invalid_utf8")


def test_an_invalid_byte_past_the_sample_is_located(tmp_path):
    good = "".join(f"D{i},P,received,MC,An,2025-03-03T08:00:00Z\n" for i in range(1, 12_001)).encode()
    assert len(good) > 256 * 1024
    path = tmp_path / "log.csv"
    path.write_bytes(CANONICAL.encode() + good + b"D-last,P,received,MC,\xc3\x28,2025-03-03T08:00:00Z\n")
    rejects = tmp_path / "rejects.csv"
    result = cli("log", "validate", path, "--rejects", rejects)
    assert result.exit_code == 1, result.output
    assert "Rows read: 12001 = accepted 12000 + rejected 1" in result.output.replace(",", "")
    assert pl.read_csv(rejects, infer_schema=False)["source_row"].to_list() == ["12002"]


def test_a_cp1258_file_is_still_read_as_cp1258(tmp_path):
    path = tmp_path / "log.csv"
    text = CANONICAL + "".join(f"D{i},P,received,MC,Văn Hà,2025-03-03T08:00:00Z\n" for i in range(3))
    path.write_bytes(text.encode("cp1258"))
    out = tmp_path / "events.parquet"
    result = cli("log", "convert", path, "--out", out)
    assert result.exit_code == 0, result.output
    assert pl.read_parquet(out)["officer"].to_list() == ["Văn Hà"] * 3


# --- JSON Lines and CSV lines ---------------------------------------------------

def test_deeply_nested_json_lines_record_is_refused(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text('{"dossier_id": "D1", "x": ' + "[" * 200_000 + "]" * 200_000 + "}\n")
    refused("log", "validate", path, says=(f"{path}:1:", "nested deeper than 64 levels"))


def test_a_line_over_the_limit_is_refused_with_its_number(tmp_path, monkeypatch):
    workspace_with_limits(tmp_path, "max_line_bytes: 4096")
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "long.jsonl"
    path.write_text('{"dossier_id": "D1"}\n{"dossier_id": "' + "x" * 10_000 + '"}\n')
    refused("log", "validate", path, says=(f"{path}:2:", "longer than 4096 bytes"))


def test_a_very_long_csv_field_is_read_without_a_traceback(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(CANONICAL + "D1,P,received,MC," + "x" * 3_000_000 + ",2025-03-03T08:00:00Z\n"
                    "D2,P,received,MC,An,2025-03-03T08:00:00Z,extra\n")
    refused("log", "validate", path, says=(f"{path}:3: 7 fields where the header has 6",))


def test_a_million_column_header_is_refused_for_its_width_not_a_false_duplicate(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(1_000_000)) + "\n1\n")
    output = refused("log", "validate", path, says=(f"{path}:1:", "1000000 columns", "limits.max_columns"))
    assert "appears twice" not in output


# --- special files ----------------------------------------------------------------

def test_special_files_are_named_for_what_they_are(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    refused("log", "validate", fifo, says=("named pipe (FIFO)",))
    refused("log", "validate", "/dev/null", says=("a device, not a file",))
    loop = tmp_path / "loop.csv"
    loop.symlink_to(tmp_path / "loop2.csv")
    (tmp_path / "loop2.csv").symlink_to(loop)
    refused("log", "validate", loop, says=("a loop",))
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "nowhere.csv")
    refused("log", "validate", dangling, says=("does not exist",))
    folder = cli("log", "validate", tmp_path)  # the command line itself says so (usage error)
    assert folder.exit_code == 2 and "is a directory" in folder.output


# --- gzip ---------------------------------------------------------------------------

def test_a_gzip_log_reads_as_its_plain_copy_and_is_named_as_given(tmp_path):
    import gzip

    text = CANONICAL + "D1,P,received,MC,Nguyễn Văn An,2025-03-03T08:00:00Z\nD2,P,received,MC,An,2199-01-01T00:00:00Z\n"
    plain = tmp_path / "log.csv"
    plain.write_text(text, encoding="utf-8")
    packed = tmp_path / "log.csv.gz"
    packed.write_bytes(gzip.compress(text.encode("utf-8")))
    for source in (plain, packed):
        result = cli("log", "convert", source, "--out", tmp_path / f"{source.name}.parquet")
        assert result.exit_code == 0, result.output
        assert f"Log: {source} (format csv" in result.output and "implausible_timestamp): 1" in result.output
    assert pl.read_parquet(tmp_path / "log.csv.gz.parquet").equals(pl.read_parquet(tmp_path / "log.csv.parquet"))


def test_a_gzip_bomb_stops_at_the_limit(tmp_path, monkeypatch):
    import gzip

    workspace_with_limits(tmp_path, "gzip_max_uncompressed_bytes: 1048576")
    monkeypatch.chdir(tmp_path)
    bomb = tmp_path / "bomb.csv.gz"
    bomb.write_bytes(gzip.compress(CANONICAL.encode() + b"D1," * 1_000_000))
    assert bomb.stat().st_size < 50_000
    refused("log", "validate", bomb, says=(f"{bomb}: unpacks to more than 1048576 bytes",))
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(gzip.compress(CANONICAL.encode() * 100)[:40])
    refused("log", "validate", cut, says=(f"{cut}: not a readable gzip file",))
