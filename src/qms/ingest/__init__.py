"""Dossier logs in: readers per format, profiles, row validation with a rejects
file, data-quality findings, and the canonical event schema (see schema.py and
docs/log-profiles.md)."""

from .api import IngestReport, ReadResult, convert_log, read_log, resolve_profile, scan_events, validate_log
from .profiles import load_profile, shipped_profiles
from .schema import CANONICAL_FIELDS, CHANNELS, QUALITY_KINDS, REJECT_REASONS, STATUS_STEPS
from .stats import log_stats

__all__ = [
    "CANONICAL_FIELDS", "CHANNELS", "QUALITY_KINDS", "REJECT_REASONS", "STATUS_STEPS",
    "IngestReport", "ReadResult", "convert_log", "load_profile", "log_stats", "read_log",
    "resolve_profile", "scan_events", "shipped_profiles", "validate_log",
]
