"""A realistic check output directory built without the check engine.

Tests, the benchmark and demos need `dossiers.parquet`, `findings.parquet` and
`summary.json` before (and independently of) `qms.check`. This builder draws
dossiers with numpy (vectorised, so a million rows take seconds), derives every
figure of the summary from those rows with polars, and validates the summary
through `CheckSummary`, so the three files agree with each other exactly as the
contract requires. Text fields carry Vietnamese diacritics and hostile strings
("=HYPERLINK(...)", "+1", "@x", a leading tab) on purpose.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import numpy as np
import polars as pl

from qms.model.check_output import DOSSIER_COLUMNS, FINDING_COLUMNS, CheckSummary

TIMEZONE = "Asia/Ho_Chi_Minh"
MINUTES_PER_DAY = 480

# code, issue, field, name (vi, en), limit in working days
PROCEDURES = [
    ("1.001193", 2, "Hộ tịch", "Đăng ký khai sinh", "Birth registration", 1),
    ("1.000656", 1, "Hộ tịch", "Đăng ký kết hôn", "Marriage registration", 3),
    ("1.004227", 3, "Đất đai", "Cấp giấy chứng nhận quyền sử dụng đất lần đầu", "First land-use right certificate", 20),
    ("1.003010", 1, "Đất đai", "Đăng ký biến động đất đai", "Land change registration", 10),
    ("1.009972", 2, "Xây dựng", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Building permit for a private house", 15),
    ("QT-07", 1, "Chứng thực", "Chứng thực bản sao từ bản chính", "Certified copy from the original", 1),
    # A code the library does not know: no field, no name (the check files it under field "?").
    ("9.999999", 1, None, None, None, 5),
]
UNITS = [
    ("BP-MC", "Bộ phận Một cửa", "One-stop desk"),
    ("PHONG-TP", "Phòng Tư pháp", "Justice office"),
    ("PHONG-TNMT", "Phòng Tài nguyên và Môi trường", "Natural resources and environment office"),
    ("PHONG-QLDT", "Phòng Quản lý đô thị", "Urban management office"),
    ('=HYPERLINK("http://evil.example","bấm")', "@Đơn vị lạ", None),
]
CHANNELS = ["in_person", "online_full", "online_partial", "postal"]
STATUSES = ["early", "on_time", "late", "open_within_time", "open_overdue", "not_assessable"]
STATUS_WEIGHTS = [0.52, 0.25, 0.12, 0.06, 0.03, 0.02]

# rule, severity, clause, message template (hostile prefixes included on purpose)
FINDING_KINDS = {
    "late": [("finished_late", "major", "8.5.1", "Hồ sơ trả kết quả quá hạn"),
             ("late_without_apology", "minor", "8.7", "=SUM(A1:A9) thiếu văn bản xin lỗi")],
    "open_overdue": [("open_overdue", "major", "8.5.1", "+1 ngày: hồ sơ đang giải quyết quá hạn")],
    "any": [("step_overrun", "minor", "8.1", "-2 giờ: bước thẩm định vượt thời gian"),
            ("missing_step", "observation", "4.4", "@x thiếu bước trình ký"),
            ("too_many_supplement_requests", "minor", "8.5.1", "\tyêu cầu bổ sung hơn một lần")],
}
STEPS = ["tiep_nhan", "tham_dinh", "trinh_ky", "phat_hanh", "\tabc", "-2"]


def _utc(day: dt.date, hour: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.timezone.utc)


def build_dossiers(
    n_dossiers: int,
    *,
    seed: int = 20250131,
    period_from: dt.date = dt.date(2025, 1, 1),
    period_to: dt.date = dt.date(2025, 3, 31),
) -> pl.DataFrame:
    """One row per dossier with the DOSSIER_COLUMNS, statuses consistent with the times."""
    rng = np.random.default_rng(seed)
    n = n_dossiers
    as_of = _utc(period_to, 10)  # 17:00 in Hanoi on the last day
    start_us = np.int64(_utc(period_from).timestamp() * 1e6)
    as_of_us = np.int64(as_of.timestamp() * 1e6)
    day_us = np.int64(86_400 * 1_000_000)

    procedure_index = rng.choice(len(PROCEDURES), size=n, p=[0.25, 0.1, 0.15, 0.2, 0.1, 0.18, 0.02])
    unit_index = rng.choice(len(UNITS), size=n, p=[0.35, 0.25, 0.2, 0.17, 0.03])
    status_index = rng.choice(len(STATUSES), size=n, p=STATUS_WEIGHTS)
    channel_index = rng.choice(len(CHANNELS), size=n, p=[0.45, 0.25, 0.2, 0.1])
    limit_days = np.array([p[5] for p in PROCEDURES], dtype=np.int64)[procedure_index]
    allowed_minutes = limit_days * MINUTES_PER_DAY
    # Calendar span of the limit: weekends and lunch breaks stretch it about 1.4 times.
    span_us = (limit_days * 1.4 * day_us).astype(np.int64)

    period_us = as_of_us - start_us
    received_us = start_us + (rng.random(n) * (period_us - span_us.clip(max=period_us // 2))).astype(np.int64)
    # About 6 % were received in the previous period and carried over open.
    carried = rng.random(n) < 0.06
    received_us = np.where(carried, start_us - (rng.random(n) * 20 * day_us).astype(np.int64) - 1, received_us)

    status = np.array(STATUSES)[status_index]
    open_within = status == "open_within_time"
    open_overdue = status == "open_overdue"
    # Open dossiers: within time ones were received recently, overdue ones long enough ago.
    received_us = np.where(open_within, as_of_us - (rng.random(n) * span_us * 0.9).astype(np.int64) - 1, received_us)
    received_us = np.where(open_overdue & ~carried,
                           as_of_us - span_us - ((1 + rng.random(n) * 15) * day_us).astype(np.int64), received_us)
    appointment_us = received_us + span_us

    early = status == "early"
    on_time = status == "on_time"
    late = status == "late"
    not_assessable = status == "not_assessable"
    finished_us = np.full(n, np.iinfo(np.int64).min)
    finished_us = np.where(early, appointment_us - ((0.5 + rng.random(n) * 2.5) * day_us).astype(np.int64), finished_us)
    finished_us = np.where(on_time, appointment_us - (rng.random(n) * 6 * 3_600_000_000).astype(np.int64), finished_us)
    finished_us = np.where(late, appointment_us + ((0.1 + rng.random(n) * 5) * day_us).astype(np.int64), finished_us)
    finished_us = np.where(not_assessable, received_us + span_us // 2, finished_us)
    # A finish cannot lie after the as-of instant (late dossiers stay finished before it).
    finished_us = np.where((finished_us > as_of_us) & (finished_us != np.iinfo(np.int64).min),
                           as_of_us - 60_000_000, finished_us)
    finished_us = np.where(finished_us < received_us, received_us + 3_600_000_000, finished_us)
    finished_us = np.where(finished_us == np.iinfo(np.int64).min, 0, finished_us)
    is_open = open_within | open_overdue

    ratio = np.select(
        [early, on_time, late, is_open],
        [0.3 + rng.random(n) * 0.6, 0.9 + rng.random(n) * 0.1, 1.05 + rng.random(n) * 0.8,
         np.where(open_overdue, 1.1 + rng.random(n), rng.random(n) * 0.9)],
        default=0.5,
    )
    used_minutes = (allowed_minutes * ratio).astype(np.int64)
    paused_minutes = np.where(rng.random(n) < 0.15, (rng.random(n) * 3 * MINUTES_PER_DAY).astype(np.int64), 0)

    codes = np.array([p[0] for p in PROCEDURES])[procedure_index]
    frame = pl.DataFrame({
        "dossier_id": np.arange(n, dtype=np.int64),
        "procedure_code": codes,
        "procedure_issue": np.array([p[1] for p in PROCEDURES], dtype=np.int64)[procedure_index],
        "field": pl.Series([p[2] for p in PROCEDURES], dtype=pl.Utf8).gather(procedure_index),
        "unit": np.array([u[0] for u in UNITS])[unit_index],
        "channel": np.array(CHANNELS)[channel_index],
        "received_at": received_us,
        "appointment_at": appointment_us,
        "finished_at": finished_us,
        "has_finish": ~is_open,
        "paused_minutes": paused_minutes,
        "used_minutes": used_minutes,
        "allowed_minutes": allowed_minutes,
        "status": status,
    })
    timestamp = pl.Datetime("us", "UTC")
    frame = frame.with_columns(
        dossier_id=pl.format("HS-{}-{}", pl.col("received_at").cast(pl.Datetime("us")).dt.year(),
                             pl.col("dossier_id").cast(pl.Utf8).str.zfill(7)),
        received_at=pl.col("received_at").cast(timestamp),
        counting_start_at=pl.col("received_at").cast(timestamp),
        appointment_at=pl.when(pl.col("status") != "not_assessable").then(pl.col("appointment_at").cast(timestamp)),
        due_at=pl.col("appointment_at").cast(timestamp),
        finished_at=pl.when(pl.col("has_finish")).then(pl.col("finished_at").cast(timestamp)),
        not_assessable_reason=pl.when(pl.col("status") == "not_assessable").then(pl.lit("unknown_procedure")),
    )
    return frame.select(DOSSIER_COLUMNS)


def build_findings(dossiers: pl.DataFrame, *, seed: int = 7) -> pl.DataFrame:
    """Findings for late and overdue dossiers plus a sprinkling of step findings."""
    rng = np.random.default_rng(seed)
    parts = []
    base = dossiers.select("dossier_id", "procedure_code", "unit", "status")
    for group, kinds in FINDING_KINDS.items():
        if group == "any":
            chosen = base.filter(pl.Series(rng.random(base.height) < 0.08))
        else:
            chosen = base.filter(pl.col("status") == group)
        for index, (rule, severity, clause, message) in enumerate(kinds):
            rows = chosen if group != "any" else chosen.filter(pl.Series(rng.integers(0, len(kinds), chosen.height) == index))
            if rule == "late_without_apology":
                rows = rows.gather_every(3)
            parts.append(rows.with_columns(
                rule=pl.lit(rule), severity=pl.lit(severity), clause=pl.lit(clause),
                step=pl.lit(STEPS[index * 2 % len(STEPS)] if group == "any" else None, dtype=pl.Utf8),
                expected=pl.lit("≤ hạn trả kết quả"), actual=pl.lit("-2" if index % 2 else "+1 ngày"),
                message=pl.lit(message),
            ))
    findings = pl.concat(parts, how="vertical").select(FINDING_COLUMNS)
    return findings.sort("dossier_id", "rule")


def _local_month(column: str) -> pl.Expr:
    return pl.col(column).dt.convert_time_zone(TIMEZONE).dt.strftime("%Y-%m")


def _form06_aggregations(period_start: dt.datetime) -> list[pl.Expr]:
    status = pl.col("status")
    in_period = pl.col("received_at") >= period_start
    online = pl.col("channel").is_in(["online_full", "online_partial"])
    resolved = status.is_in(["early", "on_time", "late"])  # not assessable: counted apart
    counts = {
        "received_total": pl.len(),
        "received_online": (in_period & online).sum(),
        "received_in_person_or_postal": (in_period & ~online).sum(),
        "carried_over": (~in_period).sum(),
        "resolved_total": resolved.sum(),
        "resolved_early": (status == "early").sum(),
        "resolved_on_time": (status == "on_time").sum(),
        "resolved_late": (status == "late").sum(),
        "in_progress_total": status.is_in(["open_within_time", "open_overdue"]).sum(),
        "in_progress_within_time": (status == "open_within_time").sum(),
        "in_progress_overdue": (status == "open_overdue").sum(),
        "not_assessable": (status == "not_assessable").sum(),
    }
    expressions = [value.cast(pl.Int64).alias(name) for name, value in counts.items()]
    expressions.append(
        pl.when(resolved.sum() > 0)
        .then(status.is_in(["early", "on_time"]).sum() / resolved.sum())
        .alias("on_time_rate"))
    expressions.append(
        (pl.col("used_minutes").filter(resolved).mean() / MINUTES_PER_DAY).round(2).alias("average_processing_days"))
    return expressions




def build_summary(dossiers: pl.DataFrame, findings: pl.DataFrame, *, period_from: dt.date,
                  period_to: dt.date, events_per_dossier: int = 6) -> CheckSummary:
    period_start = _utc(period_from) - dt.timedelta(hours=7)  # local midnight
    aggregations = _form06_aggregations(period_start)
    findings_count = findings.group_by("dossier_id").agg(findings=pl.len().cast(pl.Int64))
    frame = dossiers.join(findings_count, on="dossier_id", how="left").with_columns(
        pl.col("findings").fill_null(0), pl.col("field").fill_null("?"), month=_local_month("received_at"))
    proc_labels = {p[0]: {"vi": p[3], "en": p[4]} for p in PROCEDURES if p[3]}
    unit_labels = {u[0]: {"vi": u[1], "en": u[2]} for u in UNITS}

    def grouped(key: str, labels: dict) -> list[dict]:
        table = frame.group_by(key).agg(*aggregations, pl.col("findings").sum().cast(pl.Int64)).sort(key)
        rows = []
        for row in table.to_dicts():
            row["key"] = row.pop(key)
            row["label"] = labels.get(row["key"])
            rows.append(row)
        return rows

    totals = frame.select(*aggregations, pl.col("findings").sum().cast(pl.Int64)).to_dicts()[0]
    totals["key"] = "total"
    status_counts = dict(frame.group_by("status").len().sort("status").iter_rows())
    rows_read = dossiers.height * events_per_dossier
    rejected = {"unparseable_timestamp": max(1, dossiers.height // 500), "missing_dossier_id": max(1, dossiers.height // 2000)}
    fake_log = f"{dossiers.height} dossiers, seed fixed".encode()
    summary = {
        "manifest": {
            "qms_version": "0.1.0",
            "generated_at": "2025-04-01T02:00:00Z",
            "as_of": _utc(period_to, 10).isoformat(),
            "period_from": period_from.isoformat(),
            "period_to": period_to.isoformat(),
            "method": {"id": "appointment", "description": {
                "vi": "So sánh thời điểm hoàn thành với ngày hẹn trả kết quả; không có ngày hẹn thì so với thời hạn luật định (ngày làm việc, trừ thời gian tạm dừng).",
                "en": "Finish compared with the appointment date; without one, with the legal limit in working days less paused time."}},
            "inputs": [{"path": "logs/mot-cua-2025-Q1.csv", "sha256": hashlib.sha256(fake_log).hexdigest(),
                        "bytes": len(fake_log) * 1000, "profile": "motcua-tinh", "rows_read": rows_read}],
            "documents": [
                *[{"kind": "procedure", "code": p[0], "issue": p[1],
                   "sha256": hashlib.sha256(f"{p[0]}#{p[1]}".encode()).hexdigest(),
                   "effective_from": "2024-07-01"} for p in PROCEDURES],
                {"kind": "ruleset", "code": "ND-61-2018", "issue": 2,
                 "sha256": hashlib.sha256(b"ruleset").hexdigest(), "effective_from": "2021-12-01",
                 "effective_to": "2025-06-30"},
            ],
            "calendar": {"kind": "calendar", "code": "LICH-VN", "issue": 1,
                         "sha256": hashlib.sha256(b"calendar").hexdigest(), "effective_from": "2024-01-01",
                         "holiday_source": "holidays 0.60 (VN) + overrides", "years_without_holiday_data": []},
            "timezone": TIMEZONE,
        },
        "totals": totals,
        "by_procedure": grouped("procedure_code", proc_labels),
        "by_field": grouped("field", {}),
        "by_unit": grouped("unit", unit_labels),
        "by_month": grouped("month", {}),
        "status_counts": status_counts,
        "findings": {
            "total": findings.height,
            "by_rule": dict(findings.group_by("rule").len().sort("rule").iter_rows()),
            "by_clause": dict(findings.group_by("clause").len().sort("clause").iter_rows()),
            "by_severity": dict(findings.group_by("severity").len().sort("severity").iter_rows()),
        },
        "data_quality": {
            "rows_read": rows_read,
            "rows_accepted": rows_read - sum(rejected.values()),
            "rows_rejected": sum(rejected.values()),
            "rejected_by_reason": rejected,
            "findings_by_kind": {"duplicate_event": max(1, dossiers.height // 300),
                                 "event_before_receipt": max(1, dossiers.height // 1000)},
        },
        "warnings": ["-2 dòng có múi giờ không rõ, đã hiểu theo giờ Hà Nội"],
    }
    return CheckSummary.model_validate(summary)


def write_check_output(out_dir: Path, n_dossiers: int = 400, *, seed: int = 20250131,
                       period_from: dt.date = dt.date(2025, 1, 1), period_to: dt.date = dt.date(2025, 3, 31),
                       csv: bool = True) -> Path:
    """Write dossiers/findings (Parquet, and CSV unless `csv=False`) and summary.json."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    dossiers = build_dossiers(n_dossiers, seed=seed, period_from=period_from, period_to=period_to)
    findings = build_findings(dossiers, seed=seed)
    summary = build_summary(dossiers, findings, period_from=period_from, period_to=period_to)
    dossiers.write_parquet(out_dir / "dossiers.parquet")
    findings.write_parquet(out_dir / "findings.parquet")
    if csv:
        dossiers.write_csv(out_dir / "dossiers.csv")
        findings.write_csv(out_dir / "findings.csv")
    (out_dir / "summary.json").write_text(
        json.dumps(summary.model_dump(mode="json"), ensure_ascii=False, indent=2), encoding="utf-8")
    return out_dir


