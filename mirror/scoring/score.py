"""Scoring: a submitted workspace, built and run on held-out cases in isolated scoring boxes.

The workspace is copied into a fresh folder, built once by its optional ``build.sh`` in a box
from the agent image (no network, its own time limit, log kept), then run by the runner on the
held-out cases in worker boxes that hold no oracle socket, no reference program and no
held-out gold: only the cases' inputs are streamed to the runner's stdin, and outcomes are
compared with the gold here, on the host.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import tempfile
import threading
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from docker.types import Mount
from docker.utils.socket import STDOUT, frames_iter
from tqdm import tqdm

from mirror.boxes.agent_image import CANDIDATE_UID, ensure_agent_image, masks
from mirror.boxes.containers import RUNNER_CAPABILITIES, hardened_options, reference_box
from mirror.boxes.engine import engine
from mirror.errors import HarnessError
from mirror.scoring.receipts import RECEIPT_FORMAT, Receipt
from mirror.specs.targets import Target
from mirror.suites import Suite, SuiteCase, load_suite
from oracle.case import Outcome
from oracle.compare import first_difference

log = logging.getLogger(__name__)

BUILD_TIMEOUT = 900.0
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


class ScoringError(HarnessError, RuntimeError):
    """The harness (not the candidate) failed while scoring."""


@dataclass(frozen=True)
class Verdict:
    """One held-out case's result; ``difference`` names the first stream that differs."""

    case_id: str
    family: str
    passed: bool
    difference: str | None = None


def copy_workspace(workspace: Path, into: Path) -> Path:
    """A fresh copy owned by the candidate's uid: the scoring boxes never see the original."""
    copy = into / "work"
    shutil.copytree(workspace, copy, symlinks=True)
    for path in [copy, *copy.rglob("*")]:
        os.chown(path, CANDIDATE_UID, CANDIDATE_UID, follow_symlinks=False)
    return copy


def build_workspace(
    work: Path, log_path: Path, hidden: list[Mount], timeout: float = BUILD_TIMEOUT
) -> str:
    """Run ``build.sh`` once in a scoring box; return "ok" or "failed" (log at ``log_path``)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    if not (work / "build.sh").exists():
        log_path.write_text("no build.sh: nothing to build\n")
        return "ok"
    container = engine().containers.run(
        ensure_agent_image(),
        ["sh", "-c", "cd /work && exec sh ./build.sh"],
        detach=True,
        user=str(CANDIDATE_UID),
        environment=BUILD_ENV,
        working_dir="/work",
        volumes={str(work): {"bind": "/work", "mode": "rw"}},
        mounts=hidden,
        tmpfs={"/tmp": "size=4g,exec"},
        **hardened_options(mem_limit="4g", memswap_limit="4g", labels={"mirror.box": "build"}),
    )
    try:
        try:
            status = container.wait(timeout=timeout)["StatusCode"]
        except Exception:  # the engine's read timeout: the build ran out of time
            container.kill()
            status = None
        output = container.logs()
    finally:
        container.remove(force=True)
    note = f"\n[build timed out after {timeout:g}s]\n" if status is None else f"\n[exit {status}]\n"
    log_path.write_bytes(output + note.encode())
    return "ok" if status == 0 else "failed"


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
    """Stream cases into the runner of one scoring box and yield outcomes in order."""
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
                limit = max(len(entry.gold.stdout), len(entry.gold.stderr)) + OUTPUT_MARGIN
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

    with ThreadPoolExecutor(workers) as pool:
        # .result() re-raises a harness failure here instead of scoring it as the candidate's.
        for future in [pool.submit(drive, share) for share in shares if share]:
            future.result()
    bar.close()
    if None in outcomes:
        raise ScoringError(f"the scoring runner stopped after {outcomes.index(None)} cases")
    return outcomes  # type: ignore[return-value]


def live_gold(target: Target, entries: Sequence[SuiteCase], state: Path) -> dict[str, Outcome]:
    """Gold of volatile cases, regenerated now by the reference box (the candidate has none)."""
    volatile = [entry for entry in entries if entry.volatile]
    if not volatile:
        return {}
    with (
        tempfile.TemporaryDirectory(prefix="mirror-live-") as tmp,
        reference_box(
            target, Path(tmp) / "oracle.sock", state / "logs" / f"{target.name}-scoring"
        ) as box,
        box.client() as client,
    ):
        return {entry.id: client.run(entry.case) for entry in volatile}


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

    ``extra`` holds further optional receipt fields (an agent run's tokens, cost, log...).
    """
    suite = suite or load_suite(target)
    entries = suite.heldout
    run_id = (
        f"{target.name}-{_slug(candidate)}-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    )
    folder = results / kind / target.name
    folder.mkdir(parents=True, exist_ok=True)
    build_log = folder / f"{run_id}.build.log"
    with tempfile.TemporaryDirectory(prefix="mirror-score-") as tmp:
        work = copy_workspace(workspace, Path(tmp))
        status = build_workspace(work, build_log, masks(target))
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
    passed = sum(v.passed for v in verdicts)
    total = len(verdicts)
    receipt = Receipt(
        format=RECEIPT_FORMAT,
        run_id=run_id,
        target=target.name,
        candidate=candidate,
        kind=kind,
        suite=suite_digest(suite),
        passed=passed,
        total=total,
        pass_fraction=passed / total if total else 0.0,
        solved_99=total > 0 and passed >= 0.99 * total,
        solved_100=total > 0 and passed == total,
        build={"status": status, "log": str(build_log)},
        created_at=datetime.now(UTC),
        wall_seconds=wall_seconds,
        **(extra or {}),
    )
    path = folder / f"{run_id}.receipt.json"
    path.write_text(receipt.model_dump_json(indent=1, exclude_none=True) + "\n")
    with open(folder / f"{run_id}.cases.jsonl", "w", encoding="utf-8") as cases_file:
        for verdict in verdicts:
            cases_file.write(json.dumps(verdict.__dict__) + "\n")
    return receipt, path


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in text)
