"""JSON Schema of each document kind and of qms.yaml, for editors.

With the YAML language server (VS Code's YAML extension and others), a first
line `# yaml-language-server: $schema=<OUTDIR>/procedure.schema.json` gives
completion, hover help and checking while typing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..model.workspace import WorkspaceConfig
from .loader import KIND_MODELS

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def document_schemas() -> dict[str, dict[str, Any]]:
    """File name -> schema, one per document kind plus the workspace config."""
    schemas = {}
    for kind, model in KIND_MODELS.items():
        schema = model.model_json_schema(mode="validation")
        # `kind` is what the loader dispatches on: required in files even though
        # the model has it as a default.
        schema.setdefault("required", [])
        if "kind" not in schema["required"]:
            schema["required"].insert(0, "kind")
        schemas[f"{kind}.schema.json"] = _dressed(schema, kind)
    schemas["qms.schema.json"] = _dressed(WorkspaceConfig.model_json_schema(mode="validation"), "qms.yaml")
    return schemas


def _dressed(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return {"$schema": SCHEMA_DIALECT, "$id": f"https://qms.invalid/schema/{name}", **schema}


def write_schemas(outdir: Path | str) -> list[Path]:
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in document_schemas().items():
        path = outdir / name
        path.write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written
