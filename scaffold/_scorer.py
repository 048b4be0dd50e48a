"""The scorer: the workspace copied out of the agent box and scored like ``mirror score`` does.

The receipt (kind ``agent``, the model as candidate) carries the run's tokens, cost, wall and
working seconds, and where it came from (the Inspect log, the sample and its epoch). Snapshot
scoring and an evidence summary plug in at :func:`run_fields` and :func:`score_workspace`.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
from inspect_ai.log._samples import sample_active
from inspect_ai.model._model import sample_model_usage
from inspect_ai.scorer import Score, Scorer, Target, mean, scorer, stderr
from inspect_ai.solver import TaskState
from inspect_ai.util import sample_limits, sandbox

from mirror.scoring.receipts import AgentRun, Receipt
from mirror.scoring.score import score
from mirror.specs.targets import get_target
from scaffold._boxes import SampleBoxes
from scaffold._sandbox import MirrorSandbox, default_state

log = logging.getLogger(__name__)

LIMITS = ("token", "cost", "message", "turn", "working", "time")


METRICS = {"pass_fraction": [mean(), stderr()], "solved_99": [mean()], "solved_100": [mean()]}


@scorer(metrics=METRICS)
def heldout(results: str = "results", state_dir: str | None = None) -> Scorer:
    """Score the sample's /work on its target's held-out suite; write a receipt of kind agent.

    Args:
      results: Where receipts go.
      state_dir: Host state folder (as the sandbox's).
    """

    async def run(state: TaskState, target: Target) -> Score | None:
        boxes = sandbox().as_type(MirrorSandbox).boxes
        fields = run_fields(state)
        receipt, path = await anyio.to_thread.run_sync(
            lambda: score_workspace(
                boxes,
                fields["agent"]["model"],
                Path(results),
                Path(state_dir) if state_dir else default_state(),
                fields,
            )
        )
        return Score(
            value={
                "pass_fraction": receipt.pass_fraction,
                "solved_99": int(receipt.solved_99),
                "solved_100": int(receipt.solved_100),
            },
            answer=f"{receipt.passed}/{receipt.total}",
            explanation=(
                f"{receipt.passed} of {receipt.total} held-out cases pass "
                f"(build {receipt.build.status})"
            ),
            metadata={"receipt": str(path)},
        )

    return run


def run_fields(task_state: TaskState) -> dict[str, Any]:
    """The run's receipt fields: tokens, cost, times, and its origin."""
    active = sample_active()
    usage = sample_model_usage().values()
    costs = [u.total_cost for u in usage if u.total_cost is not None]
    limits = sample_limits()
    stopped_by = next(
        (
            name
            for name in LIMITS
            if (limit := getattr(limits, name)).limit is not None and limit.usage >= limit.limit
        ),
        None,
    )
    wall = time.time() - active.started if active and active.started else None
    return {
        "tokens": sum(u.total_tokens for u in usage),
        "cost_usd": sum(costs) if costs else None,
        "wall_seconds": wall,
        "working_seconds": limits.working.usage,
        "agent": AgentRun(
            model=active.model if active else str(task_state.model),
            log=_location(active.log_location) if active else "",
            sample_id=str(task_state.sample_id),
            epoch=task_state.epoch,
            stopped_by=stopped_by,
        ).model_dump(),
    }


def score_workspace(
    boxes: SampleBoxes, model: str, results: Path, state: Path, fields: dict[str, Any]
) -> tuple[Receipt, Path]:
    """Snapshot the agent box's /work and score the copy (the box stays as it is)."""
    target = get_target(boxes.target.name)
    with tempfile.TemporaryDirectory(prefix="mirror-final-") as tmp:
        work = boxes.snapshot(Path(tmp) / "work")
        wall = fields.pop("wall_seconds")
        return score(target, work, model, "agent", results, state, wall_seconds=wall, extra=fields)


def _location(log: str) -> str:
    """The log's absolute path (a URL, such as s3://..., as it is)."""
    return log if "://" in log else str(Path(log).absolute())
