"""Run receipts: their format, the provenance they carry, and reading them under ``results/``
into one tidy pandas table (format: docs/receipts.md)."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import stat
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Self

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from mirror.errors import field_problems
from mirror.specs.targets import Target, all_targets

log = logging.getLogger(__name__)

# 3: cases are compared on the files a run leaves too (a case's difference may be "files").
RECEIPT_FORMAT = 3
READABLE_FORMATS = (1, 2, 3)
# Required from format 2 on: what a run was scored with, and on what.
PROVENANCE = ("cases", "images", "revision", "workspace")
PROJECT_ROOT = Path(__file__).resolve().parents[2]
RECEIPT_GLOB = "**/*.receipt.json"
BUCKET_ORDER = ["S", "M", "L", "?"]
KIND_ORDER = ["calibration", "human", "agent"]
COLUMNS = [
    "target",
    "bucket",
    "category",
    "candidate",
    "run_id",
    "kind",
    "passed",
    "total",
    "pass_fraction",
    "solved_99",
    "solved_100",
    "tokens",
    "cost_usd",
    "wall_seconds",
    "oracle_queries",
    "memorized",
    "created_at",
    "suite",
    "workspace",
    "commit",
    "path",
    "curve",  # an agent run's [(tokens, pass_fraction), ...]; not written to the report's CSV
]


class Build(BaseModel):
    status: Literal["ok", "failed"]
    log: str


class Memorization(BaseModel):
    memorized: bool


class AgentRun(BaseModel):
    """Where an agent run's receipt came from: the model, the Inspect log and the sample."""

    model: str
    log: str
    sample_id: str
    epoch: int = Field(ge=1)
    stopped_by: str | None = None  # the limit that ended the run ("token", "time", ...), if any


DIGEST = r"^sha256:[0-9a-f]{64}$"


class CurvePoint(BaseModel):
    """One snapshot of an agent run's workspace, scored on the held-out suite: the pass fraction
    the run had reached after ``tokens`` tokens (``seconds`` of wall time)."""

    tokens: int = Field(ge=0)
    seconds: float | None = Field(default=None, ge=0)
    pass_fraction: float = Field(ge=0, le=1)
    workspace: str = Field(pattern=DIGEST)
    snapshot: str = Field(min_length=1)  # the workspace's tar, relative to the receipt


class FirstPass(BaseModel):
    """When a run first passed every visible test: tokens used and seconds since it began."""

    tokens: int = Field(ge=0)
    seconds: float | None = Field(default=None, ge=0)
    working_seconds: float | None = Field(default=None, ge=0)


class Evidence(BaseModel):
    """What an agent run did and what it cost, from its transcript and its oracle query log;
    the files it names are relative to the receipt."""

    folder: str = Field(min_length=1)
    queries: str | None = None  # the reference box's oracle query log (None: never asked)
    workspace: str = Field(min_length=1)  # the final workspace's tar
    tool_calls: dict[str, int]
    oracle_queries: int = Field(ge=0)
    oracle_shapes: int = Field(ge=0)  # distinct argument shapes (flags kept, values by kind)
    common_shapes: dict[str, int]  # the most frequent shapes and their counts
    oracle_seconds: float = Field(ge=0)
    visible_test_runs: int = Field(ge=0)
    compactions: int = Field(ge=0)
    first_full_visible: FirstPass | None = None


class SweepRun(BaseModel):
    """Where and how a sweep ran this run (``mirror sweep`` stamps it after scoring)."""

    id: str
    run: str
    epoch: int = Field(ge=1)
    node: str | None = None
    attempt: int = Field(ge=0)
    start: str | None = None  # fresh, restarted, resumed or recovered


class Images(BaseModel):
    """The image tags (content hashes) a run was scored with."""

    reference: str = Field(min_length=1)
    agent: str = Field(min_length=1)


class Revision(BaseModel):
    """The project's revision that scored a run: a commit, or "unknown" outside a checkout."""

    commit: str = Field(min_length=1)
    dirty: bool | None = None  # uncommitted changes in the checkout; None: no checkout


def derived(passed: int, total: int) -> dict[str, float | bool]:
    """The fields a receipt derives from its counts; integer arithmetic, so 99 % is exact."""
    return {
        "pass_fraction": passed / total if total else 0.0,
        "solved_99": total > 0 and 100 * passed >= 99 * total,
        "solved_100": total > 0 and passed == total,
    }


