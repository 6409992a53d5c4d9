"""The gate every request passes: who is asking (session or API token), CSRF on
every POST, and the language of the answer. A middleware, so no route can forget it."""

from __future__ import annotations

from urllib.parse import parse_qs, quote

from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..core.i18n import SUPPORTED_LANGUAGES, _, use_language
from .security import CSRF_FIELD, CSRF_HEADER, csrf_matches, is_public
from .uploads import (MAX_FORM_BYTES, UploadTooLarge, declared_length, first_field_of_multipart, is_multipart,
                      too_large_response, upload_limit)


class Gate:
    def __init__(self, app: ASGIApp, context):
        self.app = app
        self.context = context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        session = scope["session"]
        language = session.get("lang") if session.get("lang") in SUPPORTED_LANGUAGES else self.context.language
        scope["qms_language"] = language
        path = scope["path"]
        with use_language(language):
            user, by_token = self._user(connection, session)
            scope["qms_user"] = user
            if user is None and not is_public(path):
                if path.startswith("/api/"):
                    response = JSONResponse({"error": "authentication required"}, status_code=401,
                                            headers={"www-authenticate": "Bearer"})
                else:
                    response = RedirectResponse("/login?next=" + quote(path, safe="/"), status_code=303)
                await response(scope, receive, send)
                return
            if scope["method"] not in ("GET", "HEAD", "OPTIONS") and not by_token and is_multipart(connection):
                # an upload: only its first part (the CSRF field) is read here, the file streams on
                limit = upload_limit(self.context, path)
                if declared_length(connection) > limit:
                    await too_large_response(limit)(scope, receive, send)
                    return
                sent, receive = await first_field_of_multipart(connection, receive, CSRF_FIELD, limit)
                if not csrf_matches(session, connection.headers.get(CSRF_HEADER) or sent):
                    await _refused_form()(scope, receive, send)
                    return
                await self._streaming(scope, receive, send, limit)
                return
            elif scope["method"] not in ("GET", "HEAD", "OPTIONS") and not by_token:
                body = await _read_body(receive)
                if body is None:
                    await _too_large()(scope, receive, send)
                    return
                if not csrf_matches(session, _sent_token(connection, body)):
                    await _refused_form()(scope, receive, send)
                    return
                receive = _replay(body)
            await self.app(scope, receive, send)

    async def _streaming(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """The route reads a multipart body as it streams; past the limit the receive
        raises, and a route that does not answer that itself gets a 413 here (not a 500)."""
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except UploadTooLarge:
            if started:
                raise
            response = (too_large_response(limit) if limit > MAX_FORM_BYTES
                        else _too_large())
            await response(scope, receive, send)

    def _user(self, connection: HTTPConnection, session: dict) -> tuple[str | None, bool]:
        authorization = connection.headers.get("authorization", "")
        if authorization.lower().startswith("bearer ") and connection.url.path.startswith("/api/"):
            from ..auth import user_for_token

            return user_for_token(self.context.db, self.context.config, authorization[7:].strip()), True
        if self.context.sso_header and connection.client and connection.client.host in self.context.trusted_proxies:
            named = connection.headers.get(self.context.sso_header, "").strip()
            if named and self.context.may_log_in(named):
                return named, False
        user = session.get("user")
        if user and not self.context.may_log_in(user):
            session.clear()  # disabled or removed from qms.yaml since logging in
            return None, False
        return user, False


def _refused_form() -> PlainTextResponse:
    # said in the reader's language: the gate runs inside use_language
    return PlainTextResponse(_("The form has expired or did not come from this site (CSRF token missing or wrong): "
                               "reload the page and try again"), status_code=403)


def _too_large() -> PlainTextResponse:
    return PlainTextResponse(_("The form is too large"), status_code=413)


def _sent_token(connection: HTTPConnection, body: bytes) -> str | None:
    header = connection.headers.get(CSRF_HEADER)
    if header:
        return header
    if connection.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        values = parse_qs(body.decode("utf-8", "replace")).get(CSRF_FIELD)
        return values[0] if values else None
    return None


async def _read_body(receive: Receive) -> bytes | None:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive
