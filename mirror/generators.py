"""Case generators: Hypothesis strategies of :class:`Case`, found by target and family.

Each target keeps its strategies in ``targets/<name>/generators.py`` and registers them with
``@generator("<target>", "<family>")``; a family is one kind of input (a seed group or a
grammar), and suites keep every family on both sides of the visible/held-out split.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from functools import cache

from hypothesis import strategies as st

from mirror.targets import SpecError, get_target
from oracle.case import Case

StrategyFactory = Callable[[], st.SearchStrategy[Case]]
_REGISTRY: dict[str, dict[str, StrategyFactory]] = {}


def generator(target: str, family: str) -> Callable[[StrategyFactory], StrategyFactory]:
    """Register a factory of a Case strategy under ``target`` and ``family``."""

    def register(factory: StrategyFactory) -> StrategyFactory:
        _REGISTRY.setdefault(target, {})[family] = factory
        return factory

    return register


@cache
def _load(target_name: str) -> None:
    path = get_target(target_name).folder / "generators.py"
    if not path.exists():
        raise SpecError(f"{path}: missing; every target needs its case generators")
    spec = importlib.util.spec_from_file_location(f"mirror_targets.{target_name}", path)
    assert spec and spec.loader
    spec.loader.exec_module(importlib.util.module_from_spec(spec))


def generators(target_name: str) -> dict[str, st.SearchStrategy[Case]]:
    """Every family's strategy for a target."""
    _load(target_name)
    factories = _REGISTRY.get(target_name, {})
    if not factories:
        raise SpecError(f"targets/{target_name}/generators.py registers no @generator")
    return {family: factory() for family, factory in sorted(factories.items())}


def any_case(target_name: str) -> st.SearchStrategy[Case]:
    """A case from any of the target's families."""
    return st.one_of(*generators(target_name).values())
