"""One run of a sweep on the node Ray placed it on: one agent run of the ``mirrorcode`` task.

The run writes its Inspect log and receipts under its own folder: in the sweep's results folder
when this node shares it with the head, else in a scratch folder whose files go back to the head
through Ray. A retried attempt (its node died, or the head stopped) continues the Inspect log an
earlier attempt left where that survived, and says whether it resumed or restarted.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker.errors
import requests.exceptions
from inspect_ai import eval as inspect_eval
from inspect_ai import eval_retry
from inspect_ai.log import EvalLog, list_eval_logs, read_eval_log

from mirror.errors import HarnessError
from mirror.sweep.manifest import RUNS, Start, Status, shares_results
from mirror.sweep.plan import Limits, RunSpec

log = logging.getLogger(__name__)

# Faults of the harness: the run broke, whatever the model did.
HARNESS_FAULTS = (HarnessError, docker.errors.DockerException, requests.exceptions.RequestException)
VOID = ".void.json"  # a receipt of a run that broke is renamed so no report counts it


@dataclass(frozen=True)
class RunJob:
    """What a node needs to perform one run."""

    spec: RunSpec
    limits: Limits
    sweep_id: str
    results: str  # the head's results folder (absolute)
    copy: bool = False  # send the files back through Ray even if the folder looks shared


@dataclass(frozen=True)
class RunResult:
    """What one run gave: its outcome, where it ran, and (when copied) its files."""

    key: str
    status: Status
    node: str
    attempt: int
    start: Start
    started_at: float
    finished_at: float
    first_tool_call_at: float | None = None
    receipt: str | None = None  # relative to the run's folder
    log: str | None = None  # relative to the run's folder
    tokens: int | None = None
    cost_usd: float | None = None
    pass_fraction: float | None = None
    error: str | None = None
    files: dict[str, bytes] | None = None  # relative path -> bytes, when not shared


def perform(job: RunJob, node: str, attempt: int, previous_owners: list[str]) -> RunResult:
    """Run ``job`` here (its ``attempt``-th try) and return its outcome."""
    from scaffold._boxes import remove_leftovers
    from scaffold._sandbox import default_state

    started = time.time()
    shared = not job.copy and shares_results(Path(job.results), job.sweep_id)
    scratch = Path(tempfile.gettempdir()) / f"mirror-sweep-{job.sweep_id}"
    folder = (Path(job.results) if shared else scratch) / RUNS / job.spec.key
    logs = folder / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    earlier = latest_log(logs) if attempt > 1 else None
    start: Start = "fresh"
    outcome: dict[str, Any]
    try:
        prepare_images(job.spec.target, default_state())
        if earlier is not None and earlier.status == "success":
            start, done = "recovered", earlier
        elif earlier is not None:
            start, done = "resumed", continue_run(earlier, logs)
        else:
            start = "fresh" if attempt == 1 else "restarted"
            done = agent_run(job.spec, job.limits, folder)
        outcome = examine(done, folder)
    except KeyboardInterrupt:  # the head stopped the sweep before Inspect's loop ran
        outcome = {"status": "pending", "error": "interrupted"}
    except HARNESS_FAULTS as error:
        log.warning("run %s broke: %s", job.spec.key, error)
        outcome = {"status": "harness_error", "error": f"{type(error).__name__}: {error}"}
    finally:
        for owner in previous_owners:  # boxes an attempt on a dead node left on this engine
            remove_leftovers(default_state(), owner)
    if outcome["status"] != "done":
        void_receipts(folder)
    files = None if shared else read_tree(folder)
    if not shared:
        shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(OSError):  # the scratch folders above it, once empty
            os.removedirs(folder.parent)
    return RunResult(
        key=job.spec.key,
        node=node,
        attempt=attempt,
        start=start,
        started_at=started,
        finished_at=time.time(),
        files=files,
        **outcome,
    )


def agent_run(spec: RunSpec, limits: Limits, folder: Path) -> EvalLog:
    """One agent run of ``spec`` (as ``mirror run`` starts it); logs and receipts in ``folder``."""
    from scaffold._task import mirrorcode

    task = mirrorcode(
        targets=[spec.target],
        script=spec.script,
        results=str(folder / "results"),
        **limits.model_dump(),
    )
    [done] = inspect_eval(task, model=spec.model, log_dir=str(folder / "logs"), display="none")
    return done


def continue_run(earlier: EvalLog, logs: Path) -> EvalLog:
    """Continue the run an earlier attempt logged (as ``mirror run --resume`` does)."""
    [done] = eval_retry(earlier.location, log_dir=str(logs), display="none")
    return done


def latest_log(logs: Path) -> EvalLog | None:
    """The newest Inspect log (header only) in ``logs``, if an earlier attempt left one."""
    found = list_eval_logs(str(logs))
    return read_eval_log(found[0].name, header_only=True) if found else None


def examine(done: EvalLog, folder: Path) -> dict[str, Any]:
    """The run's outcome from its log: scored (with its receipt), or broken by the harness."""
    from mirror.scoring.receipts import read_receipt

    full = read_eval_log(done.location)
    relative = Path(done.location).resolve().relative_to(folder.resolve()).as_posix()
    receipts = [
        Path(found)
        for sample in full.samples or []
        for score in (sample.scores or {}).values()
        if (found := (score.metadata or {}).get("receipt"))
    ]
    if full.status == "cancelled":  # the head stopped the sweep: the run is to be continued
        return {"status": "pending", "log": relative, "error": "interrupted"}
    if full.status != "success" or not receipts:
        if full.error is None:
            return {"status": "error", "log": relative, "error": f"ended {full.status}, no receipt"}
        fault = harness_fault(full.error.traceback)
        return {
            "status": "harness_error" if fault else "error",
            "log": relative,
            "error": full.error.message,
        }
    receipt = read_receipt(receipts[0])
    return {
        "status": "done",
        "log": relative,
        "receipt": receipts[0].resolve().relative_to(folder.resolve()).as_posix(),
        "tokens": receipt.tokens,
        "cost_usd": receipt.cost_usd,
        "pass_fraction": receipt.pass_fraction,
        "first_tool_call_at": first_tool_call(full),
    }


def harness_fault(traceback: str) -> bool:
    """Whether the exception that ended a run (the last line of its traceback names it) is a
    fault of the harness: the engine, an image, a box, scoring."""
    last = traceback.strip().splitlines()[-1] if traceback.strip() else ""
    module, _, name = last.partition(":")[0].strip().rpartition(".")
    try:
        found = getattr(importlib.import_module(module), name) if module else None
    except (ImportError, AttributeError):
        return False
    return isinstance(found, type) and issubclass(found, HARNESS_FAULTS)


def first_tool_call(done: EvalLog) -> float | None:
    """When the run's first tool call started (seconds since the epoch)."""
    for sample in done.samples or []:
        for event in sample.events:
            if event.event == "tool":
                return event.timestamp.timestamp()
    return None


def prepare_images(target_name: str, state: Path) -> None:
    """Build (or find, by content hash) the images a run needs, one builder per node at a time."""
    from mirror.boxes.agent_image import ensure_agent_image
    from mirror.boxes.images import ensure_reference_image
    from mirror.specs.targets import get_target

    state.mkdir(parents=True, exist_ok=True)
    with open(state / "images.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        ensure_reference_image(get_target(target_name))
        ensure_agent_image()


def void_receipts(folder: Path) -> None:
    """Rename the receipts of a broken run, so a harness fault never counts against a model."""
    for path in folder.rglob("*.receipt.json"):
        with contextlib.suppress(FileNotFoundError):
            path.rename(path.with_name(path.name.removesuffix(".json") + VOID))


def read_tree(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }
