"""Scoring: a submitted workspace, built and run on held-out cases in isolated scoring boxes.

The workspace is copied into a fresh folder, built once by its optional ``build.sh`` in a box
from the agent image (no network, its own time limit, log kept), then run by the runner on the
held-out cases in worker boxes that hold no oracle socket, no reference program and no
held-out gold: only the cases' inputs are streamed to the runner's stdin, and outcomes are
compared with the gold here, on the host.

Only the candidate's own doing counts against it: a build that exits non-zero, outruns its time
or memory, or leaves no ``bin/<command>``, and the outcomes of its program. A fault of the
harness (the engine, a box killed or removed from outside, a runner that stops) raises
ScoringError, and no receipt is written.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docker.errors
import requests.exceptions
from docker.types import Mount
from docker.utils.socket import STDOUT, frames_iter
from tqdm import tqdm

from mirror.boxes.agent_image import CANDIDATE_UID, ensure_agent_image, masks
from mirror.boxes.containers import RUNNER_CAPABILITIES, hardened_options, reference_box
from mirror.boxes.engine import engine
from mirror.boxes.images import reference_tag
from mirror.errors import HarnessError
from mirror.scoring.receipts import (
    RECEIPT_FORMAT,
    Images,
    Receipt,
    derived,
    project_revision,
    workspace_digest,
)
from mirror.specs.targets import Target
from mirror.suites import Suite, SuiteCase, load_suite
from oracle.case import Outcome
from oracle.compare import first_difference
from oracle.errors import OracleError

log = logging.getLogger(__name__)

BUILD_TIMEOUT = 900.0
BUILD_MEMORY = "4g"
WORKERS = 2
# Enough output to see a mismatch: a candidate printing more than the gold is already wrong.
OUTPUT_MARGIN = 1024
BUILD_ENV = {
    "HOME": "/tmp/home",
    "GOCACHE": "/tmp/go-cache",
    "GOPATH": "/tmp/go",
    "GOPROXY": "off",
    "GOFLAGS": "-mod=mod",
    "CARGO_HOME": "/tmp/cargo",
    "CARGO_NET_OFFLINE": "true",
    "PATH": "/usr/local/bin:/usr/bin:/bin",
}
# What the Docker SDK raises when the engine fails or a box vanishes under it.
ENGINE_FAULTS = (docker.errors.DockerException, requests.exceptions.RequestException)


class ScoringError(HarnessError, RuntimeError):
    """The harness (not the candidate) failed while scoring; no receipt is written."""


@dataclass(frozen=True)
class Verdict:
    """One held-out case's result; ``difference`` names the first stream that differs."""

    case_id: str
    family: str
    passed: bool
    difference: str | None = None


@contextmanager
def harness_faults(stage: str) -> Iterator[None]:
    """Engine faults during ``stage`` raised as ScoringError: never scored as the candidate's."""
    try:
        yield
    except ENGINE_FAULTS as error:
        raise ScoringError(
            f"{stage}: the Docker engine failed ({type(error).__name__}: {error}); this is the "
            "harness's fault, not the candidate's, and no receipt was written"
        ) from error


class BoxEvents:
    """The engine's events for one box, collected by a thread from before the box starts."""

    def __init__(self, container: Any) -> None:
        self.actions: list[str] = []
        self._stream = engine().events(filters={"container": container.id}, decode=True)
        self._thread = threading.Thread(target=self._collect, daemon=True)
        self._thread.start()

    def _collect(self) -> None:
        with suppress(*ENGINE_FAULTS, OSError):  # the stream closed under us
            for event in self._stream:
                self.actions.append(event.get("Action", ""))
                if self.actions[-1] == "die":
                    break

    def until_death(self, timeout: float = 10.0) -> list[str]:
        """Every action up to the box's death ("kill", "oom", "die"...); stops collecting."""
        self._thread.join(timeout)
        self._stream.close()
        return list(self.actions)


def copy_workspace(workspace: Path, into: Path) -> Path:
    """A fresh copy owned by the candidate's uid: the scoring boxes never see the original."""
    copy = into / "work"
    shutil.copytree(workspace, copy, symlinks=True)
    for path in [copy, *copy.rglob("*")]:
        os.chown(path, CANDIDATE_UID, CANDIDATE_UID, follow_symlinks=False)
    return copy


def _wait(container: Any, timeout: float) -> int | None:
    """The box's exit status, or None when it outran ``timeout`` (it is killed here)."""
    started = time.monotonic()
    try:
        return int(container.wait(timeout=timeout)["StatusCode"])
    except requests.exceptions.RequestException:
        # The SDK reports its read timeout as a ConnectionError, as it does an engine that went
        # away: only the clock tells the build's time limit from an engine fault.
        if time.monotonic() - started < timeout:
            raise
    container.kill()
    return None


