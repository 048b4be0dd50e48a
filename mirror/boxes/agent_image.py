"""The agent image: the box an agent works in, and the box its submission is scored in.

Debian bookworm with the toolchains a reimplementation may use (Python 3, C, Go, Rust, all from
Debian's packages), a few locales, the runner and the ``oracle`` client. It holds no target's
program: the reference never enters this image.
"""

from __future__ import annotations

import logging
from functools import cache

from docker.types import Mount

from mirror.boxes.engine import engine, image_exists
from mirror.boxes.images import (
    COMPILE_RUNNER,
    RECIPE_VERSION,
    commit_image,
    digest,
    ensure_base_image,
    ensure_reference_image,
    run_build_step,
    runner_digest,
    runner_files,
)
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
    with every Debian system): each box for this target mounts /dev/null over them."""
    return _hidden_paths(target.name)


@cache
def _hidden_paths(name: str) -> tuple[str, ...]:
    target = get_target(name)
    manifest = ensure_reference_image(target).manifest
    wanted = {target.binary, manifest["binary_realpath"], *manifest["libraries"]}
    found = engine().containers.run(
        ensure_agent_image(),
        ["sh", "-c", HIDDEN_PROBE, "probe", manifest["source_package"] or "", *sorted(wanted)],
        network_mode="none",
        remove=True,
    )
    return tuple(sorted(set(found.decode().split())))


# Prints which of the paths exist here, and every shared library of an installed package built
# from the reference's own source package (brotli's libbrotlidec, util-linux's libuuid): its
# code, whether or not the reference binary links it.
HIDDEN_PROBE = r"""
source=$1; shift
for p; do [ -e "$p" ] && echo "$p"; done
[ -n "$source" ] || exit 0
dpkg-query -W -f '${source:Package} ${Package}\n' | awk -v s="$source" '$1 == s {print $2}' |
  xargs -r dpkg-query -L | grep -E '\.so(\.[0-9]+)*$' | while read -r p; do
    [ -f "$p" ] && echo "$p"; [ -f "/usr$p" ] && echo "/usr$p"; done
true
"""


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
"""


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
    container = run_build_step(
        ensure_base_image(), script, "building the agent image", runner_files()
    )
    commit_image(container, tag, {"mirror.image": "agent"})
    return tag
