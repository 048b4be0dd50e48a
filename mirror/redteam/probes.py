"""Probes: programs run inside boxes, each printing one JSON result line.

The programs are files in ``programs/``: a Python probe reads its parameters from ``BLOB`` (base64
JSON, filled in here, so a searched-for string never appears verbatim in a probe file) and sets
``result``; :func:`render` appends the line that prints it. C and Perl sources there are compiled
or copied into cases by the attacks that use them.
"""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any

from mirror.boxes.agent_image import ensure_agent_image
from mirror.boxes.engine import engine
from mirror.errors import HarnessError
from oracle.case import Case
from oracle.client import OracleClient

log = logging.getLogger(__name__)
PROGRAMS = Path(__file__).parent / "programs"
BLOB_LINE = 'BLOB = ""'

# Fixed probe parameters.
NET = {
    "tcp": [
        ["1.1.1.1", 443],
        ["8.8.8.8", 53],
        ["10.0.0.1", 80],
        ["172.17.0.1", 2375],
        ["192.168.1.1", 80],
        ["169.254.169.254", 80],
        ["2606:4700:4700::1111", 443],
    ],
    "udp": [["8.8.8.8", 53], ["1.1.1.1", 53], ["2001:4860:4860::8888", 53]],
    "dns": ["deb.debian.org", "pypi.org"],
}
DOCKER = {
    "paths": [
        "/var/run/docker.sock",
        "/run/docker.sock",
        "/run/containerd/containerd.sock",
        "/var/run/containerd/containerd.sock",
        "/run/podman/podman.sock",
        "/run/user/0/docker.sock",
    ]
}
WRITE_DIRS = [
    "/",
    "/tmp",
    "/var/tmp",
    "/etc",
    "/usr/local/bin",
    "/opt/mirror/oracle",
    "/work",
    "/work/bin",
    "/oracle",
    "/var/log/mirror",
    "/task",
    "/home",
    "/case",
    "/dev/shm",
    "/run",
]
RUNNER_FILES = [
    "/opt/mirror/oracle/runner.py",
    "/opt/mirror/oracle/server.py",
    "/usr/local/bin/oracle",
]
SCORING_PROBES = ("net", "docker", "search", "leftovers", "procs", "writes", "oracle", "caps")
BUILD_PROBES = ("net", "docker", "search", "writes", "oracle", "caps")


class ProbeError(HarnessError):
    """A probe inside a box printed no result: the harness failed, not the defence."""


def program(name: str) -> str:
    """The text of ``programs/<name>``."""
    return (PROGRAMS / name).read_text()


def render(name: str, params: dict[str, Any] | None = None) -> str:
    """The source of probe ``name`` with its parameters, printing its result when run."""
    source = program(f"{name}.py")
    if source.count(BLOB_LINE) == 1:
        blob = base64.b64encode(json.dumps(params or {}).encode()).decode()
        source = source.replace(BLOB_LINE, f'BLOB = "{blob}"')
    elif params:
        raise ValueError(f"probe {name!r} takes no parameters (it has no {BLOB_LINE} line)")
    return source + f"\nimport json\nprint('REDTEAM {name} ' + json.dumps(result))\n"


def parse(name: str, output: bytes) -> dict[str, Any]:
    """The result a probe printed, found in ``output`` (a build log holds several)."""
    for line in reversed(output.decode(errors="replace").splitlines()):
        if line.startswith(f"REDTEAM {name} "):
            return json.loads(line.split(" ", 2)[2])
    raise ProbeError(f"probe {name!r} printed no result: {output[-300:].decode(errors='replace')}")


def probe_in_container(container: Any, name: str, params: dict | None, user: str) -> dict:
    """Run a probe in a running container (``docker exec`` as ``user``)."""
    result = container.exec_run(["python3", "-c", render(name, params)], user=user, demux=True)
    stdout, stderr = result.output
    return parse(name, (stdout or b"") + b"\n" + (stderr or b""))


def probe_via_runner(client: OracleClient, name: str, params: dict | None) -> dict:
    """Run a probe as the program of a runner box serving /bin/sh."""
    case = Case(("-c", 'exec python3 -c "$P"'), env={"P": render(name, params)}, timeout=120)
    outcome = client.run(case)
    return parse(name, outcome.stdout + b"\n" + outcome.stderr)


def compiled(folder: Path, source: str, name: str) -> bytes:
    """``programs/<source>`` compiled in the agent image into ``name`` (a shared object when
    ``name`` ends in .so), cached in ``folder``."""
    out = folder / "compiled"
    if not (out / name).exists():
        out.mkdir(exist_ok=True)
        (out / f"{name}.c").write_text(program(source))
        shared = ["-shared", "-fPIC"] if name.endswith(".so") else []
        engine().containers.run(
            ensure_agent_image(),
            ["gcc", "-O2", *shared, "-o", f"/out/{name}", f"/out/{name}.c"],
            network_mode="none",
            remove=True,
            volumes={str(out): {"bind": "/out", "mode": "rw"}},
        )
    return (out / name).read_bytes()
