"""Builds the Debian base image and each target's reference image, locally and cached.

No registry is reachable: the base root filesystem comes from ``mmdebstrap`` with this machine's
own apt sources and is ``docker import``-ed. Each target's packages are installed on top in a
build container with host networking (boxes themselves never get a network), then the runner,
the extracted docs and a manifest are added. Every image is tagged with a content hash of what
it was built from, so an unchanged target is never rebuilt.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import shlex
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker.errors

from mirror.boxes.engine import EngineError, engine, image_exists
from mirror.boxes.programs import (
    SOURCE_FILES,
    SourceFiles,
    parse_source_files,
    source_files_command,
)
from mirror.errors import HarnessError
from mirror.specs.targets import ROOT, Target
from oracle.runner import LAUNCHER as SANDBOX_LAUNCHER

log = logging.getLogger(__name__)

SUITE = "bookworm"
BASE_PACKAGES = ("python3",)
RECIPE_VERSION = "1"  # bump when the build steps below change meaning
PROGRAM_UID = 61000
RUNNER_HOME = "/opt/mirror"
MIRROR_SHARE = "/usr/share/mirror"
MANIFEST = f"{MIRROR_SHARE}/manifest.json"
BUILD_SCRIPT = "/tmp/mirror-build.sh"
COMPILE_RUNNER = f"python3 -m compileall -q {RUNNER_HOME}"
# `oracle` is the static C client (oracle/client.c), which hands every command but `run` to
# this Python launcher.
ORACLE_COMMAND = "/usr/local/bin/oracle"
PYTHON_ORACLE = f"{RUNNER_HOME}/bin/oracle-py"
LAUNCHER = f"""#!/usr/bin/python3 -IS
import sys
sys.path.insert(0, "{RUNNER_HOME}")
from oracle.cli import main
sys.exit(main())
"""


class ImageBuildError(HarnessError):
    """A build step failed; the message carries the step and the tail of its log."""


def digest(*parts: str | bytes) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part.encode() if isinstance(part, str) else part)
        hasher.update(b"\0")
    return hasher.hexdigest()


def host_apt_sources() -> list[Path]:
    """This machine's enabled apt source files, handed to mmdebstrap as they are."""
    folder = Path("/etc/apt/sources.list.d")
    candidates = [Path("/etc/apt/sources.list"), *sorted(folder.glob("*"))]
    sources = [p for p in candidates if p.suffix in (".list", ".sources") and p.is_file()]
    if not sources:
        raise ImageBuildError("no apt sources on this machine (/etc/apt/sources.list{,.d})")
    return sources


def runner_files() -> dict[str, bytes]:
    """The runner as installed in every box: the ``oracle`` package and its Python launcher
    (the compiled ``oracle`` command comes from :func:`compiled_files`)."""
    files = {
        f"opt/mirror/oracle/{path.name}": path.read_bytes()
        for path in sorted((ROOT / "oracle").glob("*.py"))
    }
    files[PYTHON_ORACLE.lstrip("/")] = LAUNCHER.encode()
    return files


def files_in_container(container: Any, folder: str) -> dict[str, bytes]:
    """The regular files directly or indirectly under ``folder`` in a container, by name."""
    stream, _ = container.get_archive(folder)
    with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as archive:
        return {
            Path(info.name).name: archive.extractfile(info).read()  # type: ignore[union-attr]
            for info in archive.getmembers()
            if info.isfile()
        }


def files_in_image(tag: str, folder: str) -> dict[str, bytes]:
    """The regular files under ``folder`` in an image, read from a container never started."""
    container = engine().containers.create(tag, ["true"], network_mode="none")
    try:
        return files_in_container(container, folder)
    finally:
        container.remove(force=True)


def runner_digest() -> str:
    compiled = {"client.c": CLIENT_SOURCE.read_bytes(), "sandbox.c": SANDBOX_SOURCE.read_bytes()}
    files = runner_files() | compiled
    return digest(*(f"{name}\n".encode() + data for name, data in files.items()))


