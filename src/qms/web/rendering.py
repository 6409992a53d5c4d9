"""Rendering a page: the template, the request's language and formatter, the user,
and the CSRF token every form carries."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from ..core.formatting import Formatter
from ..model.workspace import Role
from .security import CSRF_FIELD, csrf_token


def user_of(request: Request) -> str:
    return request.scope["qms_user"]


class RenderFormatter:
    """The Babel formatter of one page render, remembering what it formatted: a list
    of 50 NCs repeats the same few dates and counts, and each Babel call costs ~0.5 ms."""

    def __init__(self, formatter: Formatter):
        self._formatter = formatter
        self._done: dict[tuple[str, object], str] = {}

    def __getattr__(self, name: str):
        method = getattr(self._formatter, name)
        if name not in ("date", "integer", "percent"):
            return method

        def remembered(value):
            if name == "date" and isinstance(value, dt.datetime):
                value = value.astimezone(ZoneInfo(self._formatter.timezone)).date() if value.tzinfo else value.date()
            key = (name, value)
            if key not in self._done:
                self._done[key] = method(value)
            return self._done[key]

        return remembered


def instant(value: str | dt.datetime | None) -> dt.datetime | None:
    """An ISO instant as the history stores it ('…Z'), as a datetime for the formatter."""
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _labeller(formatter: Formatter):
    """label("state", "open") -> "Mới lập" / "Raised": the report's labels, one wording everywhere."""
    from ..report import labels

    tables = {"state": labels.NC_STATE, "severity": labels.SEVERITY, "source": labels.NC_SOURCE,
              "status": labels.STATUS, "clause": labels.CLAUSE,
              "event": labels.EVENT}

    def label(kind: str, value: str | None) -> str:
        text = tables[kind].get(value or "")
        return formatter.gettext(text) if text else (value or "–")

    return label


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    context = request.app.state.qms
    language = request.scope.get("qms_language", context.language)
    formatter = Formatter(language)
    user = request.scope.get("qms_user")
    person = context.config.users.get(user) if user else None
    page = context.templates.get_template(template).render(
        _=formatter.gettext, fmt=RenderFormatter(formatter), lang=language, user=user, person=person,
        roles=[role.value if isinstance(role, Role) else role for role in (person.roles if person else [])],
        instant=instant, label=_labeller(formatter), csrf_field=CSRF_FIELD, csrf=csrf_token(request.session), path=request.url.path,
        organisation=context.config.organisation.name.in_language(language), **values)
    return HTMLResponse(page, status_code=status_code)
