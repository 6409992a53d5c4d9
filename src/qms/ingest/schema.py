"""The canonical event schema as polars sees it (dtypes, column order), and what
ingest reports about rows: rejection reasons and data-quality kinds.

The field names, statuses and channels are `qms.model.events`; all instants are UTC
(`Datetime("us", "UTC")`).
"""

from __future__ import annotations

import polars as pl

from ..model.events import (  # noqa: F401  (re-exported: the schema's names, one home)
    CANONICAL_FIELDS, CHANNELS, CORE_FIELDS, DOSSIER_FIELDS, EVENT_FIELDS, REQUIRED_FIELDS, SOURCE_ROW, STATUS_STEPS,
    TIMESTAMP_FIELDS,
)

UTC_INSTANT = pl.Datetime("us", "UTC")

# Data-quality finding kinds (dossier level; reported, never fixed or dropped).
QUALITY_KINDS = (
    "event_before_receipt",
    "duplicate_event",
    "conflicting_dossier_fields",
    "unknown_procedure_code",
)

# Row rejection reasons, in the order they are tested (the first one found is the
# row's `reason`; all of them are listed in its `detail`).
REJECT_REASONS = (
    "empty_row",
    "invalid_utf8",
    "missing_dossier_id",
    "missing_procedure_code",
    "missing_step",
    "unknown_step",
    "missing_timestamp",
    "unparseable_timestamp",
    "implausible_timestamp",
    "unknown_channel",
    "unknown_value",
)


def dtype_of(field: str) -> pl.DataType:
    if field == SOURCE_ROW:
        return pl.Int64()
    return UTC_INSTANT if field in TIMESTAMP_FIELDS else pl.String()


def output_order(columns: list[str]) -> list[str]:
    """Canonical fields first in schema order, then source_row, then the rest as found."""
    canonical = [c for c in CANONICAL_FIELDS if c in columns]
    row = [SOURCE_ROW] if SOURCE_ROW in columns else []
    rest = [c for c in columns if c not in CANONICAL_FIELDS and c != SOURCE_ROW]
    return canonical + row + rest
