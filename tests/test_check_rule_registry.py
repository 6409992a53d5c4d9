"""The registry is what every part reads: a rule added from one module (here a
test-only rule, `example_rule.py`) is checked by the engine and the reference alike,
accepted by rule-set validation, listed in the docs' tables; and the docs' tables
are the registry's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

import example_rule
from check_support import calendar_settings, events_frame, make_calendar, simple_procedure, simple_ruleset
from qms.check.documents import CheckDocuments
from qms.check.engine import check_events
from qms.check.rules import REGISTRY, Rule, known_rule_ids
from qms.check.rules.base import DOSSIER_FACTS, EVENT_FACTS
from qms.check.rules.catalogue import has_blocks, refresh, rule_ids, rule_table
from qms.core.errors import QmsError
from qms.library import validate_library

from test_check_differential import assert_same

DOCS = Path(__file__).resolve().parent.parent / "docs"
RULE_ID = example_rule.RULE.id
AS_OF = dt.datetime(2024, 3, 20, 3, 0, tzinfo=dt.timezone.utc)


def row(d, step, at, **extra):
    return dict(dossier_id=d, procedure_code="QT-01", step=step, unit="MC", officer="x", at=at, **extra)


def log() -> pl.DataFrame:
    return events_frame([
        row("A", "received", "2024-03-04 08:00"),
        row("A", "supplement_received", "2024-03-04 09:00"),  # never asked for
        row("A", "supplement_requested", "2024-03-04 10:00"),
        row("A", "supplement_received", "2024-03-05 10:00"),  # answers the request
        row("A", "processed", "2024-03-05 11:00"),
        row("B", "received", "2024-03-04 08:00"),
        row("B", "supplement_requested", "2024-03-04 10:00"),
        row("B", "supplement_received", "2024-03-05 10:00"),
        row("B", "processed", "2024-03-05 11:00"),
    ])


def documents(**rules) -> CheckDocuments:
    return CheckDocuments([simple_procedure()], [simple_ruleset(rules=rules)], make_calendar(), calendar_settings())


def test_a_rule_registered_from_one_module_is_checked_by_engine_and_reference():
    with REGISTRY.registered(example_rule.RULE):
        _, findings = assert_same(log(), documents(), AS_OF)
        found = findings.filter(pl.col("rule") == RULE_ID)
        assert found.select("dossier_id", "step", "unit", "actual", "severity", "clause").rows() == [
            ("A", "supplement_received", "MC", "2024-03-04 09:00", "minor", "7.5")]
        # a rule set may change its severity, and the engine and the reference follow
        _, findings = assert_same(log(), documents(**{RULE_ID: {"severity": "major"}}), AS_OF)
        assert findings.filter(pl.col("rule") == RULE_ID)["severity"].to_list() == ["major"]
    _, findings = check_events(log(), documents(), AS_OF)
    assert RULE_ID not in findings["rule"].to_list()


def test_rule_set_validation_accepts_a_registered_rule_id_only_while_registered(tmp_path):
    (tmp_path / "rs.yaml").write_text(
        "kind: ruleset\ncode: RS\nissue: 1\neffective_from: 2024-01-01\ntitle: {vi: Quy tắc}\n"
        f"rules:\n  {RULE_ID}: {{severity: major}}\n", encoding="utf-8")
    _, problems = validate_library(tmp_path)
    assert [p for p in problems if RULE_ID in str(p)], "an unregistered id must be an error"
    with REGISTRY.registered(example_rule.RULE):
        assert RULE_ID in known_rule_ids()
        _, problems = validate_library(tmp_path)
        assert not [p for p in problems if RULE_ID in str(p)]
        documents(**{RULE_ID: {"enabled": False}})  # the check accepts it too
    with pytest.raises(QmsError, match=RULE_ID):
        documents(**{RULE_ID: {"enabled": False}})


def test_the_docs_tables_list_a_registered_rule():
    with REGISTRY.registered(example_rule.RULE):
        assert f"| `{RULE_ID}` | minor | 7.5 | a `supplement_received` event with no" in rule_table()
        assert f"`{RULE_ID}`" in rule_ids()
    assert RULE_ID not in rule_table()


def test_the_docs_pages_are_the_registry_s():
    pages = [page for page in sorted(DOCS.glob("*.md")) if has_blocks(page.read_text(encoding="utf-8"))]
    assert {page.name for page in pages} >= {"check.md", "process-documents.md"}
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert refresh(text) == text, f"{page.name} drifted from the rule registry: run scripts/update_rule_docs.py"


def test_every_rule_declares_real_facts_and_registration_is_checked():
    for rule in REGISTRY.values():
        assert set(rule.dossier_facts) <= set(DOSSIER_FACTS) and set(rule.event_facts) <= set(EVENT_FACTS)
    with pytest.raises(ValueError, match="undeclared facts"):
        Rule(**{**example_rule.RULE.__dict__, "event_facts": ("no_such_fact",)})
    with pytest.raises(ValueError, match="registered twice"):
        REGISTRY.register(REGISTRY["finished_late"])


def test_the_docs_show_the_example_rule_as_it_is():
    source = Path(example_rule.__file__).read_text(encoding="utf-8")
    shown = source[source.index("def query(inputs):"):].rstrip()
    assert f"```python\n{shown}\n```" in (DOCS / "check.md").read_text(encoding="utf-8")


def test_a_rule_sees_only_the_facts_it_declares():
    def query(inputs):  # reads `status`, which it does not declare
        return inputs.emit(inputs.issued.filter(pl.col("status") == "late"))

    sneaky = Rule(**{**example_rule.RULE.__dict__, "id": "reads_undeclared", "query": query,
                     "dossier_facts": ("finished_at",), "event_facts": ()})
    with REGISTRY.registered(sneaky), pytest.raises(pl.exceptions.ColumnNotFoundError):
        check_events(log(), documents(), AS_OF)
