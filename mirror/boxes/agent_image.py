"""The agent image: the box an agent works in, and the box its submission is scored in.

Debian bookworm with the toolchains a reimplementation may use (Python 3, C, Go, Rust, all from
Debian's packages), a few locales, the runner and the ``oracle`` client. It holds no target's
program: the reference never enters this image.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from docker.types import Mount

from mirror.boxes.engine import engine, image_exists
from mirror.boxes.images import (
    COMPILE_RUNNER,
    ORACLE_COMMAND,
    RECIPE_VERSION,
    SANDBOX_LAUNCHER,
    commit_image,
    compiled_files,
    digest,
    ensure_base_image,
    ensure_reference_image,
    run_build_step,
    runner_digest,
    runner_files,
)
from mirror.boxes.programs import parse_source_files, source_files_command
from mirror.specs.targets import Target, all_targets, get_target

log = logging.getLogger(__name__)

TOOLCHAINS = {
    "python": ("python3",),
    "c": ("gcc", "libc6-dev", "make"),
    "go": ("golang-go",),
    "rust": ("rustc", "cargo"),
}
EXTRA_PACKAGES = ("locales", "ca-certificates", "git", "less", "file", "procps")
AGENT_UID = 1000
CANDIDATE_UID = 62000


def hidden_paths(target: Target) -> tuple[str, ...]:
    """Copies of the reference that the agent image happens to hold (GNU sed and numfmt come
    with every Debian system), and the other implementations its spec's ``hide`` names that
    exist there: each box for this target mounts /dev/null over them."""
    return _hidden_paths(target.name)


@cache
def _hidden_paths(name: str) -> tuple[str, ...]:
    target = get_target(name)
    manifest = ensure_reference_image(target).manifest
    # The reference's own paths that exist here, and every shared library of a package built
    # from its source package (brotli's libbrotlidec, util-linux's libuuid): its code, whether
    # or not the reference binary links it.
    wanted = {target.binary, manifest["binary_realpath"], *manifest["libraries"], *target.hide}
    output = engine().containers.run(
        ensure_agent_image(),
        source_files_command(source=manifest["source_package"], paths=sorted(wanted)),
        network_mode="none",
        remove=True,
    )
    found = parse_source_files(output)
    existing = {file.path for file in found.files if file.exists}
    libraries = set(found.source_libraries) if target.hide_source_libraries else set()
    return tuple(sorted(existing | libraries))


def masks(target: Target) -> list[Mount]:
    """Mounts hiding :func:`hidden_paths` in a box of ``target``."""
    return [Mount(path, "/dev/null", type="bind", read_only=True) for path in hidden_paths(target)]


def agent_locales() -> list[str]:
    """Every locale a target's cases set (its spec's ``locales``), so candidates see them too."""
    return list(dict.fromkeys(name for t in all_targets().values() for name in t.locales))


def agent_packages() -> list[str]:
    return sorted({p for group in TOOLCHAINS.values() for p in group} | set(EXTRA_PACKAGES))


def _recipe() -> str:
    """The build script of the agent image (part of its cache key)."""
    locales = "\n".join(f"{name} UTF-8" for name in agent_locales())
    return f"""
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends {" ".join(agent_packages())}
printf '%s\\n' '{locales}' > /etc/locale.gen
locale-gen
apt-get clean
rm -rf /var/lib/apt/lists/*
groupadd -g {AGENT_UID} agent
useradd -u {AGENT_UID} -g {AGENT_UID} -m -d /home/agent -s /bin/bash agent
groupadd -g {CANDIDATE_UID} candidate
useradd -u {CANDIDATE_UID} -g {CANDIDATE_UID} -M -d /case -s /usr/sbin/nologin candidate
mkdir -p /work /task
{COMPILE_RUNNER}
{_sandbox_tools_step()}
"""


# Inspect's in-box tool executable (text editor, exec_remote), from the wheel of the pinned
# inspect_ai: preinstalled where Inspect looks for it, owned by the agent (its tools run as the
# agent: root in the box has no capabilities), so no run injects or downloads it.
SANDBOX_TOOLS_ARCHIVE = "opt/mirror/inspect-sandbox-tools.tar.gz"


@cache
def sandbox_tools() -> tuple[str, bytes]:
    """Where Inspect's sandbox tools live in a box, and their gzipped tree for amd64."""
    import inspect_ai
    from inspect_ai.util._sandbox._cli import SANDBOX_TOOLS_DIR

    package = Path(inspect_ai.__file__).parent
    version_file = package / "tool" / "_sandbox_tools_utils" / "sandbox_tools_version.txt"
    version = version_file.read_text().strip()
    archive = package / "binaries" / f"inspect-sandbox-tools-amd64-v{version}"
    return SANDBOX_TOOLS_DIR, archive.read_bytes()


def _sandbox_tools_step() -> str:
    folder, archive = sandbox_tools()
    return f"""# inspect sandbox tools {digest(archive)}
mkdir -m 0700 {folder}
tar xzf /{SANDBOX_TOOLS_ARCHIVE} -C {folder}
rm /{SANDBOX_TOOLS_ARCHIVE}
chown -R {AGENT_UID}:{AGENT_UID} {folder}"""


def agent_tag() -> str:
    key = digest(ensure_base_image(), _recipe(), runner_digest(), RECIPE_VERSION)
    return f"mirror/agent:{key[:16]}"


def ensure_agent_image() -> str:
    """Build (once per recipe) and return the agent/scoring image's tag."""
    tag = agent_tag()
    if image_exists(tag):
        return tag
    log.info("building agent image %s", tag)
    script = _recipe()
    # The C client, and the launcher that starts candidates (with the limits alone, as
    # `oracle test` and scoring run them) without a fork of the runner.
    compiled = compiled_files()
    files = runner_files()
    for path in (ORACLE_COMMAND, SANDBOX_LAUNCHER):
        files[path.lstrip("/")] = compiled[path.lstrip("/")]
    files[SANDBOX_TOOLS_ARCHIVE] = sandbox_tools()[1]
    container = run_build_step(ensure_base_image(), script, "building the agent image", files)
    commit_image(container, tag, {"mirror.image": "agent"})
    return tag
