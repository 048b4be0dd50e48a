"""Run receipts under ``results/`` read into one tidy pandas table (format: docs/receipts.md)."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Self

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from mirror.specs.targets import Target, all_targets

log = logging.getLogger(__name__)

RECEIPT_FORMAT = 1
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
    "path",
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


class Receipt(BaseModel):
    """One scored run, as the scoring step writes it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    format: Literal[1]
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
    tokens: int | None = Field(default=None, ge=0)
    cost_usd: float | None = Field(default=None, ge=0)
    wall_seconds: float | None = Field(default=None, ge=0)
    oracle_queries: int | None = Field(default=None, ge=0)
    memorization: Memorization | None = None
    working_seconds: float | None = Field(default=None, ge=0)
    agent: AgentRun | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.passed > self.total:
            raise ValueError(f"passed ({self.passed}) exceeds total ({self.total})")
        return self


@dataclass(frozen=True)
class Skipped:
    """A receipt file that was not loaded, and why."""

    path: Path
    problem: str


def read_receipt(path: Path) -> Receipt:
    """Parse and validate one receipt; ValueError names the problem (file named by the caller)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    version = data.get("format")
    if isinstance(version, int) and version != RECEIPT_FORMAT:
        raise ValueError(f"receipt format {version}, this version reads format {RECEIPT_FORMAT}")
    try:
        return Receipt.model_validate(data)
    except ValidationError as error:
        raise ValueError(
            "; ".join(
                f"field '{'.'.join(map(str, issue['loc'])) or '(root)'}': {issue['msg']}"
                for issue in error.errors()
            )
        ) from None


def _row(receipt: Receipt, path: Path, targets: Mapping[str, Target]) -> dict[str, object]:
    target = targets.get(receipt.target)
    created = receipt.created_at
    return {
        **receipt.model_dump(include=set(COLUMNS)),
        "bucket": target.bucket.value if target else "?",
        "category": target.category if target else "?",
        "memorized": receipt.memorization.memorized if receipt.memorization else None,
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
