"""Benchmark: read and convert a generated one-stop export of ~1 million dossiers
(~9 million events), as CSV and as XLSX, through the `motcua` profile.

    PYTHONPATH=src python bench/bench_ingest.py [--dossiers 1000000] [--formats csv,xlsx] [--keep DIR]

The export is generated here with numpy/polars (not with qms.synth): Vietnamese
headers, dd/mm/yyyy HH:MM local times, dossier-level columns repeated on every row,
and 0.1 % of rows spoiled (bad timestamp, unknown channel, missing id) so that the
rejects path is exercised too. An XLSX sheet holds at most 1,048,576 rows, so the
XLSX export is split over sheets of 1,000,000 rows (the profile reads every sheet
with the log's header). Each measurement runs in a fresh process, so its peak RSS
is its own: `qms log convert` to Parquet plus the data-quality checks.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import polars as pl

HEADER = {
    "dossier_id": "Mã hồ sơ", "procedure_code": "Mã thủ tục", "channel": "Hình thức nộp",
    "received": "Ngày tiếp nhận", "appointment": "Ngày hẹn trả", "step": "Trạng thái",
    "unit": "Đơn vị xử lý", "officer": "Cán bộ", "at": "Thời điểm xử lý", "note": "Ghi chú",
}
STEPS = ["Tiếp nhận hồ sơ", "Chuyển xử lý", "Thẩm định hồ sơ", "Trình ký", "Phê duyệt",
         "Đã giải quyết", "Đã trả kết quả", "Yêu cầu bổ sung hồ sơ", "Đã bổ sung hồ sơ",
         "Thẩm định lại", "Trình ký lại", "Lưu hồ sơ"]
CHANNELS = ["Trực tiếp", "Trực tuyến toàn trình", "Trực tuyến một phần", "Bưu chính công ích"]
UNITS = ["Bộ phận Một cửa", "Phòng Tư pháp", "Phòng Quản lý đô thị", "Phòng Kinh tế", "Lãnh đạo UBND",
         "Phòng Tài nguyên và Môi trường", "Phòng Lao động - Thương binh và Xã hội"]
OFFICERS = [f"{family} {middle} {given}" for family in ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ")
            for middle in ("Văn", "Thị", "Minh") for given in ("An", "Bình", "Hà", "Lan", "Nam", "Hùng")]
PROCEDURES = [f"1.00{n:04d}" for n in range(1200, 1260)]


def generate(dossiers: int, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    per_dossier = rng.integers(6, 13, dossiers)  # 6..12 events, mean 9
    total = int(per_dossier.sum())
    dossier_index = np.repeat(np.arange(dossiers), per_dossier)
    position = np.arange(total) - np.repeat(np.cumsum(per_dossier) - per_dossier, per_dossier)
    start = np.datetime64("2024-01-02T07:30")
    received = start + (rng.integers(0, 360, dossiers) * 1440 + rng.integers(0, 540, dossiers)).astype("timedelta64[m]")
    gaps = rng.exponential(600, total).astype(np.int64)
    gaps[position == 0] = 0
    offsets = np.cumsum(gaps) - np.repeat(np.cumsum(gaps)[np.cumsum(per_dossier) - per_dossier], per_dossier)
    at = received[dossier_index] + offsets.astype("timedelta64[m]")
    appointment = received + (rng.integers(1, 30, dossiers) * 1440).astype("timedelta64[m]")
    pick = lambda values, index: pl.Series(values).gather(index)  # noqa: E731  (no per-row strings in numpy)
    frame = pl.DataFrame({
        "number": dossier_index,
        "procedure_code": pick(PROCEDURES, rng.integers(0, len(PROCEDURES), dossiers)[dossier_index]),
        "channel": pick(CHANNELS, rng.integers(0, len(CHANNELS), dossiers)[dossier_index]),
        "received": received[dossier_index].astype("datetime64[us]"),
        "appointment": appointment[dossier_index].astype("datetime64[us]"),
        "step": pick(STEPS, np.minimum(position, len(STEPS) - 1)),
        "unit": pick(UNITS, rng.integers(0, len(UNITS), total)),
        "officer": pick(OFFICERS, rng.integers(0, len(OFFICERS), total)),
        "at": at.astype("datetime64[us]"),
    })
    fmt = "%d/%m/%Y %H:%M"
    frame = frame.select(
        pl.format("H56.22-{}-{}", pl.col("received").dt.strftime("%y%m%d"), pl.col("number").cast(pl.String).str.zfill(7)).alias(HEADER["dossier_id"]),
        pl.col("procedure_code").alias(HEADER["procedure_code"]),
        pl.col("channel").alias(HEADER["channel"]),
        pl.col("received").dt.strftime(fmt).alias(HEADER["received"]),
        pl.col("appointment").dt.strftime(fmt).alias(HEADER["appointment"]),
        pl.col("step").alias(HEADER["step"]),
        pl.col("unit").alias(HEADER["unit"]),
        pl.col("officer").alias(HEADER["officer"]),
        pl.col("at").dt.strftime(fmt).alias(HEADER["at"]),
        pl.lit(None, dtype=pl.String).alias(HEADER["note"]),
    )
    # spoil 0.1 % of rows, a third each way
    spoil = rng.random(total) < 0.001
    kind = rng.integers(0, 3, total)
    return frame.with_columns(
        pl.when(pl.Series(spoil & (kind == 0))).then(pl.lit("31/02/2024 08:00")).otherwise(pl.col(HEADER["at"])).alias(HEADER["at"]),
        pl.when(pl.Series(spoil & (kind == 1))).then(pl.lit("Fax")).otherwise(pl.col(HEADER["channel"])).alias(HEADER["channel"]),
        pl.when(pl.Series(spoil & (kind == 2))).then(None).otherwise(pl.col(HEADER["dossier_id"])).alias(HEADER["dossier_id"]),
    )


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def write_xlsx(frame: pl.DataFrame, path: Path, rows_per_sheet: int = 1_000_000) -> int:
    """A minimal valid XLSX with inline-string cells, built as text by polars
    (openpyxl would need tens of minutes for 9 million rows)."""
    sheets = max(1, -(-frame.height // rows_per_sheet))
    columns = frame.columns
    letters = [_column_letter(i) for i in range(len(columns))]

    def cell(ref_col: str, expr: pl.Expr, row: pl.Expr) -> pl.Expr:
        return pl.when(expr.is_null()).then(pl.lit("")).otherwise(
            pl.concat_str([pl.lit(f'<c r="{ref_col}'), row, pl.lit('" t="inlineStr"><is><t>'),
                           expr.str.replace_all("&", "&amp;", literal=True).str.replace_all("<", "&lt;", literal=True),
                           pl.lit("</t></is></c>")])
        )

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        book.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(sheets))
            + "</Types>"))
        book.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"))
        book.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            + "".join(f'<sheet name="Phần {i + 1}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i in range(sheets))
            + "</sheets></workbook>"))
        book.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>' for i in range(sheets))
            + "</Relationships>"))
        for index in range(sheets):
            part = frame.slice(index * rows_per_sheet, rows_per_sheet)
            with book.open(f"xl/worksheets/sheet{index + 1}.xml", "w", force_zip64=True) as out:
                out.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                          b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
                header = "".join(f'<c r="{letters[i]}1" t="inlineStr"><is><t>{name}</t></is></c>' for i, name in enumerate(columns))
                out.write(f'<row r="1">{header}</row>'.encode())
                for start in range(0, part.height, 200_000):
                    chunk = part.slice(start, 200_000)
                    row = (pl.int_range(start + 2, start + 2 + chunk.height, dtype=pl.Int64)).cast(pl.String)
                    xml = chunk.select(
                        pl.concat_str([pl.lit('<row r="'), row, pl.lit('">'),
                                       *[cell(letters[i], pl.col(c), row) for i, c in enumerate(columns)],
                                       pl.lit("</row>")]).alias("xml")
                    )["xml"]
                    out.write("".join(xml.to_list()).encode())
                out.write(b"</sheetData></worksheet>")
    return sheets


def measure(fmt: str, path: Path) -> dict:
    """Runs in a child process: convert through the motcua profile, report figures."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from qms.ingest import convert_log

    out = path.with_suffix(".parquet")
    started = time.perf_counter()
    report = convert_log(path, out, "motcua")
    wall = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "format": fmt, "input_bytes": path.stat().st_size, "output_bytes": out.stat().st_size,
        "rows_read": report.rows_read, "rows_accepted": report.rows_accepted,
        "rows_rejected": report.rows_rejected, "reconciled": report.reconciled,
        "findings_by_kind": report.findings_by_kind,
        "wall_seconds": round(wall, 1), "peak_rss_mib": round(peak_kib / 1024),
    }


def write_exports(dossiers: int, formats: list[str], folder: Path) -> None:
    started = time.perf_counter()
    frame = generate(dossiers)
    print(f"generated {frame.height:,} events of {dossiers:,} dossiers in {time.perf_counter() - started:.1f} s")
    for fmt in formats:
        started = time.perf_counter()
        path = folder / f"export.{fmt}"
        if fmt == "csv":
            frame.write_csv(path, include_bom=True)
        elif fmt == "xlsx":
            sheets = write_xlsx(frame, path)
            print(f"  xlsx: {sheets} sheet(s) of at most 1,000,000 rows")
        print(f"wrote {path} ({path.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--keep", type=Path, help="Keep the generated files in this folder")
    parser.add_argument("--measure", nargs=2, metavar=("FORMAT", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--generate", nargs=3, metavar=("DOSSIERS", "FORMATS", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        write_exports(int(args.generate[0]), args.generate[1].split(","), Path(args.generate[2]))
        return
    if args.measure:
        print(json.dumps(measure(args.measure[0], Path(args.measure[1]))))
        return

    folder = args.keep or Path(tempfile.mkdtemp(prefix="qms-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    # generating in a child keeps this process small: a child's peak RSS counts
    # from its parent's size at fork
    child = subprocess.run([sys.executable, __file__, "--generate", str(args.dossiers), args.formats, str(folder)],
                           check=True, capture_output=True, text=True)
    print(child.stdout, end="")
    paths = {fmt: folder / f"export.{fmt}" for fmt in args.formats.split(",")}
    for fmt, path in paths.items():
        child = subprocess.run([sys.executable, __file__, "--measure", fmt, str(path)],
                               capture_output=True, text=True, check=False)
        if child.returncode != 0:
            print(child.stderr, file=sys.stderr)
            sys.exit(child.returncode)
        result = json.loads(child.stdout.strip().splitlines()[-1])
        print(json.dumps(result, ensure_ascii=False))
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    if not args.keep:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
