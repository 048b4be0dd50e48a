"""Boxes: hardened, network-less containers. The reference box serves the oracle."""

from __future__ import annotations

import base64
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docker.utils.socket import STDERR, STDOUT, frames_iter

from mirror.boxes.engine import EngineError, engine
from mirror.boxes.images import (
    PROGRAM_UID,
    RUNNER_HOME,
    SANDBOX_LAUNCHER,
    SANDBOX_PRELOAD,
    ReferenceImage,
    ensure_reference_image,
)
from mirror.specs.targets import Target
from oracle.case import Outcome
from oracle.client import OracleClient, OracleError
from oracle.runner import BASE_ENV

log = logging.getLogger(__name__)

# Empty /case and write argv[1]'s files (name -> base64) into it, owned by the program's uid: the
# box's own runner prepares the folder, as it does for every case it runs.
REFILL_CASE = f"""
import base64, json, sys
sys.path.insert(0, "{RUNNER_HOME}")
from oracle.case import Case
from oracle.runner import Runner
files = {{name: base64.b64decode(data) for name, data in json.loads(sys.argv[1]).items()}}
Runner(program="", uid={PROGRAM_UID})._prepare(Case(files=files))
"""

CASE_TMPFS = "size=256m,mode=0755"
QUERY_LOG_IN_BOX = "/var/log/mirror/queries.jsonl"
# Just enough for the runner (root in its box) to set up the case folder and drop to the
# program's uid; the program itself runs with none.
RUNNER_CAPABILITIES = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "SETUID", "SETGID"]
# The reference box's runner also gives each parallel job its own /case (oracle/jobs.py), then
# drops these two from every set, the bounding set included, before serving.
JOB_SETUP_CAPABILITIES = ["SYS_ADMIN", "SETPCAP"]
# What every reference program may touch: its case folder and shared data; never its own
# binary or libraries, nor /proc. A target adds paths in its spec's [sandbox] table.
SANDBOX_READ = (
    "/usr/share",
    "/etc",
    "/usr/lib/locale",
    "/usr/lib/terminfo",
    "/usr/lib/x86_64-linux-gnu/gconv",
    "/dev/urandom",
    "/dev/random",
    "/dev/zero",
)


def sandbox_rules(target: Target) -> str:
    """The MIRROR_SANDBOX rules of a target's reference program (format: oracle/sandbox.c)."""
    rules = [("rw", "/case"), ("w", "/dev/null")]
    rules += [("r", path) for path in (*SANDBOX_READ, *target.sandbox.read)]
    rules += [("x", path) for path in target.sandbox.execute]
    return ":".join(f"{kind}:{path}" for kind, path in rules)


def hardened_options(**extra: Any) -> dict[str, Any]:
    """Container options every box gets: no network, no capabilities, bounded resources."""
    return {
        "network_mode": "none",
        "read_only": True,
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        "pids_limit": 512,
        "mem_limit": "2g",
        "memswap_limit": "2g",
        "labels": {"mirror.box": "1"},
        **extra,
    }


@dataclass
class ReferenceBox:
    """A running reference box: the runner serving ``socket_path`` for one target."""

    target: Target
    image: ReferenceImage
    container: Any
    socket_path: Path
    log_path: Path

    def client(self) -> OracleClient:
        return OracleClient(self.socket_path)

    def exec_direct(
        self,
        args: list[str],
        stdin: bytes = b"",
        env: dict[str, str] | None = None,
        timeout: float = 10.0,
        files: dict[str, bytes] | None = None,
    ) -> Outcome:
        """Run the program by its command name through ``docker exec``, bypassing the runner.

        Same user, folder and environment as the runner uses: the yardstick for its fidelity.
        Killed after ``timeout`` seconds (exit code 137), so a case that never ends cannot hang
        the yardstick. ``files`` replace what the case folder held, owned by the program's uid.
        """
        if files is not None:
            encoded = {name: base64.b64encode(data).decode() for name, data in files.items()}
            refill = ["python3", "-I", "-S", "-c", REFILL_CASE, json.dumps(encoded)]
            done = self.container.exec_run(refill, user="0")
            if done.exit_code != 0:
                raise EngineError(f"refilling /case failed: {done.output.decode(errors='replace')}")
        fixed = {**BASE_ENV, "HOME": "/case", **(env or {})}
        environment = [f"{key}={value}" for key, value in fixed.items()]
        bounded = ["timeout", "-s", "KILL", f"{timeout:g}", "env", "-i", *environment]
        api = engine().api
        exec_id = api.exec_create(
            self.container.id,
            [*bounded, self.target.command, *args],
            stdin=True,
            user=str(PROGRAM_UID),
            workdir="/case",
        )["Id"]
        sock = api.exec_start(exec_id, socket=True)
        raw = getattr(sock, "_sock", sock)
        raw.sendall(stdin)
        raw.shutdown(socket.SHUT_WR)
        streams = {STDOUT: bytearray(), STDERR: bytearray()}
        for stream, data in frames_iter(sock, tty=False):
            streams[stream] += data
        sock.close()
        exit_code = api.exec_inspect(exec_id)["ExitCode"]
        return Outcome(bytes(streams[STDOUT]), bytes(streams[STDERR]), exit_code)


