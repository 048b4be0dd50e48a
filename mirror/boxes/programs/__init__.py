"""Programs run inside boxes with the box's own ``python3``, and the records of what they print.

``source_files.py`` is the one definition of the files built from a reference's Debian source
package: the reference image's manifest, the copies the agent image must hide and the red team's
inventory of the reference all read its output.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mirror.errors import HarnessError

log = logging.getLogger(__name__)

PROGRAMS = Path(__file__).parent
SOURCE_FILES = PROGRAMS / "source_files.py"


class SourceFilesError(HarnessError):
    """``source_files.py`` printed no result in a box: a fault of the harness or the image."""


@dataclass(frozen=True)
class SourceFile:
    """One file as the box sees it (sizes and digests are of its realpath)."""

    path: str
    realpath: str
    exists: bool
    size: int | None  # None when unreadable or missing
    sha256: str | None
    package: str | None  # the Debian package that installed it
    source: str | None  # that package's source package
    linked: bool  # the binary loads it (ldd)
    private: bool  # the binary, or a file of a package built from the source package


@dataclass(frozen=True)
class Binary:
    path: str
    realpath: str
    exists: bool
    size: int
    sha256: str
    package: str | None
    source: str | None
    static: bool  # an ELF without a program interpreter


@dataclass(frozen=True)
class SourceFiles:
    """What ``source_files.py`` found: see its docstring for each field."""

    binary: Binary | None
    source_package: str | None
    packages: tuple[str, ...]
    versions: dict[str, str]
    linked: tuple[str, ...]
    files: tuple[SourceFile, ...]
    source_libraries: tuple[str, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SourceFiles:
        binary = data["binary"]
        return cls(
            binary=Binary(**binary) if binary else None,
            source_package=data["source_package"],
            packages=tuple(data["packages"]),
            versions=dict(data["versions"]),
            linked=tuple(data["linked"]),
            files=tuple(SourceFile(**entry) for entry in data["files"]),
            source_libraries=tuple(data["source_libraries"]),
        )


def source_files_command(
    *,
    binary: str | None = None,
    source: str | None = None,
    versions: Sequence[str] = (),
    paths: Sequence[str] = (),
) -> list[str]:
    """The command that runs ``source_files.py`` in a box (its text travels in the command)."""
    command = ["python3", "-I", "-c", SOURCE_FILES.read_text()]
    if binary:
        command += ["--binary", binary]
    if source:
        command += ["--source", source]
    if versions:
        command += ["--versions", *versions]
    if paths:
        command += ["--paths", *paths]
    return command


def parse_source_files(output: bytes | str) -> SourceFiles:
    """The record in ``source_files.py``'s output (its last line)."""
    text = output.decode(errors="replace") if isinstance(output, bytes) else output
    try:
        return SourceFiles.from_json(json.loads(text.strip().splitlines()[-1]))
    except (IndexError, ValueError, KeyError, TypeError) as e:
        raise SourceFilesError(f"source_files.py gave no result ({e}):\n{text[-2000:]}") from None
