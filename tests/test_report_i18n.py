"""Every string of the report templates and label tables has a Vietnamese translation."""

import re

from qms.i18n import translations
from qms.report import labels
from qms.resources import report_templates_dir

TEMPLATE_MSGID = re.compile(r"""_\((["'])((?:\\.|(?!\1).)*)\1""")


def _template_msgids() -> set[str]:
    found = set()
    for template in report_templates_dir().glob("*.j2"):
        for match in TEMPLATE_MSGID.finditer(template.read_text(encoding="utf-8")):
            found.add(match.group(2).replace('\\"', '"'))
    return found


def test_templates_and_labels_are_translated():
    catalog = translations("vi")
    msgids = _template_msgids() | set(labels.all_msgids())
    assert len(msgids) > 100
    missing = sorted(msgid for msgid in msgids if catalog.gettext(msgid) == msgid)
    assert not missing, missing


def test_house_style_patterns_are_translated():
    catalog = translations("vi")
    for pattern in ("#,##0.0%", "EEEE, MMMM d, y", "MMM d, y", "MMM d, y HH:mm", "MMMM y"):
        assert catalog.gettext(pattern) != pattern


def test_report_msgids_do_not_clash_with_other_catalogs():
    """All .po files of a language merge into one catalog, so a msgid another area
    translates differently would silently change one of the two texts."""
    from babel.messages.pofile import read_po

    from qms.resources import locale_dir

    folder = locale_dir() / "vi"
    with (folder / "report.po").open("rb") as handle:
        mine = {message.id: message.string for message in read_po(handle) if message.id}
    clashes = []
    for other in sorted(folder.glob("*.po")):
        if other.name == "report.po":
            continue
        with other.open("rb") as handle:
            for message in read_po(handle):
                if message.id in mine and message.string and message.string != mine[message.id]:
                    clashes.append(f"{other.name}: {message.id!r} = {message.string!r}, report.po: {mine[message.id]!r}")
    assert not clashes, "\n".join(clashes)
