"""The source code the screen samples from, fetched once and cached with a manifest.

A target's source is described by ``targets/<name>/source.toml``: either the Debian source
package of the program in its reference image (fetched by :mod:`mirror.suites.upstream`, in a
build box with host networking), or files of the target folder itself (an original target).
Baseline programs come from PyPI or npm at a pinned version (see ``baseline.toml``), fetched on
the host with ``pip download`` / ``npm pack``: a PyPI wheel, or its sdist where the program's
own code is C or Rust (an sdist ships the C files or the Cargo sources that wheels hold
compiled). Every source is cached under
``<state>/memorization/sources/`` beside a ``manifest.json`` (origin, version, sha256).
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import json
import logging
import os
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mirror.errors import HarnessError, UserError, field_problems
from mirror.specs.targets import Target

log = logging.getLogger(__name__)

Language = Literal["c", "go", "rust", "python", "javascript"]
SOURCE_FILE = "source.toml"
MANIFEST = "manifest.json"
# Paths never sampled, whatever a spec includes: tests, vendored code, bundles, type stubs.
NEVER = (
    "*test*",
    "*/vendor/*",
    "*/third_party/*",
    "*/node_modules/*",
    "*.min.js",
    "*.d.ts",
    "*.bundle.js",
)
# The archive of a Debian source package: hashed in the build box, beside the files.
ARCHIVES_FILE = ".archives.sha256"
HASH_ARCHIVES = f"sha256sum ../*.dsc ../*.tar.* > /out/{ARCHIVES_FILE}"


class SourceSpecError(UserError, ValueError):
    """A ``source.toml`` is missing or malformed; the message names the file and field."""


class SourceFetchError(HarnessError):
    """A registry client failed to fetch a pinned package."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DebianSource(_Strict):
    source: str = Field(min_length=1)  # the source package
    package: str = Field(min_length=1)  # the binary package in the reference image
    # An upstream tarball inside the source tree (Debian's gcc packages unpack theirs when they
    # build): the files of it that ``include`` matches, less its top folder, are taken too.
    inner: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._+*-]*$")


class RegistrySource(_Strict):
    """A program installed from PyPI or npm: its package, at the version the target pins."""

    registry: Literal["pypi", "npm"]
    package: str = Field(min_length=1)
    sdist: bool = False  # PyPI: take the sdist (C or Cargo sources), not the wheel


class SourceSpec(_Strict):
    """Where a program's own code is and which of its files count as its own."""

    language: Language
    include: list[str] = Field(min_length=1)  # shell patterns, relative to the source tree
    exclude: list[str] = []  # vendored, generated or test files the patterns would catch
    debian: DebianSource | None = None  # absent (and no registry): files of the target folder
    registry: RegistrySource | None = None

    @model_validator(mode="after")
    def _one_origin(self) -> SourceSpec:
        if self.debian and self.registry:
            raise ValueError("set one of [debian] and [registry], not both")
        return self


@dataclass(frozen=True)
class Manifest:
    """Where a cached source came from."""

    origin: str  # "debian", "repository", "pypi" or "npm"
    name: str  # the source package, target or registry package
    version: str  # the version fetched
    requested: str  # the version asked for (a Debian archive may lack that exact revision)
    sha256: dict[str, str]  # archive (or file) name -> sha256

    @property
    def exact(self) -> bool:
        return self.version == self.requested


@dataclass(frozen=True)
class Source:
    """A program's own source files (path -> bytes) with their manifest and language."""

    program: str
    language: Language
    files: dict[str, bytes]
    manifest: Manifest


def cache_root() -> Path:
    state = Path(os.environ.get("MIRROR_STATE", Path.home() / ".cache" / "mirror"))
    return state / "memorization" / "sources"