@contextmanager
def reference_box(
    target: Target, socket_path: Path, log_dir: Path, labels: dict[str, str] | None = None
) -> Iterator[ReferenceBox]:
    """Start the target's reference box serving ``socket_path``; remove it on exit.

    ``labels`` are added to the box's own (an owner finds what it started by them).
    """
    image = ensure_reference_image(target)
    # The launcher switches to the program's uid (so the runner spawns with vfork); a dynamic
    # program then gets the rules from the preload library.
    sandbox = ["--sandbox", sandbox_rules(target), "--sandbox-launcher", SANDBOX_LAUNCHER]
    if not image.manifest["static"]:
        sandbox += ["--sandbox-preload", SANDBOX_PRELOAD]
    with runner_box(
        image.tag, target.binary, target.command, socket_path, log_dir, target.name, sandbox, labels
    ) as container:
        yield ReferenceBox(
            target, image, container, socket_path.absolute(), log_dir / "queries.jsonl"
        )


@contextmanager
def runner_box(
    image: str,
    program: str,
    argv0: str,
    socket_path: Path,
    log_dir: Path,
    label: str,
    extra: Sequence[str] = (),
    labels: dict[str, str] | None = None,
    volumes: dict[str, dict[str, str]] | None = None,
) -> Iterator[Any]:
    """A hardened box whose runner serves ``program`` on ``socket_path`` (a host path).

    ``volumes`` are further bind mounts (host path -> Docker's bind and mode), for boxes that
    are never an agent's (the coverage box's writable profile folder, mutant programs).
    """
    socket_path = socket_path.absolute()
    socket_path.parent.mkdir(parents=True, exist_ok=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    log_dir.chmod(0o700)
    command = ["oracle", "serve", "--socket", f"/oracle/{socket_path.name}"]
    command += ["--program", program, "--argv0", argv0, "--uid", str(PROGRAM_UID)]
    command += ["--log", QUERY_LOG_IN_BOX, *extra]
    container = engine().containers.run(
        image,
        command,
        detach=True,
        name=f"mirror-ref-{label}-{uuid.uuid4().hex[:8]}",
        user="0",
        cap_add=RUNNER_CAPABILITIES + JOB_SETUP_CAPABILITIES,
        tmpfs={"/case": CASE_TMPFS},
        volumes={
            str(socket_path.parent): {"bind": "/oracle", "mode": "rw"},
            str(log_dir.absolute()): {"bind": str(Path(QUERY_LOG_IN_BOX).parent), "mode": "rw"},
            **(volumes or {}),
        },
        **hardened_options(
            labels={**(labels or {}), "mirror.box": "reference", "mirror.target": label}
        ),
    )
    try:
        _wait_until_serving(container, socket_path)
        yield container
    finally:
        container.remove(force=True)
        socket_path.unlink(missing_ok=True)


def _wait_until_serving(container: Any, socket_path: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with OracleClient(socket_path) as client:
                client.ping()
            return
        except OracleError:
            container.reload()
            if container.status not in ("created", "running"):
                logs = container.logs().decode(errors="replace")[-2000:]
                raise EngineError(f"the reference box exited while starting:\n{logs}") from None
            time.sleep(0.05)
    raise EngineError(f"the reference box did not answer on {socket_path} within {timeout:g}s")


@contextmanager
def agent_box(
    target: Target,
    task: Path,
    workspace: Path,
    socket_dir: Path,
    *,
    cpus: float | None = None,
    memory: str = "8g",
    pids: int = 512,
    labels: dict[str, str] | None = None,
) -> Iterator[Any]:
    """The box an agent works in: toolchains, /task (read-only), /work, and the oracle socket.

    The reference program is not in it (copies the image happens to hold are masked), nor the
    held-out suite, nor the query log. ``cpus``, ``memory`` (its tmpfs folders count in it) and
    ``pids`` bound it; ``labels`` are added to its own.
    """
    from mirror.boxes.agent_image import AGENT_UID, ensure_agent_image, masks

    workspace.mkdir(parents=True, exist_ok=True)
    os.chown(workspace, AGENT_UID, AGENT_UID)
    container = engine().containers.run(
        ensure_agent_image(),
        ["sleep", "infinity"],
        detach=True,
        init=True,
        name=f"mirror-agent-{target.name}-{uuid.uuid4().hex[:8]}",
        user=str(AGENT_UID),
        working_dir="/work",
        environment={
            "HOME": "/home/agent",
            "MIRROR_ORACLE_SOCKET": "/oracle/oracle.sock",
            "MIRROR_COMMAND": target.command,
            "MIRROR_SUITE": "/task/tests/visible.jsonl",
        },
        tmpfs={
            "/tmp": "size=4g,exec",
            "/home/agent": f"size=1g,exec,uid={AGENT_UID},gid={AGENT_UID}",
            "/case": f"size=256m,uid={AGENT_UID},gid={AGENT_UID}",
        },
        volumes={
            str(task.absolute()): {"bind": "/task", "mode": "ro"},
            str(workspace.absolute()): {"bind": "/work", "mode": "rw"},
            str(socket_dir.absolute()): {"bind": "/oracle", "mode": "ro"},
        },
        mounts=masks(target),
        nano_cpus=int(cpus * 1e9) if cpus else None,
        **hardened_options(
            mem_limit=memory,
            memswap_limit=memory,
            pids_limit=pids,
            labels={**(labels or {}), "mirror.box": "agent"},
        ),
    )
    try:
        yield container
    finally:
        container.remove(force=True)
