"""JSON Lines helpers shared by the reader and the row mapping."""

from __future__ import annotations

import json
from pathlib import Path


def first_bad_json_line(path: Path) -> tuple[int, str] | None:
    """(line, problem) of the first line that is not a JSON object; explains a failure only."""
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as error:
                return number, error.msg
            if not isinstance(value, dict):
                return number, "not an object"
    return None
