"""Coverage-guided growth of a held-out suite: draw many more cases than the suite keeps,
capture their gold, and keep, greedily, those that add lines and branches, at the same size.

Each candidate (the suite's own held-out cases and the new draws) is run alone against the
instrumented build; the greedy pass then takes, at every step, the case adding the most new
lines (then branches), preferring the suite's own cases on ties, until nothing adds coverage;
the rest of the budget is filled with the suite's own cases in their order. New cases whose
input is a visible case's are never taken (equal inputs never straddle the split).
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from tqdm import tqdm

from mirror.specs.targets import Target
from mirror.strength.coverage import coverage_session
from mirror.suites import SuiteCase, heldout_dir, input_of, load_suite, write_suite
from oracle.case import Case
from oracle.suite import case_id

log = logging.getLogger(__name__)

Key = tuple[str, str, str]


@dataclass
class GrowthReport:
    """The suite's held-out coverage before and after growth, at the same size."""

    target: str
    size: int
    drawn: int
    captured: int  # new cases that passed screening
    taken: int  # new cases in the grown suite
    lines: tuple[float, float]  # held-out line coverage, old and grown (percent)
    branches: tuple[float, float]
    selected: list[SuiteCase] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)


def greedy(
    old: list[SuiteCase], new: list[SuiteCase], keys: dict[str, set[Key]], size: int
) -> list[SuiteCase]:
    """Up to ``size`` cases: one of each family of ``old`` (its widest), then coverage-adding
    ones (new lines first, then branches, the suite's own on ties), then the rest of ``old``."""
    own = {entry.id for entry in old}
    widest: dict[str, SuiteCase] = {}
    for entry in old:
        if entry.family not in widest or len(keys[entry.id]) > len(keys[widest[entry.family].id]):
            widest[entry.family] = entry
    chosen = list(widest.values())[:size]
    covered: set[Key] = set().union(*(keys[entry.id] for entry in chosen))
    remaining = {e.id: e for e in [*old, *new] if e.id not in {c.id for c in chosen}}
    while len(chosen) < size and remaining:
        best = max(remaining.values(), key=lambda entry: _gain(keys[entry.id], covered, own, entry))
        if not keys[best.id] - covered:
            break
        chosen.append(best)
        covered |= keys[best.id]
        del remaining[best.id]
    chosen += [entry for entry in old if entry.id in remaining][: size - len(chosen)]
    return chosen


def _gain(
    found: set[Key], covered: set[Key], own: set[str], entry: SuiteCase
) -> tuple[int, int, bool]:
    fresh = found - covered
    return sum(k[0] == "line" for k in fresh), len(fresh), entry.id in own


def grow_heldout(
    target: Target,
    draws_per_family: int = 50,
    seed: int = 0,
    runs: int = 3,
    write: bool = False,
    progress: bool = True,
) -> GrowthReport:
    """Grow the target's held-out suite; ``write`` replaces its cases and manifest counts."""
    from mirror.boxes.containers import reference_box
    from mirror.specs.generators import generators
    from mirror.suites.build import _family_seed, capture, classify, draw, runnable

    suite = load_suite(target)
    visible_inputs = {input_of(entry.case) for entry in suite.visible}
    known = {entry.id for entry in suite.visible + suite.heldout}
    offers = [
        (family, case)
        for family, strategy in generators(target.name).items()
        for case in draw(strategy, draws_per_family, _family_seed(seed, family, 1000))
    ]
    dropped: Counter[str] = Counter()
    fresh: dict[str, tuple[str, Case]] = {}
    for family, case in offers:
        entry_id = case_id(case)
        if entry_id in known or entry_id in fresh:
            dropped["duplicate"] += 1
        elif not runnable(case) or input_of(case) in visible_inputs:
            dropped["unrunnable_or_visible"] += 1
        else:
            fresh[entry_id] = (family, case)
    batch = list(fresh.values())
    with (
        tempfile.TemporaryDirectory(prefix="mirror-grow-") as tmp,
        reference_box(target, Path(tmp) / "oracle.sock", Path(tmp) / "log") as box,
        box.client() as client,
    ):
        captured = capture(client, [c for _, c in batch], runs, f"{target.name} draws", progress)
    new = []
    for (family, case), outcomes in zip(batch, captured, strict=True):
        reason = classify(outcomes, False, 64 << 10, case.timeout)
        if reason:
            dropped[reason] += 1
        else:
            gold = replace(outcomes[0], duration=0.0)
            new.append(SuiteCase(family, case, gold, False))
    keys: dict[str, set[Key]] = {}
    with coverage_session(target) as session:
        totals = session.collected().summary()
        for entry in tqdm([*suite.heldout, *new], desc="per-case coverage", disable=not progress):
            keys[entry.id] = session.profile([entry.case])[0].covered_keys()
    size = len(suite.heldout)
    selected = greedy(suite.heldout, new, keys, size)

    def percent(entries: list[SuiteCase], kind: str, total: int) -> float:
        union = set().union(*(keys[e.id] for e in entries))
        return 100.0 * sum(k[0] == kind for k in union) / total if total else 0.0

    report = GrowthReport(
        target.name,
        size,
        len(offers),
        len(new),
        len({e.id for e in selected} - {e.id for e in suite.heldout}),
        (
            percent(suite.heldout, "line", totals.line.total),
            percent(selected, "line", totals.line.total),
        ),
        (
            percent(suite.heldout, "branch", totals.branch.total),
            percent(selected, "branch", totals.branch.total),
        ),
        selected,
        dropped,
    )
    if write:
        _write(target, suite.manifest, selected)
    return report


def _write(target: Target, manifest: dict, selected: list[SuiteCase]) -> None:
    folder = heldout_dir(target)
    write_suite(folder / "cases.jsonl", selected)
    counts = manifest.get("counts", {})
    for family in counts:
        counts[family]["heldout"] = 0
    for entry in selected:
        counts.setdefault(entry.family, {"visible": 0, "heldout": 0})["heldout"] += 1
    manifest["counts"] = dict(sorted(counts.items()))
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
