"""Verifying a suite: recapture every case's gold from a fresh reference box and report the
cases whose outcome drifted, with the suite checks."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from mirror.specs.generators import generators
from mirror.specs.targets import Target
from mirror.suites.checks import suite_problems
from mirror.suites.format import REFERENCE_KEYS
from mirror.suites.store import load_suite
from oracle.case import Outcome
from oracle.suite import SuiteCase


@dataclass(frozen=True)
class Drift:
    """A case whose fresh outcome differs from its gold."""

    side: str
    entry: SuiteCase
    fresh: Outcome

    def describe(self) -> str:
        fields = ", ".join(self.entry.gold.differences(self.fresh))
        return f"{self.side} {self.entry.id} ({self.entry.family}): {fields} differ"


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
    target: Target, visible: Path | None = None, progress: bool = True, sample: int | None = None
) -> VerifyReport:
    """Recapture the gold of every visible and held-out case from a fresh reference box, and
    run the suite checks (``suite_problems``) on the files.

    ``sample`` recaptures only about that many cases, evenly spread over the suite's order
    (family, then id), so every family is drawn and the same cases on every run.
    """
    from mirror.boxes.containers import reference_box

    started = time.monotonic()
    suite = load_suite(target, visible)
    problems = suite_problems(suite, target, generators(target.name))
    entries = [("visible", e) for e in suite.visible] + [("held-out", e) for e in suite.heldout]
    if sample is not None and len(entries) > sample:
        entries = entries[:: -(-len(entries) // sample)]
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
