"""The rule registry: every check qms makes, one module per rule.

A rule module (`rules/<rule id>.py`) holds everything about its rule: the metadata
(id, default severity, ISO 9001:2015 clause, titles, description, scope), the facts
it reads, its vectorised query over the engine's facts and its reference judgement
over one dossier's facts (see `base.Rule`). The engine, the reference checker, the
rule-set validation, the docs' rule table and the generator's defect kinds all read
this registry; adding a rule is adding one module (and its test).

    from qms.check.rules import REGISTRY
    REGISTRY["finished_late"].severity      # a Rule
    with REGISTRY.registered(my_rule): ...   # a rule from elsewhere, e.g. a test

Rule ids are the modules' names, so that `known_rule_ids()` can answer without
importing the rules (the library validates rule sets with it).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from .base import Hit, Rule

__all__ = ["REGISTRY", "Hit", "Registry", "Rule", "known_rule_ids", "rule_module_names"]


def rule_module_names() -> list[str]:
    """The rule modules of this package (helpers start with `_`, `base` is the frame)."""
    return sorted(info.name for info in pkgutil.iter_modules(__path__)
                  if not info.name.startswith("_") and info.name not in ("base", "catalogue"))


class Registry(Mapping[str, Rule]):
    """Rule id -> Rule, in id order: the package's rule modules, discovered on first
    use, and any rule registered through `register` / `registered`."""

    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}
        self._discovered = False

    def _discover(self) -> None:
        if self._discovered:
            return
        self._discovered = True
        for name in rule_module_names():
            rule = importlib.import_module(f"{__name__}.{name}").RULE
            if rule.id != name:
                raise ValueError(f"rule module {name} defines rule {rule.id!r}: a rule's module is named after its id")
            self._add(rule)

    def _add(self, rule: Rule) -> None:
        if rule.id in self._rules:
            raise ValueError(f"rule {rule.id!r} is registered twice")
        self._rules[rule.id] = rule
        self._rules = dict(sorted(self._rules.items()))

    def register(self, rule: Rule) -> Rule:
        """Add a rule defined outside this package (a plug-in, a test)."""
        self._discover()
        self._add(rule)
        return rule

    def unregister(self, rule_id: str) -> None:
        self._discover()
        del self._rules[rule_id]

    @contextmanager
    def registered(self, rule: Rule) -> Iterator[Rule]:
        """`rule` registered for the duration of a `with` block."""
        self.register(rule)
        try:
            yield rule
        finally:
            self.unregister(rule.id)

    def __getitem__(self, rule_id: str) -> Rule:
        self._discover()
        return self._rules[rule_id]

    def __iter__(self) -> Iterator[str]:
        self._discover()
        return iter(list(self._rules))

    def __len__(self) -> int:
        self._discover()
        return len(self._rules)

    def ids(self) -> tuple[str, ...]:
        return tuple(self)


REGISTRY = Registry()


def known_rule_ids() -> frozenset[str]:
    """Every rule id a rule set may name, without importing the rules' code."""
    return frozenset(rule_module_names()) | frozenset(REGISTRY._rules)
