"""Coverage of a target's suites: cases run by the runner against the instrumented build.

A coverage session is two boxes from the instrumented image. The runner box is the reference
box's runner (:func:`mirror.boxes.containers.runner_box`, the same ``oracle serve``, user,
limits and sandbox rules as the oracle) with one difference: a host folder is mounted writable
over the build tree's path and the sandbox lets the program write there, so the program leaves
its ``.gcda`` counts in it. The analysis box (no network, never an agent's) reads that folder
and runs ``gcov`` on it. Counts are written when the program exits: a case killed by its time
limit or a signal adds none.

The record goes to ``heldout/<name>/coverage.json``, not into ``manifest.json``: the manifest
is hashed into the suite digest every receipt carries, and a coverage figure measured later
must not change which suite a receipt names.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from mirror.boxes.containers import runner_box, sandbox_rules
from mirror.boxes.engine import engine
from mirror.boxes.images import SANDBOX_LAUNCHER, SANDBOX_PRELOAD, tar_of
from mirror.errors import HarnessError
from mirror.memorization.sources import NEVER
from mirror.specs.targets import Target
from mirror.strength.instrumented import (
    DATA_MOUNT,
    SUMMARY_IN_BOX,
    SUMMARY_PROGRAM,
    TREE,
    InstrumentedImage,
    ensure_instrumented_image,
    state_root,
)
from mirror.strength.profile import Function, Profile, Summary
from mirror.suites import Suite, SuiteCase, heldout_dir, load_suite
from oracle.case import Case, Outcome
from oracle.client import OracleClient
from oracle.compare import first_difference

log = logging.getLogger(__name__)

COVERAGE_FILE = "coverage.json"
REPORT_FILE = "coverage.txt"
RECORD_FORMAT = 1
ANALYSIS_MOUNT = "/gcov-run"


class CoverageError(HarnessError):
    """gcov or a coverage box failed; the message carries its output."""


@dataclass
class CoverageSession:
    """A running coverage box and analysis box for one target."""

    target: Target
    image: InstrumentedImage
    client: OracleClient
    data: Path  # host folder mounted over the build tree's parent in the runner box
    analysis: Any  # the analysis container

    def clear(self) -> None:
        """Forget the counts written so far (the folder stays, writable by the program)."""
        for child in self.data.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()

    def run(self, cases: Sequence[Case], desc: str = "", progress: bool = False) -> list[Outcome]:
        """Run cases one by one through the runner; counts add up in the data folder."""
        return [
            self.client.run(case)
            for case in tqdm(cases, desc=desc, unit="case", leave=False, disable=not progress)
        ]

    def collected(self) -> Profile:
        """The profile of every run since the last :meth:`clear`."""
        spec = self.image.spec
        source = Path(TREE).relative_to(DATA_MOUNT)
        data = f"{ANALYSIS_MOUNT}/{source}" if (self.data / source).exists() else "-"
        command = ["python3", SUMMARY_IN_BOX, TREE, data]
        # The same own files as the memorization screen's: never tests or vendored code.
        command += [json.dumps(spec.include), json.dumps([*spec.exclude, *NEVER])]
        code, (stdout, stderr) = self.analysis.exec_run(command, demux=True)
        if code != 0 or not stdout:
            raise CoverageError(
                f"gcov summary failed in {self.image.tag} (exit {code}):\n"
                f"{(stderr or b'').decode(errors='replace')[-2000:]}"
            )
        return Profile.from_json(json.loads(stdout))

    def profile(
        self, cases: Sequence[Case], desc: str = "", progress: bool = False
    ) -> tuple[Profile, list[Outcome]]:
        """Run ``cases`` from zero counts and return their profile and outcomes."""
        self.clear()
        outcomes = self.run(cases, desc, progress)
        return self.collected(), outcomes


@contextmanager
def coverage_session(
    target: Target, program: str | None = None, volumes: dict[str, dict[str, str]] | None = None
) -> Iterator[CoverageSession]:
    """Start the coverage and analysis boxes of ``target``; remove both on exit.

    ``program`` replaces the instrumented program (a mutant, under a path ``volumes`` mount).
    """
    image = ensure_instrumented_image(target)
    scratch = state_root() / "sessions"
    scratch.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=scratch)))
        data = tmp / "data"
        data.mkdir()
        data.chmod(0o777)  # the program's uid writes its counts here
        rules = f"{sandbox_rules(target)}:rw:{DATA_MOUNT}"
        sandbox = ["--sandbox", rules, "--sandbox-launcher", SANDBOX_LAUNCHER]
        sandbox += ["--sandbox-preload", SANDBOX_PRELOAD]
        mounts = {str(data): {"bind": DATA_MOUNT, "mode": "rw"}, **(volumes or {})}
        stack.enter_context(
            runner_box(
                image.tag,
                program or image.program,
                target.command,
                tmp / "sock" / "oracle.sock",
                tmp / "log",
                f"cov-{target.name}",
                sandbox,
                {"mirror.box": "coverage"},
                mounts,
            )
        )
        analysis = engine().containers.run(
            image.tag,
            ["sleep", "infinity"],
            detach=True,
            init=True,
            name=f"mirror-gcov-{target.name}-{uuid.uuid4().hex[:8]}",
            network_mode="none",
            volumes={str(data): {"bind": ANALYSIS_MOUNT, "mode": "ro"}},
            labels={"mirror.box": "coverage-analysis"},
        )
        stack.callback(analysis.remove, force=True)
        # Put in at start, not built in: changing the summary never rebuilds an image.
        summary = {SUMMARY_IN_BOX.lstrip("/"): SUMMARY_PROGRAM.read_bytes()}
        analysis.put_archive("/", tar_of(summary))
        client = stack.enter_context(OracleClient(tmp / "sock" / "oracle.sock"))
        yield CoverageSession(target, image, client, data, analysis)


@dataclass
class SuiteCoverage:
    """Coverage of a target's suites: per side, per family, both, and the uncovered."""

    target: str
    image: str
    files: list[str]
    visible: Summary
    heldout: Summary
    both: Summary
    families: dict[str, dict[str, Summary]]
    uncovered: list[Function]
    mismatches: dict[str, list[str]] = field(default_factory=dict)  # side -> case ids
    profiles: dict[str, Profile] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": RECORD_FORMAT,
            "target": self.target,
            "instrumented_image": self.image,
            "files": self.files,
            "visible": self.visible.to_json(),
            "heldout": self.heldout.to_json(),
            "both": self.both.to_json(),
            "families": {
                family: {side: summary.to_json() for side, summary in sides.items()}
                for family, sides in sorted(self.families.items())
            },
            "uncovered_functions": [
                {"file": f.file, "name": f.name, "start": f.start, "lines": f.lines}
                for f in self.uncovered
            ],
            "gold_mismatches": {side: len(ids) for side, ids in self.mismatches.items()},
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }


