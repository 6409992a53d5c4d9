"""Errors meant for the person at the keyboard.

A `QmsError` is a mistake in the user's input or set-up (a bad file, an unknown
code): the CLI prints its message and exits with status 1, never a traceback.
Anything else that escapes is a bug in qms and keeps its traceback.
"""

from __future__ import annotations


class QmsError(Exception):
    """A problem the user can fix; `str(error)` is the whole message."""

    exit_code = 1


class ValidationFailed(QmsError):
    """One or more input problems, each already located (file:line: field: what)."""

    def __init__(self, problems: list[str], summary: str | None = None):
        self.problems = list(problems)
        head = summary or f"{len(self.problems)} problem(s) found"
        super().__init__("\n".join([head, *self.problems]))