def load_source_spec(target: Target) -> SourceSpec:
    """Read ``targets/<name>/source.toml``."""
    path = target.folder / SOURCE_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceSpecError(
            f"{path}: not found; write one saying where {target.name}'s own source is "
            "(see docs/memorization.md)"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise SourceSpecError(f"{path}: not valid TOML: {error}") from None
    try:
        return SourceSpec.model_validate(data)
    except ValidationError as error:
        raise SourceSpecError(f"{path}: {field_problems(error)}") from None


def own_files(files: dict[str, bytes], include: list[str], exclude: list[str]) -> dict[str, bytes]:
    """The files matching ``include`` and neither ``exclude`` nor the never-sampled patterns."""
    return {
        path: content
        for path, content in sorted(files.items())
        if any(fnmatch.fnmatchcase(path, pattern) for pattern in include)
        and not any(fnmatch.fnmatchcase(path, pattern) for pattern in (*exclude, *NEVER))
    }


def target_source(target: Target) -> Source:
    """The source of ``target`` at the version its reference image holds."""
    spec = load_source_spec(target)
    if spec.registry:
        return _registry_source(target, spec, spec.registry)
    if spec.debian is None:
        files = {name: (target.folder / name).read_bytes() for name in _glob(target.folder, spec)}
        manifest = Manifest(
            origin="repository",
            name=target.name,
            version=target.spec_digest[:16],
            requested=target.spec_digest[:16],
            sha256={name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
        )
        return Source(
            target.name, spec.language, own_files(files, spec.include, spec.exclude), manifest
        )
    return _debian_source(target, spec, spec.debian)


def _registry_source(target: Target, spec: SourceSpec, origin: RegistrySource) -> Source:
    """The registry package at the version the target's spec pins (``name==X``, ``name@X``)."""
    pins = target.packages.pypi if origin.registry == "pypi" else target.packages.npm
    separator = "==" if origin.registry == "pypi" else "@"
    versions = [
        pin.rpartition(separator)[2]
        for pin in pins
        if pin.rpartition(separator)[0].lower() == origin.package.lower()
    ]
    if not versions:
        raise SourceSpecError(
            f"{target.folder / SOURCE_FILE}: field 'registry.package': {origin.package!r} is not "
            f"in packages.{origin.registry} of {target.folder / 'target.toml'}; name a package "
            "the target installs"
        )
    return registry_source(
        origin.package,
        origin.registry,
        versions[0],
        spec.language,
        spec.include,
        spec.exclude,
        sdist=origin.sdist,
    )


def _glob(folder: Path, spec: SourceSpec) -> list[str]:
    return sorted(
        path.relative_to(folder).as_posix()
        for pattern in spec.include
        for path in folder.glob(pattern)
        if path.is_file()
    )


def _debian_source(target: Target, spec: SourceSpec, debian: DebianSource) -> Source:
    # Imported here: the upstream importer needs the Docker SDK, repository sources do not.
    from mirror.suites.upstream import source_version, upstream_files

    folder = cache_root() / "targets" / target.name
    requested = source_version(target.name, debian.package)
    fetched = upstream_files(
        target.name,
        debian.source,
        debian.package,
        tuple(spec.include),
        convert=HASH_ARCHIVES + _unpack_inner(debian.inner, spec.include),
        cache=folder,
    )
    hashes = {
        Path(name).name: digest
        for digest, name in (
            line.split(maxsplit=1) for line in fetched.pop(ARCHIVES_FILE).decode().splitlines()
        )
    }
    version = (folder / requested / ".source-version").read_text().strip()
    manifest = Manifest("debian", debian.source, version, requested, hashes)
    _write_manifest(folder / requested, manifest)
    return Source(
        target.name, spec.language, own_files(fetched, spec.include, spec.exclude), manifest
    )


def _unpack_inner(inner: str | None, include: list[str]) -> str:
    """Shell lines extracting ``include``'s files of the tarball ``inner`` into ``/out``."""
    if inner is None:
        return ""
    members = " ".join(shlex.quote(f"*/{pattern}") for pattern in include)
    return f"\ntar -xf {inner} -C /out --strip-components=1 --wildcards {members}"


def _write_manifest(folder: Path, manifest: Manifest) -> None:
    path = folder / MANIFEST
    text = json.dumps({**asdict(manifest), "exact": manifest.exact}, indent=2, sort_keys=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def read_manifest(folder: Path) -> Manifest:
    data = json.loads((folder / MANIFEST).read_text())
    data.pop("exact", None)
    return Manifest(**data)


def registry_source(
    program: str,
    registry: Literal["pypi", "npm"],
    version: str,
    language: Language,
    include: list[str],
    exclude: list[str],
    sdist: bool = False,
) -> Source:
    """A package at ``version`` from PyPI (its wheel, or its sdist when ``sdist``) or npm (its
    tarball), cached.

    Paths are as in the archive, less its top folder (an sdist's ``name-version/``, a tarball's
    ``package/``); a wheel has none.
    """
    folder = cache_root() / registry / program / (f"{version}.sdist" if sdist else version)
    if not (folder / MANIFEST).exists():
        archive = _download(registry, program, version, sdist)
        files = _unpack(archive)
        if folder.exists():
            shutil.rmtree(folder)
        for path, data in files.items():
            (folder / "files" / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / "files" / path).write_bytes(data)
        digest = hashlib.sha256(archive.read_bytes()).hexdigest()
        _write_manifest(
            folder, Manifest(registry, program, version, version, {archive.name: digest})
        )
        shutil.rmtree(archive.parent)
    files = {
        path.relative_to(folder / "files").as_posix(): path.read_bytes()
        for path in sorted((folder / "files").rglob("*"))
        if path.is_file()
    }
    return Source(program, language, own_files(files, include, exclude), read_manifest(folder))


# pip prepares an sdist's metadata before it saves it: maturin does so with `cargo metadata`,
# which resolves the crate's dependencies on crates.io (not reached here), and a hatchling build
# hook may run the Go toolchain. This stand-in for those backends (maturin, hatchling.build),
# put first on the path of pip's second try (without build isolation), gives pip the metadata
# the sdist itself carries in PKG-INFO; nothing is built.
PKG_INFO_BACKEND = '''"""Stand-in build backend: the sdist's own PKG-INFO as its metadata."""
from pathlib import Path


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    info = Path("PKG-INFO").read_text(encoding="utf-8")
    fields = dict(
        line.split(": ", 1) for line in info.split("\\n\\n")[0].splitlines() if ": " in line
    )
    name = fields["Name"].replace("-", "_")
    folder = Path(metadata_directory) / f"{name}-{fields['Version']}.dist-info"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "METADATA").write_text(info, encoding="utf-8")
    return folder.name
'''


def _download(
    registry: Literal["pypi", "npm"], program: str, version: str, sdist: bool = False
) -> Path:
    """Fetch one archive with the registry's own client into a fresh temporary folder."""
    where = Path(tempfile.mkdtemp(prefix="mirror-fetch-"))
    environment = None
    if registry == "pypi":
        # Nothing is installed: a Requires-Python newer than this interpreter does not stop
        # the archive being read.
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet"]
        command += ["--ignore-requires-python", "-d", str(where), f"{program}=={version}"]
        if sdist:
            command += ["--no-binary", program]
    else:
        command = ["npm", "pack", "--silent", "--pack-destination", str(where)]
        command += [f"{program}@{version}"]
    log.info("fetching %s %s from %s", program, version, registry)
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0 and sdist and "metadata-generation-failed" in result.stderr:
        stub = where.with_name(f"{where.name}-backend")
        for module in ("maturin/__init__.py", "hatchling/build.py"):
            (stub / module).parent.mkdir(parents=True, exist_ok=True)
            (stub / module).write_text(PKG_INFO_BACKEND)
        (stub / "hatchling" / "__init__.py").write_text("")
        environment = {**os.environ, "PYTHONPATH": str(stub)}
        command += ["--no-build-isolation"]
        log.info("%s: metadata from the sdist's PKG-INFO (its build backend failed)", program)
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=300, check=False, env=environment
        )
        shutil.rmtree(stub)
    archives = sorted(where.iterdir())
    if result.returncode != 0 or len(archives) != 1:
        shutil.rmtree(where)
        raise SourceFetchError(
            f"{' '.join(command)} failed (exit {result.returncode}): {result.stderr.strip()[-400:]}"
        )
    return archives[0]


def _unpack(archive: Path) -> dict[str, bytes]:
    if archive.suffix == ".whl" or archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as zipped:
            return {
                name: zipped.read(name)
                for name in zipped.namelist()
                if not name.endswith("/") and ".." not in name.split("/")
            }
    files: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(archive.read_bytes())) as tar:
        for member in tar.getmembers():
            parts = member.name.split("/")
            if member.isfile() and ".." not in parts and len(parts) > 1:
                stream = tar.extractfile(member)
                assert stream is not None
                files["/".join(parts[1:])] = stream.read()
    return files
