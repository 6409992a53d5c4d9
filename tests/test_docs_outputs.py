"""The command outputs shown in README.md and docs/*.md are real: every code block
marked `<!-- shown-output -->` is run, command by command, in a fresh folder and
compared with what it shows. A shown output that drifts fails the build.

In a marked block, a line `$ COMMAND` is run (`cd DIR`, `&&`, `VAR=value` prefixes
and `# comments` as in a shell); the lines up to the next `$` line are its expected
standard output. `…` stands for any text within a line; a line that is only `…`
stands for any number of lines. A command followed directly by the next `$` line
is run but its output is not compared.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from qms.cli import main

REPO = Path(__file__).resolve().parents[1]
MARKER = "<!-- shown-output -->"


@dataclass
class Step:
    command: str
    expected: list[str] | None  # None: not shown


def shown_sessions() -> list[tuple[str, list[Step]]]:
    sessions = []
    for page in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        lines = page.read_text(encoding="utf-8").splitlines()
        for index, line in enumerate(lines):
            if line.strip() != MARKER:
                continue
            assert lines[index + 1].startswith("```"), f"{page.name}:{index + 1}: {MARKER} must precede a code block"
            end = next(i for i in range(index + 2, len(lines)) if lines[i].startswith("```"))
            sessions.append((f"{page.name}:{index + 1}", _steps(lines[index + 2:end])))
    return sessions


def _steps(block: list[str]) -> list[Step]:
    steps: list[Step] = []
    for line in block:
        if line.startswith("$ "):
            steps.append(Step(line[2:], None))
        elif steps:
            steps[-1].expected = [*(steps[-1].expected or []), line]
    for step in steps:
        while step.expected and not step.expected[-1].strip():
            step.expected.pop()
        step.expected = step.expected or None
    return steps


def matches(expected: list[str], actual: str) -> bool:
    pattern = "".join("(?:.*\n)*?" if line.strip() == "…" else ".*?".join(map(re.escape, line.split("…"))) + r"[ \t]*\n"
                      for line in expected)
    return re.fullmatch(pattern, actual.rstrip("\n") + "\n") is not None


def run_step(command: str, monkeypatch) -> str:
    output = ""
    parts: list[list[str]] = [[]]
    for word in shlex.split(command, comments=True):
        if word == "&&":
            parts.append([])
        else:
            parts[-1].append(word)
    for words in parts:
        part = shlex.join(words)
        env = {}
        while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
            name, _sep, value = words.pop(0).partition("=")
            env[name] = value
        if words[0] == "cd":
            monkeypatch.chdir(words[1])
            continue
        assert words[0] == "qms", f"only qms commands run in shown sessions: {part}"
        result = CliRunner().invoke(main, words[1:], env=env)
        assert result.exit_code == 0, f"$ {part}\n{result.output}"
        output += result.stdout
    return output


SESSIONS = shown_sessions()


def test_the_pages_mark_sessions():
    assert any(name.startswith("README.md") for name, _steps in SESSIONS)


@pytest.mark.parametrize("name, steps", SESSIONS, ids=[name for name, _steps in SESSIONS])
def test_shown_output_is_real(name, steps, tmp_path, monkeypatch):
    for variable in ("QMS_LANG", "QMS_DATABASE_URL", "QMS_USER", "QMS_LIBRARY"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.chdir(tmp_path)
    for step in steps:
        actual = run_step(step.command, monkeypatch)
        if step.expected is not None:
            assert matches(step.expected, actual), (
                f"{name}: the output of `{step.command}` drifted; it is now:\n{actual}")
    os.chdir(REPO)


def test_the_matcher():
    assert matches(["a …", "…", "z"], "a b c\nx\ny\nz\n")
    assert matches(["a", "…"], "a\n")
    assert not matches(["a", "b"], "a\nc\n")
    assert not matches(["a"], "a\nb\n")
