"""Target specs: ``targets/<name>/target.toml`` read into a typed, validated model."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationError,
    field_validator,
)

from mirror.errors import UserError

ROOT = Path(__file__).resolve().parents[2]
Name = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
AbsolutePath = Annotated[str, StringConstraints(pattern=r"^/[^\x00]*$")]
DebianPackage = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9+.-]+$")]
Locale = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}_[A-Z]{2}(\.[\w-]+)?(@\w+)?$")]


def _inside_folder(name: str) -> str:
    parts = name.split("/")
    if not name or "\0" in name or name.startswith("/") or ".." in parts:
        raise ValueError("must be a relative path inside the target folder (no '/' start, no '..')")
    return name


FolderFile = Annotated[str, AfterValidator(_inside_folder)]


class SpecError(UserError, ValueError):
    """A target spec is malformed; the message names the file, the field and the fix."""


class Bucket(StrEnum):
    S = "S"
    M = "M"
    L = "L"


class Language(StrEnum):
    python = "python"
    c = "c"
    go = "go"
    rust = "rust"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# Packages of other registries, each pinned to one exact version (dependencies too, for PyPI:
# they are installed with --no-deps), so an image built next month holds the same program.
PYPI_PIN = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?==[0-9]+(\.[0-9]+)*$")
NPM_PIN = re.compile(r"^(@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*@[0-9]+\.[0-9]+\.[0-9]+$")


def _pinned(pattern: re.Pattern[str], example: str) -> AfterValidator:
    def check(requirement: str) -> str:
        if not pattern.match(requirement):
            raise ValueError(f"must name one exact version, like {example!r}; pin it")
        return requirement

    return AfterValidator(check)


class Packages(_Strict):
    """What the reference image installs: Debian packages, then pinned PyPI and npm packages
    (installed in the build step with pip and npm, which are removed again)."""

    debian: list[DebianPackage] = Field(min_length=1)
    pypi: list[Annotated[str, _pinned(PYPI_PIN, "name==1.2.3")]] = []
    npm: list[Annotated[str, _pinned(NPM_PIN, "name@1.2.3")]] = []


class Build(_Strict):
    """Steps that make the program in the packages image instead of only installing it.

    ``script`` runs as root with ``sh -eu`` in ``/src``, which holds ``sources`` (files of the
    target folder); ``packages`` are installed before it and purged after it.
    """

    packages: list[DebianPackage] = []
    sources: list[FolderFile] = []
    script: str = Field(min_length=1)


class Docs(_Strict):
    man: list[Name] = []
    files: list[AbsolutePath] = []


class SandboxPaths(_Strict):
    """Paths the reference program may use beyond the defaults (see mirror/boxes.py)."""

    read: list[AbsolutePath] = []
    execute: list[AbsolutePath] = []


class Rival(_Strict):
    """An independent implementation packaged by Debian, scored in calibration.

    ``packages`` are installed in the base image and ``program`` (with the libraries it loads)
    becomes the workspace's ``bin/<command>``, started under the target's command name, so a
    multi-call program (busybox, uutils) behaves as that command. ``args`` go before the
    case's own (``tcc``'s ``-E`` makes a compiler a preprocessor).
    """

    name: Name
    packages: list[DebianPackage] = Field(min_length=1)
    program: AbsolutePath
    args: list[str] = []


class Pack(_Strict):
    """What the reference, copied out of its image as the ``reference`` calibration candidate,
    needs beyond its binary and libraries: ``files`` (or folders) copied under the workspace's
    ``root/`` at their own path, and ``env`` its wrapper sets, where ``{root}`` stands for that
    folder (GCC's cpp driver finds the cc1 it runs through COMPILER_PATH, as the box's own cc1
    is masked)."""

    files: list[AbsolutePath] = []
    # Any portable name, lowercase too (Cabal's <package>_datadir that a Haskell program reads).
    env: dict[Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")], str] = {}


class Bench(_Strict):
    """This target's roles in ``mirror bench`` (speed measurements)."""

    oracle: list[str] | None = Field(None, min_length=1)  # the query timed by `bench oracle`
    scoring: StrictBool = False  # the default target of `bench scoring`
    sandbox: StrictBool = False  # the default target of `bench sandbox`


class DemoAgent(_Strict):
    """A scripted agent run for ``make demo``: a ``mockllm`` model that probes the oracle, writes
    ``sources`` (files of the target folder, so only an original target, whose source is the
    project's own, has one) into /work with ``build`` as /work/build.sh, builds, runs the
    visible tests and submits. It shows the whole agent path with no API key."""

    sources: list[FolderFile] = Field(min_length=1)
    build: str = Field(min_length=1)