def suite_coverage(
    target: Target, suite: Suite | None = None, progress: bool = True
) -> SuiteCoverage:
    """Run the visible and held-out suites family by family against the instrumented build.

    Every outcome is also compared with its gold (volatile cases aside): the instrumented
    build must behave as the reference, or its figures would be of another program.
    """
    suite = suite or load_suite(target)
    groups: dict[tuple[str, str], list[SuiteCase]] = defaultdict(list)
    for side, entries in (("visible", suite.visible), ("heldout", suite.heldout)):
        for entry in entries:
            groups[(side, entry.family)].append(entry)
    profiles: dict[tuple[str, str], Profile] = {}
    mismatches: dict[str, list[str]] = {"visible": [], "heldout": []}
    with coverage_session(target) as session:
        files = sorted(session.collected().files)
        for (side, family), entries in sorted(groups.items()):
            profile, outcomes = session.profile(
                [entry.case for entry in entries], f"{target.name} {side} {family}", progress
            )
            profiles[(side, family)] = profile
            for entry, outcome in zip(entries, outcomes, strict=True):
                if not entry.volatile and first_difference(entry.gold, outcome) is not None:
                    mismatches[side].append(entry.id)
        image = session.image.tag
    empty = Profile()
    visible = empty.merged(*(p for (side, _), p in profiles.items() if side == "visible"))
    heldout = empty.merged(*(p for (side, _), p in profiles.items() if side == "heldout"))
    both = visible.merged(heldout)
    families: dict[str, dict[str, Summary]] = defaultdict(dict)
    for (side, family), profile in profiles.items():
        families[family][side] = profile.summary()
    for problem in (f"{side}: {ids[:5]}" for side, ids in mismatches.items() if ids):
        log.warning("%s: the instrumented build differs from the gold on %s", target.name, problem)
    return SuiteCoverage(
        target.name,
        image,
        files,
        visible.summary(),
        heldout.summary(),
        both.summary(),
        dict(families),
        both.uncovered_functions(),
        mismatches,
        {"visible": visible, "heldout": heldout, "both": both},
    )


def report_text(coverage: SuiteCoverage) -> str:
    """A plain-text report: the three summaries, per family, and the biggest uncovered."""

    def row(name: str, summary: Summary) -> str:
        cells = [f"{r.percent:6.1f}% ({r.covered}/{r.total})" for r in _ratios(summary)]
        return f"{name:<24} " + "  ".join(f"{c:<22}" for c in cells)

    lines = [
        f"coverage of {coverage.target} ({coverage.image})",
        f"own files: {', '.join(coverage.files)}",
        "",
        f"{'':<24} {'lines':<22}  {'branches':<22}  {'functions':<22}",
        row("visible", coverage.visible),
        row("held-out", coverage.heldout),
        row("both", coverage.both),
        "",
        "per family (held-out):",
    ]
    for family, sides in sorted(coverage.families.items()):
        if "heldout" in sides:
            lines.append(row(f"  {family}", sides["heldout"]))
    lines += ["", "biggest functions no case runs:"]
    lines += [f"  {f.name} ({f.file}:{f.start}, {f.lines} lines)" for f in coverage.uncovered] or [
        "  none"
    ]
    for side, ids in coverage.mismatches.items():
        if ids:
            lines.append(f"\n{len(ids)} {side} cases differ from the gold under instrumentation")
    return "\n".join(lines) + "\n"


def _ratios(summary: Summary) -> tuple[Any, ...]:
    return (summary.line, summary.branch, summary.function)


def write_record(target: Target, coverage: SuiteCoverage) -> Path:
    """Write ``coverage.json`` and ``coverage.txt`` beside the held-out suite."""
    folder = heldout_dir(target)
    path = folder / COVERAGE_FILE
    path.write_text(json.dumps(coverage.to_json(), indent=1) + "\n", encoding="utf-8")
    (folder / REPORT_FILE).write_text(report_text(coverage), encoding="utf-8")
    return path


def read_record(target: Target) -> dict[str, Any] | None:
    """The coverage record beside the held-out suite, if one was written."""
    path = heldout_dir(target) / COVERAGE_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
