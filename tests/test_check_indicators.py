"""The Decision 766 service-quality index, computed by hand on a small log and
compared with what `run_check` puts in summary.json."""

from __future__ import annotations

import datetime as dt
import shutil

import polars as pl
import pytest

from check_support import events_frame
from qms.check import merge_summaries, run_check
from qms.core.resources import sample_library_dir
from qms.library import load_library
from qms.library.approve import approve, new_issue

FACTS = ("payment_channel", "digitised", "electronic_result", "reused_data", "complaint")

# dossier: received, appointment, processed (None: open), channel, unit, then the facts
DOSSIERS = {
    "D1": ("2025-03-03 08:00", "2025-03-05 17:00", "2025-03-04 09:00", "online_full", "MOTCUA",
           ("online", "yes", "yes", "yes", "no")),      # early
    "D2": ("2025-03-03 08:00", "2025-03-05 17:00", "2025-03-05 10:00", "in_person", "MOTCUA",
           ("offline", "no", "no", "no", "no")),        # on time
    "D3": ("2025-03-03 08:00", "2025-03-05 17:00", "2025-03-10 09:00", "online_partial", "MOTCUA",
           ("no_fee", "yes", "yes", "no", "yes")),      # late, with a complaint
    "D4": ("2025-03-20 08:00", "2025-04-10 17:00", None, "postal", "UBND_XA",
           ("online", "yes", None, "yes", "no")),       # open, within time
    "D5": ("2025-03-03 08:00", "2025-03-10 17:00", None, "in_person", "UBND_XA",
           ("offline", "no", None, "no", "no")),        # open, overdue
    "D6": ("2025-02-20 08:00", "2025-02-25 17:00", "2025-03-02 09:00", "online_full", "UBND_XA",
           ("online", "yes", "yes", "yes", "yes")),     # received before the period, finished late in it
}


def log_with_facts() -> pl.DataFrame:
    rows, facts = [], []
    for dossier, (received, appointment, processed, channel, unit, values) in DOSSIERS.items():
        steps = [("received", received)] + ([("processed", processed)] if processed else [])
        for step, at in steps:
            rows.append({"dossier_id": dossier, "procedure_code": "QT-CT-01", "step": step, "unit": unit, "at": at,
                         "received_at": received, "appointment_at": appointment, "channel": channel})
            facts.append(dict(zip(FACTS, values)))
    frame = events_frame(rows)
    return frame.with_columns(pl.Series(name, [f[name] for f in facts], dtype=pl.Utf8) for name in FACTS)


PERIOD = ("2025-03-01", "2025-03-31")


def test_each_measurable_indicator_matches_the_hand_count():
    result = run_check(log_with_facts(), load_library(None), period=PERIOD)
    statuses = dict(result.dossiers.select("dossier_id", "status").iter_rows())
    assert statuses == {"D1": "early", "D2": "on_time", "D3": "late", "D4": "open_within_time",
                        "D5": "open_overdue", "D6": "late"}
    index = result.summary.indicators
    assert (index.code, index.issue) == ("CS-766", 1)
    items = {item.key: item for item in index.items}
    # progress: (early D1 + on time D2 + open within time D4) / (4 resolved + 2 open)
    assert items["on_time_rate"].parts == {"in_time": 3, "counted": 6}
    assert items["on_time_rate"].value == pytest.approx(0.5)
    assert items["on_time_rate"].score == pytest.approx(20 * 0.5)
    # received in the period: D1-D5 (D6 is carried over); online D1, D3 -> 0.4 of a 0.5 threshold
    assert items["online_dossier_rate"].value == pytest.approx(2 / 5)
    assert items["online_dossier_rate"].score == pytest.approx(6 * 0.4 / 0.5)
    # fees: paid online D1, D4, D6 of 5 with a fee -> 0.6, above the 0.5 threshold: full points
    assert items["online_payment_rate"].value == pytest.approx(3 / 5)
    assert items["online_payment_rate"].score == pytest.approx(5)
    # electronic results among the resolved with the field: D1, D3, D6 of D1, D2, D3, D6
    assert items["digitised_result_rate"].value == pytest.approx(3 / 4)
    assert items["digitised_result_rate"].score == pytest.approx(11 * 0.75 / 0.8)
    # reuse among the received in the period: D1, D4 of 5
    assert items["data_reuse_rate"].value == pytest.approx(2 / 5)
    assert items["data_reuse_rate"].score == pytest.approx(11 * 0.4 / 0.8)
    # satisfaction = 1 - (late 2/4 + complaints 1/5 received in the period)
    assert items["satisfaction_rate"].value == pytest.approx(1 - (0.5 + 0.2))
    assert items["satisfaction_rate"].score == pytest.approx(18 * 0.3 / 0.9)
    expected = 10 + 4.8 + 5 + 11 * 0.75 / 0.8 + 5.5 + 6
    assert index.score == pytest.approx(expected)
    assert index.measurable_max_score == pytest.approx(71)
    assert index.scaled_score == pytest.approx(expected * 100 / 71)
    assert index.band == "average"
    # indicators that need the national database are reported, not scored as zero
    outside = [item for item in index.items if not item.measurable]
    assert {item.key for item in outside} == {"publication_timeliness", "procedures_online_share",
                                              "procedures_online_payment_share"}
    assert all(item.score is None and item.reason for item in outside)
    # by unit: UBND_XA has D4 (open within time), D5 (open overdue), D6 (late)
    [commune] = [unit for unit in index.by_unit if unit.unit == "UBND_XA"]
    assert {i.key: i.parts for i in commune.items}["on_time_rate"] == {"in_time": 1, "counted": 3}


