"""The sweep manifest, ``<results>/sweep.json``: the plan and where every run stands.

Only the head writes it (atomically, after every change), so an interrupted sweep resumes from
it: finished runs are kept, the others run again, and each run's attempts and the boxes' owners
of earlier attempts are remembered so their leftovers can be removed.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mirror.errors import UserError
from mirror.sweep.plan import RunSpec, SweepPlan

log = logging.getLogger(__name__)

MANIFEST = "sweep.json"
MANIFEST_FORMAT: Literal[1] = 1
RUNS = "runs"  # <results>/runs/<target>/<model>/epoch-<n>/ holds a run's logs and receipts

Status = Literal["pending", "running", "done", "harness_error", "error"]
# How an attempt began: the first one, a restart from zero, or a continuation of the Inspect log
# an earlier attempt left (Inspect's retry of the unfinished sample), or an earlier attempt's
# finished run taken as it is (its head stopped before recording it).
Start = Literal["fresh", "restarted", "resumed", "recovered"]
FAILED: tuple[Status, ...] = ("harness_error", "error")


class RunRecord(BaseModel):
    """Where one run stands, and what it gave."""

    model_config = ConfigDict(extra="forbid")

    spec: RunSpec
    status: Status = "pending"
    attempts: int = Field(default=0, ge=0)
    owners: list[str] = []  # the box owner token of every attempt (for leftover removal)
    node: str | None = None  # the Ray node id of the last attempt
    start: Start | None = None
    submitted_at: float | None = None  # head clock, seconds since the epoch
    started_at: float | None = None  # node clock
    first_tool_call_at: float | None = None
    finished_at: float | None = None
    receipt: str | None = None  # relative to the results folder
    log: str | None = None  # relative to the results folder
    tokens: int | None = None
    cost_usd: float | None = None
    pass_fraction: float | None = None
    error: str | None = None


class Manifest(BaseModel):
    """A sweep: its id, plan and runs (by key)."""

    model_config = ConfigDict(extra="forbid")

    format: Literal[1] = MANIFEST_FORMAT
    id: str
    created_at: datetime
    plan: SweepPlan
    runs: dict[str, RunRecord]

    @classmethod
    def new(cls, plan: SweepPlan) -> Manifest:
        specs = plan.runs()
        keys = [spec.key for spec in specs]
        if len(set(keys)) != len(keys):
            raise UserError(
                f"models {', '.join(plan.models)}: two of them share a run folder name; "
                "name them so they differ in more than punctuation"
            )
        return cls(
            id=uuid.uuid4().hex[:12],
            created_at=datetime.now(UTC),
            plan=plan,
            runs={spec.key: RunRecord(spec=spec) for spec in specs},
        )

    def count(self, *statuses: Status) -> int:
        return sum(record.status in statuses for record in self.runs.values())


def manifest_path(results: Path) -> Path:
    return results / MANIFEST


def read_manifest(results: Path) -> Manifest:
    """The sweep in ``results``; UserError names the file and what is wrong."""
    path = manifest_path(results)
    try:
        return Manifest.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: no sweep here to resume (give the sweep's --results)") from None
    except ValidationError as error:
        raise UserError(f"{path}: not a sweep manifest: {error.errors()[0]['msg']}") from None


def write_manifest(results: Path, manifest: Manifest) -> Path:
    """Write the manifest atomically (a reader never sees half of it)."""
    path = manifest_path(results)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(manifest.model_dump_json(indent=1), encoding="utf-8")
    os.replace(temporary, path)
    return path


def shares_results(results: Path, sweep_id: str) -> bool:
    """Whether this machine sees the head's results folder (the manifest with this sweep's id)."""
    try:
        found = json.loads(manifest_path(results).read_text(encoding="utf-8")).get("id")
    except (OSError, ValueError):
        return False
    return found == sweep_id
