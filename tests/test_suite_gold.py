"""Committed suites against the reference as it is now: a fresh reference box recaptures every
gold unchanged (its own module: other suite tests point MIRROR_HELDOUT at built copies)."""

from __future__ import annotations

import pytest

from mirror.specs.targets import all_targets, get_target
from mirror.suites import verify_suite, visible_path


@pytest.mark.docker
@pytest.mark.parametrize("name", sorted(all_targets()))
def test_committed_suite_gold_is_what_the_reference_does_now(name: str) -> None:
    """The reference scores 100 % of its own suites: every gold, files included, is recaptured
    unchanged from a fresh reference box (caught sed's `w` cases when outcomes gained files)."""
    target = get_target(name)
    if not visible_path(target).exists():
        pytest.skip(f"{name} has no suite")
    report = verify_suite(target, progress=False)
    assert [(d.side, d.entry.id) for d in report.drift] == []
    assert report.problems == []