def test_an_indicator_the_log_cannot_support_says_which_field_is_missing():
    log = log_with_facts().drop("complaint", "payment_channel")
    index = run_check(log, load_library(None), period=PERIOD).summary.indicators
    items = {item.key: item for item in index.items}
    assert not items["satisfaction_rate"].measurable
    assert "`complaint`" in items["satisfaction_rate"].reason
    assert "`payment_channel`" in items["online_payment_rate"].reason
    assert items["satisfaction_rate"].score is None and items["on_time_rate"].measurable


def test_partial_summaries_merge_to_the_whole_from_counts():
    log = log_with_facts()
    library = load_library(None)
    whole = run_check(log, library, period=PERIOD).summary.indicators
    halves = [run_check(log.filter(pl.col("dossier_id").is_in(ids)), library, period=PERIOD).summary
              for ids in (["D1", "D4", "D5"], ["D2", "D3", "D6"])]
    merged = merge_summaries(halves).indicators
    assert merged.score == pytest.approx(whole.score)
    assert [(i.key, i.parts, i.value) for i in merged.items] == [(i.key, i.parts, i.value) for i in whole.items]
    assert {u.unit: u.score for u in merged.by_unit} == pytest.approx({u.unit: u.score for u in whole.by_unit})


def test_a_new_issue_of_the_indicator_set_switches_scoring_by_date(tmp_path):
    library_dir = tmp_path / "process_docs"
    shutil.copytree(sample_library_dir(), library_dir)
    created = new_issue("CS-766", dt.date(2025, 7, 1), path=library_dir)
    # the revised index lowers the online-filing threshold to 40 %
    text = created.path.read_text(encoding="utf-8")
    marker = "    formula: online_dossier_rate\n    max_points: 6\n    threshold: 0.5\n"
    assert marker in text
    created.path.write_text(text.replace(marker, marker.replace("0.5", "0.4")), encoding="utf-8")
    approve("CS-766", 2, "Trần Văn Minh", path=library_dir, on=dt.date(2025, 6, 25))
    library = load_library(library_dir)
    log = log_with_facts()
    march = run_check(log, library, period=PERIOD).summary.indicators
    later = run_check(log, library, period=PERIOD, as_of="2025-07-31").summary.indicators
    assert (march.issue, later.issue) == (1, 2)
    assert {i.key: i.score for i in march.items}["online_dossier_rate"] == pytest.approx(4.8)
    assert {i.key: i.score for i in later.items}["online_dossier_rate"] == pytest.approx(6)


def test_the_motcua_profile_reads_the_index_facts_and_rejects_unknown_labels(tmp_path):
    from qms.ingest import read_log

    header = ("Mã hồ sơ,Mã thủ tục,Trạng thái,Đơn vị xử lý,Cán bộ,Thời điểm xử lý,Ngày tiếp nhận,Ngày hẹn trả,Hình thức nộp,"
              "Hình thức thanh toán,Số hóa hồ sơ,Kết quả điện tử,Tái sử dụng dữ liệu số,Phản ánh, kiến nghị")
    header = header.replace("Phản ánh, kiến nghị", '"Phản ánh, kiến nghị"')
    rows = [
        "H1,QT-CT-01,Tiếp nhận hồ sơ,MOTCUA,Lan,03/03/2025 08:00,03/03/2025 08:00,05/03/2025 17:00,Trực tuyến toàn trình,"
        "Trực tuyến,Có,Có,Không,Không",
        "H1,QT-CT-01,Đã giải quyết,MOTCUA,Lan,04/03/2025 09:00,03/03/2025 08:00,05/03/2025 17:00,Trực tuyến toàn trình,"
        "Trực tuyến,Có,Có,Không,Không",
        "H2,QT-CT-01,Tiếp nhận hồ sơ,MOTCUA,Lan,03/03/2025 08:00,03/03/2025 08:00,05/03/2025 17:00,Trực tiếp,"
        "Chuyển khoản,Có,Có,Không,Không",
    ]
    path = tmp_path / "export.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    read = read_log(path, "motcua")
    assert read.events.height == 2  # "Chuyển khoản" is not a known payment label: that row is rejected
    assert read.report.rows_rejected == 1
    assert read.events["payment_channel"].to_list() == ["online", "online"]
    assert read.events["digitised"].to_list() == ["yes", "yes"]


