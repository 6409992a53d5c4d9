"""Text longer than its database column, refused before it reaches the database.

PostgreSQL refuses a value over a VARCHAR's length (StringDataRightTruncation, a
traceback), SQLite stores it whole: the same input behaved differently per
database. Every row is measured here first, so both give the same clear message,
and a refused insert costs nothing (no NC number burnt).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import String, Table, event
from sqlalchemy.orm import Session

from ..core.errors import QmsError
from ..core.i18n import _

_SHOWN = 40


def check_text_lengths(table: Table, rows: Iterable[Mapping[str, Any]]) -> None:
    limits = {column.name: column.type.length for column in table.columns
              if isinstance(column.type, String) and column.type.length}
    for row in rows:
        for name, limit in limits.items():
            value = row.get(name)
            if isinstance(value, str) and len(value) > limit:
                raise too_long(table.name, name, value, limit)


def too_long(table: str, column: str, value: str, limit: int) -> QmsError:
    return QmsError(_("{table}.{column}: {length} characters, at most {limit} fit: {start!r}…").format(
        table=table, column=column, length=len(value), limit=limit, start=value[:_SHOWN]))


@event.listens_for(Session, "before_flush")
def _measure_before_flush(session: Session, _context, _instances) -> None:
    """Objects added or changed through the ORM (actions, audits, …) are measured too."""
    for instance in (*session.new, *session.dirty):
        table = getattr(type(instance), "__table__", None)
        if table is not None:
            check_text_lengths(table, [{column.name: getattr(instance, column.key, None)
                                        for column in table.columns if hasattr(instance, column.key)}])
