"""The canonical event: the one shape every dossier log takes inside qms.

One row per event. `ingest` produces it, `check` consumes it, `synth` writes it;
all three read the field names, statuses and channels from here (docs/log-profiles.md
documents them for users, docs/architecture.md shows where they flow). All instants
are UTC. Plain Python: the polars dtypes live in `qms.ingest.schema`.
"""

from __future__ import annotations

# Present in every canonical table (unit and officer may be null).
CORE_FIELDS = ("dossier_id", "procedure_code", "step", "unit", "officer", "at")
# Present when the source has them; repeated on every row of a dossier.
DOSSIER_FIELDS = ("received_at", "appointment_at", "returned_at", "channel")
# Dossier facts the national service-quality index needs (Decision 766/QĐ-TTg), when
# the one-stop software exports them: how the fee was paid, whether the dossier's
# components were digitised, the result issued electronically, digitised data
# reused, a complaint lodged, the applicant's rating.
INDICATOR_FIELDS = ("payment_channel", "digitised", "electronic_result", "reused_data", "complaint", "rating")
# Per-event extras a source may carry.
EVENT_FIELDS = ("step_due_at", "new_appointment_at")
CANONICAL_FIELDS = CORE_FIELDS + DOSSIER_FIELDS + INDICATOR_FIELDS + EVENT_FIELDS
SOURCE_ROW = "source_row"

REQUIRED_FIELDS = ("dossier_id", "procedure_code", "step", "at")
TIMESTAMP_FIELDS = frozenset(
    {"at", "received_at", "appointment_at", "returned_at", "step_due_at", "new_appointment_at"}
)

CHANNELS = ("in_person", "online_full", "online_partial", "postal")
ONLINE_CHANNELS = ("online_full", "online_partial")
PAYMENT_CHANNELS = ("online", "offline", "no_fee")
YES_NO = ("yes", "no")
RATINGS = ("1", "2", "3", "4", "5")
# Fields whose values come from a fixed list: a profile maps the source's labels onto them.
FIELD_VALUES: dict[str, tuple[str, ...]] = {
    "channel": CHANNELS, "payment_channel": PAYMENT_CHANNELS, "digitised": YES_NO, "electronic_result": YES_NO,
    "reused_data": YES_NO, "complaint": YES_NO, "rating": RATINGS,
}

# Statuses a log may record for any dossier, whatever its procedure's steps.
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
# Outcomes that end a dossier without a result.
TERMINAL_OUTCOMES = ("refused", "withdrawn", "stopped")
