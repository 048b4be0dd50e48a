"""What a sweep runs: every (target, model, epoch) one agent run, under limits they share."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mirror.specs.targets import Target


class Limits(BaseModel):
    """The ``mirrorcode`` task's options every run of a sweep shares (None: no limit)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    token_limit: int | None = None
    time_limit: int | None = None
    working_limit: int | None = None
    message_limit: int | None = None
    cost_limit: float | None = None
    compaction: str = "auto"


class RunSpec(BaseModel):
    """One run of a sweep: an agent run of ``model`` on ``target``, the ``epoch``-th of its cell."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    target: str
    model: str
    epoch: int = Field(ge=1)
    script: str = "idle"

    @property
    def key(self) -> str:
        """The run's name in the manifest and its folder under ``runs/``."""
        return f"{self.target}/{slug(self.model)}/epoch-{self.epoch}"


class SweepPlan(BaseModel):
    """Targets x models x epochs, with the limits of every run.

    ``script`` is the playbook a scripted ``mockllm`` model plays; ``scripts`` overrides it per
    model (other models ignore both).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    targets: list[str] = Field(min_length=1)
    models: list[str] = Field(min_length=1)
    epochs: int = Field(ge=1)
    limits: Limits = Limits()
    script: str = "idle"
    scripts: dict[str, str] = {}

    def runs(self) -> list[RunSpec]:
        """Every run, epoch by epoch, so an early stop leaves every cell with some runs."""
        return [
            RunSpec(
                target=target,
                model=model,
                epoch=epoch,
                script=self.scripts.get(model, self.script),
            )
            for epoch in range(1, self.epochs + 1)
            for target in self.targets
            for model in self.models
        ]


def make_plan(targets: list[Target], models: list[str], epochs: int, **options: Any) -> SweepPlan:
    """A plan over ``targets`` (chosen by the task's own rule, e.g. ``all``) and ``models``."""
    names = [model.strip() for model in models if model.strip()]
    return SweepPlan(
        targets=[target.name for target in targets], models=names, epochs=epochs, **options
    )


def slug(text: str) -> str:
    """A file-name-safe form of a model name (``openai/gpt-x`` -> ``openai-gpt-x``)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "model"
