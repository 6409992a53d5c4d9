"""Multipart uploads through the gate: the CSRF field is the form's first part, so the
gate reads only that part and lets the file stream on to the route, counted against
the workspace's upload limit (a log can be gigabytes; it is never held in memory)."""

from __future__ import annotations

import re

from starlette.requests import HTTPConnection
from starlette.responses import PlainTextResponse
from starlette.types import Message, Receive

from ..core.i18n import _

MAX_FORM_BYTES = 1_000_000  # any POST that is not an upload
UPLOAD_PATHS = ("/checks/jobs",)
FIRST_PART_BYTES = 64 * 1024  # the CSRF part is ~100 bytes; more than this and it is not first
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?')
_NAME = re.compile(rb'name="([^"]*)"')


def is_multipart(connection: HTTPConnection) -> bool:
    return connection.headers.get("content-type", "").lower().startswith("multipart/form-data")


def declared_length(connection: HTTPConnection) -> int:
    """Content-Length, 0 when absent; a malformed one counts as too large."""
    text = connection.headers.get("content-length", "0").strip()
    return int(text) if text.isdigit() else 1 << 62


def upload_limit(context, path: str) -> int:
    return context.config.limits.upload_max_bytes if path in UPLOAD_PATHS else MAX_FORM_BYTES


def too_large_response(limit: int) -> PlainTextResponse:
    return PlainTextResponse(_("The upload is larger than the workspace allows ({size} MiB: upload_max_bytes under "
                               "limits: in qms.yaml)").format(size=limit // (1024 * 1024)), status_code=413)


class UploadTooLarge(Exception):
    """The body went past the limit while it streamed (no Content-Length said so first)."""


async def first_field_of_multipart(connection: HTTPConnection, receive: Receive, name: str, limit: int
                                   ) -> tuple[str | None, Receive]:
    """(the value of the first part when it is the field `name`, else None; a receive
    that replays what was read and then streams the rest, refusing past `limit` bytes)."""
    found = _BOUNDARY.search(connection.headers.get("content-type", ""))
    buffer, more = b"", True
    value = None
    if found:
        delimiter = b"\r\n--" + found.group(1).encode("latin-1")
        while more and len(buffer) < FIRST_PART_BYTES and delimiter not in buffer[2:]:
            message = await receive()
            if message["type"] != "http.request":
                more = False
                break
            buffer += message.get("body", b"")
            more = message.get("more_body", False)
        value = _first_part_value(buffer, delimiter, name)
    return value, _replaying(buffer, more, receive, limit)


def _first_part_value(buffer: bytes, delimiter: bytes, name: str) -> str | None:
    opening = delimiter[2:] + b"\r\n"
    if not buffer.startswith(opening):
        return None
    head_end = buffer.find(b"\r\n\r\n", len(opening))
    end = buffer.find(delimiter, len(opening))
    if head_end < 0 or end < head_end:
        return None
    named = _NAME.search(buffer[len(opening):head_end])
    if named is None or named.group(1) != name.encode():
        return None
    return buffer[head_end + 4:end].decode("utf-8", "replace")


def _replaying(buffer: bytes, more: bool, receive: Receive, limit: int) -> Receive:
    sent = False
    size = len(buffer)

    async def replay() -> Message:
        nonlocal sent, size
        if not sent:
            sent = True
            if size > limit:
                raise UploadTooLarge
            return {"type": "http.request", "body": buffer, "more_body": more}
        if not more:
            return {"type": "http.disconnect"}
        message = await receive()
        size += len(message.get("body", b""))
        if size > limit:
            raise UploadTooLarge
        return message

    return replay