def build_workspace(
    work: Path, log_path: Path, hidden: list[Mount], timeout: float = BUILD_TIMEOUT
) -> str:
    """Run ``build.sh`` once in a scoring box; return "ok" or "failed" (log at ``log_path``).

    "failed" is the build's own doing: a non-zero exit, its time limit or its memory limit. A
    box killed or removed from outside the harness, or an engine fault, raises ScoringError.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    if not (work / "build.sh").exists():
        log_path.write_text("no build.sh: nothing to build\n")
        return "ok"
    with harness_faults("the build box"):
        container = engine().containers.create(
            ensure_agent_image(),
            ["sh", "-c", "cd /work && exec sh ./build.sh"],
            user=str(CANDIDATE_UID),
            environment=BUILD_ENV,
            working_dir="/work",
            volumes={str(work): {"bind": "/work", "mode": "rw"}},
            mounts=hidden,
            tmpfs={"/tmp": "size=4g,exec"},
            **hardened_options(
                mem_limit=BUILD_MEMORY,
                memswap_limit=BUILD_MEMORY,
                labels={"mirror.box": "build"},
            ),
        )
        try:
            events = BoxEvents(container)
            container.start()
            status = _wait(container, timeout)
            actions = events.until_death()
            output = container.logs()
        finally:
            with suppress(docker.errors.NotFound):  # already removed, by us or from outside
                container.remove(force=True)
    # The engine reports "kill" only when asked through its API (docker kill, stop, rm -f),
    # which no box can reach: unless the time limit sent it here, it came from outside.
    if status is not None and "kill" in actions:
        raise ScoringError(
            f"the build box was killed from outside the harness (exit {status}); this is not "
            "the candidate's fault, and no receipt was written"
        )
    if status is None:
        note = f"[build timed out after {timeout:g}s]"
    elif "oom" in actions:
        note = f"[exit {status}: the build ran out of memory ({BUILD_MEMORY})]"
    else:
        note = f"[exit {status}]"
    log_path.write_bytes(output + f"\n{note}\n".encode())
    return "ok" if status == 0 else "failed"


def build_program(work: Path, target: Target, log_path: Path) -> str:
    """Build ``work`` and check that it holds ``bin/<command>``: "ok" or "failed"."""
    status = build_workspace(work, log_path, masks(target))
    program = work / "bin" / target.command
    # lexists: a link into the box's own file system does not resolve on the host.
    if status == "ok" and not os.path.lexists(program):
        with log_path.open("a") as log_file:
            log_file.write(f"[no bin/{target.command} in the workspace after the build]\n")
        return "failed"
    return status


def _worker(work: Path, hidden: list[Mount]) -> Any:
    """An idle scoring box: the built workspace read-only, no network, tini reaping orphans."""
    return engine().containers.run(
        ensure_agent_image(),
        ["sleep", "infinity"],
        detach=True,
        init=True,
        user="0",
        cap_add=RUNNER_CAPABILITIES,
        tmpfs={"/case": "size=256m,mode=0755"},
        volumes={str(work): {"bind": "/work", "mode": "ro"}},
        mounts=hidden,
        **hardened_options(labels={"mirror.box": "scoring"}),
    )


def run_in_worker(work: Path, target: Target, entries: Sequence[SuiteCase]) -> Iterator[Outcome]:
    """Stream cases into the runner of one scoring box and yield outcomes in order.

    The stream ends early only when the box or the runner died (the candidate runs under
    another uid and cannot stop the runner): run_cases reports that as a ScoringError.
    """
    container = _worker(work, masks(target))
    command = target.command
    api = engine().api
    runner = ["oracle", "exec", "--program", f"/work/bin/{command}", "--argv0", command]
    exec_id = api.exec_create(container.id, [*runner, "--uid", str(CANDIDATE_UID)], stdin=True)
    sock = api.exec_start(exec_id["Id"], socket=True)
    raw: socket.socket = getattr(sock, "_sock", sock)

    def feed() -> None:
        try:
            for entry in entries:
                gold = entry.gold  # output files share one cap, as each stream has its own
                written = sum(map(len, gold.files.values()))
                limit = max(len(gold.stdout), len(gold.stderr), written) + OUTPUT_MARGIN
                request = {"id": entry.id, "case": entry.case.to_json(), "max_output": limit}
                raw.sendall(json.dumps(request).encode() + b"\n")
            raw.shutdown(socket.SHUT_WR)
        except OSError:  # the box died; the reader sees the stream end early
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        buffer = b""
        for stream, data in frames_iter(sock, tty=False):
            if stream != STDOUT:
                log.warning("scoring runner: %s", data.decode(errors="replace").rstrip())
                continue
            buffer += data
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                yield Outcome.from_json(json.loads(line))
    finally:
        writer.join(timeout=5)
        sock.close()
        with suppress(docker.errors.NotFound):  # removed from outside: the count says so
            container.remove(force=True)


def run_cases(
    work: Path, target: Target, entries: Sequence[SuiteCase], workers: int
) -> list[Outcome]:
    """Run every case over ``workers`` boxes in parallel, with a progress bar."""
    shares = [list(range(i, len(entries), workers)) for i in range(workers)]
    outcomes: list[Outcome | None] = [None] * len(entries)
    bar = tqdm(total=len(entries), desc="held-out cases", unit="case", leave=False)

    def drive(indexes: list[int]) -> None:
        share = [entries[i] for i in indexes]
        for index, outcome in zip(indexes, run_in_worker(work, target, share), strict=False):
            outcomes[index] = outcome
            bar.update()

    try:
        with ThreadPoolExecutor(workers) as pool:
            # .result() re-raises a harness failure here instead of scoring it as the candidate's.
            for future in [pool.submit(drive, share) for share in shares if share]:
                future.result()
    finally:
        bar.close()
    if None in outcomes:
        done = len(entries) - outcomes.count(None)
        raise ScoringError(
            f"a scoring box stopped answering after {done} of {len(entries)} cases (the box was "
            "killed or removed, or its runner died); this is not the candidate's fault, and no "
            "receipt was written"
        )
    return outcomes  # type: ignore[return-value]


def live_gold(target: Target, entries: Sequence[SuiteCase], state: Path) -> dict[str, Outcome]:
    """Gold of volatile cases, regenerated now by the reference box (the candidate has none)."""
    volatile = [entry for entry in entries if entry.volatile]
    if not volatile:
        return {}
    try:
        with (
            tempfile.TemporaryDirectory(prefix="mirror-live-") as tmp,
            reference_box(
                target, Path(tmp) / "oracle.sock", state / "logs" / f"{target.name}-scoring"
            ) as box,
            box.client() as client,
        ):
            return {entry.id: client.run(entry.case) for entry in volatile}
    except (OracleError, OSError) as error:
        raise ScoringError(
            f"the reference box of {target.name} failed while regenerating the gold of volatile "
            f"cases ({error}); no receipt was written"
        ) from error


def suite_digest(suite: Suite) -> str:
    import hashlib

    manifest = json.dumps(suite.manifest, sort_keys=True).encode()
    return f"sha256:{hashlib.sha256(manifest).hexdigest()}"


def score(
    target: Target,
    workspace: Path,
    candidate: str,
    kind: str,
    results: Path,
    state: Path,
    workers: int = WORKERS,
    suite: Suite | None = None,
    wall_seconds: float | None = None,
    extra: dict[str, Any] | None = None,
) -> tuple[Receipt, Path]:
    """Build and score ``workspace`` on the held-out suite; write and return its receipt.

    The receipt is written last, beside its build log and per-case file, and only when the
    harness did its part: a harness fault raises ScoringError and leaves no file behind.
    ``extra`` holds further optional receipt fields (an agent run's tokens, cost, log...).
    """
    suite = suite or load_suite(target)
    entries = suite.heldout
    run_id = (
        f"{target.name}-{_slug(candidate)}-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    )
    with tempfile.TemporaryDirectory(prefix="mirror-score-") as tmp:
        work = copy_workspace(workspace, Path(tmp))
        digest = workspace_digest(work)
        build_log = Path(tmp) / "build.log"
        with harness_faults(f"scoring {candidate} on {target.name}"):
            images = Images(reference=reference_tag(target), agent=ensure_agent_image())
            status = build_program(work, target, build_log)
            if status == "ok":
                outcomes = run_cases(work, target, entries, workers)
            else:
                failed = Outcome(b"", b"scoring: the build failed\n", None)
                outcomes = [failed] * len(entries)
            gold = {entry.id: entry.gold for entry in entries} | live_gold(target, entries, state)
        verdicts = []
        for entry, outcome in zip(entries, outcomes, strict=True):
            difference = first_difference(gold[entry.id], outcome)
            verdicts.append(Verdict(entry.id, entry.family, difference is None, difference))
        folder = results / kind / target.name
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(build_log, folder / f"{run_id}.build.log")
    cases = folder / f"{run_id}.cases.jsonl"
    with open(cases, "w", encoding="utf-8") as cases_file:
        for verdict in verdicts:
            cases_file.write(json.dumps(verdict.__dict__) + "\n")
    passed = sum(v.passed for v in verdicts)
    # Validated as data: pydantic checks every field, the kind and the format included.
    receipt = Receipt.model_validate(
        {
            "format": RECEIPT_FORMAT,
            "run_id": run_id,
            "target": target.name,
            "candidate": candidate,
            "kind": kind,
            "suite": suite_digest(suite),
            "passed": passed,
            "total": len(verdicts),
            **derived(passed, len(verdicts)),
            "build": {"status": status, "log": f"{run_id}.build.log"},
            "created_at": datetime.now(UTC),
            "cases": cases.name,
            "images": images,
            "revision": project_revision(),
            "workspace": digest,
            "wall_seconds": wall_seconds,
            **(extra or {}),
        }
    )
    path = folder / f"{run_id}.receipt.json"
    path.write_text(receipt.model_dump_json(indent=1, exclude_none=True) + "\n")
    return receipt, path


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in text)
