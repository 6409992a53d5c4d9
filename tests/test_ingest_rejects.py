"""Every row is accepted or rejected with its row number, raw content and reason;
rows read = accepted + rejected, always."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from ingest_support import MOTCUA_HEADER, motcua_row, write_csv_text
from qms.ingest import REJECT_REASONS, convert_log, read_log, validate_log

UTC = dt.timezone.utc

STRICT_PROFILE = """\
profile: strict-motcua
timezone: Asia/Ho_Chi_Minh
timestamp_formats: ["%d/%m/%Y %H:%M", iso]
fields:
  dossier_id: "Mã hồ sơ"
  procedure_code: "Mã thủ tục"
  step:
    column: "Trạng thái"
    unmapped: reject
    values: {Tiếp nhận hồ sơ: received, Thẩm định hồ sơ: tham_dinh, Đã trả kết quả: returned}
  unit:
    column: "Đơn vị xử lý"
    unmapped: reject
    values: {Bộ phận Một cửa: BP1C, Phòng Tư pháp: PTP}
  officer: "Cán bộ"
  at: "Thời điểm xử lý"
  received_at: "Ngày tiếp nhận"
  appointment_at: "Ngày hẹn trả"
  channel:
    column: "Hình thức nộp"
    values: {Trực tiếp: in_person, Trực tuyến toàn trình: online_full}