def sample_workspace_config() -> "WorkspaceConfig":
    """An organisation with units, signatories and targets, for tests and demos."""
    from qms.model.workspace import WorkspaceConfig

    return WorkspaceConfig.model_validate({
        "organisation": {"name": {"vi": "Trung tâm Phục vụ hành chính công tỉnh Hà Nam",
                                  "en": "Ha Nam Public Administration Service Centre"},
                         "parent": {"vi": "Ủy ban nhân dân tỉnh Hà Nam", "en": "Ha Nam Provincial People's Committee"},
                         "place": "Hà Nam"},
        "units": {code: {"vi": vi, **({"en": en} if en else {})} for code, vi, en in UNITS},
        "users": {
            "nguyenvana": {"name": "Nguyễn Văn An", "title": {"vi": "Chuyên viên ISO", "en": "ISO officer"}, "roles": ["quality_officer"]},
            "tranthib": {"name": "Trần Thị Bích", "title": {"vi": "Phó Giám đốc", "en": "Deputy Director"}, "roles": ["manager"]},
            "leduc": {"name": "Lê Đức Cường", "title": {"vi": "Giám đốc", "en": "Director"}, "roles": ["manager"]},
        },
        "signatories": {"prepared_by": "nguyenvana", "reviewed_by": "tranthib", "approved_by": "leduc"},
        "targets": {"on_time_rate": 0.9, "online_share": 0.5, "max_open_overdue": 5},
    })
