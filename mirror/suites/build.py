"""Building a suite: draw cases from a target's generators, capture their gold through one
reference box, screen out what is unstable or does not discriminate, split, write.

Seeds and generated cases are captured in rounds, each drawing as many more cases as the last
one's yield says are missing, until both sides reach their minimum after every drop and every
generator family is on both sides.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import hypothesis
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from tqdm import tqdm

from mirror.specs.generators import generators, seed_cases
from mirror.specs.targets import Target
from mirror.suites.checks import MAX_SUITE_BYTES, VISIBLE_MIN, family_problems, suite_problems
from mirror.suites.format import FORMAT_VERSION, REFERENCE_KEYS, write_suite
from mirror.suites.splitting import HELDOUT_FRACTION, split, trivial
from mirror.suites.store import Suite, heldout_dir, visible_path
from oracle.case import Case, Outcome
from oracle.client import OracleClient
from oracle.suite import SuiteCase, case_id

log = logging.getLogger(__name__)

SLOW_FRACTION = 0.2  # a case taking over this share of its timeout is dropped as "slow"
MIN_DRAWS = 12  # per generator family and round, so every family reaches both sides


def runnable(case: Case) -> bool:
    """Whether exec can take the case at all: arguments and environment hold no NUL."""
    words = [*case.args, *case.env, *case.env.values()]
    return not any("\0" in word for word in words)


@dataclass(frozen=True)
class BuildOptions:
    """How a suite is built; the defaults are the issue's."""

    seed: int = 0
    runs: int = 3
    keep_volatile: bool = False
    visible_min: int = VISIBLE_MIN
    heldout_min: int | None = None  # None: the target's minimum
    heldout_fraction: float = HELDOUT_FRACTION
    max_rounds: int = 8
    max_cases: int = 30000
    max_output_bytes: int = 64 << 10
    visible_path: Path | None = None  # None: targets/<name>/visible.jsonl


@dataclass
class BuildReport:
    target: str
    visible: int
    heldout: int
    dropped: Counter[str]
    volatile: int
    rounds: int
    captured: int
    seconds: float
    sizes: dict[str, int]
    problems: list[str] = field(default_factory=list)


def draw(strategy: st.SearchStrategy[Case], count: int, seed: int) -> list[Case]:
    """``count`` examples of a strategy, the same ones for the same seed and Hypothesis."""
    drawn: list[Case] = []

    @settings(
        database=None,
        max_examples=count,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
    )
    @hypothesis.seed(seed)
    @given(strategy)
    def collect(case: Case) -> None:
        drawn.append(case)

    collect()
    return drawn


def _family_seed(seed: int, family: str, round_: int) -> int:
    digest = hashlib.sha256(f"{seed}:{family}:{round_}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def capture(
    client: OracleClient, cases: Sequence[Case], runs: int, desc: str = "", progress: bool = True
) -> list[list[Outcome]]:
    """Run every case ``runs`` times; each second run starts in a later wall-clock second than
    the first run of the same case ended, so clock-dependent output shows up as instability.
    A case whose first run timed out is not run again: it is dropped anyway."""
    outcomes: list[list[Outcome]] = [[] for _ in cases]
    ended: list[int] = []
    with tqdm(total=len(cases) * runs, desc=desc, unit="run", disable=not progress) as bar:
        for round_ in range(runs):
            for index, case in enumerate(cases):
                if round_ and outcomes[index][0].timed_out:
                    outcomes[index].append(outcomes[index][0])
                    bar.update()
                    continue
                if round_ == 1 and (now := time.time()) < ended[index] + 1:
                    time.sleep(ended[index] + 1 - now)
                outcomes[index].append(client.run(case))
                if round_ == 0:
                    ended.append(int(time.time()))
                bar.update()
    return outcomes


def classify(
    outcomes: Sequence[Outcome], keep_volatile: bool, max_output: int, timeout: float
) -> str | None:
    """Why a captured case is dropped (``None``: kept), from its runs' outcomes."""
    gold = outcomes[0]
    if any(outcome.timed_out for outcome in outcomes):
        return "timeout"
    if any(outcome.duration > SLOW_FRACTION * timeout for outcome in outcomes):
        # Near its time limit a case times out or not depending on the machine's load.
        return "slow"
    if any(
        outcome.stdout_truncated or outcome.stderr_truncated or outcome.files_truncated
        for outcome in outcomes
    ):
        return "truncated"
    if not keep_volatile and not all(gold.same_behaviour(other) for other in outcomes[1:]):
        return "unstable"
    if len(gold.stdout) + len(gold.stderr) + sum(map(len, gold.files.values())) > max_output:
        return "too_large"
    if trivial(gold):
        return "dummy_pass"
    return None


def generator_versions(target: Target) -> dict[str, str]:
    """sha256 of each file cases come from: a suite is rebuilt when one changes."""
    return {
        name: hashlib.sha256((target.folder / name).read_bytes()).hexdigest()
        for name in ("generators.py", "seeds.jsonl")
        if (target.folder / name).exists()
    }


