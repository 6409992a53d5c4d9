"""Small canonical logs for the ingest tests, built in code (no fixtures on disk)."""

from __future__ import annotations

import datetime as dt

import polars as pl

UTC = dt.timezone.utc


def canonical_events() -> pl.DataFrame:
    """Three dossiers, eight events, every optional canonical column present."""
    t = lambda d, h, m=0: dt.datetime(2025, 3, d, h, m, tzinfo=UTC)  # noqa: E731
    rows = [
        ("D1", "1.001193", "received", "BP1C", "Lan", t(3, 1), t(3, 1), t(5, 9), t(4, 8), "in_person"),
        ("D1", "1.001193", "tham_dinh", "PTP", "Hùng", t(3, 3), t(3, 1), t(5, 9), t(4, 8), "in_person"),
        ("D1", "1.001193", "processed", "PTP", "Hùng", t(4, 2), t(3, 1), t(5, 9), t(4, 8), "in_person"),
        ("D1", "1.001193", "returned", "BP1C", "Lan", t(4, 8), t(3, 1), t(5, 9), t(4, 8), "in_person"),
        ("D2", "1.009972", "received", "BP1C", "Hà", t(3, 2, 30), t(3, 2, 30), t(20, 10), None, "online_full"),
        ("D2", "1.009972", "supplement_requested", "PQLDT", "Cường", t(6, 4), t(3, 2, 30), t(20, 10), None, "online_full"),
        ("D3", "2.000488", "received", "BP1C", "Hà", t(7, 1), t(7, 1), t(21, 10), None, "postal"),
        ("D3", "2.000488", "tham_dinh", "PKT", None, t(10, 7), t(7, 1), t(21, 10), None, "postal"),
    ]
    frame = pl.DataFrame(
        rows,
        schema={
            "dossier_id": pl.String, "procedure_code": pl.String, "step": pl.String, "unit": pl.String,
            "officer": pl.String, "at": pl.Datetime("us", "UTC"), "received_at": pl.Datetime("us", "UTC"),
            "appointment_at": pl.Datetime("us", "UTC"), "returned_at": pl.Datetime("us", "UTC"),
            "channel": pl.String,
        },
        orient="row",
    )
    return frame


CANONICAL_COLUMNS = (
    "dossier_id", "procedure_code", "step", "unit", "officer", "at",
    "received_at", "appointment_at", "returned_at", "channel",
)


def write_csv_text(path, header: list[str], rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8") -> None:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    text = buffer.getvalue()
    path.write_bytes(to_cp1258(text) if encoding == "cp1258" else text.encode(encoding))


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258(text: str) -> bytes:
    """Vietnamese in Windows-1258: letters with their vowel marks composed where the
    code page has them, tone marks as separate combining characters."""
    import unicodedata

    out = []
    for char in text:
        try:
            out.append(char.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
        tones = "".join(c for c in parts if c in _TONES)
        out.append((base + tones).encode("cp1258"))
    return b"".join(out)


MOTCUA_HEADER = [
    "Mã hồ sơ", "Mã thủ tục", "Hình thức nộp", "Ngày tiếp nhận", "Ngày hẹn trả",
    "Trạng thái", "Đơn vị xử lý", "Cán bộ", "Thời điểm xử lý", "Ghi chú",
]


def motcua_row(dossier="H1", code="1.001193", channel="Trực tiếp", received="03/03/2025 08:00",
               appointment="05/03/2025 17:00", status="Tiếp nhận hồ sơ", unit="Bộ phận Một cửa",
               officer="Lan", at="03/03/2025 08:00", note="") -> list[str]:
    return [dossier, code, channel, received, appointment, status, unit, officer, at, note]