def test_reconciling_the_portal_figures_lists_the_dossiers_behind_each_difference(tmp_path):
    from openpyxl import load_workbook

    from qms.check import write_outputs
    from qms.check.reconcile import reconcile, write_reconciliation_xlsx

    write_outputs(run_check(log_with_facts(), load_library(None), period=PERIOD), tmp_path / "check")
    portal = tmp_path / "portal.csv"
    portal.write_text(
        "unit,indicator,value,numerator,denominator\n"
        ",on_time_rate,50%,3,6\n"                 # the same as ours
        "MOTCUA,on_time_rate,100,3,3\n"           # ours: 2 of 3 (D3 was late)
        "*,online_dossier_rate,\"45,0 %\",,\n"    # ours: 40 %
        "UBND_HUYEN,on_time_rate,0.9,,\n",         # a unit this check does not have
        encoding="utf-8")
    result = reconcile(tmp_path / "check", portal)
    by_key = {(f.unit, f.indicator): f for f in result.figures}
    assert by_key[("", "on_time_rate")].matches
    motcua = by_key[("MOTCUA", "on_time_rate")]
    assert not motcua.matches and motcua.ours == pytest.approx(2 / 3) and motcua.difference == pytest.approx(-1 / 3)
    assert motcua.our_parts == {"in_time": 2, "counted": 3}
    online = by_key[("", "online_dossier_rate")]
    assert online.difference == pytest.approx(0.4 - 0.45)
    assert len(result.unmatched) == 1 and "UBND_HUYEN" in result.unmatched[0]
    behind = {(r["indicator"], r["unit"], r["dossier_id"]): r["counts_in"] for r in result.dossiers.to_dicts()}
    assert behind[("on_time_rate", "MOTCUA", "D3")] == "counted"  # counted, not in time: the one to look at
    assert behind[("on_time_rate", "MOTCUA", "D1")] == "in_time, counted"
    assert ("online_dossier_rate", "", "D6") not in behind  # received before the period: in no part
    assert behind[("online_dossier_rate", "", "D1")] == "online, received"
    workbook = load_workbook(write_reconciliation_xlsx(result, tmp_path / "doi-chieu.xlsx"))
    assert workbook.sheetnames == ["Đối chiếu", "Hồ sơ liên quan"]
    assert workbook["Đối chiếu"].max_row == 1 + 3 + 1


def test_portal_figures_with_mistakes_are_refused_line_by_line(tmp_path):
    from qms.check.reconcile import read_portal_figures
    from qms.core.errors import ValidationFailed

    portal = tmp_path / "portal.csv"
    portal.write_text("unit,indicator,value\nA,on_time_rate,abc\nB,on_time_rate,150%\nC,on_time_rate,0.5\n",
                      encoding="utf-8")
    with pytest.raises(ValidationFailed) as error:
        read_portal_figures(portal)
    assert [p.split(": ")[0] for p in error.value.problems] == [f"{portal}:2", f"{portal}:3"]


def test_qms_reconcile_prints_the_differences_and_writes_the_workbook(tmp_path):
    from click.testing import CliRunner

    from qms.check import write_outputs
    from qms.cli import main

    write_outputs(run_check(log_with_facts(), load_library(None), period=PERIOD), tmp_path / "check")
    portal = tmp_path / "portal.csv"
    portal.write_text("unit,indicator,value\n,on_time_rate,0.5\nMOTCUA,on_time_rate,1\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--lang", "en", "reconcile", str(tmp_path / "check"), "--portal", str(portal),
                                       "--out", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 0, result.output
    assert "2 figure(s) compared: 1 match, 1 differ" in result.output
    assert "MOTCUA on_time_rate: ours 66.7%, portal 100.0%" in result.output
    assert (tmp_path / "r.xlsx").is_file()


def test_the_reports_carry_the_index(tmp_path):
    import subprocess

    from openpyxl import load_workbook

    from qms.check import write_outputs
    from qms.report import build_report, write_pdf, write_xlsx

    write_outputs(run_check(log_with_facts().drop("complaint"), load_library(None), period=PERIOD), tmp_path / "c")
    model = build_report(tmp_path / "c", language="vi")
    assert model.service_index.code == "CS-766"
    pdf = write_pdf(model, tmp_path / "r.pdf")
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split())
    assert "Quyết định 766" in text and "phản ánh, kiến nghị" in text  # the missing field, named in Vietnamese
    workbook = load_workbook(write_xlsx(model, tmp_path / "r.xlsx"), read_only=True)
    rows = list(workbook["Bộ chỉ số 766"].iter_rows(values_only=True))
    assert any(len(row) > 2 and row[1] == "Tỷ lệ hồ sơ tiếp nhận trực tuyến" and row[2] == pytest.approx(0.4)
               for row in rows)