def tar_of(files: dict[str, bytes], executable: tuple[str, ...] = ()) -> bytes:
    """An in-memory tar archive of ``files`` (path -> bytes), for ``put_archive``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            runnable = name in executable or name.startswith(("usr/local/bin/", "opt/mirror/bin/"))
            info.mode = 0o755 if runnable else 0o644
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def base_tag() -> str:
    sources = b"".join(path.read_bytes() for path in host_apt_sources())
    return f"mirror/base:{digest(SUITE, *BASE_PACKAGES, RECIPE_VERSION, sources)[:16]}"


def ensure_base_image() -> str:
    """The Debian base image (mmdebstrap + docker import), built once per recipe."""
    tag = base_tag()
    if image_exists(tag):
        return tag
    log.info("building base image %s with mmdebstrap", tag)
    with tempfile.TemporaryDirectory(prefix="mirror-base-") as tmp:
        rootfs = Path(tmp) / "rootfs.tar"
        command = [
            "mmdebstrap",
            "--variant=minbase",
            f"--include={','.join(BASE_PACKAGES)}",
            SUITE,
            str(rootfs),
            *map(str, host_apt_sources()),
        ]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise ImageBuildError(f"mmdebstrap failed:\n{result.stderr[-3000:]}")
        repository, name = tag.split(":")
        engine().api.import_image_from_file(str(rootfs), repository=repository, tag=name)
    return tag


@dataclass(frozen=True)
class ReferenceImage:
    """A target's reference image and what it records about itself."""

    tag: str
    manifest: dict[str, Any]


def packages_tag(target: Target) -> str:
    key = digest(base_tag(), target.spec_digest, RECIPE_VERSION)
    return f"mirror/pkgs-{target.name}:{key[:16]}"


def reference_tag(target: Target) -> str:
    sandbox = SANDBOX_SOURCE.read_bytes()
    facts = SOURCE_FILES.read_bytes()
    key = digest(packages_tag(target), runner_digest(), sandbox, facts, RECIPE_VERSION)
    return f"mirror/ref-{target.name}:{key[:16]}"


def run_build_step(
    image: str, script: str, step: str, files: dict[str, bytes] | None = None, **options: Any
) -> Any:
    """Run ``script`` in a build container with host networking; return the stopped container.

    ``files`` (path -> bytes) are put into the container before the script starts.
    """
    container = engine().containers.create(
        image, ["sh", "-euc", script], network_mode="host", **options
    )
    if files:
        container.put_archive("/", tar_of(files))
    container.start()
    status = container.wait()["StatusCode"]
    if status != 0:
        output = container.logs().decode(errors="replace")[-3000:]
        container.remove(force=True)
        raise ImageBuildError(f"{step} failed with exit {status}:\n{output}")
    return container


def commit_image(container: Any, tag: str, labels: dict[str, str] | None = None) -> None:
    repository, name = tag.split(":")
    conf = {"Labels": labels or {}, "Cmd": ["/bin/sh"], "User": "0", "WorkingDir": "/"}
    container.commit(repository=repository, tag=name, conf=conf)
    container.remove(force=True)


def ensure_packages_image(target: Target) -> str:
    """Base + the target's Debian packages + the unprivileged user the program runs as."""
    tag = packages_tag(target)
    if image_exists(tag):
        return tag
    build = target.build
    clients = registry_clients(target)
    packages = " ".join(target.packages.debian + (build.packages if build else []))
    script = f"""
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends {packages} {" ".join(clients)}
"""
    files: dict[str, bytes] = {}
    if clients:
        files[BUILD_CA.lstrip("/")] = host_ca_bundle()
        script += registry_step(target, clients)
    if build:
        files |= {f"src/{name}": (target.folder / name).read_bytes() for name in build.sources}
        files[BUILD_SCRIPT.lstrip("/")] = build.script.encode()
        script += (
            f"mkdir -p /src && (cd /src && sh -eu {BUILD_SCRIPT})\nrm -rf /src {BUILD_SCRIPT}\n"
        )
        if build.packages:
            # Python suggests binutils, which would otherwise keep gcc's binutils installed.
            script += "apt-get purge -y -q --auto-remove -o APT::AutoRemove::SuggestsImportant=0 "
            script += f"{' '.join(build.packages)}\n"
    script += f"""apt-get clean
rm -rf /var/lib/apt/lists/*
groupadd -g {PROGRAM_UID} prog
useradd -u {PROGRAM_UID} -g {PROGRAM_UID} -M -d /case -s /usr/sbin/nologin prog
test -x {target.binary}
"""
    container = run_build_step(ensure_base_image(), script, f"installing {packages}", files)
    commit_image(container, tag)
    return tag


# Registries other than Debian's: the client each needs (a Debian package, present only while
# the packages image is built), where the build step records what it installed, and the CA
# bundle it trusts (this machine's: the registries may be reached through its own proxy).
PIP_CLIENT = "python3-pip"
NPM_CLIENT = "npm"
REGISTRIES_RECORD = f"{MIRROR_SHARE}/registries"
BUILD_CA = "/tmp/mirror-ca.crt"
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
# Prints every PyPI distribution installed under /usr/local as name==version, one a line.
PYPI_RECORD = """python3 -I -c 'import importlib.metadata as m, sys
for d in m.distributions(path=[p for p in sys.path if p.startswith("/usr/local/")]):
    print(d.name + "==" + d.version)' | LC_ALL=C sort"""


