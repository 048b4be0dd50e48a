"""The suite files on the host: reading and writing suites, and reading a held-out manifest.

The line format itself (:class:`SuiteCase`, :func:`case_id`) belongs to ``oracle.suite``, which
``oracle test`` reads in the agent's box; this module puts its errors in mirror's hierarchy and
adds what only the host does: writing suites, and the manifest.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mirror.errors import UserError
from oracle import suite as lines
from oracle.suite import SuiteCase

# 2: a gold may carry the output files a run left ("files", "files_truncated"); format-1
# suites read unchanged, since a gold without files is written as before.
FORMAT_VERSION = 2
# What a manifest records of the reference a suite was captured from (besides its image tag).
REFERENCE_KEYS = ("image_id", "binary", "binary_sha256", "packages", "spec_sha256")


class SuiteError(UserError, lines.SuiteError):
    """A suite file is malformed or missing; the message names the file, line and field."""


def read_suite(path: Path) -> list[SuiteCase]:
    """Read and validate a suite file; errors name the file, the line number and the field."""
    try:
        return lines.read_suite(path)
    except lines.SuiteError as error:  # the same message, as a user error for the CLI
        raise SuiteError(str(error)) from None


def write_suite(path: Path, entries: Iterable[SuiteCase]) -> int:
    """Write a suite sorted by family and id (stable diffs); returns its size in bytes."""
    ordered = sorted(entries, key=lambda e: (e.family, e.id))
    data = b"".join(entry.to_line() + b"\n" for entry in ordered)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    partial.replace(path)
    return len(data)


def read_manifest(path: Path) -> dict[str, Any]:
    """Read a held-out suite's ``manifest.json``, checking the fields the tools rely on."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise SuiteError(f"{path}: not JSON: {error}") from None
    if not isinstance(manifest, dict):
        raise SuiteError(f"{path}: expected a JSON object")
    for name in ("reference", "counts", "dropped"):
        if not isinstance(manifest.get(name), dict):
            raise SuiteError(f"{path}: field '{name}': missing or not an object")
    return manifest
