"""Committed suites against the reference as it is now: a fresh reference box recaptures every
gold unchanged (its own module: other suite tests point MIRROR_HELDOUT at built copies)."""

from __future__ import annotations

import pytest

from mirror.specs.targets import all_targets, get_target
from mirror.suites import verify_suite, visible_path

# make test recaptures an even sample of each suite (mailauth's node takes about a second a
# case); make test-all recaptures every case.
SAMPLE = 150


def _check(name: str, sample: int | None) -> None:
    target = get_target(name)
    if not visible_path(target).exists():
        pytest.skip(f"{name} has no suite")
    report = verify_suite(target, progress=False, sample=sample)
    assert sample is None or report.checked <= 2 * sample
    assert [(d.side, d.entry.id) for d in report.drift] == []
    assert report.problems == []


@pytest.mark.docker
@pytest.mark.parametrize("name", sorted(all_targets()))
def test_a_sample_of_each_committed_suite_is_what_the_reference_does_now(name: str) -> None:
    """Gold recaptured unchanged, files included, from a fresh reference box (caught sed's `w`
    cases when outcomes gained files), on an even sample of every family."""
    _check(name, SAMPLE)


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(all_targets()))
def test_committed_suite_gold_is_what_the_reference_does_now(name: str) -> None:
    """The reference scores 100 % of its own suites: every gold recaptured unchanged."""
    _check(name, None)
