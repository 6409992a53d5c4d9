"""Approving an issue: freeze its content with a hash and retire the issue it supersedes.

The file is edited as text, not re-dumped from data, so the author's comments,
key order and layout survive; only the top-level lines of `status`,
`approved_by`, `content_sha256` (and, in the superseded issue, `status` and
`effective_to`) are replaced or inserted. The whole library is validated
before and after; if the result would not validate, the files are put back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..core.errors import QmsError, ValidationFailed
from ..core.i18n import _
from ..model.common import DocumentStatus, Signature
from .hashing import content_hash
from .library import LOCAL_ZONE, Library, load_library, library_dir, validate_library


@dataclass
class Approval:
    kind: str
    code: str
    issue: int
    path: Path
    content_sha256: str
    superseded_issue: int | None = None
    superseded_path: Path | None = None
    superseded_effective_to: dt.date | None = None


def approve(
    code: str,
    issue: int,
    by: str,
    *,
    path: Path | str | None = None,
    title: str | None = None,
    on: dt.date | None = None,
) -> Approval:
    """Approve issue `issue` of document `code` in the library at `path` (None = workspace or sample)."""
    if path is None:
        from ..workspace import find_workspace

        if find_workspace() is None:
            # Without a workspace the library would be the bundled sample: never edit that.
            raise QmsError(_("this command edits files: run it inside a workspace (see `qms init`) or give --docs DIR"))
    root, _calendar = library_dir(path)
    library = load_library(root)
    document = library.issue(code, issue)
    loaded = library.loaded(document)
    if document.status is not DocumentStatus.draft:
        raise QmsError(
            _("{code} issue {issue} is already {status}; an approved issue cannot be approved again").format(
                code=code, issue=issue, status=document.status.value
            )
        )
    if not by.strip():
        raise QmsError(_("say who approves (--by NAME)"))
    signature = Signature(name=by.strip(), title=title, date=on or dt.datetime.now(LOCAL_ZONE).date())
    approved = document.model_copy(update={"approved_by": signature, "status": DocumentStatus.approved})
    digest = content_hash(approved)

    predecessor = _current_issue(library, loaded.kind, code)
    edits: dict[Path, str] = {}
    text = loaded.source.text
    text = set_top_level(text, "status", "approved", after=("issue",))
    text = set_top_level(text, "approved_by", _flow(signature.model_dump(exclude_none=True)), after=("reviewed_by", "prepared_by", "status"))
    text = set_top_level(text, "content_sha256", f'"{digest}"', after=("approved_by",))
    edits[loaded.path] = text
    result = Approval(kind=loaded.kind, code=code, issue=issue, path=loaded.path, content_sha256=digest)

    if predecessor is not None:
        old = predecessor.document
        if old.issue > issue or old.effective_from >= document.effective_from:
            raise QmsError(
                _("issue {new} (effective {new_from}) cannot supersede issue {old} (effective {old_from})").format(
                    new=issue, new_from=document.effective_from, old=old.issue, old_from=old.effective_from
                )
            )
        last_day = document.effective_from - dt.timedelta(days=1)
        old_text = predecessor.source.text
        old_text = set_top_level(old_text, "status", "obsolete", after=("issue",))
        old_text = set_top_level(old_text, "effective_to", last_day.isoformat(), after=("effective_from",))
        edits[predecessor.path] = old_text
        result.superseded_issue, result.superseded_path, result.superseded_effective_to = old.issue, predecessor.path, last_day

    originals = {file: file.read_text(encoding="utf-8") for file in edits}
    for file, new_text in edits.items():
        file.write_text(new_text, encoding="utf-8")
    _library, problems = validate_library(root)
    if problems:
        for file, original in originals.items():
            file.write_text(original, encoding="utf-8")
        raise ValidationFailed(
            [str(p) for p in problems], summary=_("approval undone: the library would not validate afterwards:")
        )
    return result


@dataclass
class NewIssue:
    code: str
    issue: int
    path: Path
    based_on: int


def new_issue(
    code: str,
    effective_from: dt.date,
    *,
    path: Path | str | None = None,
    based_on: int | None = None,
) -> NewIssue:
    """Start issue N+1 of a document as a draft copy of issue `based_on` (default: the
    latest), next to it as `issue-<N+1>.yaml`, with its approval record removed."""
    if path is None:
        from ..workspace import find_workspace

        if find_workspace() is None:
            raise QmsError(_("this command edits files: run it inside a workspace (see `qms init`) or give --docs DIR"))
    root, _calendar = library_dir(path)
    library = load_library(root)
    issues = library.issues(code)
    source = library.loaded(library.issue(code, based_on) if based_on is not None else issues[-1])
    number = issues[-1].issue + 1
    if effective_from <= max(d.effective_from for d in issues):
        raise QmsError(
            _("issue {issue} must take effect after {day}, when issue {previous} did").format(
                issue=number, day=max(d.effective_from for d in issues), previous=max(issues, key=lambda d: d.effective_from).issue
            )
        )
    target = source.path.with_name(f"issue-{number}.yaml")
    if target.exists():
        raise QmsError(_("{path} already exists; not overwriting it").format(path=target))
    text = source.source.text
    for key in ("approved_by", "content_sha256", "effective_to"):
        text = remove_top_level(text, key)
    text = set_top_level(text, "issue", str(number), after=("code",))
    text = set_top_level(text, "status", "draft", after=("issue",))
    text = set_top_level(text, "effective_from", effective_from.isoformat(), after=("status",))
    target.write_text(text, encoding="utf-8")
    return NewIssue(code=code, issue=number, path=target, based_on=source.document.issue)


def remove_top_level(text: str, key: str) -> str:
    """Drop a top-level key and its whole value, if present."""
    blocks = _top_level_blocks(text)
    if key not in blocks:
        return text
    lines = text.splitlines(keepends=True)
    start, end = blocks[key]
    del lines[start:end]
    return "".join(lines)


def _current_issue(library: Library, kind: str, code: str):
    for document in reversed(library.issues(code)):
        if document.status is DocumentStatus.approved:
            return library.loaded(document)
    return None


def _flow(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, sort_keys=False, width=10_000).strip()


def _top_level_blocks(text: str) -> dict[str, tuple[int, int]]:
    """Top-level key -> (first line, line after its value), 0-based, comments kept out."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    lines = text.splitlines(keepends=True)
    blocks = {}
    for key_node, value_node in node.value:
        start = key_node.start_mark.line
        end_mark = value_node.end_mark
        end = end_mark.line if end_mark.column == 0 else end_mark.line + 1
        # A block value's end mark lies at the next key, past any comment lines
        # that introduce that key: leave those where they are.
        while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
            end -= 1
        blocks[str(key_node.value)] = (start, end)
    return blocks


def set_top_level(text: str, key: str, value: str, after: tuple[str, ...] = ()) -> str:
    """Replace the top-level `key:` (with its whole value) by `key: value`, or insert it
    after the first existing key of `after` (else at the end)."""
    blocks = _top_level_blocks(text)
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    new_line = f"{key}: {value}\n"
    if key in blocks:
        start, end = blocks[key]
        lines[start:end] = [new_line]
    else:
        anchor = next((blocks[name][1] for name in after if name in blocks), len(lines))
        lines.insert(anchor, new_line)
    return "".join(lines)
