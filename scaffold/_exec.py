"""One command in a running box through the Docker API: stdin in, both streams out, bounded.

Blocking; the provider runs it in a worker thread. A ``timeout`` is enforced twice: in the box by
coreutils ``timeout`` (which kills the command's whole process group), and on the host by a
deadline on the stream, in case the box stops answering.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from docker.utils.socket import STDERR, STDOUT, frames_iter

from mirror.boxes.engine import engine

log = logging.getLogger(__name__)

# Launched by absolute path: a wrapper must not be resolved through a PATH the agent controls.
TIMEOUT = "/usr/bin/timeout"
KILL_AFTER = 5  # seconds between the polite signal and SIGKILL
HOST_GRACE = 15.0  # how long past the timeout the host waits before giving up on the stream
TIMED_OUT = (124, 137)  # timeout's status when it signalled the command (TERM, then KILL)


@dataclass(frozen=True)
class Completed:
    """What a command did: its status and the tail of each stream (``overflow``: cut)."""

    status: int
    stdout: bytes
    stderr: bytes
    overflow: bool
    timed_out: bool


class _Tail:
    """The last ``limit`` bytes of a stream, and whether more came."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.data = bytearray()
        self.overflow = False

    def add(self, chunk: bytes) -> None:
        self.data += chunk
        if len(self.data) > self.limit:
            del self.data[: len(self.data) - self.limit]
            self.overflow = True


def run(
    container_id: str,
    cmd: Sequence[str],
    *,
    stdin: bytes | None = None,
    cwd: str | None = None,
    env: dict[str, str] | None = None,
    user: str | None = None,
    timeout: float | None = None,
    limit: int = 10 * 1024 * 1024,
) -> Completed:
    """Run ``cmd`` in the container and wait for it (at most ``timeout`` seconds)."""
    api = engine().api
    argv = list(cmd)
    if timeout is not None:
        argv = [TIMEOUT, f"--kill-after={KILL_AFTER}", f"{timeout:g}", *argv]
    exec_id = api.exec_create(
        container_id,
        argv,
        stdin=stdin is not None,
        user=user or "",
        workdir=cwd,
        environment=env,
    )["Id"]
    started = time.monotonic()
    sock = api.exec_start(exec_id, socket=True)
    raw: socket.socket = getattr(sock, "_sock", sock)
    if timeout is not None:
        raw.settimeout(timeout + KILL_AFTER + HOST_GRACE)
    writer = None
    if stdin is not None:
        writer = threading.Thread(target=_feed, args=(raw, stdin), daemon=True)
        writer.start()
    streams = {STDOUT: _Tail(limit), STDERR: _Tail(limit)}
    try:
        for stream, data in frames_iter(sock, tty=False):
            streams[stream].add(data)
    except TimeoutError:
        _kill(api, exec_id)
        return Completed(-1, bytes(streams[STDOUT].data), bytes(streams[STDERR].data), True, True)
    finally:
        sock.close()
        if writer is not None:
            writer.join(timeout=5)
    status = _exit_code(api, exec_id)
    elapsed = time.monotonic() - started
    timed_out = timeout is not None and status in TIMED_OUT and elapsed >= timeout
    out, err = streams[STDOUT], streams[STDERR]
    return Completed(
        status, bytes(out.data), bytes(err.data), out.overflow or err.overflow, timed_out
    )


def _feed(raw: socket.socket, data: bytes) -> None:
    try:
        raw.sendall(data)
        raw.shutdown(socket.SHUT_WR)
    except OSError:  # the command exited without reading all of its input
        pass


def _exit_code(api: Any, exec_id: str) -> int:
    """The exec's exit code (the engine records it a moment after the stream ends)."""
    for _ in range(200):
        state = api.exec_inspect(exec_id)
        if not state["Running"] and state["ExitCode"] is not None:
            return int(state["ExitCode"])
        time.sleep(0.01)
    raise TimeoutError(f"exec {exec_id[:12]} ended its output but reports no exit code")


def _kill(api: Any, exec_id: str) -> None:
    """Kill an exec whose box stopped answering (its host pid; the engine runs here)."""
    pid = api.exec_inspect(exec_id).get("Pid")
    if pid:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    log.warning("exec %s did not end in time and was killed", exec_id[:12])
