"""Refresh the command outputs shown in README.md and docs/*.md.

    .venv/bin/python scripts/refresh_docs.py [--check]

Runs every code block marked `<!-- shown-output -->` (the rules are in
tests/test_docs_outputs.py, which fails the build when a shown output drifts) and
writes each command's real output in place of the shown one. Outputs shortened
with `…` are not rewritten, only reported when they no longer match: shorten them
again by hand. `--check` writes nothing and exits 1 when something would change.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from test_docs_outputs import MARKER, matches, run_step  # noqa: E402  (the test's own rules)


class _Folder:
    """What run_step needs of pytest's monkeypatch: changing the current folder."""

    @staticmethod
    def chdir(path) -> None:
        os.chdir(path)


def refresh_block(block: list[str]) -> tuple[list[str], list[str]]:
    """(the block with real outputs, commands whose shortened output drifted)."""
    out: list[str] = []
    drifted: list[str] = []
    index = 0
    with tempfile.TemporaryDirectory(prefix="qms-docs-") as scratch:
        here = os.getcwd()
        os.chdir(scratch)
        try:
            while index < len(block):
                line = block[index]
                out.append(line)
                index += 1
                if not line.startswith("$ "):
                    continue
                end = index
                while end < len(block) and not block[end].startswith("$ "):
                    end += 1
                shown = block[index:end]
                trailing = len(shown) - len("\n".join(shown).rstrip().splitlines()) if "".join(shown).strip() else len(shown)
                expected = shown[: len(shown) - trailing]
                actual = run_step(line[2:], _Folder)
                if not expected:
                    out += shown
                elif any("…" in text for text in expected):
                    if not matches(expected, actual):
                        drifted.append(line[2:])
                    out += shown
                else:
                    out += actual.rstrip("\n").splitlines() + shown[len(expected):]
                index = end
        finally:
            os.chdir(here)
    return out, drifted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when a page would change")
    check_only = parser.parse_args().check
    for variable in ("QMS_LANG", "QMS_DATABASE_URL", "QMS_USER", "QMS_LIBRARY"):
        os.environ.pop(variable, None)
    changed = False
    for page in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        lines = page.read_text(encoding="utf-8").split("\n")
        result, index = [], 0
        while index < len(lines):
            result.append(lines[index])
            if lines[index].strip() == MARKER:
                result.append(lines[index + 1])
                end = next(i for i in range(index + 2, len(lines)) if lines[i].startswith("```"))
                block, drifted = refresh_block(lines[index + 2:end])
                result += block
                for command in drifted:
                    print(f"{page.name}:{index + 1}: shortened output drifted, fix by hand: {command}")
                    changed = True
                index = end
                continue
            index += 1
        if result != lines:
            changed = True
            print(f"{page.relative_to(REPO)}: {'would change' if check_only else 'refreshed'}")
            if not check_only:
                page.write_text("\n".join(result), encoding="utf-8")
    return 1 if changed and check_only else 0


if __name__ == "__main__":
    sys.exit(main())
