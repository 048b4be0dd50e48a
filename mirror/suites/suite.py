"""Test suites: cases with gold outcomes, built from a target's generators, checked, verified.

A suite is JSON Lines, one case a line (the format is in ``docs/suites.md``). The visible suite
of a target is ``targets/<name>/visible.jsonl`` and goes to the agent; the held-out suite is
``<heldout root>/<name>/cases.jsonl`` with a ``manifest.json`` naming the reference build it was
captured from, and never leaves the host. Building draws seeds and generated cases, captures
their gold through one reference box, drops what is unstable or does not discriminate, and
splits each family between the two sides so that no input is on both.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import hypothesis
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from tqdm import tqdm

from mirror.errors import UserError
from mirror.specs.generators import generators, seed_cases
from mirror.specs.targets import ROOT, Target
from oracle.case import Case, CaseError, Outcome
from oracle.client import OracleClient

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
LINE_FIELDS = ("id", "family", "case", "gold", "volatile")
GOLD_FIELDS = {
    "stdout": "bytes",
    "stderr": "bytes",
    "exit_code": "int?",
    "signal": "int?",
    "timed_out": "bool",
    "stdout_truncated": "bool",
    "stderr_truncated": "bool",
}
VISIBLE_MIN = 100
HELDOUT_MIN = 300
HELDOUT_MIN_LARGE = {"jq": 1000, "sed": 1000}
HELDOUT_FRACTION = 0.75
LOOKUP_BOUND = 0.05
MAX_SUITE_BYTES = 20 << 20
SLOW_FRACTION = 0.2  # a case taking over this share of its timeout is dropped as "slow"
MIN_DRAWS = 12  # per generator family and round, so every family reaches both sides
EMPTY = Outcome(b"", b"", 0)
REFERENCE_KEYS = ("image_id", "binary", "binary_sha256", "packages", "spec_sha256")

Input = tuple[tuple[str, ...], bytes, tuple[tuple[str, bytes], ...]]


class SuiteError(UserError, ValueError):
    """A suite file is malformed or missing; the message names the file, line and field."""


def case_id(case: Case) -> str:
    """The stable id of a case: the first 16 hex digits of sha256 of its canonical JSON."""
    canonical = json.dumps(case.to_json(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def input_of(case: Case) -> Input:
    """What the program reads (arguments, stdin, files): equal inputs never straddle a split."""
    return case.args, case.stdin, tuple(sorted(case.files.items()))


def runnable(case: Case) -> bool:
    """Whether exec can take the case at all: arguments and environment hold no NUL."""
    words = [*case.args, *case.env, *case.env.values()]
    return not any("\0" in word for word in words)


def trivial(outcome: Outcome) -> bool:
    """Whether an empty program (or one that only exits 0) would produce this outcome."""
    return outcome.same_behaviour(EMPTY)


@dataclass(frozen=True)
class SuiteCase:
    """One line of a suite: a case, its family, and the reference's gold outcome."""

    family: str
    case: Case
    gold: Outcome
    volatile: bool = False

    @cached_property
    def id(self) -> str:
        return case_id(self.case)

    def to_json(self) -> dict[str, Any]:
        gold = self.gold.to_json()
        del gold["duration"]  # timing is not behaviour, and would churn the committed files
        return {
            "id": self.id,
            "family": self.family,
            "case": self.case.to_json(),
            "gold": gold,
            "volatile": self.volatile,
        }

    @classmethod
    def from_json(cls, record: object) -> SuiteCase:
        """Parse one line's object; a :class:`SuiteError` names the offending field."""
        if not isinstance(record, dict):
            raise SuiteError(f"expected a JSON object, got {type(record).__name__}")
        for name in LINE_FIELDS:
            if name not in record:
                raise SuiteError(f"field '{name}': missing")
        for name in record:
            if name not in LINE_FIELDS:
                raise SuiteError(f"field '{name}': unknown (fields are {', '.join(LINE_FIELDS)})")
        if not isinstance(record["family"], str) or not record["family"]:
            raise SuiteError("field 'family': expected a non-empty string")
        if not isinstance(record["volatile"], bool):
            raise SuiteError("field 'volatile': expected true or false")
        if not isinstance(record["case"], dict):
            raise SuiteError("field 'case': expected an object")
        try:
            case = Case.from_json(record["case"])
        except CaseError as error:
            raise SuiteError(_field_error("case", error)) from None
        entry = cls(record["family"], case, _gold(record["gold"]), record["volatile"])
        if record["id"] != entry.id:
            raise SuiteError(f"field 'id': {record['id']!r} does not match the case ({entry.id})")
        return entry


