"""Reader limits: how much of a file qms will read before it refuses it.

Hostile or damaged input must be refused cleanly (file, place, reason) before it
costs gigabytes, and one implausible timestamp must not decide for a whole log.
Every limit has a default that fits real exports many times over; a workspace can
change any of them under `limits:` in qms.yaml (docs/limits.md lists them all).
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from .common import StrictModel

GiB = 1024**3
MiB = 1024**2


class ReaderLimits(StrictModel):
    max_columns: int = Field(
        default=16_384, ge=1, le=1_000_000, description="Columns of a log (Excel's own maximum is 16,384)")
    max_line_bytes: int = Field(
        default=16 * MiB, ge=1024, le=GiB, description="Bytes of a CSV header line or of one JSON Lines record")
    jsonl_max_depth: int = Field(default=64, ge=1, le=10_000, description="Nesting depth of a JSON Lines record")
    xlsx_max_cells: int = Field(
        default=30_000_000, ge=1, le=2_000_000_000,
        description="Rows × columns of one sheet, from the largest row and column any cell names (the reader allocates that grid)",
    )
    xlsx_max_shared_strings: int = Field(
        default=20_000_000, ge=1, le=2_000_000_000, description="Distinct texts a workbook's sharedStrings may declare")
    xlsx_max_uncompressed_bytes: int = Field(
        default=2 * GiB, ge=MiB, le=64 * GiB, description="Uncompressed size of all parts of a workbook together")
    xlsx_max_compression_ratio: int = Field(
        default=200, ge=10, le=100_000,
        description="Uncompressed / packed size of any workbook part past its first 8 MiB (a zip bomb is ~1000)",
    )
    gzip_max_uncompressed_bytes: int = Field(
        default=8 * GiB, ge=MiB, le=1024 * GiB,
        description="Uncompressed size of a .gz log (it is unpacked to a temporary file first)",
    )
    upload_max_bytes: int = Field(
        default=2 * GiB, ge=MiB, le=1024 * GiB,
        description="Bytes of a log uploaded in the web workspace to be checked (the upload is refused past it)")
    earliest_instant: dt.date = Field(
        default=dt.date(1990, 1, 1), description="Events before this day are rejected as implausible_timestamp")
    latest_after_run_days: int = Field(
        default=366, ge=0, le=36_600,
        description="Events later than the run time plus this many days are rejected as implausible_timestamp",
    )

    def instant_window(self, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
        """[earliest, latest] as UTC instants for a run at `now`."""
        now = now or dt.datetime.now(dt.timezone.utc)
        start = dt.datetime.combine(self.earliest_instant, dt.time(), tzinfo=dt.timezone.utc)
        return start, now + dt.timedelta(days=self.latest_after_run_days)


DEFAULT_LIMITS = ReaderLimits()
