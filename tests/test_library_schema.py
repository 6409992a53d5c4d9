"""The exported JSON Schemas: valid schemas, accepting every sample file and the
workspace template, rejecting typos (what an editor shows while typing)."""

from __future__ import annotations

import json

import pytest
import yaml

from qms.library import load_library
from qms.library.loader import library_files
from qms.library.schema import document_schemas, write_schemas
from qms.core.yaml_source import read_yaml
from qms.core.resources import sample_library_dir

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema (test dependency) is not installed")


@pytest.fixture(autouse=True)
def english_messages(monkeypatch):
    """Messages in English for the assertions; restored afterwards (the CLI sets the
    language globally)."""
    from qms.core import i18n

    monkeypatch.setattr(i18n, "_current_language", "en")




def _as_json(value):
    return json.loads(json.dumps(value, default=lambda v: v.isoformat()))


def test_every_sample_file_validates_against_its_schema(tmp_path):
    written = write_schemas(tmp_path)
    assert {p.name for p in written} >= {"procedure.schema.json", "ruleset.schema.json", "checklist.schema.json", "calendar.schema.json", "qms.schema.json"}
    schemas = {p.name.split(".")[0]: json.loads(p.read_text(encoding="utf-8")) for p in written}
    files = library_files(sample_library_dir())
    assert len(files) >= 11
    validators = {}
    for kind, schema in schemas.items():
        jsonschema.Draft202012Validator.check_schema(schema)
        validators[kind] = jsonschema.Draft202012Validator(schema)
    for path in files:
        data = _as_json(read_yaml(path).data)
        errors = list(validators[data["kind"]].iter_errors(data))
        assert not errors, f"{path}: {[e.message for e in errors]}"


def test_schema_rejects_a_typo_and_a_missing_kind():
    schema = document_schemas()["procedure.schema.json"]
    library = load_library(sample_library_dir())
    path, _ = library.source_of(library.procedure_issue("QT-HT-01", 1))
    data = _as_json(read_yaml(path).data)
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid(data)
    typo = dict(data, time_limt=data["time_limit"])
    assert not validator.is_valid(typo)
    assert not validator.is_valid({k: v for k, v in data.items() if k != "kind"})


def test_workspace_config_schema_accepts_the_init_template(tmp_path):
    from qms.workspace import default_config

    schema = document_schemas()["qms.schema.json"]
    jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(default_config()))
