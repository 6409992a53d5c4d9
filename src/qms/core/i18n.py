"""Translations of qms's own messages and report strings (Vietnamese first).

Source strings are English msgids wrapped in `_()`; the Vietnamese catalog lives in
`qms/locale/vi/*.po`, one file per area (so that areas can be edited apart), and is
compiled with Babel at first use, then kept compiled in the user cache until a .po
file changes (`qms.core.user_cache`). The language is Vietnamese unless
`QMS_LANG` or `set_language()` says otherwise.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from contextvars import ContextVar
from functools import lru_cache

from gettext import GNUTranslations, NullTranslations

from .resources import locale_dir

SUPPORTED_LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"

_current_language: str | None = None
# One request's language in the web server (each request has its own context);
# the CLI sets the process-wide language instead.
_context_language: ContextVar[str | None] = ContextVar("qms_language", default=None)


def set_language(language: str) -> None:
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; choose one of {SUPPORTED_LANGUAGES}")
    global _current_language
    _current_language = language


@contextlib.contextmanager
def use_language(language: str) -> Iterator[None]:
    """Messages in `language` inside the block, for this context only (a web request)."""
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; choose one of {SUPPORTED_LANGUAGES}")
    token = _context_language.set(language)
    try:
        yield
    finally:
        _context_language.reset(token)


def get_language() -> str:
    in_context = _context_language.get()
    if in_context:
        return in_context
    if _current_language:
        return _current_language
    from_env = os.environ.get("QMS_LANG", "").strip().lower()[:2]
    return from_env if from_env in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


@lru_cache(maxsize=None)
def translations(language: str) -> NullTranslations:
    """All catalogs of one language merged; English (the msgids) needs none. The
    merged catalog is compiled once per change of the .po files and kept in the
    user cache (parsing every .po took 0.1-0.3 s of each command's start-up)."""
    from .user_cache import cached_bytes

    folder = locale_dir() / language
    po_files = sorted(folder.glob("*.po")) if folder.is_dir() else []
    if not po_files:
        return NullTranslations()
    key = "\n".join(f"{p.resolve()} {p.stat().st_size} {p.stat().st_mtime_ns}" for p in po_files)
    compiled = cached_bytes(f"messages-{language}.mo", key, lambda: _compiled(po_files, language))
    return GNUTranslations(io.BytesIO(compiled))


def _compiled(po_files, language: str) -> bytes:
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    merged = Catalog(locale=language)
    for po_file in po_files:
        with po_file.open("rb") as handle:
            for message in read_po(handle, locale=language):
                if message.id and message.string:
                    merged[message.id] = message
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    return buffer.getvalue()


def gettext(message: str) -> str:
    return translations(get_language()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return translations(get_language()).ngettext(singular, plural, count)


_ = gettext
