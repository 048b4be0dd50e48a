"""Upstream test files from a target's Debian source package, fetched once and cached.

``apt-get source`` runs in a build container made from the base image, with host networking;
its deb-src entries are derived at run time from the container's own apt sources, so no mirror
address is written into the project. The source version is the one of the binary package in
the target's reference image, so the tests match the program they are run against.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import shlex
import shutil
import tarfile
from pathlib import Path

from mirror.boxes.images import ensure_base_image, ensure_reference_image, run_build_step
from mirror.errors import HarnessError
from mirror.specs.targets import get_target

log = logging.getLogger(__name__)

NO_SOURCE = ".no-source"  # written by the fetch script when apt-get source found nothing


class SourceUnavailableError(HarnessError):
    """apt-get source fetched no version of a source package from this machine's apt sources."""


# Adds a deb-src twin of each of the machine's own apt sources (never a mirror's address).
ENABLE_SOURCES = """\
for list in /etc/apt/sources.list.d/*.sources; do
  sed 's/^Types: deb$/Types: deb-src/' "$list" > "${list%.sources}-src.sources"
done
"""

FETCH_SCRIPT = (
    "\nexport DEBIAN_FRONTEND=noninteractive\n"
    + ENABLE_SOURCES
    + """apt-get update -q
apt-get install -y -q --no-install-recommends dpkg-dev
mkdir -p /fetch /out && cd /fetch
# A mirror may lack the exact version (security archives often carry no sources): then take
# the newest version it has, and record which one that was.
apt-get source -q --only-source "$SOURCE=$VERSION" || {
  for version in $(apt-cache showsrc --only-source "$SOURCE" | sed -n 's/^Version: //p'); do
    apt-get source -q --only-source "$SOURCE=$version" && break
  done
}
tree=$(find . -mindepth 1 -maxdepth 1 -type d | head -n 1)
if [ -z "$tree" ]; then touch /out/.no-source; exit 0; fi
cd "$tree"
for pattern in $PATTERNS; do
  for file in $pattern; do
    if [ -f "$file" ]; then mkdir -p "/out/$(dirname "$file")"; cp "$file" "/out/$file"; fi
  done
done
eval "$CONVERT"
dpkg-parsechangelog -S Version > /out/.source-version
"""
)


def cache_root() -> Path:
    """Host-only cache of upstream files (under the same state folder as the mirror CLI)."""
    return Path(os.environ.get("MIRROR_STATE", Path.home() / ".cache" / "mirror")) / "upstream"


def source_version(target_name: str, package: str) -> str:
    """The source version of ``package`` as installed in the target's reference image."""
    installed = ensure_reference_image(get_target(target_name)).manifest["packages"][package]
    return re.sub(r"\+b\d+$", "", installed)  # a binNMU has no source of its own


def upstream_files(
    target_name: str,
    source: str,
    package: str,
    patterns: tuple[str, ...],
    convert: str = "",
    cache: Path | None = None,
) -> dict[str, bytes]:
    """Files of ``source`` matching shell ``patterns`` (relative to its tree), by path.

    ``convert`` is a shell snippet run in the source tree afterwards, writing more files under
    ``/out`` (for example a test table turned into JSON by the language it is written in).
    Cached under ``<cache>/<version>/`` (``cache`` defaults to ``<state>/upstream/<target>``;
    callers fetching other files of the same target pass their own, so recipes do not clash);
    a complete fetch ends by writing ``.source-version`` (the version actually fetched), so an
    interrupted one is redone, and ``.recipe`` (a digest of the patterns and ``convert``), so a
    changed recipe is refetched.
    """
    version = source_version(target_name, package)
    folder = (cache or cache_root() / target_name) / version
    marker, recipe = folder / ".source-version", folder / ".recipe"
    digest = hashlib.sha256("\0".join([*patterns, convert]).encode()).hexdigest()
    if not marker.exists() or not recipe.exists() or recipe.read_text() != digest:
        if folder.exists():
            shutil.rmtree(folder)
        _fetch(folder, source, version, patterns, convert)
        recipe.write_text(digest)
    fetched = marker.read_text().strip()
    if fetched != version:
        log.warning(
            "%s: upstream files from source %s %s, not %s", target_name, source, fetched, version
        )
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path not in (marker, recipe)
    }


def _fetch(
    folder: Path, source: str, version: str, patterns: tuple[str, ...], convert: str
) -> None:
    log.info("fetching %s %s with apt-get source into %s", source, version, folder)
    environment = {
        "SOURCE": source,
        "VERSION": version,
        "PATTERNS": " ".join(patterns),
        "CONVERT": convert,
    }
    container = run_build_step(
        ensure_base_image(),
        FETCH_SCRIPT,
        f"apt-get source {shlex.quote(source)}={version}",
        environment=environment,
    )
    try:
        stream, _ = container.get_archive("/out")
        data = b"".join(stream)
    finally:
        container.remove(force=True)
    files: dict[Path, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        for member in archive.getmembers():
            name = Path(member.name)
            if member.isfile() and name.parts[0] == "out" and ".." not in name.parts:
                stream = archive.extractfile(member)
                assert stream is not None
                files[folder.joinpath(*name.parts[1:])] = stream.read()
    if folder / NO_SOURCE in files:
        raise SourceUnavailableError(
            f"source package {source} {version}: not in this machine's apt sources "
            "(apt-get source fetched no version of it), so its files cannot be had"
        )
    marker = folder / ".source-version"
    for path, content in sorted(files.items(), key=lambda item: item[0] == marker):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