def registry_clients(target: Target) -> list[str]:
    """The Debian packages of the registry clients the target's packages need."""
    return [PIP_CLIENT] * bool(target.packages.pypi) + [NPM_CLIENT] * bool(target.packages.npm)


def host_ca_bundle() -> bytes:
    """This machine's CA bundle, which the build step's pip and npm trust."""
    try:
        return HOST_CA.read_bytes()
    except OSError as error:
        raise ImageBuildError(
            f"cannot read {HOST_CA} ({error.strerror}): the build step's pip and npm trust this "
            "machine's CA bundle; install ca-certificates"
        ) from None


def registry_step(target: Target, clients: list[str]) -> str:
    """Shell lines installing the target's pinned PyPI and npm packages, recording each
    installed package and version in ``REGISTRIES_RECORD``, then removing the clients."""
    pypi = " ".join(map(shlex.quote, target.packages.pypi))
    npm = " ".join(map(shlex.quote, target.packages.npm))
    script = f"mkdir -p {REGISTRIES_RECORD}\n"
    if pypi:
        script += (
            f"PIP_CERT={BUILD_CA} pip install -q --no-deps --no-cache-dir --no-input "
            f"--break-system-packages --root-user-action=ignore {pypi}\n"
            f"{PYPI_RECORD} > {REGISTRIES_RECORD}/pypi.txt\n"
        )
    if npm:
        # Exact versions of the named packages; their dependencies as npm resolves them,
        # each recorded with its version.
        script += (
            f"npm install -g --save-exact --no-fund --no-audit --cafile={BUILD_CA} {npm}\n"
            f"npm ls -g --all --parseable --long | cut -s -d: -f2 | grep -v '@$' "
            f"| LC_ALL=C sort -u > {REGISTRIES_RECORD}/npm.txt\n"
            "rm -rf /root/.npm\n"
        )
    return script + (
        "apt-get purge -y -q --auto-remove -o APT::AutoRemove::SuggestsImportant=0 "
        f"{' '.join(clients)}\nrm -f {BUILD_CA}\n"
    )


def extract_docs(target: Target, packages_image: str) -> dict[str, bytes]:
    """Render the target's man pages and doc files to plain text in a throwaway container."""
    pages = " ".join(target.docs.man)
    files = " ".join(target.docs.files)
    script = f"""
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends man-db groff-base bsdextrautils >/dev/null
mkdir -p /out/docs
for page in {pages}; do
  MANWIDTH=80 man -P cat "$page" 2>/dev/null | col -bx > "/out/docs/$page.1.txt"
done
for file in {files}; do
  name=$(basename "$file" .gz)
  case "$file" in *.gz) zcat "$file" ;; *) cat "$file" ;; esac > "/out/docs/$name"
done
"""
    container = run_build_step(packages_image, script, f"extracting docs of {target.name}")
    try:
        docs = files_in_container(container, "/out/docs")
    finally:
        container.remove(force=True)
    empty = [name for name, text in docs.items() if not text.strip()]
    if empty or (not docs and (pages or files)):
        raise ImageBuildError(f"{target.name}: docs came out empty: {empty or 'all'}")
    return docs


def registry_record(container: Any, target: Target) -> dict[str, list[str]]:
    """What the packages image's build step installed from PyPI and npm (``name==version``,
    ``name@version``), by registry; each pinned package must be there at its version."""
    if not registry_clients(target):
        return {}
    files = files_in_container(container, REGISTRIES_RECORD)
    record = {Path(name).stem: data.decode().split() for name, data in sorted(files.items())}
    pinned = [*target.packages.pypi, *target.packages.npm]
    installed = {entry.lower() for entries in record.values() for entry in entries}
    if missing := [name for name in pinned if name.lower() not in installed]:
        raise ImageBuildError(
            f"{target.name}: {', '.join(missing)} not installed as pinned (found: {record})"
        )
    return record


def reference_manifest(target: Target, found: SourceFiles) -> dict[str, Any]:
    """The manifest a reference image records about its binary, from ``source_files.py``.

    ``libraries`` are the ones it loads that are built from its own source package (jq's libjq,
    brotli's libbrotlidec), each as loaded and as its realpath: the reference's code as much as
    the binary is. Shared ones (libc) are not.
    """
    binary = found.binary
    if binary is None:
        raise ImageBuildError(f"{target.name}: source_files.py reported no binary")
    source = found.source_package
    libraries = {
        name
        for file in found.files
        if file.linked and source and file.source == source
        for name in (file.path, file.realpath)
    }
    return {
        "binary": binary.path,
        "binary_realpath": binary.realpath,
        "static": binary.static,
        "binary_sha256": binary.sha256,
        "packages": found.versions,
        "source_package": source,
        "libraries": sorted(libraries),
    }


