"""Where a target's suites live, and loading both of them with the held-out manifest.

The visible suite of a target is ``targets/<name>/visible.jsonl`` and goes to the agent; the
held-out suite is ``<heldout root>/<name>/cases.jsonl`` with a ``manifest.json`` naming the
reference build it was captured from, and never leaves the host.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mirror.specs.targets import ROOT, Target
from mirror.suites.format import SuiteError, read_manifest, read_suite
from oracle.suite import SuiteCase


def heldout_root() -> Path:
    """Where held-out suites live: ``MIRROR_HELDOUT`` or the repository's ``heldout/``."""
    return Path(os.environ.get("MIRROR_HELDOUT", ROOT / "heldout"))


def visible_path(target: Target) -> Path:
    """The target's visible suite, the one the agent sees."""
    return target.folder / "visible.jsonl"


def heldout_dir(target: Target) -> Path:
    """The folder of the target's held-out suite and manifest."""
    return heldout_root() / target.name


@dataclass
class Suite:
    """A target's visible and held-out cases, and the held-out manifest."""

    target: str
    visible: list[SuiteCase]
    heldout: list[SuiteCase]
    manifest: dict[str, Any]


def load_suite(target: Target, visible: Path | None = None) -> Suite:
    """Read a target's visible and held-out suites (``visible`` overrides the visible file)."""
    visible = visible or visible_path(target)
    folder = heldout_dir(target)
    for path in (visible, folder / "cases.jsonl", folder / "manifest.json"):
        if not path.exists():
            raise SuiteError(f"{path}: missing; run `mirror tests build {target.name}`")
    return Suite(
        target.name,
        read_suite(visible),
        read_suite(folder / "cases.jsonl"),
        read_manifest(folder / "manifest.json"),
    )
