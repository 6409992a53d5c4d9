"""Where the files shipped with qms are, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path

# qms/core/resources.py -> the qms package folder
_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def _shipped(name: str) -> Path:
    # In a wheel the directory is copied inside the package (pyproject force-include);
    # in a source checkout or editable install it sits at the repository's top.
    inside = _PACKAGE_DIR / name
    if inside.is_dir():
        return inside
    in_checkout = _PACKAGE_DIR.parent.parent / name
    if in_checkout.is_dir():
        return in_checkout
    raise FileNotFoundError(f"qms installation is missing its {name}/ directory")


def sample_library_dir() -> Path:
    """The bundled sample library of process documents (illustrative content)."""
    return _shipped("process_docs")


def report_templates_dir() -> Path:
    """The jinja2 templates of the PDF reports."""
    return _shipped("report_templates")


def locale_dir() -> Path:
    """gettext catalogs (.po) of qms's own messages and report strings."""
    return _PACKAGE_DIR / "locale"
