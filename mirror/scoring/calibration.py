"""Calibration: every candidate of every chosen target scored, checked against expectations."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from mirror.errors import UserError
from mirror.scoring.candidates import Candidate, cached_workspace, candidates_for
from mirror.scoring.receipts import Receipt
from mirror.scoring.score import score
from mirror.specs.targets import Target

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Calibration:
    candidate: Candidate
    receipt: Receipt
    path: Path

    @property
    def meets_expectation(self) -> bool:
        fraction, expect = self.receipt.pass_fraction, self.candidate.expect
        return {
            "100": fraction == 1.0,
            "0": fraction == 0.0,
            "<=5": fraction <= 0.05,
            "between": 0.0 < fraction < 1.0,
        }[expect]


def calibrate(
    targets: list[Target], results: Path, state: Path, only: set[str] | None = None
) -> list[Calibration]:
    """Score each target's calibration candidates (or those named in ``only``).

    Receipts go under ``results``; a name in ``only`` that no chosen target has is a UserError.
    """
    known = {candidate.name for target in targets for candidate in candidates_for(target)}
    if unknown := sorted((only or set()) - known):
        raise UserError(
            f"no calibration candidate {', '.join(map(repr, unknown))} for "
            f"{', '.join(t.name for t in targets)} (known: {', '.join(sorted(known))})"
        )
    jobs = [
        (target, candidate)
        for target in targets
        for candidate in candidates_for(target)
        if only is None or candidate.name in only
    ]
    done = []
    for target, candidate in tqdm(jobs, desc="calibration", unit="run"):
        workspace = cached_workspace(candidate, target, state / "candidates")
        receipt, path = score(target, workspace, candidate.name, "calibration", results, state)
        done.append(Calibration(candidate, receipt, path))
        tqdm.write(
            f"{target.name:<10} {candidate.name:<10} {receipt.passed:>5}/{receipt.total:<5}"
            f" {receipt.pass_fraction:7.1%}"
        )
    return done


def calibration_table(runs: list[Calibration]) -> str:
    """A plain-text table: target x candidate, pass %, solved at 99 % and 100 %, expectation."""
    header = f"{'target':<10} {'candidate':<10} {'pass':>8} {'99%':>4} {'100%':>5}  expected"
    lines = [header, "-" * len(header)]
    for run in runs:
        r = run.receipt
        mark = "ok" if run.meets_expectation else "NOT MET"
        lines.append(
            f"{r.target:<10} {r.candidate:<10} {r.pass_fraction:8.1%} "
            f"{'yes' if r.solved_99 else 'no':>4} {'yes' if r.solved_100 else 'no':>5}  "
            f"{run.candidate.expect:<8} {mark}"
        )
    return "\n".join(lines)
