"""Shared fixtures. Docker tests use the real engine, which `make test` starts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mirror.boxes import ReferenceBox, reference_box
from mirror.targets import get_target


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
