"""The split of captured cases into a visible and a held-out suite, and the lookup table it
must defeat: the candidate that memorised the visible suite."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from oracle.case import Case, Outcome
from oracle.suite import SuiteCase

HELDOUT_FRACTION = 0.75
EMPTY = Outcome(b"", b"", 0)  # what a program that does nothing produces

Input = tuple[tuple[str, ...], bytes, tuple[tuple[str, bytes], ...]]


def input_of(case: Case) -> Input:
    """What the program reads (arguments, stdin, files): equal inputs never straddle a split."""
    return case.args, case.stdin, tuple(sorted(case.files.items()))


def trivial(outcome: Outcome) -> bool:
    """Whether an empty program (or one that only exits 0) would produce this outcome."""
    return outcome.same_behaviour(EMPTY)


def _rank(value: object) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()


def split_family(
    members: Sequence[SuiteCase], heldout_fraction: float = HELDOUT_FRACTION
) -> tuple[list[SuiteCase], list[SuiteCase]]:
    """Split one family into visible and held-out, never separating cases with equal inputs.

    Cases sharing their arguments stay together, so a lookup keyed on arguments alone finds
    nothing to replay, unless that group is too big to keep the sides near their shares (a
    program mostly fed on stdin): such a group is split by whole input instead. Groups go in
    a content-hash order, visible first up to its share; with two groups or more the last
    always goes held-out, so such a family is on both sides.
    """
    quota = max(1, round((1 - heldout_fraction) * len(members)))
    largest = max(1, quota // 4)
    groups: dict[object, list[SuiteCase]] = defaultdict(list)
    for entry in members:
        groups[entry.case.args].append(entry)
    for args in [args for args, group in groups.items() if len(group) > largest]:
        for entry in groups.pop(args):
            groups[input_of(entry.case)].append(entry)
    ordered = [groups[key] for key in sorted(groups, key=_rank)]
    visible: list[SuiteCase] = []
    heldout: list[SuiteCase] = []
    for index, group in enumerate(ordered):
        last = index == len(ordered) - 1
        side = visible if len(visible) < quota and not (last and index > 0) else heldout
        side.extend(group)
    return visible, heldout


def split(
    entries: Iterable[SuiteCase], heldout_fraction: float = HELDOUT_FRACTION
) -> tuple[list[SuiteCase], list[SuiteCase], Counter[str]]:
    """Split every family, then drop held-out cases that share an input with a visible one or
    that the lookup table passes (possible across families, or in a group split by input)."""
    families: dict[str, list[SuiteCase]] = defaultdict(list)
    for entry in entries:
        families[entry.family].append(entry)
    visible: list[SuiteCase] = []
    heldout: list[SuiteCase] = []
    for family in sorted(families):
        seen, unseen = split_family(families[family], heldout_fraction)
        visible += seen
        heldout += unseen
    dropped: Counter[str] = Counter()
    inputs = {input_of(entry.case) for entry in visible}
    table = LookupTable(visible)
    kept = []
    for entry in heldout:
        if input_of(entry.case) in inputs:
            dropped["input_overlap"] += 1
        elif table.passes(entry):
            dropped["lookup_pass"] += 1
        else:
            kept.append(entry)
    return visible, kept, dropped


class LookupTable:
    """The candidate that memorised the visible suite: it replays the visible gold for an
    identical input, or (when ``by_args``) for identical arguments alone, and otherwise
    prints nothing and exits 0."""

    def __init__(self, visible: Iterable[SuiteCase], by_args: bool = True):
        self.by_input: dict[Input, Outcome] = {}
        self.by_args: dict[tuple[str, ...], Outcome] = {}
        for entry in sorted(visible, key=lambda e: e.id):  # the same replay in any order
            self.by_input.setdefault(input_of(entry.case), entry.gold)
            self.by_args.setdefault(entry.case.args, entry.gold)
        if not by_args:
            self.by_args.clear()

    def answer(self, case: Case) -> Outcome:
        """The visible gold replayed for ``case``, or the empty outcome."""
        return self.by_input.get(input_of(case)) or self.by_args.get(case.args) or EMPTY

    def passes(self, entry: SuiteCase) -> bool:
        """Whether the replayed answer matches the case's gold."""
        return self.answer(entry.case).same_behaviour(entry.gold)


def lookup_pass_rate(
    visible: Sequence[SuiteCase], heldout: Sequence[SuiteCase], by_args: bool = True
) -> float:
    """The fraction of held-out cases the lookup-table candidate passes."""
    table = LookupTable(visible, by_args)
    return sum(map(table.passes, heldout)) / len(heldout) if heldout else 0.0
