"""Rewrite the rule tables of docs/*.md from the check's rule registry.

    python scripts/update_rule_docs.py          # writes the pages that drifted
    python scripts/update_rule_docs.py --check  # exit 1 if any page drifted

tests/test_check_rule_docs.py fails when a page drifts, naming this script.
"""

from __future__ import annotations

import sys
from pathlib import Path

from qms.check.rules.catalogue import has_blocks, refresh

DOCS = Path(__file__).resolve().parent.parent / "docs"


def main(check: bool) -> int:
    drifted = []
    for page in sorted(DOCS.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        if not has_blocks(text):
            continue
        fresh = refresh(text)
        if fresh != text:
            drifted.append(page)
            if not check:
                page.write_text(fresh, encoding="utf-8")
    for page in drifted:
        print(f"{'drifted' if check else 'updated'}: {page}")
    return 1 if check and drifted else 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv[1:]))
