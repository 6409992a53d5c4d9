"""The workspace `qms init` writes names its people's job titles in both languages, so an
English report's signature block reads in English (a Vietnamese title there was a defect)."""

from __future__ import annotations

from report_support import write_check_output
from qms.report.model import build_report
from qms.workspace import init_workspace, load_workspace


def test_an_english_report_from_a_new_workspace_has_english_titles(tmp_path):
    init_workspace(tmp_path / "ws")
    config = load_workspace(tmp_path / "ws").config
    for user, person in config.users.items():
        assert person.title_in("en") and person.title_in("en") != person.title_in("vi"), user
    check_dir = write_check_output(tmp_path / "check", 40)
    english = build_report(check_dir, config=config, language="en", status="approved", approved_by="deputy.director")
    assert [s.title for s in english.signatories] == ["ISO secretary", "Officer, Department of Justice",
                                                      "Deputy Director"]
    vietnamese = build_report(check_dir, config=config, language="vi")
    assert vietnamese.signatories[0].title == "Thư ký ISO"
