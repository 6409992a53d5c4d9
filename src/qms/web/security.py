"""Sessions in signed cookies, CSRF tokens, the login gate and secure headers.

The session is a signed (itsdangerous), time-stamped cookie holding the user id,
the CSRF token and the language; it is refused after `max_age`. It is HttpOnly,
SameSite=Lax, and Secure whenever the request came over HTTPS.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "qms_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
PUBLIC_PREFIXES = ("/static/",)
PUBLIC_PATHS = ("/login", "/lang")  # /lang: the login page has the language switch too (CSRF still checked)
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
SECURE_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


class SessionMiddleware:
    """`scope["session"]`: a dict read from the signed cookie and written back when changed."""

    def __init__(self, app: ASGIApp, secret_key: str, max_age: int):
        self.app = app
        self.signer = TimestampSigner(secret_key, salt="qms.web.session")
        self.max_age = max_age

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        session: dict[str, Any] = {}
        raw = connection.cookies.get(COOKIE)
        if raw:
            try:
                payload = self.signer.unsign(raw.encode(), max_age=self.max_age)
                session = json.loads(base64.urlsafe_b64decode(payload))
            except (BadSignature, SignatureExpired, ValueError):
                session = {}
        original = json.dumps(session, sort_keys=True)
        scope["session"] = session
        secure = connection.url.scheme == "https"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                current = scope["session"]
                if json.dumps(current, sort_keys=True) != original:
                    headers = MutableHeaders(scope=message)
                    flags = "; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")
                    if current:
                        value = self.signer.sign(base64.urlsafe_b64encode(json.dumps(current).encode())).decode()
                        headers.append("set-cookie", f"{COOKIE}={value}; Max-Age={self.max_age}{flags}")
                    else:
                        headers.append("set-cookie", f"{COOKIE}=; Max-Age=0{flags}")
            await send(message)

        await self.app(scope, receive, send_with_cookie)


class SecureHeadersMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURE_HEADERS:
                    if name.decode() not in headers:
                        headers[name.decode()] = value.decode()
            await send(message)

        await self.app(scope, receive, send_with_headers)


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def csrf_token(session: dict[str, Any]) -> str:
    """The session's CSRF token, made on first use."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_matches(session: dict[str, Any], sent: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and sent and hmac.compare_digest(expected, sent))
