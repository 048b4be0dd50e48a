"""Where cases come from, found by target and family.

Each target keeps its case sources in ``targets/<name>/generators.py``:
- ``@generator("<target>", "<family>")`` registers a factory of a Hypothesis strategy of
  :class:`Case` (a grammar of the program's own inputs);
- ``@fixed_cases("<target>", "<family>")`` registers a function returning a list of cases
  (for example an importer of the upstream test suite);
- ``targets/<name>/seeds.jsonl`` holds hand-written seed cases, one Case JSON object a line
  with an extra ``"family"`` field.
A family is one kind of input; suites keep every family on both sides of the split.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from functools import cache
from types import ModuleType

from hypothesis import strategies as st

from mirror.specs.targets import SpecError, get_target
from oracle.case import Case, CaseError

StrategyFactory = Callable[[], st.SearchStrategy[Case]]
FixedFactory = Callable[[], list[Case]]
_REGISTRY: dict[str, dict[str, StrategyFactory]] = {}
_FIXED: dict[str, dict[str, FixedFactory]] = {}


def generator(target: str, family: str) -> Callable[[StrategyFactory], StrategyFactory]:
    """Register a factory of a Case strategy under ``target`` and ``family``."""

    def register(factory: StrategyFactory) -> StrategyFactory:
        _refuse_twice(target, family)
        _REGISTRY.setdefault(target, {})[family] = factory
        return factory

    return register


def fixed_cases(target: str, family: str) -> Callable[[FixedFactory], FixedFactory]:
    """Register a function returning a fixed list of cases under ``target`` and ``family``."""

    def register(factory: FixedFactory) -> FixedFactory:
        _refuse_twice(target, family)
        _FIXED.setdefault(target, {})[family] = factory
        return factory

    return register


def _refuse_twice(target: str, family: str) -> None:
    if family in _REGISTRY.get(target, {}) or family in _FIXED.get(target, {}):
        path = get_target(target).folder / "generators.py"
        raise SpecError(f"{path}: family {family!r} is registered twice; rename one of them")


@cache
def generators_module(target_name: str) -> ModuleType:
    """The target's ``generators.py``, run once (running it registers its families)."""
    path = get_target(target_name).folder / "generators.py"
    if not path.exists():
        raise SpecError(f"{path}: missing; every target needs its case generators")
    spec = importlib.util.spec_from_file_location(f"mirror_targets.{target_name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generators(target_name: str) -> dict[str, st.SearchStrategy[Case]]:
    """Every family's strategy for a target."""
    generators_module(target_name)
    factories = _REGISTRY.get(target_name, {})
    if not factories:
        raise SpecError(f"targets/{target_name}/generators.py registers no @generator")
    return {family: factory() for family, factory in sorted(factories.items())}


def any_case(target_name: str) -> st.SearchStrategy[Case]:
    """A case from any of the target's families."""
    return st.one_of(*generators(target_name).values())


def seed_cases(target_name: str) -> dict[str, list[Case]]:
    """Hand-written seeds from ``seeds.jsonl`` plus registered fixed cases, by family."""
    generators_module(target_name)
    families: dict[str, list[Case]] = {}
    path = get_target(target_name).folder / "seeds.jsonl"
    if path.exists():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                family = record.pop("family")
                if not isinstance(family, str) or not family:
                    raise CaseError("family: expected a non-empty string")
                families.setdefault(family, []).append(Case.from_json(record))
            except (ValueError, KeyError, CaseError, AttributeError) as error:
                raise SpecError(f"{path}:{number}: {error}") from None
    for family, factory in sorted(_FIXED.get(target_name, {}).items()):
        families.setdefault(family, []).extend(factory())
    return families
