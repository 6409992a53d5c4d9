"""load_model_file: any module's hand-written YAML file validated by its pydantic
model, every problem reported at once as file:line: field.path: message."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import Field

from qms.core import i18n
from qms.core.errors import QmsError, ValidationFailed
from qms.core.model_file import MalformedYamlFile, load_model_file
from qms.model.common import StrictModel


class Shift(StrictModel):
    name: str
    start: dt.time
    hours: int = Field(gt=0)


class Roster(StrictModel):
    title: str
    cutoff: dt.time
    shifts: list[Shift]


@pytest.fixture(autouse=True)
def english_messages(monkeypatch):
    monkeypatch.setattr(i18n, "_current_language", "en")


def write(tmp_path, text: str):
    path = tmp_path / "roster.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_with_an_unquoted_time(tmp_path):
    # YAML 1.1 reads 15:00 as the base-60 number 900; the reader keeps it a time.
    path = write(tmp_path, "title: Desk\ncutoff: 15:00\nshifts:\n  - {name: early, start: 07:30, hours: 4}\n")
    roster = load_model_file(path, Roster)
    assert roster.cutoff == dt.time(15, 0)
    assert roster.shifts[0].start == dt.time(7, 30)


def test_every_problem_is_reported_at_its_own_line(tmp_path):
    path = write(tmp_path,
                 "title: Desk\n"                       # 1
                 "cutof: 15:00\n"                      # 2  misspelt field
                 "shifts:\n"                           # 3
                 "  - name: early\n"                   # 4
                 "    start: 07:30\n"                  # 5
                 "    hours: 0\n"                      # 6  not > 0
                 "  - name: late\n"                    # 7
                 "    start: 25:00\n"                  # 8  no such time
                 "    hours: 4\n")                     # 9
    with pytest.raises(ValidationFailed) as caught:
        load_model_file(path, Roster, summary="the roster is not valid")
    problems = caught.value.problems
    assert str(caught.value).startswith("the roster is not valid\n")
    assert problems[0] == f"{path}:1: cutoff: required field is missing"
    assert problems[1] == f"{path}:2: cutof: unknown field; did you mean 'cutoff'?"
    assert problems[2] == f"{path}:6: shifts[0].hours: must be greater than 0 (got 0)"
    assert problems[3].startswith(f"{path}:8: shifts[1].start: expected a time of day HH:MM")
    assert len(problems) == 4


def test_pydantic_errors_read_in_vietnamese(tmp_path, monkeypatch):
    monkeypatch.setattr(i18n, "_current_language", "vi")
    path = write(tmp_path, "title: [Desk]\ncutoff: soon\nshifts:\n  - {name: early, start: 07:30, hours: -1}\n")
    with pytest.raises(ValidationFailed) as caught:
        load_model_file(path, Roster)
    assert caught.value.problems == [
        f"{path}:1: title: cần một chuỗi văn bản",
        f"{path}:2: cutoff: cần một giờ trong ngày dạng HH:MM (giá trị: 'soon')",
        f"{path}:4: shifts[0].hours: phải lớn hơn 0 (giá trị: -1)",
    ]


def test_a_duplicate_key_is_an_error_not_an_overwrite(tmp_path):
    path = write(tmp_path, "title: Desk\ncutoff: '15:00'\nshifts: []\ntitle: Other\n")
    with pytest.raises(MalformedYamlFile) as caught:
        load_model_file(path, Roster)
    assert str(caught.value) == f"{path}:4: title: the key appears twice"
    assert isinstance(caught.value, ValidationFailed)


def test_display_path_names_the_file_in_every_message(tmp_path):
    path = write(tmp_path, "title: Desk\ncutoff: 15:00\nshifts: [{name: x, start: 07:00, hours: -1}]\n")
    with pytest.raises(ValidationFailed) as caught:
        load_model_file(path, Roster, display_path="docs/roster.yaml")
    assert caught.value.problems[0].startswith("docs/roster.yaml:3: shifts[0].hours: ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("title: [unclosed\n", "roster.yaml:2: malformed YAML"),
        ("- a\n- b\n", "roster.yaml:1: the top level must be a mapping"),
        ("", "roster.yaml:1: the file is empty"),
        ("title:\n\tcutoff: x\n", "roster.yaml:2: "),
    ],
)
def test_a_file_that_is_not_a_yaml_mapping(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(QmsError) as caught:
        load_model_file(path, Roster)
    assert str(caught.value).startswith(str(tmp_path / expected))
    assert "Traceback" not in str(caught.value)


def test_a_missing_file(tmp_path):
    with pytest.raises(QmsError, match=r"absent\.yaml:1: cannot read the file"):
        load_model_file(tmp_path / "absent.yaml", Roster)
