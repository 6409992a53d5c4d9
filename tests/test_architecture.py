"""The import rules of docs/architecture.md, read from the source with ast: a
change that breaks the layering fails here, not in a review months later."""

from __future__ import annotations

import ast
import collections
import functools
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "qms"

# package -> the qms packages it may import (docs/architecture.md, "Packages").
# Top-level modules (workspace.py, records.py) count as packages of their own.
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "model": {"core"},
    "db": {"core"},
    "calendar": {"core", "model"},
    "ingest": {"core", "model", "workspace"},  # the reader limits of qms.yaml
    "workspace": {"core", "model", "db"},
    "library": {"core", "model", "workspace"},
    "check": {"core", "model", "calendar", "ingest", "library", "qms"},
    "synth": {"core", "model", "calendar", "library", "ingest", "qms"},  # a generated log written as a partitioned dataset
    "capa": {"core", "model", "db", "check"},
    "audit": {"core", "model", "db", "capa", "ingest"},  # the XLSX limits guard the audit fill-in sheet
    "records": {"core", "db", "capa", "audit"},
    "auth": {"core", "model", "db"},  # web users' passwords, tokens, login throttling
    "check_runs": {"core", "model", "db"},  # the register of check runs a workspace made
    "report": {"core", "model", "check", "capa", "audit", "qms"},
    "web": {"core", "model", "db", "workspace", "library", "calendar", "ingest", "check", "capa", "audit", "records",
            "report", "qms", "auth", "check_runs"},
    "cli": {"core", "model", "db", "workspace", "library", "calendar", "ingest", "check", "capa", "audit", "records",
            "report", "synth", "web", "qms", "auth", "check_runs"},
    "__main__": {"cli"},
}
# One named exception: rule-set validation asks the check's rule catalogue for its ids
# (`qms.check.rules.known_rule_ids`: module names and registered rules, no engine), so
# that a rule added as one module is a valid id everywhere (docs/architecture.md).
MODULE_EXCEPTIONS = {("qms.library.loader", "qms.check.rules")}
# Whatever else holds, these never: the engine renders nothing and knows no register or web layer.
FORBIDDEN = {"check": {"report", "web", "cli", "synth", "capa", "audit"}}


def _modules() -> dict[str, Path]:
    found = {}
    for path in SRC.rglob("*.py"):
        parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """qms modules imported anywhere in the file (function-level imports included)."""
    base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            target = ".".join([*base[: len(base) - node.level + 1], *([node.module] if node.module else [])]) \
                if node.level else (node.module or "")
            submodules = [f"{target}.{alias.name}" for alias in node.names if f"{target}.{alias.name}" in MODULES]
            found.update(submodules if len(submodules) == len(node.names) else [target, *submodules])
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {module for module in found if module == "qms" or module.startswith("qms.")}


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "qms"


@functools.cache
def _package_edges() -> dict[str, dict[str, str]]:
    """package -> {imported package: one module that does it}."""
    edges: dict[str, dict[str, str]] = collections.defaultdict(dict)
    for name, path in MODULES.items():
        for target in _imports(name, path):
            if (name, target) in MODULE_EXCEPTIONS:
                continue
            source, imported = _package(name), _package(target)
            if source != imported and source != "qms":
                edges[source].setdefault(imported, name)
    return edges


def test_every_package_has_a_rule():
    packages = {_package(name) for name in MODULES} - {"qms", "locale", "profiles"}
    assert packages <= set(ALLOWED), f"add the new package to docs/architecture.md and ALLOWED: {packages - set(ALLOWED)}"


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_it_may(package):
    imported = _package_edges().get(package, {})
    wrong = {target: where for target, where in imported.items()
             if target not in ALLOWED[package] or target in FORBIDDEN.get(package, set())}
    assert not wrong, f"{package} may not import: " + ", ".join(f"{t} (in {m})" for t, m in sorted(wrong.items()))


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in list(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_circle_between_packages():
    edges = {source: set(targets) - {"qms"} for source, targets in _package_edges().items()}
    assert not _cycles(edges)


def test_no_import_circle_between_modules():
    edges = {name: {t for t in _imports(name, path) if t in MODULES and t != name} for name, path in MODULES.items()}
    assert not _cycles(edges)


def test_the_rule_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_model_does_no_io():
    """Models validate data; reading and writing files belongs to the layers above."""
    io_calls = {"open", "read_text", "write_text", "read_bytes", "write_bytes", "mkdir", "unlink"}
    found = []
    for name, path in MODULES.items():
        if _package(name) != "model":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
                if called in io_calls:
                    found.append(f"{path.name}:{node.lineno} {called}()")
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                found += [f"{path.name}:{node.lineno} import {n}" for n in names
                          if n.split(".")[0] in {"os", "shutil", "subprocess", "sqlalchemy", "polars", "openpyxl"}]
    assert not found, "\n".join(found)