"""


@pytest.fixture()
def strict_profile(tmp_path):
    path = tmp_path / "strict.yaml"
    path.write_text(STRICT_PROFILE, encoding="utf-8")
    return path


def test_each_rejection_reason_with_row_number_raw_row_and_reason(tmp_path, strict_profile):
    rows = [
        motcua_row(),                                          # line 2: accepted
        motcua_row(dossier=""),                                # 3 missing_dossier_id
        motcua_row(code=""),                                   # 4 missing_procedure_code
        motcua_row(status=""),                                 # 5 missing_step
        motcua_row(status="Đang xử lý"),                       # 6 unknown_step (strict profile)
        motcua_row(at=""),                                     # 7 missing_timestamp
        motcua_row(at="31/02/2025 08:00"),                     # 8 unparseable_timestamp (no 31 Feb)
        motcua_row(received="hôm qua"),                        # 9 unparseable_timestamp (dossier level)
        motcua_row(channel="Fax"),                             # 10 unknown_channel
        motcua_row(unit="Phòng Bí ẩn"),                        # 11 unknown_value
        [""] * len(MOTCUA_HEADER),                             # 12 empty_row
        motcua_row(status="  thẩm ĐỊNH hồ sơ  ", unit="phòng tư pháp"),  # 13 accepted: case/space-insensitive
    ]
    path = tmp_path / "export.csv"
    write_csv_text(path, MOTCUA_HEADER, rows)
    rejects = tmp_path / "rejects.csv"
    report = validate_log(path, strict_profile, rejects=rejects)
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (12, 2, 10)
    assert report.reconciled
    assert report.rejected_by_reason == {
        "empty_row": 1, "missing_dossier_id": 1, "missing_procedure_code": 1, "missing_step": 1,
        "unknown_step": 1, "missing_timestamp": 1, "unparseable_timestamp": 2, "unknown_channel": 1,
        "unknown_value": 1,
    }
    assert set(report.rejected_by_reason) <= set(REJECT_REASONS)
    rejected = pl.read_csv(rejects, infer_schema=False)
    assert rejected.columns == ["source_row", "reason", "detail", *MOTCUA_HEADER]
    by_line = {int(r["source_row"]): r for r in rejected.iter_rows(named=True)}
    assert {line: row["reason"] for line, row in by_line.items()} == {
        3: "missing_dossier_id", 4: "missing_procedure_code", 5: "missing_step", 6: "unknown_step",
        7: "missing_timestamp", 8: "unparseable_timestamp", 9: "unparseable_timestamp",
        10: "unknown_channel", 11: "unknown_value", 12: "empty_row",
    }
    assert by_line[8]["detail"] == "unparseable_timestamp: Thời điểm xử lý='31/02/2025 08:00'"
    assert by_line[9]["Ngày tiếp nhận"] == "hôm qua"  # the raw row, as written
    assert by_line[10]["Hình thức nộp"] == "Fax"
    accepted = read_log(path, strict_profile).events
    assert accepted["step"].to_list() == ["received", "tham_dinh"]
    assert accepted["unit"].to_list() == ["BP1C", "PTP"]
    assert accepted["source_row"].to_list() == [2, 13]


def test_a_row_with_several_problems_lists_them_all(tmp_path):
    path = tmp_path / "export.csv"
    write_csv_text(path, MOTCUA_HEADER, [motcua_row(), motcua_row(dossier="", at="sáng nay", channel="Fax")])
    rejects = tmp_path / "r.csv"
    validate_log(path, "motcua", rejects=rejects)
    row = pl.read_csv(rejects, infer_schema=False).row(0, named=True)
    assert row["reason"] == "missing_dossier_id"
    assert row["detail"] == (
        "missing_dossier_id; unparseable_timestamp: Thời điểm xử lý='sáng nay'; unknown_channel: Hình thức nộp='Fax'"
    )


def test_mixed_date_formats_parse_by_the_profile_list(tmp_path):
    rows = [
        motcua_row(dossier="A", at="03/03/2025 08:00"),
        motcua_row(dossier="B", at="03/03/2025 08:00:00"),
        motcua_row(dossier="C", at="2025-03-03T08:00:00+07:00"),
        motcua_row(dossier="D", at="2025-03-03 01:00:00Z"),
        motcua_row(dossier="E", at="03/03/2025", received="03/03/2025"),
        motcua_row(dossier="F", at="03-03-2025 08:00"),  # not among the formats
        motcua_row(dossier="G", at="3/3/2025 8:00"),     # unpadded: accepted by %d/%m/%Y %H:%M
    ]
    path = tmp_path / "mixed.csv"
    write_csv_text(path, MOTCUA_HEADER, rows)
    rejects = tmp_path / "r.csv"
    report = validate_log(path, "motcua", rejects=rejects)
    assert report.rows_read == report.rows_accepted + report.rows_rejected == 7
    events = read_log(path, "motcua").events
    at = dict(zip(events["dossier_id"], events["at"]))
    eight_hanoi = dt.datetime(2025, 3, 3, 1, 0, tzinfo=UTC)
    assert at["A"] == at["B"] == at["C"] == at["D"] == eight_hanoi
    assert at["E"] == dt.datetime(2025, 3, 2, 17, 0, tzinfo=UTC)  # midnight in Hanoi
    assert at["G"] == eight_hanoi  # unpadded day, month and hour still match
    assert "F" not in at
    rejected = pl.read_csv(rejects, infer_schema=False)
    assert rejected.select("source_row", "Mã hồ sơ", "reason").rows() == [("7", "F", "unparseable_timestamp")]


def test_ten_thousand_character_cells(tmp_path):
    long_note = "ghi chú dài " * 834  # ~10,000 characters
    long_time = "9" * 10_000
    rows = [motcua_row(dossier="A", note=long_note), motcua_row(dossier="B", at=long_time)]
    path = tmp_path / "long.csv"
    write_csv_text(path, MOTCUA_HEADER, rows)
    out, rejects = tmp_path / "events.parquet", tmp_path / "rejects.csv"
    report = convert_log(path, out, "motcua", rejects=rejects)
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (2, 1, 1)
    assert pl.read_parquet(out)["Ghi chú"][0] == long_note  # unmapped columns kept exactly
    rejected = pl.read_csv(rejects, infer_schema=False).row(0, named=True)
    assert rejected["Thời điểm xử lý"] == long_time  # kept whole in the raw row
    assert len(rejected["detail"]) < 200  # the reason quotes only the start


def test_convert_writes_rejects_beside_the_output_by_default(tmp_path):
    path = tmp_path / "export.csv"
    write_csv_text(path, MOTCUA_HEADER, [motcua_row(), motcua_row(dossier="")])
    out = tmp_path / "out" / "events.parquet"
    report = convert_log(path, out, "motcua")
    assert report.rejects_path == str(tmp_path / "out" / "events.rejects.csv")
    assert pl.read_csv(report.rejects_path).height == 1
    assert pl.read_parquet(out).height == 1


def test_rejects_file_is_readable_in_excel_utf8_with_bom(tmp_path):
    path = tmp_path / "export.csv"
    write_csv_text(path, MOTCUA_HEADER, [motcua_row(channel="Fax")])
    rejects = tmp_path / "r.csv"
    validate_log(path, "motcua", rejects=rejects)
    assert rejects.read_bytes().startswith(b"\xef\xbb\xbf")


def test_row_by_row_path_gives_the_same_result_as_the_lookup_path(tmp_path, strict_profile, monkeypatch):
    """Columns with very many distinct values skip the lookup table; both paths agree."""
    from polars.testing import assert_frame_equal

    from qms.ingest import mapping

    rows = [
        motcua_row(dossier="A", at="03/03/2025 08:00", status="Tiếp nhận hồ sơ"),
        motcua_row(dossier="B", at="2025-03-03T08:00:00+07:00", status=" THẨM ĐỊNH HỒ SƠ", unit="phòng tư pháp"),
        motcua_row(dossier="C", at="31/02/2025 08:00"),
        motcua_row(dossier="D", status="Đang xử lý"),
        motcua_row(dossier="E", channel="Fax", received="không rõ"),
        motcua_row(dossier="F", unit="Phòng Bí ẩn", at="3/3/2025 8:00"),
    ]
    path = tmp_path / "export.csv"
    write_csv_text(path, MOTCUA_HEADER, rows)

    def run(tag):
        rejects = tmp_path / f"rejects-{tag}.csv"
        out = tmp_path / f"events-{tag}.parquet"
        report = convert_log(path, out, strict_profile, rejects=rejects)
        return report.rejected_by_reason, pl.read_parquet(out), pl.read_csv(rejects, infer_schema=False)

    by_lookup = run("lookup")
    monkeypatch.setattr(mapping, "LOOKUP_LIMIT", 0)
    row_by_row = run("rows")
    assert by_lookup[0] == row_by_row[0]
    assert_frame_equal(by_lookup[1], row_by_row[1])
    assert_frame_equal(by_lookup[2], row_by_row[2])


def test_blank_rows_at_the_end_are_padding_but_blank_rows_between_are_rejected(tmp_path):
    path = tmp_path / "export.csv"
    write_csv_text(path, MOTCUA_HEADER, [motcua_row(dossier="A"), [""] * 10, motcua_row(dossier="B"), [""] * 10, [""] * 10])
    report = validate_log(path, "motcua")
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (3, 2, 1)
    assert report.rejected_by_reason == {"empty_row": 1}
    assert "2 blank row(s) at the end of the file ignored" in report.notes


def test_only_blank_rows_is_a_file_without_data(tmp_path):
    from qms.core.errors import QmsError

    path = tmp_path / "export.csv"
    write_csv_text(path, MOTCUA_HEADER, [[""] * 10, [""] * 10])
    with pytest.raises(QmsError, match="no data rows|không có dòng dữ liệu"):
        validate_log(path, "motcua")


@pytest.mark.parametrize("blank_tail", [False, True])
def test_a_small_log_held_in_memory_reads_as_the_staged_path(tmp_path, strict_profile, monkeypatch, blank_tail):
    """A small CSV is parsed once and kept in memory; a large one is staged as Parquet
    (bounded memory). Both give the same events, counts, notes and rejects."""
    from polars.testing import assert_frame_equal

    from qms.ingest import api

    rows = [
        motcua_row(dossier="A", at="03/03/2025 08:00", status="Tiếp nhận hồ sơ"),
        motcua_row(dossier="B", at="2025-03-03T08:00:00+07:00", status=" THẨM ĐỊNH HỒ SƠ", unit="phòng tư pháp"),
        [""] * len(MOTCUA_HEADER),
        motcua_row(dossier="C", at="31/02/2025 08:00"),
        motcua_row(dossier="E", channel="Fax", received="không rõ"),
    ] + ([[""] * len(MOTCUA_HEADER)] * 2 if blank_tail else [])
    path = tmp_path / "export.csv"
    write_csv_text(path, MOTCUA_HEADER, rows)

    def run(tag):
        rejects, out = tmp_path / f"rejects-{tag}.csv", tmp_path / f"events-{tag}.parquet"
        report = convert_log(path, out, strict_profile, rejects=rejects)
        events = read_log(path, strict_profile).events
        return report, events, pl.read_parquet(out), pl.read_csv(rejects, infer_schema=False)

    in_memory = run("memory")
    monkeypatch.setattr(api, "IN_MEMORY_BYTES", 0)
    staged = run("staged")
    for report in (in_memory[0], staged[0]):
        assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (5, 2, 3)
    assert in_memory[0].rejected_by_reason == staged[0].rejected_by_reason
    assert in_memory[0].notes == staged[0].notes
    assert any("blank row(s) at the end" in note for note in staged[0].notes) == blank_tail
    for mine, theirs in zip(in_memory[1:], staged[1:]):
        assert_frame_equal(mine, theirs)
