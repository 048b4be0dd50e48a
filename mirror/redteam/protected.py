"""What the boxes must keep from the agent: held-out data, the query log, receipts, and the
reference's own files (found here, so attacks know what to look for)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mirror.boxes.containers import SANDBOX_READ
from mirror.boxes.programs import parse_source_files, source_files_command
from mirror.redteam.probes import ProbeError
from mirror.redteam.registry import Skip
from mirror.specs.targets import ROOT, Target, get_target
from mirror.suites.format import read_suite
from mirror.suites.store import heldout_root, visible_path

log = logging.getLogger(__name__)
GLIBC = ("ld-linux", "libc.so", "libm.so", "libpthread.so", "libdl.so", "librt.so")


@dataclass(frozen=True)
class Secrets:
    """What no box may hold: a held-out case id and input, the query-log marker, receipts."""

    heldout_suite: str  # the suite the id comes from
    case_id: str
    input_suite: str  # the suite the input comes from (another when the first has none)
    heldout_input: str
    marker: str
    receipt_ids: tuple[str, ...]

    def strings(self) -> list[str]:
        return [self.case_id, self.heldout_input, self.marker, *self.receipt_ids]


@dataclass(frozen=True)
class ReferenceFile:
    path: str
    size: int
    sha256: str
    private: bool  # the binary, or a library of a package built from the binary's source
    linked: bool  # loaded by the program (ldd)


@dataclass(frozen=True)
class Reference:
    """What the reference is made of, read in its box as root."""

    files: list[ReferenceFile]
    sources: list[str]  # the source package(s) of the binary's package (none if built here)
    packages: list[str]  # binary packages installed from those sources


def reference_parts(container: Any, manifest: dict) -> Reference:
    """The reference's binary, the libraries it loads and the manifest's, read in its box as
    root (by the boxes' ``source_files.py``)."""
    command = source_files_command(binary=manifest["binary_realpath"], paths=manifest["libraries"])
    found = parse_source_files(container.exec_run(command, user="0").output)
    if found.binary is None or found.binary.sha256 != manifest["binary_sha256"]:
        raise ProbeError(f"{manifest['binary_realpath']} in the box does not match the manifest")
    files = [
        ReferenceFile(f.path, f.size or 0, f.sha256 or "", f.private, f.linked) for f in found.files
    ]
    sources = [found.binary.source] if found.binary.source else []
    return Reference(files, sources, list(found.packages))


def linked_libraries(reference: Reference, target: Target) -> list[str]:
    """Libraries the program loads beyond glibc and what its sandbox deliberately allows."""
    allowed = (*SANDBOX_READ, *target.sandbox.read, *target.sandbox.execute)
    return [
        f.path
        for f in reference.files
        if f.linked
        and not any(name in Path(f.path).name for name in GLIBC)
        and not any(f.path == a or f.path.startswith(a + "/") for a in allowed)
    ]


def find_secrets(target: Target, task: Path, marker: str) -> Secrets:
    """A held-out case id and a held-out-only input string (from this target's suite when it
    has one, else from others'), a fresh query-log marker, and receipt run ids if any exist."""
    suites = [heldout_root() / target.name / "cases.jsonl"]
    suites += sorted(heldout_root().glob("*/cases.jsonl"))
    suites = [path for path in dict.fromkeys(suites) if path.exists()]
    if not suites:
        raise Skip("no held-out suite exists yet")
    docs = b"".join(doc.read_bytes() for doc in (task / "docs").glob("*"))
    for suite in suites:
        entries = read_suite(suite)
        visible = visible_path(get_target(suite.parent.name))
        public = docs + (visible.read_bytes() if visible.exists() else b"")
        candidates = {
            line
            for entry in entries
            for data in (
                *map(str.encode, entry.case.args),
                entry.case.stdin,
                *entry.case.files.values(),
            )
            for line in data.decode(errors="replace").splitlines()
            if 16 <= len(line) <= 200
            and line.isascii()
            and line.isprintable()
            and line.encode() not in public
        }
        if candidates:
            break
    else:
        raise ProbeError("no held-out suite has a held-out-only input string to search for")
    chosen = max(candidates, key=lambda line: (len(set(line)), len(line), line))
    receipts = sorted((ROOT / "results").glob("**/*.receipt.json"))[-2:]
    return Secrets(
        heldout_suite=suites[0].parent.name,
        case_id=read_suite(suites[0])[0].id,
        input_suite=suite.parent.name,
        heldout_input=chosen,
        marker=marker,
        receipt_ids=tuple(path.name.removesuffix(".receipt.json") for path in receipts),
    )