@dataclass
class _Pool:
    """The cases captured so far, kept by id, and the count of the others by reason."""

    options: BuildOptions
    kept: dict[str, SuiteCase] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    dropped: Counter[str] = field(default_factory=Counter)
    offered: int = 0

    def add(
        self, client: OracleClient, offers: list[tuple[str, Case]], desc: str, progress: bool
    ) -> None:
        """Capture the new, runnable cases among ``offers`` and keep those that pass screening."""
        self.offered += len(offers)
        fresh: dict[str, tuple[str, Case]] = {}
        for family, case in offers:
            identity = case_id(case)
            if identity in self.seen or identity in fresh:
                self.dropped["duplicate"] += 1
            elif not runnable(case):
                self.dropped["unrunnable"] += 1
            else:
                fresh[identity] = (family, case)
        self.seen.update(fresh)
        batch = list(fresh.values())
        runs = capture(client, [case for _, case in batch], self.options.runs, desc, progress)
        for (family, case), outcomes in zip(batch, runs, strict=True):
            reason = classify(
                outcomes, self.options.keep_volatile, self.options.max_output_bytes, case.timeout
            )
            if reason:
                self.dropped[reason] += 1
                continue
            volatile = not all(outcomes[0].same_behaviour(other) for other in outcomes[1:])
            entry = SuiteCase(family, case, replace(outcomes[0], duration=0.0), volatile)
            self.kept[entry.id] = entry


def build_suite(
    target: Target, options: BuildOptions = BuildOptions(), progress: bool = True
) -> BuildReport:
    """Draw, capture, screen and split a target's cases; write both suites and the manifest.

    Seeds and generated cases are captured in rounds, each drawing as many more cases as the
    last one's yield says are missing, until both sides reach their minimum after every drop
    and every generator family is on both sides, or ``max_rounds`` or ``max_cases`` is reached.
    """
    from mirror.boxes.containers import reference_box  # Docker only where gold is captured

    started = time.monotonic()
    heldout_min = options.heldout_min or target.heldout_min
    visible_min = max(
        options.visible_min,
        math.ceil(heldout_min * (1 - options.heldout_fraction) / options.heldout_fraction),
    )
    strategies = generators(target.name)
    offers = [(family, case) for family, cases in seed_cases(target.name).items() for case in cases]
    wanted: float = max(0, visible_min + heldout_min - len(offers))
    per_family = max(MIN_DRAWS, math.ceil(1.3 * wanted / len(strategies)))
    pool = _Pool(options)
    with (
        tempfile.TemporaryDirectory(prefix="mirror-suite-") as tmp,
        reference_box(target, Path(tmp) / "oracle.sock", Path(tmp) / "log") as box,
        box.client() as client,
    ):
        for round_ in range(1, options.max_rounds + 1):
            per_family = min(per_family, (options.max_cases - len(pool.seen)) // len(strategies))
            for family, strategy in strategies.items() if per_family > 0 else ():
                seed = _family_seed(options.seed, family, round_)
                offers += [(family, case) for case in draw(strategy, per_family, seed)]
            pool.add(client, offers, f"{target.name} round {round_}", progress)
            offers = []
            visible, heldout, split_dropped = split(pool.kept.values(), options.heldout_fraction)
            log.info(
                "%s round %d: %d visible, %d held-out",
                target.name,
                round_,
                len(visible),
                len(heldout),
            )
            big_enough = len(visible) >= visible_min and len(heldout) >= heldout_min
            if (
                big_enough and not family_problems(visible, heldout, strategies)
            ) or per_family <= 0:
                break
            shortfall = max(visible_min / max(1, len(visible)), heldout_min / max(1, len(heldout)))
            wanted = len(pool.kept) * (shortfall - 1) + 10 * len(strategies)
            yield_ = max(0.05, len(pool.kept) / max(1, pool.offered))
            per_family = math.ceil(1.3 * wanted / yield_ / len(strategies))
    dropped = pool.dropped + split_dropped
    manifest = {
        "format": FORMAT_VERSION,
        "target": target.name,
        "reference": {
            "image_tag": box.image.tag,
            **{key: box.image.manifest.get(key) for key in REFERENCE_KEYS},
        },
        "generators": generator_versions(target),
        "hypothesis": {"version": hypothesis.__version__, "seed": options.seed},
        "runs": options.runs,
        "volatile": "marked" if options.keep_volatile else "dropped",
        "counts": _counts(visible, heldout),
        "dropped": dict(sorted(dropped.items())),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    folder = heldout_dir(target)
    visible_file = options.visible_path or visible_path(target)
    sizes = {
        str(visible_file): write_suite(visible_file, visible),
        str(folder / "cases.jsonl"): write_suite(folder / "cases.jsonl", heldout),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    suite = Suite(target.name, visible, heldout, manifest)
    problems = suite_problems(suite, target, strategies, (visible_min, heldout_min))
    if sum(sizes.values()) > MAX_SUITE_BYTES:
        problems.append(f"the suites take {sum(sizes.values())} bytes, over 20 MB")
    return BuildReport(
        target=target.name,
        visible=len(visible),
        heldout=len(heldout),
        dropped=dropped,
        volatile=sum(entry.volatile for entry in visible + heldout),
        rounds=round_,
        captured=len(pool.seen),
        seconds=time.monotonic() - started,
        sizes=sizes,
        problems=problems,
    )


def _counts(visible: Sequence[SuiteCase], heldout: Sequence[SuiteCase]) -> dict[str, Any]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"visible": 0, "heldout": 0})
    for side, entries in (("visible", visible), ("heldout", heldout)):
        for entry in entries:
            counts[entry.family][side] += 1
    return dict(sorted(counts.items()))
