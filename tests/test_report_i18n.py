"""Every string of the report templates and label tables has a Vietnamese translation."""

import re

from qms.core.i18n import translations
from qms.report import labels
from qms.core.resources import report_templates_dir

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
