"""XES (IEEE 1849) event logs, parsed as a stream.

Each event becomes one row: its attributes under their keys (`concept:name`,
`time:timestamp`, `org:resource`, …) and its trace's attributes prefixed with
`case:` — the same flattening process-mining tools use, so a profile written for a
CSV export of a log also reads its XES. The row number is the event's line in the
file.

Safety: a document type declaration is refused outright (no DTD, so no external
entities that read local files and no entity-expansion bombs), and the parser is
set never to resolve entities, never to touch the network and to keep its default
size limits. Elements are cleared as soon as they are read, and rows are staged to
Parquet in batches, so memory stays flat on large logs.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from ..core.errors import QmsError
from ..core.i18n import _
from .source import ROW, RawSource

BATCH_EVENTS = 200_000
_ATTRIBUTE_TAGS = {"string", "date", "int", "float", "boolean", "id"}
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _local(tag) -> str:
    """The local name of an lxml tag ("{namespace}name" or "name"); "" for a comment."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def refuse_dtd(path: Path) -> None:
    with path.open("rb") as handle:
        head = handle.read(1024 * 1024)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    if _DOCTYPE.search(head):
        raise QmsError(
            _("{path}: XML document type declarations (DTD, entities) are refused for safety").format(path=path)
        )


def read_xes(path: Path, staging: Path) -> RawSource:
    if path.stat().st_size == 0:
        raise QmsError(_("{path}: the file is empty").format(path=path))
    refuse_dtd(path)
    from lxml import etree  # loaded for XES logs only (canonical_probe imports this module for refuse_dtd)

    parts: list[Path] = []
    batch: list[dict[str, str | int]] = []
    trace_attributes: dict[str, str] = {}
    columns: dict[str, None] = {}  # ordered set
    events = etree.iterparse(
        str(path),
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )
    depth_tags: list[str] = []
    checked_doctype = False
    try:
        for action, element in events:
            if action == "start":
                if not checked_doctype:
                    checked_doctype = True
                    if element.getroottree().docinfo.doctype:
                        raise QmsError(
                            _("{path}: XML document type declarations (DTD, entities) are refused for safety").format(path=path)
                        )
                    if _local(element.tag) != "log":
                        raise QmsError(_("{path}: not an XES log (root element is not <log>)").format(path=path))
                depth_tags.append(_local(element.tag))
                continue
            tag = depth_tags.pop()
            parent = depth_tags[-1] if depth_tags else None
            if tag in _ATTRIBUTE_TAGS and parent == "trace":
                key = element.get("key")
                if key is not None:
                    trace_attributes[f"case:{key}"] = element.get("value")
            elif tag == "event" and parent == "trace":
                row: dict[str, str | int] = dict(trace_attributes)
                for child in element:
                    if _local(child.tag) in _ATTRIBUTE_TAGS and child.get("key") is not None:
                        row[child.get("key")] = child.get("value")
                for key in row:
                    columns.setdefault(key, None)
                row[ROW] = element.sourceline or 0
                batch.append(row)
                element.clear()
                if len(batch) >= BATCH_EVENTS:
                    parts.append(_stage(batch, staging, len(parts)))
                    batch = []
            elif tag == "trace":
                trace_attributes = {}
                element.clear()
                # drop the emptied traces already read, or the root keeps them all
                parent_element = element.getparent()
                while parent_element is not None and element.getprevious() is not None:
                    del parent_element[0]
    except etree.XMLSyntaxError as error:
        raise QmsError(_("{path}:{line}: malformed XML: {error}").format(
            path=path, line=error.lineno or 1, error=error.msg)) from None
    if batch:
        parts.append(_stage(batch, staging, len(parts)))
    if not parts:
        raise QmsError(_("{path}: the XES log has no events").format(path=path))
    names = list(columns)
    frames = [pl.scan_parquet(part) for part in parts]
    frame = pl.concat(frames, how="diagonal_relaxed").select(ROW, *names)
    return RawSource(path, "xes", frame, names, row_label="line")


def _stage(batch: list[dict], staging: Path, index: int) -> Path:
    keys: dict[str, None] = {}
    for row in batch:
        for key in row:
            keys.setdefault(key, None)
    schema = {key: (pl.Int64 if key == ROW else pl.String) for key in keys}
    frame = pl.DataFrame(batch, schema=schema)
    part = staging / f"xes-{index:05d}.parquet"
    frame.write_parquet(part)
    return part
