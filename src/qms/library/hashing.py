"""Content hashes of document issues.

The hash is SHA-256 over canonical JSON (sorted keys, no spaces, UTF-8) of the
validated document with two kinds of things left out:

* lifecycle fields that legitimately change after approval: `status` (approved →
  obsolete when a later issue supersedes it), `effective_to` (set at that moment)
  and `content_sha256` itself;
* values equal to the model's defaults, so that a qms upgrade adding an optional
  field does not invalidate every approved document, and writing a default out
  (`optional: false`) does not count as a change.

Everything else, including `approved_by`, is covered: changing a step, a time
limit or the approver's name after approval is detected. What the lifecycle fields
may be is checked by the loader instead (`approval_problems`, `range_problems`): an
approved issue has no `effective_to`, cannot go back to draft, and is obsolete only
when a later controlled issue follows it with no gap or overlap.
"""

from __future__ import annotations

from ..core.hashing import json_sha256
from ..model.common import DocumentIssue

LIFECYCLE_FIELDS = frozenset({"content_sha256", "status", "effective_to"})


def hashed_content(document: DocumentIssue) -> dict:
    """What the content hash covers: the validated document without lifecycle fields and defaults."""
    return document.model_dump(mode="json", exclude=set(LIFECYCLE_FIELDS), exclude_defaults=True)


def content_hash(document: DocumentIssue) -> str:
    return json_sha256(hashed_content(document))
