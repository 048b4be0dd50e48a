"""The head of a sweep: one Ray task per run, retried when its node dies, recorded as it ends.

``run_sweep`` submits every unfinished run of the manifest, waits for them, writes each run's
files (sent back through Ray when the node does not share the results folder), stamps its
receipt with where and how it ran, and keeps the manifest current, so ``--resume`` repeats no
finished run. Progress goes to a callback; the CLI draws it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ray
import ray.exceptions
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from mirror.errors import UserError
from mirror.sweep.ledger import Ledger
from mirror.sweep.manifest import (
    FAILED,
    RUNS,
    Manifest,
    RunRecord,
    manifest_path,
    read_manifest,
    write_manifest,
)
from mirror.sweep.nodes import RESOURCE, connect
from mirror.sweep.plan import SweepPlan
from mirror.sweep.runs import RunJob, RunResult, perform

log = logging.getLogger(__name__)

RETRIES = 3  # attempts after the first, for runs whose node or worker process died
CANCEL_GRACE = 60  # seconds an interrupted sweep waits for its runs to stop, then their boxes
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True)
class Progress:
    """The sweep so far."""

    total: int
    done: int
    failed: int
    running: dict[str, str]  # run key -> Ray node id
    tokens: int
    cost_usd: float


def run_sweep(
    plan: SweepPlan | None,
    results: Path,
    *,
    address: str | None = None,
    slots: int | None = None,
    resume: bool = False,
    copy: bool = False,
    on_progress: Callable[[Progress], None] | None = None,
    poll: float = 1.0,
) -> Manifest:
    """Run every unfinished run of the sweep in ``results`` and return its manifest.

    Args:
      plan: What to run (None with ``resume``: the manifest's plan).
      results: The sweep's folder (manifest, runs, receipts).
      address: A Ray cluster to join; None starts Ray on this machine holding ``slots`` runs.
      resume: Continue the sweep in ``results``; without it, ``results`` must hold no sweep.
      copy: Send every run's files back through Ray, even to a folder the node shares.
    """
    results = results.absolute()
    manifest = open_sweep(plan, results, resume)
    connect(address, slots)
    try:
        with _interruptible():
            return _drive(manifest, results, copy, on_progress or (lambda _: None), poll)
    finally:
        ray.shutdown()


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """SIGINT and SIGTERM stop the sweep cleanly (even where a shell started it ignoring
    SIGINT, as it does for background jobs)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    before = {number: signal.signal(number, interrupt) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)


def open_sweep(plan: SweepPlan | None, results: Path, resume: bool) -> Manifest:
    """The manifest to run: a new one for ``plan``, or the one in ``results`` made ready to
    resume (finished runs kept; interrupted and failed ones to run again)."""
    if not resume:
        if manifest_path(results).exists():
            raise UserError(
                f"{results} already holds a sweep; continue it with --resume, or give another "
                "--results folder"
            )
        if plan is None:
            raise UserError("give the sweep's models and targets (or --resume a sweep)")
        manifest = Manifest.new(plan)
    else:
        manifest = read_manifest(results)
        if plan is not None and plan != manifest.plan:
            raise UserError(
                f"{manifest_path(results)}: the sweep there has another plan; resume it "
                "without --models/--targets/--epochs, or give another --results folder"
            )
        for record in manifest.runs.values():
            receipt = record.receipt and (results / record.receipt).exists()
            if record.status != "done" or not receipt:
                record.status = "pending"
    write_manifest(results, manifest)
    return manifest


def _remote_run(job: RunJob, ledger: Any) -> RunResult | None:
    """The Ray task: report the attempt to the ledger, then perform the run on this node
    (None: the sweep was stopping, so it did not start)."""
    from scaffold._sandbox import OWNER

    if ray.get(ledger.should_stop.remote()):
        return None
    node = ray.get_runtime_context().get_node_id()
    attempt, earlier = ray.get(ledger.started.remote(job.spec.key, node, OWNER))
    try:
        return perform(job, node, attempt, earlier)
    finally:
        ledger.finished.remote(job.spec.key)


def _remove_boxes(owners: list[str]) -> list[str]:
    """The Ray task that removes, on its node, the boxes of the given owners (stopped runs)."""
    from scaffold._boxes import remove_leftovers
    from scaffold._sandbox import default_state

    return [name for owner in owners for name in remove_leftovers(default_state(), owner)]


def _drive(
    manifest: Manifest,
    results: Path,
    copy: bool,
    on_progress: Callable[[Progress], None],
    poll: float,
) -> Manifest:
    here = ray.get_runtime_context().get_node_id()
    ledger: Any = (
        ray.remote(Ledger)
        .options(
            num_cpus=0,
            scheduling_strategy=NodeAffinitySchedulingStrategy(here, soft=False),
        )
        .remote(
            {key: record.attempts for key, record in manifest.runs.items()},
            {key: record.owners for key, record in manifest.runs.items()},
        )
    )
    task = ray.remote(_remote_run)
    placement = {
        "num_cpus": 0,
        "resources": {RESOURCE: 1},
        "max_retries": RETRIES,
        "retry_exceptions": False,
    }
    pending: dict[ray.ObjectRef, str] = {}
    for key, record in manifest.runs.items():
        if record.status == "done":
            continue
        job = RunJob(record.spec, manifest.plan.limits, manifest.id, str(results), copy)
        pending[task.options(name=f"mirror run {key}", **placement).remote(job, ledger)] = key
        record.submitted_at = time.time()
    write_manifest(results, manifest)
    try:
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=poll)
            for ref in ready:
                _record(manifest, results, pending.pop(ref), ref)
            running, owners = ray.get(ledger.snapshot.remote())
            under_way = {key: run for key, run in running.items() if key in pending.values()}
            for key, run in under_way.items():
                record = manifest.runs[key]
                record.status, record.node, record.attempts = "running", run.node, run.attempt
                record.started_at = run.started_at
            for key, found in owners.items():
                manifest.runs[key].owners = found
            write_manifest(results, manifest)
            on_progress(progress(manifest, {k: r.node for k, r in under_way.items()}))
    except KeyboardInterrupt:
        _interrupt(manifest, results, pending, ledger)
        raise
    return manifest