class Target(_Strict):
    """What to install, how the program is invoked, and how it is classified."""

    name: Name
    description: str = Field(min_length=1)
    command: Name
    binary: AbsolutePath
    bucket: Bucket
    category: str = Field(min_length=1)
    languages: list[Language] = Field(min_length=1)
    packages: Packages
    build: Build | None = None
    docs: Docs = Docs()
    sandbox: SandboxPaths = SandboxPaths()
    heldout_min: StrictInt = Field(300, ge=1)  # fewest held-out cases its suite may have
    rivals: list[Rival] = []
    locales: list[Locale] = []  # that its cases set: every one is built into the agent image
    # Other implementations of the program that the agent image holds (mawk for gawk, GCC's
    # cc1 for cpp): masked in every agent and scoring box of this target, like the reference's
    # own copies.
    hide: list[AbsolutePath] = []
    # Whether those boxes also mask every shared library of the packages built from the
    # reference's source package (brotli's libbrotlidec); false where that source package
    # builds the toolchains' own runtime (gcc-12: libgcc_s, libstdc++, the LTO plugin).
    hide_source_libraries: StrictBool = True
    pack: Pack = Pack()
    demo: StrictBool = False  # scored by `mirror demo`
    demo_agent: DemoAgent | None = None  # the scripted agent run of `mirror demo`
    bench: Bench = Bench(oracle=None)
    folder: Path = Field(default=Path(), exclude=True)

    _spec_digest: str = PrivateAttr("")

    @field_validator("rivals")
    @classmethod
    def _rival_names_differ(cls, rivals: list[Rival]) -> list[Rival]:
        names = [rival.name for rival in rivals]
        if repeated := sorted({name for name in names if names.count(name) > 1}):
            raise ValueError(f"rival names must differ: rename {', '.join(repeated)}")
        return rivals

    @property
    def spec_digest(self) -> str:
        """sha256 of the fields that shape the reference image and of its build sources.

        Part of image cache keys and recorded in suites. Fields that only steer the harness
        (held-out minimum, rivals, demo, ...) and comments are left out, so editing them
        rebuilds no image. Taken once at load, so a long-lived process whose loaded spec is
        stale never tags what it builds from that spec with the digest of a newer file.
        """
        return self._spec_digest or _spec_digest(self)


# What the reference image and the reference's behaviour depend on (see mirror/boxes/images.py).
IMAGE_FIELDS = frozenset({"name", "command", "binary", "packages", "build", "docs", "sandbox"})


def _spec_digest(target: Target) -> str:
    shaping = target.model_dump(mode="json", include=set(IMAGE_FIELDS))
    # A registry added after suites were recorded counts only where a spec uses it, so the
    # digests (and images) of the targets that do not stay as they were.
    if not target.packages.npm:
        del shaping["packages"]["npm"]
    hasher = hashlib.sha256(json.dumps(shaping, sort_keys=True).encode())
    for source in target.build.sources if target.build else ():
        hasher.update(f"\0{source}\0".encode() + (target.folder / source).read_bytes())
    return hasher.hexdigest()


def targets_root() -> Path:
    return Path(os.environ.get("MIRROR_TARGETS", ROOT / "targets"))


def load_target(path: Path) -> Target:
    """Read and validate one ``target.toml``."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{path}: not valid TOML: {error}") from None
    try:
        target = Target.model_validate({**data, "folder": path.parent})
    except ValidationError as error:
        problems = "\n".join(
            f"  field '{'.'.join(map(str, issue['loc']))}': {issue['msg']}"
            + (f" (got {issue['input']!r:.60})" if issue["type"] != "missing" else "")
            for issue in error.errors()
        )
        raise SpecError(f"{path}: invalid target spec\n{problems}") from None
    if target.name != path.parent.name:
        raise SpecError(
            f"{path}: field 'name': must equal the folder name {path.parent.name!r}, "
            f"got {target.name!r}"
        )
    for name, sources in (
        ("build.sources", target.build.sources if target.build else []),
        ("demo_agent.sources", target.demo_agent.sources if target.demo_agent else []),
    ):
        if missing := [source for source in sources if not (path.parent / source).is_file()]:
            raise SpecError(
                f"{path}: field '{name}': {', '.join(missing)} not found; list files that "
                f"exist in {path.parent}, relative to it"
            )
    target._spec_digest = _spec_digest(target)
    return target


@cache
def all_targets(root: Path | None = None) -> dict[str, Target]:
    """Every target under the targets folder, by name."""
    root = root or targets_root()
    return {path.parent.name: load_target(path) for path in sorted(root.glob("*/target.toml"))}


def bench_target(role: Literal["oracle", "scoring", "sandbox"], root: Path | None = None) -> Target:
    """The one target whose spec sets ``bench.<role>``."""
    chosen = [target for target in all_targets(root).values() if getattr(target.bench, role)]
    if len(chosen) != 1:
        found = ", ".join(str(target.folder / "target.toml") for target in chosen) or "none"
        raise SpecError(
            f"field 'bench.{role}' must be set in exactly one target.toml under "
            f"{root or targets_root()} (set in: {found}); set it in one"
        )
    return chosen[0]


def get_target(name: str) -> Target:
    targets = all_targets()
    if name not in targets:
        known = ", ".join(targets) or "none"
        raise SpecError(f"no target named {name!r} under {targets_root()} (known: {known})")
    return targets[name]
