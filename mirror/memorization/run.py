"""One screen, end to end: the Inspect task run on a model, its log turned into records."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mirror.errors import HarnessError
from mirror.memorization.extract import DEFAULT_FUNCTIONS
from mirror.memorization.screen import (
    DEFAULT_CUTOFF,
    ScreenRecord,
    screen_records,
    write_records,
)
from mirror.memorization.similarity import chance_levels

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScreenRun:
    """What a screen produced: its records and where they and the Inspect log are."""

    records: list[ScreenRecord]
    written: list[Path]
    log: str
    samples: int
    unavailable: dict[str, str]


def run_screen(
    model: str,
    targets: list[str] | None,
    results_dir: Path,
    log_dir: Path,
    functions: int = DEFAULT_FUNCTIONS,
    seed: int = 0,
    cutoff: str = DEFAULT_CUTOFF,
    script: str = "unrelated",
    display: str = "full",
    model_args: dict[str, Any] | None = None,
) -> ScreenRun:
    """Run the ``memorization`` task on ``model`` and write one record per target."""
    from inspect_ai import eval as inspect_eval

    from scaffold.memorization import memorization

    task = memorization(
        targets=targets, functions=functions, seed=seed, cutoff=cutoff, script=script
    )
    (eval_log,) = inspect_eval(
        task,
        model=model,
        model_args=model_args or {},
        log_dir=str(log_dir),
        display=display,  # type: ignore[arg-type]
    )
    if eval_log.status != "success" or eval_log.samples is None:
        error = eval_log.error.message if eval_log.error else eval_log.status
        raise HarnessError(
            f"the memorization eval did not finish ({error}); log: {eval_log.location}"
        )
    scored = []
    for sample in eval_log.samples:
        score = (sample.scores or {})["recital"]
        scored.append(
            {
                "kind": sample.metadata["kind"],
                "program": sample.metadata["program"],
                "indel": float(score.as_float()),
                "token": float((score.metadata or {})["token"]),
                "answer": score.answer or "",
                "truth": sample.target if isinstance(sample.target, str) else "",
                "language": sample.metadata["language"],
            }
        )
    by_program: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for one in scored:
        by_program[one["program"]].append(one)
    for group in by_program.values():
        levels = chance_levels(
            [s["answer"] for s in group], [s["truth"] for s in group], group[0]["language"]
        )
        for one, level in zip(group, levels, strict=True):
            one["chance"] = level
    metadata = eval_log.eval.metadata or {}
    records = screen_records(
        scored, model, eval_log.location, cutoff, seed, metadata.get("manifests", {})
    )
    return ScreenRun(
        records=records,
        written=write_records(records, results_dir),
        log=eval_log.location,
        samples=len(scored),
        unavailable=metadata.get("unavailable", {}),
    )