def _field_error(prefix: str, error: CaseError) -> str:
    name, _, message = str(error).partition(": ")
    return f"field '{prefix}.{name}': {message}"


def _gold(record: object) -> Outcome:
    if not isinstance(record, dict):
        raise SuiteError("field 'gold': expected an object")
    for name in record:
        if name not in GOLD_FIELDS and name != "duration":
            raise SuiteError(f"field 'gold.{name}': unknown")
    for name, kind in GOLD_FIELDS.items():
        value = record.get(name, None if kind != "bool" else False)
        if kind == "bytes" and name not in record:
            raise SuiteError(f"field 'gold.{name}': missing")
        if kind == "int?" and not (value is None or type(value) is int):
            raise SuiteError(f"field 'gold.{name}': expected an integer or null, got {value!r:.40}")
        if kind == "bool" and not isinstance(value, bool):
            raise SuiteError(f"field 'gold.{name}': expected true or false, got {value!r:.40}")
    if "exit_code" not in record:
        raise SuiteError("field 'gold.exit_code': missing")
    try:
        return Outcome.from_json(record)
    except CaseError as error:
        raise SuiteError(_field_error("gold", error)) from None


def read_suite(path: Path) -> list[SuiteCase]:
    """Read and validate a suite file; errors name the file, the line number and the field."""
    entries: list[SuiteCase] = []
    lines: dict[str, int] = {}
    with path.open("rb") as stream:
        for number, raw in enumerate(stream, start=1):
            if not raw.strip():
                continue
            try:
                entry = SuiteCase.from_json(json.loads(raw))
            except ValueError as error:  # SuiteError, and JSON or UTF-8 decoding errors
                message = str(error) if isinstance(error, SuiteError) else f"not JSON: {error}"
                raise SuiteError(f"{path}:{number}: {message}") from None
            if entry.id in lines:
                raise SuiteError(
                    f"{path}:{number}: field 'id': {entry.id} repeats line {lines[entry.id]}"
                )
            lines[entry.id] = number
            entries.append(entry)
    return entries