SANDBOX_SOURCE = ROOT / "oracle" / "sandbox.c"
CLIENT_SOURCE = ROOT / "oracle" / "client.c"
SANDBOX_PRELOAD = "/opt/mirror/lib/libmirror-sandbox.so"


def compiled_tag() -> str:
    key = digest(base_tag(), SANDBOX_SOURCE.read_bytes(), CLIENT_SOURCE.read_bytes())
    return f"mirror/compiled:{digest(key, PYTHON_ORACLE, RECIPE_VERSION)[:16]}"


def compiled_files() -> dict[str, bytes]:
    """The compiled parts of the runner, built once per source: the sandbox (preload library
    and launcher, static so that it starts fast and ignores LD_PRELOAD) and the static
    ``oracle`` command."""
    tag = compiled_tag()
    if not image_exists(tag):
        flags = "-O2 -Wall -Wextra -Werror"
        script = f"""
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends gcc libc6-dev
mkdir -p /compiled
gcc {flags} -shared -fPIC -o /compiled/libmirror-sandbox.so /tmp/sandbox.c
gcc {flags} -static -s -DSANDBOX_EXEC -o /compiled/sandbox-exec /tmp/sandbox.c
gcc {flags} -static -s '-DORACLE_PYTHON="{PYTHON_ORACLE}"' -o /compiled/oracle /tmp/client.c
"""
        sources = {
            "tmp/sandbox.c": SANDBOX_SOURCE.read_bytes(),
            "tmp/client.c": CLIENT_SOURCE.read_bytes(),
        }
        commit_image(
            run_build_step(ensure_base_image(), script, "compiling the runner", sources), tag
        )
    built = files_in_image(tag, "/compiled")
    return {
        SANDBOX_PRELOAD.lstrip("/"): built["libmirror-sandbox.so"],
        SANDBOX_LAUNCHER.lstrip("/"): built["sandbox-exec"],
        ORACLE_COMMAND.lstrip("/"): built["oracle"],
    }


def ensure_reference_image(target: Target) -> ReferenceImage:
    """The target's reference box image: packages, runner, docs, manifest, binary 0711."""
    tag = reference_tag(target)
    if not image_exists(tag):
        packages_image = ensure_packages_image(target)
        docs = extract_docs(target, packages_image)
        files = runner_files() | compiled_files()
        files |= {f"usr/share/mirror/docs/{name}": text for name, text in docs.items()}
        facts = source_files_command(binary=target.binary, versions=target.packages.debian)
        binary = shlex.quote(target.binary)
        container = engine().containers.create(
            packages_image,
            # Byte-compiled at build time: the box's root is read-only, so never later.
            [
                "sh",
                "-c",
                f'{COMPILE_RUNNER} && "$@" && chmod 0711 "$(readlink -f {binary})"',
                "build",
                *facts,
            ],
            network_mode="none",
        )
        container.put_archive("/", tar_of(files, executable=(SANDBOX_LAUNCHER.lstrip("/"),)))
        container.start()
        if container.wait()["StatusCode"] != 0:
            output = container.logs().decode(errors="replace")
            container.remove(force=True)
            raise ImageBuildError(f"writing the manifest of {target.name} failed:\n{output}")
        try:
            found = parse_source_files(container.logs(stderr=False))
            manifest = reference_manifest(target, found)
            if registries := registry_record(container, target):
                manifest["registries"] = registries
            written = json.dumps(manifest, indent=1, sort_keys=True).encode()
            container.put_archive("/", tar_of({MANIFEST.lstrip("/"): written}))
        except BaseException:
            container.remove(force=True)
            raise
        manifest |= {"target": target.name, "spec_sha256": target.spec_digest}
        commit_image(container, tag, {"mirror.manifest": json.dumps(manifest, sort_keys=True)})
    try:
        labels = engine().images.get(tag).labels
    except docker.errors.ImageNotFound:
        raise EngineError(f"image {tag} vanished while building") from None
    manifest = json.loads(labels["mirror.manifest"])
    manifest["image_id"] = engine().images.get(tag).id
    return ReferenceImage(tag, manifest)


def reference_docs(target: Target) -> dict[str, bytes]:
    """The plain-text docs stored in the target's reference image: none, and no such folder,
    when its spec names none (GCC's manuals are not in Debian main)."""
    if not (target.docs.man or target.docs.files):
        return {}
    return files_in_image(ensure_reference_image(target).tag, f"{MIRROR_SHARE}/docs")
