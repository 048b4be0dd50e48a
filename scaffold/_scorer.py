"""The scorer: the run's snapshots (the last taken now) scored like ``mirror score`` does.

The receipt (kind ``agent``, the model as candidate) carries the run's tokens, cost, wall and
working seconds, and where it came from (the Inspect log, the sample and its epoch); its
``curve`` holds the pass fraction of every snapshot over tokens, and its ``evidence`` the run's
summary. Beside it, ``<run_id>.evidence/`` keeps the snapshots (the last is the final
workspace), their per-case files and a copy of the reference box's oracle query log.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
from inspect_ai.event import Event
from inspect_ai.log import transcript
from inspect_ai.log._samples import sample_active
from inspect_ai.model._model import sample_model_usage
from inspect_ai.scorer import Score, Scorer, Target, mean, scorer, stderr
from inspect_ai.solver import TaskState
from inspect_ai.util import sample_limits, sandbox

from mirror.scoring.receipts import AgentRun, CurvePoint, Receipt
from mirror.specs.targets import get_target
from mirror.suites import visible_path
from oracle.suite import read_suite
from scaffold._boxes import SampleBoxes
from scaffold._evidence import read_query_log, summarise
from scaffold._sandbox import MirrorSandbox, default_state
from scaffold._snapshots import Snapshot, evidence_folder, score_snapshots, take_snapshot, taken

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
        await take_snapshot(boxes, Path(results), fields["tokens"], fields["wall_seconds"])
        evidence = evidence_folder(Path(results), boxes.target)
        snapshots, events = taken(), list(transcript().events)
        active = sample_active()
        started = datetime.fromtimestamp(active.started, UTC) if active and active.started else None
        receipt, path = await anyio.to_thread.run_sync(
            lambda: score_run(
                boxes,
                Path(results),
                Path(state_dir) if state_dir else default_state(),
                fields,
                evidence,
                snapshots,
                events,
                started,
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


def score_run(
    boxes: SampleBoxes,
    results: Path,
    state: Path,
    fields: dict[str, Any],
    evidence: Path,
    snapshots: list[Snapshot],
    events: Sequence[Event],
    started: datetime | None,
) -> tuple[Receipt, Path]:
    """Score the run's snapshots (the last is the final workspace) and write its receipt, with
    the curve and the evidence summary, as ``mirror score`` lays receipts out."""
    target = get_target(boxes.target.name)
    model, wall = fields["agent"]["model"], fields.pop("wall_seconds")
    folder = results / "agent" / target.name
    with tempfile.TemporaryDirectory(prefix="mirror-snapshots-") as tmp:
        scored = score_snapshots(target, evidence, snapshots, model, Path(tmp), state)
        final = scored[-1]
        run_id = final.receipt.run_id
        for suffix in (".build.log", ".cases.jsonl"):
            shutil.copyfile(final.path.with_name(run_id + suffix), folder / f"{run_id}{suffix}")
    kept = folder / f"{run_id}.evidence"
    shutil.move(evidence, kept)
    queries, workspace = None, f"{kept.name}/{final.snapshot.file}"
    if boxes.query_log.exists():
        queries = f"{kept.name}/queries.jsonl"
        shutil.copyfile(boxes.query_log, folder / queries)
    summary = summarise(
        events,
        read_query_log(boxes.query_log),
        len(read_suite(visible_path(target))),
        started,
        {"folder": kept.name, "queries": queries, "workspace": workspace},
    )
    curve = [
        CurvePoint(
            tokens=point.snapshot.tokens,
            seconds=point.snapshot.seconds,
            pass_fraction=point.receipt.pass_fraction,
            workspace=point.workspace,
            snapshot=f"{kept.name}/{point.snapshot.file}",
        )
        for point in scored
    ]
    receipt = Receipt.model_validate(
        {
            **final.receipt.model_dump(),
            **fields,
            "wall_seconds": wall,
            "oracle_queries": summary.oracle_queries,
            "curve": curve,
            "evidence": summary,
        }
    )
    path = folder / f"{run_id}.receipt.json"
    path.write_text(receipt.model_dump_json(indent=1, exclude_none=True) + "\n")  # written last
    log.info("%s: %d snapshots scored, receipt %s", target.name, len(scored), path)
    return receipt, path


def _location(log: str) -> str:
    """The log's absolute path (a URL, such as s3://..., as it is)."""
    return log if "://" in log else str(Path(log).absolute())