def _interrupt(
    manifest: Manifest, results: Path, pending: dict[ray.ObjectRef, str], ledger: Any
) -> None:
    """Stop the runs under way and remove their boxes; they continue on ``--resume``.

    A run is stopped by ending its worker process (Inspect in a Ray worker does not see a
    cancellation otherwise), so its Inspect log stays unfinished, to be continued; its boxes
    are removed by a task on its node."""
    log.warning("interrupted: stopping %d runs", len(pending))
    ray.get(ledger.stop.remote())
    running, owners = ray.get(ledger.snapshot.remote())
    for key, found in owners.items():
        manifest.runs[key].owners = found
    for ref in pending:
        ray.cancel(ref, force=True)
    ray.wait(list(pending), num_returns=len(pending), timeout=CANCEL_GRACE)
    by_node: dict[str, list[str]] = {}
    for key, run in running.items():
        by_node.setdefault(run.node, []).append(run.owner)
        manifest.runs[key].attempts = run.attempt
    cleanup = ray.remote(_remove_boxes)
    removals = [
        cleanup.options(
            num_cpus=0, scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False)
        ).remote(owners)
        for node, owners in by_node.items()
    ]
    ray.wait(removals, num_returns=len(removals), timeout=CANCEL_GRACE)
    for ref, key in pending.items():
        with contextlib.suppress(ray.exceptions.RayError):
            _record(manifest, results, key, ref)  # a run that finished before it was stopped
        if manifest.runs[key].status != "done":
            manifest.runs[key].status = "pending"
    write_manifest(results, manifest)


def _record(manifest: Manifest, results: Path, key: str, ref: ray.ObjectRef) -> None:
    """Record a finished task: its outcome, its files, its stamped receipt."""
    record = manifest.runs[key]
    try:
        result: RunResult | None = ray.get(ref)
    except ray.exceptions.TaskCancelledError:
        record.status = "pending"
        return
    except ray.exceptions.RayTaskError as error:  # the run's own code raised: not the harness's
        record.status, record.error = "error", str(error.cause or error).strip()
        record.finished_at = time.time()
        log.warning("run %s failed: %s", key, record.error)
        return
    except ray.exceptions.RayError as error:  # its node or worker died, retries used up
        record.status = "harness_error"
        record.error = f"lost after {RETRIES + 1} attempts: {type(error).__name__}: {error}"
        record.finished_at = time.time()
        log.warning("run %s: %s", key, record.error)
        return
    if result is None:  # not started: the sweep was stopping
        record.status = "pending"
        return
    folder = results / RUNS / key
    if result.files is not None:
        for name, data in result.files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
    record.status, record.node, record.attempts = result.status, result.node, result.attempt
    record.start, record.started_at = result.start, result.started_at
    record.finished_at, record.first_tool_call_at = result.finished_at, result.first_tool_call_at
    record.tokens, record.cost_usd = result.tokens, result.cost_usd
    record.pass_fraction, record.error = result.pass_fraction, result.error
    record.log = f"{RUNS}/{key}/{result.log}" if result.log else None
    record.receipt = f"{RUNS}/{key}/{result.receipt}" if result.receipt else None
    if record.receipt:
        copied = results / record.log if result.files is not None and record.log else None
        stamp_receipt(results / record.receipt, manifest.id, record, copied)


def stamp_receipt(path: Path, sweep_id: str, record: RunRecord, log_path: Path | None) -> None:
    """Add where and how the run ran to its receipt (its ``sweep`` field), and, when its files
    were copied back, where its Inspect log now is."""
    data = json.loads(path.read_text(encoding="utf-8"))
    data["sweep"] = {
        "id": sweep_id,
        "run": record.spec.key,
        "epoch": record.spec.epoch,
        "node": record.node,
        "attempt": record.attempts,
        "start": record.start,
    }
    if log_path is not None:
        data["agent"]["log"] = str(log_path)
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def progress(manifest: Manifest, running: dict[str, str]) -> Progress:
    done = [record for record in manifest.runs.values() if record.status == "done"]
    return Progress(
        total=len(manifest.runs),
        done=len(done),
        failed=manifest.count(*FAILED),
        running=running,
        tokens=sum(record.tokens or 0 for record in done),
        cost_usd=sum(record.cost_usd or 0.0 for record in done),
    )
