"""The library of process documents: loading, validation, issue in force at a date,
content hashes, approval, diff and JSON Schema export."""

from .hashing import content_hash
from .library import Library, NoIssueInForce, UnknownDocument, load_library, local_date, validate_library

__all__ = [
    "Library",
    "NoIssueInForce",
    "UnknownDocument",
    "content_hash",
    "load_library",
    "local_date",
    "validate_library",
]
