"""The docs' rule tables, generated from the registry.

Each generated block of a docs page sits between `<!-- generated: NAME -->` and
`<!-- end generated -->`; `refresh(text)` rewrites every block from the registry
(`scripts/update_rule_docs.py` writes the pages, and a test fails when a page
drifts from the registry).
"""

from __future__ import annotations

import re

from . import REGISTRY

END = "<!-- end generated -->"
_BLOCK = re.compile(r"(<!-- generated: ([a-z-]+) -->\n)(.*?)(" + re.escape(END) + ")", re.DOTALL)


def rule_table() -> str:
    """Markdown: id, default severity, clause, when it is reported."""
    lines = ["| id | default | clause | reported when |", "|---|---|---|---|"]
    lines += [f"| `{r.id}` | {r.severity.value} | {r.clause} | {r.reported_when} |" for r in REGISTRY.values()]
    return "\n".join(lines) + "\n"


def rule_ids() -> str:
    """The ids as a Markdown list in one paragraph."""
    return ", ".join(f"`{rule_id}`" for rule_id in REGISTRY) + "\n"


BLOCKS = {"rule-table": rule_table, "rule-ids": rule_ids}


def refresh(text: str) -> str:
    """`text` with every generated block rendered anew (unknown block names are an error)."""
    def render(match: re.Match) -> str:
        name = match.group(2)
        if name not in BLOCKS:
            raise ValueError(f"unknown generated block {name!r}")
        return match.group(1) + BLOCKS[name]() + match.group(4)

    return _BLOCK.sub(render, text)


def has_blocks(text: str) -> bool:
    return _BLOCK.search(text) is not None
