"""The canonical event schema: the one shape every log takes inside qms.

One row per event. `ingest` produces it, `check` consumes it; see docs/log-profiles.md
and the contract in DESIGN.md. All instants are UTC (`Datetime("us", "UTC")`).
"""

from __future__ import annotations

import polars as pl

UTC_INSTANT = pl.Datetime("us", "UTC")

# Present in every canonical table (unit and officer may be null).
CORE_FIELDS = ("dossier_id", "procedure_code", "step", "unit", "officer", "at")
# Present when the source has them; repeated on every row of a dossier.
DOSSIER_FIELDS = ("received_at", "appointment_at", "returned_at", "channel")
# Per-event extras a source may carry.
EVENT_FIELDS = ("step_due_at", "new_appointment_at")
CANONICAL_FIELDS = CORE_FIELDS + DOSSIER_FIELDS + EVENT_FIELDS
SOURCE_ROW = "source_row"

REQUIRED_FIELDS = ("dossier_id", "procedure_code", "step", "at")
TIMESTAMP_FIELDS = frozenset(
    {"at", "received_at", "appointment_at", "returned_at", "step_due_at", "new_appointment_at"}
)
TEXT_FIELDS = frozenset(CANONICAL_FIELDS) - TIMESTAMP_FIELDS

CHANNELS = ("in_person", "online_full", "online_partial", "postal")
STATUS_STEPS = (
    "received",
    "supplement_requested",
    "supplement_received",
    "apology_issued",
    "processed",
    "returned",
    "refused",
    "withdrawn",
    "stopped",
)

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
    "missing_dossier_id",
    "missing_procedure_code",
    "missing_step",
    "unknown_step",
    "missing_timestamp",
    "unparseable_timestamp",
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