class Receipt(BaseModel):
    """One scored run, as the scoring step writes it and the report reads it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    format: Literal[1, 2, 3]
    run_id: str = Field(min_length=1)
    target: str = Field(min_length=1)
    candidate: str = Field(min_length=1)
    kind: Literal["calibration", "agent", "human"]
    suite: str
    passed: int = Field(ge=0)
    total: int = Field(ge=0)
    pass_fraction: float = Field(ge=0, le=1)
    solved_99: bool
    solved_100: bool
    build: Build
    created_at: datetime
    # Provenance: optional in format 1, required from format 2 (paths relative to the receipt).
    cases: str | None = Field(default=None, min_length=1)
    images: Images | None = None
    revision: Revision | None = None
    workspace: str | None = Field(default=None, pattern=DIGEST)
    tokens: int | None = Field(default=None, ge=0)
    cost_usd: float | None = Field(default=None, ge=0)
    wall_seconds: float | None = Field(default=None, ge=0)
    oracle_queries: int | None = Field(default=None, ge=0)
    memorization: Memorization | None = None
    working_seconds: float | None = Field(default=None, ge=0)
    agent: AgentRun | None = None
    curve: list[CurvePoint] | None = None  # an agent run's pass fraction over tokens
    evidence: Evidence | None = None
    sweep: SweepRun | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        tokens = [point.tokens for point in self.curve or []]
        if tokens != sorted(tokens):
            raise PydanticCustomError(
                "curve", "field 'curve': tokens decrease ({tokens})", {"tokens": tokens}
            )
        if self.passed > self.total:
            raise PydanticCustomError(
                "counts", "field 'passed': {passed} exceeds total ({total})", self._counts()
            )
        for field, expected in derived(self.passed, self.total).items():
            value = getattr(self, field)
            if not math.isclose(value, expected, abs_tol=1e-9):
                raise PydanticCustomError(
                    "derived",
                    "field '{field}': {value} disagrees with passed/total = {passed}/{total} "
                    "(expected {expected})",
                    {
                        "field": field,
                        "value": json.dumps(value),
                        "expected": json.dumps(expected),
                        **self._counts(),
                    },
                )
        if self.format >= 2:
            for field in PROVENANCE:
                if getattr(self, field) is None:
                    raise PydanticCustomError(
                        "provenance",
                        "field '{field}': required from receipt format 2",
                        {"field": field},
                    )
        return self

    def _counts(self) -> dict[str, int]:
        return {"passed": self.passed, "total": self.total}


@dataclass(frozen=True)
class Skipped:
    """A receipt file that was not loaded, and why."""

    path: Path
    problem: str


def workspace_digest(folder: Path) -> str:
    """A sha256 over every entry under ``folder``: sorted relative paths, modes and bytes.

    Timestamps and owners are left out, so two copies of one workspace share a digest;
    symbolic links count by their target text and are never followed.
    """
    hasher = hashlib.sha256()
    for path in sorted(folder.rglob("*"), key=lambda p: p.relative_to(folder).as_posix()):
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            data = os.readlink(path).encode()
        elif stat.S_ISREG(info.st_mode):
            data = path.read_bytes()
        else:  # a folder (or a special file): its name and mode only
            data = b""
        name = path.relative_to(folder).as_posix().encode()
        # Lengths frame each part, so no two different trees feed the hasher the same bytes.
        header = f"{len(name)}:{info.st_mode:o}:{len(data)}:".encode()
        hasher.update(header + name + data)
    return f"sha256:{hasher.hexdigest()}"


def project_revision(root: Path = PROJECT_ROOT) -> Revision:
    """The commit ``root`` is checked out at and whether it has uncommitted changes."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=True, timeout=60
        ).stdout.strip()

    try:
        # An installed copy of mirror may sit inside some other checkout: only root's own counts.
        if Path(git("rev-parse", "--show-toplevel")).resolve() != root.resolve():
            return Revision(commit="unknown", dirty=None)
        return Revision(commit=git("rev-parse", "HEAD"), dirty=bool(git("status", "--porcelain")))
    except (OSError, subprocess.SubprocessError):  # no git, or not a checkout
        return Revision(commit="unknown", dirty=None)


def read_receipt(path: Path) -> Receipt:
    """Parse and validate one receipt; ValueError names the problem and the field (the caller
    names the file)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    version = data.get("format")
    if isinstance(version, int) and version not in READABLE_FORMATS:
        raise ValueError(
            f"receipt format {version}, this version reads formats "
            f"{', '.join(map(str, READABLE_FORMATS))}"
        )
    try:
        return Receipt.model_validate(data)
    except ValidationError as error:
        raise ValueError(field_problems(error)) from None


def _row(receipt: Receipt, path: Path, targets: Mapping[str, Target]) -> dict[str, object]:
    target = targets.get(receipt.target)
    created = receipt.created_at
    return {
        **receipt.model_dump(include=set(COLUMNS)),
        "bucket": target.bucket.value if target else "?",
        "category": target.category if target else "?",
        "memorized": receipt.memorization.memorized if receipt.memorization else None,
        "commit": receipt.revision.commit if receipt.revision else None,
        "curve": [(p.tokens, p.pass_fraction) for p in receipt.curve] if receipt.curve else None,
        # Naive timestamps are taken as UTC so that one column can hold every receipt.
        "created_at": created if created.tzinfo else created.replace(tzinfo=UTC),
        "path": str(path),
    }


def load_results(
    results_dir: Path, targets: Mapping[str, Target] | None = None
) -> tuple[pd.DataFrame, list[Skipped]]:
    """Every receipt under ``results_dir`` as one row; malformed ones are logged and skipped."""
    targets = all_targets() if targets is None else targets
    rows: list[dict[str, object]] = []
    skipped: list[Skipped] = []
    paths = sorted(results_dir.glob(RECEIPT_GLOB))
    with logging_redirect_tqdm():
        for path in tqdm(paths, desc="receipts", unit="file"):
            try:
                rows.append(_row(read_receipt(path), path, targets))
            except (OSError, ValueError) as error:
                log.warning("skipping receipt %s: %s", path, error)
                skipped.append(Skipped(path, str(error)))
    table = pd.DataFrame(rows, columns=COLUMNS).astype(
        {
            "passed": "int64",
            "total": "int64",
            "pass_fraction": "float64",
            "solved_99": "bool",
            "solved_100": "bool",
            "tokens": "Int64",
            "cost_usd": "Float64",
            "wall_seconds": "Float64",
            "oracle_queries": "Int64",
            "memorized": "boolean",
        }
    )
    table["created_at"] = pd.to_datetime(table["created_at"], utc=True)
    table["bucket"] = pd.Categorical(table["bucket"], categories=BUCKET_ORDER, ordered=True)
    return table, skipped
