"""Every message wrapped in _() has a Vietnamese translation, and the catalogs load."""

import ast
from pathlib import Path

import pytest

from qms.core import i18n

SRC = Path(i18n.__file__).resolve().parent.parent  # the whole qms package, not only core/


def _msgids_in_source() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"_", "gettext"}
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found[node.args[0].value] = f"{path.relative_to(SRC)}:{node.lineno}"
    return found


def test_every_message_has_a_vietnamese_translation():
    catalog = i18n.translations("vi")
    missing = [f"{where}: {msgid!r}" for msgid, where in _msgids_in_source().items()
               if catalog.gettext(msgid) == msgid]
    assert not missing, "untranslated messages:\n" + "\n".join(missing)


def test_language_switch(monkeypatch):
    monkeypatch.setattr(i18n, "_current_language", None)
    monkeypatch.setenv("QMS_LANG", "en")
    assert i18n.gettext("Error") == "Error"
    monkeypatch.setenv("QMS_LANG", "vi")
    assert i18n.gettext("Error") == "Lỗi"
    with pytest.raises(ValueError):
        i18n.set_language("fr")


def test_no_msgid_is_translated_two_ways():
    """All .po files of a language merge into one catalog, so a msgid two areas
    translate differently would silently change one of the two texts."""
    from babel.messages.pofile import read_po

    first_seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for po_file in sorted((i18n.locale_dir() / "vi").glob("*.po")):
        with po_file.open("rb") as handle:
            for message in read_po(handle):
                if not message.id or not message.string:
                    continue
                earlier = first_seen.setdefault(message.id, (po_file.name, message.string))
                if earlier[1] != message.string:
                    clashes.append(f"{message.id!r}: {earlier[0]} says {earlier[1]!r}, {po_file.name} says {message.string!r}")
    assert not clashes, "\n".join(clashes)
