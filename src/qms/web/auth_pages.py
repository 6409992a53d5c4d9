"""/login, /logout and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..auth import LoginThrottled, authenticate
from ..core.i18n import SUPPORTED_LANGUAGES, _
from .rendering import render
from .security import csrf_token


def _safe_next(target: str | None) -> str:
    """Only a local path: a login link must not send the user to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return "/nc"
    return target


async def login_form(request: Request) -> Response:
    if request.scope.get("qms_user"):
        return RedirectResponse("/nc", status_code=303)
    csrf_token(request.session)
    return render(request, "login.html", next=_safe_next(request.query_params.get("next")))


async def login(request: Request) -> Response:
    context = request.app.state.qms
    form = await request.form()
    username = str(form.get("username", "")).strip()[:100]
    password = str(form.get("password", ""))[:1000]
    target = _safe_next(str(form.get("next", "")))
    address = request.client.host if request.client else "?"
    try:
        user = authenticate(context.db, context.config, username, password, address)
    except LoginThrottled as error:
        return render(request, "login.html", status_code=429, error=str(error), next=target, username=username)
    if user is None:
        return render(request, "login.html", status_code=401, next=target, username=username,
                      error=_("Wrong user name or password, or the user is disabled"))
    language = request.session.get("lang")
    request.session.clear()  # a fresh session (and CSRF token) at login: no fixation
    request.session.update({"user": user, "lang": language or context.language})
    csrf_token(request.session)
    return RedirectResponse(target, status_code=303)


async def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


async def switch_language(request: Request) -> Response:
    form = await request.form()
    language = str(form.get("lang", ""))
    if language in SUPPORTED_LANGUAGES:
        request.session["lang"] = language
    return RedirectResponse(_safe_next(str(form.get("next", ""))), status_code=303)


async def home(request: Request) -> Response:
    return RedirectResponse("/nc", status_code=303)


ROUTES = [
    Route("/", home),
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/lang", switch_language, methods=["POST"]),
]
