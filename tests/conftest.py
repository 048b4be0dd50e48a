"""Shared fixtures. Docker tests use the real engine, which `make test` starts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from mirror.boxes.containers import ReferenceBox, reference_box
from mirror.specs.targets import get_target

# Every `make test` (and so every CI run) draws the same examples: derandomised, no example
# database. `HYPOTHESIS_PROFILE=explore pytest` draws fresh examples locally.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def box_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """Start reference boxes on demand, one per target per session."""
    from contextlib import ExitStack

    boxes: dict[str, ReferenceBox] = {}
    with ExitStack() as stack:

        def start(name: str) -> ReferenceBox:
            if name not in boxes:
                folder = tmp_path_factory.mktemp(f"box-{name}")
                boxes[name] = stack.enter_context(
                    reference_box(get_target(name), folder / "sock" / "oracle.sock", folder / "log")
                )
            return boxes[name]

        yield start


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
