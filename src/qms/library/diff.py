"""Field-level differences between two issues of a document.

Lists whose items carry an `id` (steps, checklist items) are matched by id, so
inserting a step shows as one added step rather than every later step changed;
other lists are matched by position.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from ..model.common import DocumentIssue


@dataclass(frozen=True)
class Change:
    path: str
    before: Any  # MISSING when added
    after: Any  # MISSING when removed

    @property
    def kind(self) -> str:
        if self.before is MISSING:
            return "added"
        if self.after is MISSING:
            return "removed"
        return "changed"

    def __str__(self) -> str:
        if self.kind == "added":
            return f"+ {self.path}: {_show(self.after)}"
        if self.kind == "removed":
            return f"- {self.path}: {_show(self.before)}"
        return f"~ {self.path}: {_show(self.before)} → {_show(self.after)}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "change": self.kind,
            "before": None if self.before is MISSING else self.before,
            "after": None if self.after is MISSING else self.after,
        }


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def diff_documents(before: DocumentIssue, after: DocumentIssue) -> list[Change]:
    """Changes from `before` to `after`, in document order."""
    changes: list[Change] = []
    _diff(before.model_dump(mode="json", exclude_none=True), after.model_dump(mode="json", exclude_none=True), "", changes)
    return changes


def _diff_mappings(a: dict, b: dict, child_path, changes: list[Change]) -> None:
    """Entries removed, added or changed between two mappings, in a's order then b's new ones."""
    for key in list(a) + [k for k in b if k not in a]:
        child = child_path(key)
        if key not in b:
            changes.append(Change(child, a[key], MISSING))
        elif key not in a:
            changes.append(Change(child, MISSING, b[key]))
        else:
            _diff(a[key], b[key], child, changes)


def _diff(a: Any, b: Any, path: str, changes: list[Change]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        _diff_mappings(a, b, lambda key: f"{path}.{key}" if path else str(key), changes)
    elif isinstance(a, list) and isinstance(b, list):
        if _keyed(a) and _keyed(b):
            a_by_id = {item["id"]: item for item in a}
            b_by_id = {item["id"]: item for item in b}
            _diff_mappings(a_by_id, b_by_id, lambda item_id: f"{path}[{item_id}]", changes)
            order_a = [i for i in a_by_id if i in b_by_id]
            order_b = [i for i in b_by_id if i in a_by_id]
            if order_a != order_b:
                changes.append(Change(f"{path} (order)", order_a, order_b))
        elif all(not isinstance(item, (dict, list)) for item in a + b):
            _diff_scalar_list(a, b, path, changes)
        else:
            for index in range(max(len(a), len(b))):
                child = f"{path}[{index}]"
                if index >= len(b):
                    changes.append(Change(child, a[index], MISSING))
                elif index >= len(a):
                    changes.append(Change(child, MISSING, b[index]))
                else:
                    _diff(a[index], b[index], child, changes)
    elif a != b:
        changes.append(Change(path, a, b))


def _diff_scalar_list(a: list, b: list, path: str, changes: list[Change]) -> None:
    """Lists of plain values (references, distribution): report what was inserted or
    dropped rather than every later position as changed."""
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for operation, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        if operation == "equal":
            continue
        if operation == "replace" and a_end - a_start == b_end - b_start:
            for offset in range(a_end - a_start):
                changes.append(Change(f"{path}[{a_start + offset}]", a[a_start + offset], b[b_start + offset]))
            continue
        for index in range(a_start, a_end):
            changes.append(Change(f"{path}[{index}]", a[index], MISSING))
        for index in range(b_start, b_end):
            changes.append(Change(f"{path}[{index}]", MISSING, b[index]))


def _keyed(items: list) -> bool:
    ids = [item.get("id") for item in items if isinstance(item, dict)]
    return len(ids) == len(items) and None not in ids and len(set(ids)) == len(ids)


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
