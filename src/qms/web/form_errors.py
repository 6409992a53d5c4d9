"""A form checked by a pydantic model: the errors by field, in the reader's language,
so that a page shows each one beside its field (the model is the only place the rules
are written)."""

from __future__ import annotations

from pydantic import ValidationError

from ..core.i18n import _
from ..core.model_file import pydantic_message


def field_errors(error: ValidationError, *, within: tuple[str | int, ...] = (), outer: str = "") -> dict[str, str]:
    """{field: message} of a model's errors; `within` is the location of the form's
    model inside a larger one: its errors lose that prefix, the larger model's own
    fields are named with `outer` before them. An error of the whole model is under
    `outer` alone."""
    found: dict[str, str] = {}
    for item in error.errors(include_url=False):
        location = tuple(item["loc"])
        prefix = ""
        if within and location[:len(within)] == within:
            location = location[len(within):]
        elif within:
            prefix = outer
        field = prefix + (str(location[0]) if location else "")
        if item["type"] == "missing":
            message = _("required field is missing")
        elif item["type"] == "value_error":
            message = str(item.get("ctx", {}).get("error", item["msg"]))
        else:
            message = pydantic_message(item)
        found.setdefault(field, message)  # the first problem of a field is enough to fix it
    return found
