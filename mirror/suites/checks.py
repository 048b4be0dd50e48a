"""The rules a built suite must hold, each reported as a readable problem."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from mirror.specs.targets import Target
from mirror.suites.splitting import input_of, lookup_pass_rate, trivial
from mirror.suites.store import Suite
from oracle.suite import SuiteCase

VISIBLE_MIN = 100
LOOKUP_BOUND = 0.05  # the share of held-out cases a lookup-table candidate may pass
MAX_SUITE_BYTES = 20 << 20


def family_problems(
    visible: Sequence[SuiteCase], heldout: Sequence[SuiteCase], required: Iterable[str] = ()
) -> list[str]:
    """Held-out families without visible cases, and ``required`` families not on both sides."""
    seen = {entry.family for entry in visible}
    unseen = {entry.family for entry in heldout}
    problems = [f"family {f!r} is held out but has no visible case" for f in sorted(unseen - seen)]
    for family in sorted(set(required)):
        sides = [name for name, has in (("visible", seen), ("held-out", unseen)) if family in has]
        if len(sides) < 2:
            problems.append(f"family {family!r} is only on: {', '.join(sides) or 'neither side'}")
    return problems


def overlap_problems(visible: Sequence[SuiteCase], heldout: Sequence[SuiteCase]) -> list[str]:
    """Held-out cases whose input (arguments, stdin and files) is also a visible input."""
    inputs = {input_of(entry.case): entry.id for entry in visible}
    return [
        f"held-out {entry.id} has the input of visible {inputs[input_of(entry.case)]}"
        for entry in heldout
        if input_of(entry.case) in inputs
    ]


def suite_problems(
    suite: Suite,
    target: Target,
    required: Iterable[str] = (),
    minimums: tuple[int, int] | None = None,
) -> list[str]:
    """Everything the issue requires of a built suite that this one breaks.

    ``required`` families must be on both sides; ``minimums`` (visible, held-out) default to
    :data:`VISIBLE_MIN` and the target's ``heldout_min``.
    """
    visible_min, heldout_min = minimums or (VISIBLE_MIN, target.heldout_min)
    problems = family_problems(suite.visible, suite.heldout, required)
    problems += overlap_problems(suite.visible, suite.heldout)
    problems += [
        f"held-out {entry.id} is passed by an empty program"
        for entry in suite.heldout
        if trivial(entry.gold)
    ]
    for by_args in (False, True):
        rate = lookup_pass_rate(suite.visible, suite.heldout, by_args)
        if rate > LOOKUP_BOUND:
            keyed = "arguments" if by_args else "input"
            problems.append(f"a lookup table keyed on {keyed} passes {rate:.1%} of held-out")
    if len(suite.visible) < visible_min:
        problems.append(f"{len(suite.visible)} visible cases, fewer than {visible_min}")
    if len(suite.heldout) < heldout_min:
        problems.append(f"{len(suite.heldout)} held-out cases, fewer than {heldout_min}")
    return problems
