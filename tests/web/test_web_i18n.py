"""Every text of the web pages' templates has its Vietnamese translation (the pages
are Vietnamese first; tests/test_i18n.py reads the Python sources only)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment

from qms.core import i18n
from qms.web import app

TEMPLATES = Path(app.__file__).resolve().parent / "templates"


def test_every_template_text_is_translated():
    extractor = Environment(extensions=["jinja2.ext.i18n"])
    catalog = i18n.translations("vi")
    found = [(path.name, line, text) for path in sorted(TEMPLATES.glob("*.html"))
             for line, _function, text in extractor.extract_translations(path.read_text(encoding="utf-8"))
             if isinstance(text, str)]
    assert len(found) > 100  # the extraction sees the pages' texts
    missing = [f"{name}:{line}: {text!r}" for name, line, text in found if catalog.gettext(text) == text]
    assert not missing, "untranslated:\n" + "\n".join(missing)