def write_suite(path: Path, entries: Iterable[SuiteCase]) -> int:
    """Write a suite sorted by family and id (stable diffs); returns its size in bytes."""
    lines = []
    for entry in sorted(entries, key=lambda e: (e.family, e.id)):
        record = entry.to_json()
        try:
            lines.append(json.dumps(record, ensure_ascii=False).encode())
        except UnicodeEncodeError:  # an argument holding a lone surrogate: keep it escaped
            lines.append(json.dumps(record).encode())
    data = b"".join(line + b"\n" for line in lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    partial.replace(path)
    return len(data)


def heldout_root() -> Path:
    """Where held-out suites live: ``MIRROR_HELDOUT`` or the repository's ``heldout/``."""
    return Path(os.environ.get("MIRROR_HELDOUT", ROOT / "heldout"))


def visible_path(target: Target) -> Path:
    return target.folder / "visible.jsonl"


def heldout_dir(target: Target) -> Path:
    return heldout_root() / target.name


def heldout_minimum(target: Target) -> int:
    return HELDOUT_MIN_LARGE.get(target.name, HELDOUT_MIN)


@dataclass
class Suite:
    """A target's visible and held-out cases, and the held-out manifest."""

    target: str
    visible: list[SuiteCase]
    heldout: list[SuiteCase]
    manifest: dict[str, Any]


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise SuiteError(f"{path}: not JSON: {error}") from None
    if not isinstance(manifest, dict):
        raise SuiteError(f"{path}: expected a JSON object")
    for name, kind in (("reference", dict), ("counts", dict), ("dropped", dict)):
        if not isinstance(manifest.get(name), kind):
            raise SuiteError(f"{path}: field '{name}': missing or not an object")
    return manifest


def load_suite(target: Target, visible: Path | None = None) -> Suite:
    """Read a target's visible and held-out suites (``visible`` overrides the visible file)."""
    visible = visible or visible_path(target)
    folder = heldout_dir(target)
    for path in (visible, folder / "cases.jsonl", folder / "manifest.json"):
        if not path.exists():
            raise SuiteError(f"{path}: missing; run `mirror tests build {target.name}`")
    return Suite(
        target.name,
        read_suite(visible),
        read_suite(folder / "cases.jsonl"),
        read_manifest(folder / "manifest.json"),
    )


# --- the split and the checks ---------------------------------------------------------------


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
        return self.by_input.get(input_of(case)) or self.by_args.get(case.args) or EMPTY

    def passes(self, entry: SuiteCase) -> bool:
        return self.answer(entry.case).same_behaviour(entry.gold)


def lookup_pass_rate(
    visible: Sequence[SuiteCase], heldout: Sequence[SuiteCase], by_args: bool = True
) -> float:
    """The fraction of held-out cases the lookup-table candidate passes."""
    table = LookupTable(visible, by_args)
    return sum(map(table.passes, heldout)) / len(heldout) if heldout else 0.0


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
    the issue's sizes for the target.
    """
    visible_min, heldout_min = minimums or (VISIBLE_MIN, heldout_minimum(target))
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


# --- building ---------------------------------------------------------------------------------


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
    if any(outcome.stdout_truncated or outcome.stderr_truncated for outcome in outcomes):
        return "truncated"
    if not keep_volatile and not all(gold.same_behaviour(other) for other in outcomes[1:]):
        return "unstable"
    if len(gold.stdout) + len(gold.stderr) > max_output:
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
    heldout_min = options.heldout_min or heldout_minimum(target)
    visible_min = max(
        options.visible_min,
        math.ceil(heldout_min * (1 - options.heldout_fraction) / options.heldout_fraction),
    )
    strategies = generators(target.name)
    offers = [(family, case) for family, cases in seed_cases(target.name).items() for case in cases]
    wanted = max(0, visible_min + heldout_min - len(offers))
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


# --- verifying --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drift:
    """A case whose fresh outcome differs from its gold."""

    side: str
    entry: SuiteCase
    fresh: Outcome

    def describe(self) -> str:
        gold, fresh = self.entry.gold, self.fresh
        fields = [name for name in GOLD_FIELDS if getattr(gold, name) != getattr(fresh, name)]
        return f"{self.side} {self.entry.id} ({self.entry.family}): {', '.join(fields)} differ"


@dataclass
class VerifyReport:
    target: str
    checked: int
    drift: list[Drift]
    volatile_changed: list[Drift]
    volatile_total: int
    reference_changes: dict[str, tuple[Any, Any]]
    problems: list[str]
    seconds: float


def verify_suite(
    target: Target, visible: Path | None = None, progress: bool = True
) -> VerifyReport:
    """Recapture the gold of every visible and held-out case from a fresh reference box, and
    run the suite checks (``suite_problems``) on the files."""
    from mirror.boxes.containers import reference_box

    started = time.monotonic()
    suite = load_suite(target, visible)
    problems = suite_problems(suite, target, generators(target.name))
    entries = [("visible", e) for e in suite.visible] + [("held-out", e) for e in suite.heldout]
    drift: list[Drift] = []
    volatile: list[Drift] = []
    with (
        tempfile.TemporaryDirectory(prefix="mirror-verify-") as tmp,
        reference_box(target, Path(tmp) / "oracle.sock", Path(tmp) / "log") as box,
        box.client() as client,
    ):
        recorded = suite.manifest["reference"]
        current = {**box.image.manifest, "image_tag": box.image.tag}
        changes = {
            key: (recorded.get(key), current.get(key))
            for key in ("image_tag", *REFERENCE_KEYS)
            if recorded.get(key) != current.get(key)
        }
        for side, entry in tqdm(entries, desc=f"{target.name} verify", disable=not progress):
            fresh = client.run(entry.case)
            if not fresh.same_behaviour(entry.gold):
                (volatile if entry.volatile else drift).append(Drift(side, entry, fresh))
    return VerifyReport(
        target=target.name,
        checked=len(entries),
        drift=drift,
        volatile_changed=volatile,
        volatile_total=sum(entry.volatile for _, entry in entries),
        reference_changes=changes,
        problems=problems,
        seconds=time.monotonic() - started,
    )
