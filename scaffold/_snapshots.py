"""Score over compute: the workspace snapshotted every N tokens of a run and at its end.

A snapshot is the agent box's /work as a tar copied out through the Docker API (the box paused
meanwhile), gzipped into the run's evidence folder under its index and token count. After the
run each snapshot is scored with the project's own scoring, once per distinct workspace digest,
giving the run's pass fraction over tokens. The snapshots taken are kept in the sample's store,
so they are in the Inspect log too.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import shutil
import tarfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import anyio
from inspect_ai.agent import AgentContinue, AgentState
from inspect_ai.log._samples import sample_active
from inspect_ai.model._model import sample_model_usage
from inspect_ai.util import store
from pydantic import BaseModel

from mirror.scoring.receipts import Receipt, workspace_digest
from mirror.scoring.score import score
from mirror.specs.targets import Target
from scaffold._boxes import SampleBoxes

log = logging.getLogger(__name__)

TAKEN = "mirror.snapshots"  # the sample store's list of snapshots taken
FOLDER = "mirror.evidence"  # the sample store's evidence folder, while the run goes on
SNAPSHOTS = "snapshots"  # the snapshots' folder inside the evidence folder
GZIP_LEVEL = 1  # fast: a snapshot is taken with the agent box paused


class Snapshot(BaseModel):
    """A workspace tar taken after ``tokens`` tokens and ``seconds`` of the run."""

    tokens: int
    seconds: float | None
    file: str  # relative to the evidence folder
    stream: str  # sha256 of the tar stream: an unchanged workspace is stored once


@dataclass(frozen=True)
class Scored:
    """A snapshot, its workspace digest, and the (scratch) receipt that workspace scored."""

    snapshot: Snapshot
    workspace: str
    receipt: Receipt
    path: Path


def run_tokens() -> int:
    """Tokens the sample has used so far, all its models together."""
    return sum(usage.total_tokens for usage in sample_model_usage().values())


def run_seconds() -> float | None:
    """Wall seconds since the sample started."""
    active = sample_active()
    return time.time() - active.started if active and active.started else None


def evidence_folder(results: Path, target: Target) -> Path:
    """The run's evidence folder: made at its first snapshot, renamed after its receipt's id
    when the run is scored (``partial-...`` until then)."""
    recorded = store().get(FOLDER)
    if recorded is None:
        folder = results / "agent" / target.name / f"partial-{uuid.uuid4().hex[:12]}.evidence"
        (folder / SNAPSHOTS).mkdir(parents=True)
        store().set(FOLDER, str(folder.absolute()))
        return folder.absolute()
    return Path(recorded)


def taken() -> list[Snapshot]:
    entries: list[dict[str, object]] = store().get(TAKEN, [])
    return [Snapshot.model_validate(entry) for entry in entries]


def archive(boxes: SampleBoxes, folder: Path, name: str, earlier: list[Snapshot]) -> Snapshot:
    """Write the agent box's /work as ``folder/name`` (gzipped tar); a workspace whose tar
    stream is the same as an earlier snapshot's keeps that one's file."""
    hasher = hashlib.sha256()
    path = folder / name
    with gzip.open(path, "wb", compresslevel=GZIP_LEVEL) as out:
        for chunk in boxes.archive():
            hasher.update(chunk)
            out.write(chunk)
    stream = f"sha256:{hasher.hexdigest()}"
    same = next((snap for snap in earlier if snap.stream == stream), None)
    if same is not None:
        path.unlink()
        name = same.file
    return Snapshot(tokens=0, seconds=None, file=name, stream=stream)


async def take_snapshot(
    boxes: SampleBoxes, results: Path, tokens: int, seconds: float | None
) -> Snapshot:
    """Snapshot the workspace now and record it in the sample's store."""
    folder = evidence_folder(results, boxes.target)
    earlier = taken()
    name = f"{SNAPSHOTS}/{len(earlier):04d}-{tokens}tok.tar.gz"
    written = await anyio.to_thread.run_sync(lambda: archive(boxes, folder, name, earlier))
    snapshot = written.model_copy(update={"tokens": tokens, "seconds": seconds})
    store().set(TAKEN, [*(s.model_dump() for s in earlier), snapshot.model_dump()])
    log.info("snapshot %s of %s at %d tokens", snapshot.file, boxes.target.name, tokens)
    return snapshot


def snapshot_every(every: int, boxes: SampleBoxes, results: Path) -> AgentContinue:
    """react()'s ``on_continue`` hook (called after every turn): a snapshot whenever the run's
    tokens have passed the next multiple of ``every`` since the last one."""

    async def on_continue(_state: AgentState) -> bool:
        used = run_tokens()
        last = max((snap.tokens for snap in taken()), default=0)
        if used >= (last // every + 1) * every:
            await take_snapshot(boxes, results, used, run_seconds())
        return True

    return on_continue


def _workspace_member(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo | None:
    """Folders, files and links only (a FIFO would block the copy that scoring makes), under
    the ``tar`` filter's rules (nothing outside the destination)."""
    if not (member.isdir() or member.isreg() or member.issym() or member.islnk()):
        return None
    return tarfile.tar_filter(member, path)


def extract(tar: Path, into: Path) -> Path:
    """A snapshot unpacked into ``into``; returns the workspace folder (``into/work``)."""
    with tarfile.open(tar, "r:gz") as archive_file:
        archive_file.extractall(into, filter=_workspace_member)
    return into / "work"


def score_snapshots(
    target: Target,
    folder: Path,
    snapshots: list[Snapshot],
    model: str,
    scratch: Path,
    state: Path,
) -> list[Scored]:
    """Score every snapshot, each distinct workspace once, with receipts under ``scratch``
    (never among the results: they are points of one run, not runs). Each distinct workspace's
    per-case file is kept beside its tar in ``folder``."""
    digests: dict[str, str] = {}  # tar stream -> workspace digest
    scores: dict[str, tuple[Receipt, Path]] = {}  # workspace digest -> scratch receipt
    scored = []
    for index, snapshot in enumerate(snapshots):
        if snapshot.stream not in digests:
            work = extract(folder / snapshot.file, scratch / f"snapshot-{index}")
            digest = digests[snapshot.stream] = workspace_digest(work)
            if digest not in scores:
                receipt, path = score(
                    target, work, model, "agent", scratch / f"scored-{index}", state
                )
                scores[digest] = receipt, path
                cases = folder / snapshot.file.replace(".tar.gz", ".cases.jsonl")
                shutil.copyfile(path.with_name(f"{receipt.run_id}.cases.jsonl"), cases)
                log.info(
                    "snapshot %s: %d of %d held-out cases",
                    snapshot.file,
                    receipt.passed,
                    receipt.total,
                )
            shutil.rmtree(work.parent)
        digest = digests[snapshot.stream]
        scored.append(Scored(snapshot, digest, *scores[digest]))
    return scored
