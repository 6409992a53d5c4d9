"""Every image the README and docs/ show exists, and every screenshot in docs/web/ is
shown somewhere (scripts/screenshots.py makes them; a page renamed leaves no stale one)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)|<img[^>]+src=\"([^\"]+)\"")


def _documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _shown() -> dict[Path, list[str]]:
    shown: dict[Path, list[str]] = {}
    for document in _documents():
        for match in IMAGE.finditer(document.read_text(encoding="utf-8")):
            target = match.group(1) or match.group(2)
            if "://" not in target:
                shown.setdefault((document.parent / target).resolve(), []).append(document.name)
    return shown


def test_every_image_the_docs_show_exists():
    shown = _shown()
    assert any(path.parent == ROOT / "docs" / "web" for path in shown)  # the pattern finds the screenshots
    missing = [f"{path.relative_to(ROOT)} (in {', '.join(where)})" for path, where in shown.items() if not path.is_file()]
    assert not missing, "images the docs show but the repository lacks:\n" + "\n".join(missing)


def test_every_screenshot_is_shown():
    shown = _shown()
    unshown = [path.name for path in sorted((ROOT / "docs" / "web").glob("*.png")) if path.resolve() not in shown]
    assert not unshown, "screenshots no document shows: " + ", ".join(unshown)
