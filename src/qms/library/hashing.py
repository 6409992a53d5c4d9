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
limit or the approver's name after approval is detected.
"""

from __future__ import annotations

import hashlib
import json

from ..model.common import DocumentIssue

LIFECYCLE_FIELDS = frozenset({"content_sha256", "status", "effective_to"})


def canonical_json(document: DocumentIssue) -> str:
    content = document.model_dump(mode="json", exclude=set(LIFECYCLE_FIELDS), exclude_defaults=True)
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(document: DocumentIssue) -> str:
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()
