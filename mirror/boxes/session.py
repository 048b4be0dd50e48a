"""A person's session in the agent box: the human baseline, timed and scored like an agent run.

The boxes are the ones an agent gets (the target's reference box serving the oracle, the agent
box with /task read-only and /work), and the shell is an ``exec`` through the Docker API: with
a pseudo-terminal when the caller's stdin is a terminal (raw mode, window size forwarded), as
plain pipes otherwise, so a script can drive it too.
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import shutil
import signal
import socket
import struct
import tempfile
import termios
import time
import tty
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docker.errors

from mirror.boxes.containers import ReferenceBox, agent_box, reference_box
from mirror.boxes.engine import engine
from mirror.boxes.task import write_task
from mirror.scoring.receipts import Receipt
from mirror.specs.targets import Target

log = logging.getLogger(__name__)

SHELL = ("bash",)
# The engine's default detach keys (ctrl-p, ctrl-q) would hold back every ctrl-p, bash's
# previous-history key, until the next key press: pick a pair nobody types.
DETACH_KEYS = "ctrl-],ctrl-]"
CHUNK = 65536
# How a non-terminal exec multiplexes its streams: a 1-byte stream id, 3 pad bytes, a length.
FRAME = struct.Struct(">BxxxL")


@dataclass(frozen=True)
class ShellExit:
    """How an interactive shell ended: its exit code (None if it was detached) and how long it
    was open."""

    exit_code: int | None
    wall_seconds: float


@dataclass(frozen=True)
class SessionBoxes:
    """The boxes of one session: the reference serving the oracle and the agent box."""

    reference: ReferenceBox
    agent: Any
    workspace: Path


@dataclass(frozen=True)
class HumanRun:
    """A finished human session: how the shell ended, and the scored receipt."""

    shell: ShellExit
    receipt: Receipt
    receipt_path: Path
    query_log: Path | None


@contextmanager
def session_boxes(target: Target, workspace: Path, log_dir: Path) -> Iterator[SessionBoxes]:
    """Start the target's reference box and the agent box an agent gets; remove both on exit.

    ``log_dir`` receives the oracle's query log (host only: never mounted in the agent box).
    """
    with tempfile.TemporaryDirectory(prefix="mirror-shell-") as tmp:
        folder = Path(tmp)
        task = write_task(target, folder / "task")
        sockets = folder / "sock"
        with (
            reference_box(target, sockets / "oracle.sock", log_dir) as reference,
            agent_box(target, task, workspace, sockets) as agent,
        ):
            log.info("session boxes: %s, %s", reference.container.name, agent.name)
            yield SessionBoxes(reference, agent, workspace)


def open_shell(
    container: Any,
    command: Sequence[str] = SHELL,
    *,
    stdin: int = 0,
    stdout: int = 1,
    stderr: int = 2,
    environment: dict[str, str] | None = None,
) -> ShellExit:
    """Run ``command`` in ``container`` wired to the given file descriptors until it exits.

    When ``stdin`` is a terminal, the exec gets a pseudo-terminal, the terminal goes to raw mode
    (restored on every exit path) and its size follows the terminal's; otherwise stdin, stdout
    and stderr are piped, and the end of stdin closes the shell's input.
    """
    terminal = os.isatty(stdin)
    env = dict(environment or {})
    if terminal:
        env.setdefault("TERM", os.environ.get("TERM", "xterm-256color"))
    api = engine().api
    exec_id = api.exec_create(
        container.id,
        list(command),
        stdin=True,
        tty=terminal,
        environment=env,
        workdir="/work",
        detach_keys=DETACH_KEYS,
    )["Id"]
    started = time.monotonic()
    sock = api.exec_start(exec_id, socket=True, tty=terminal)
    raw: socket.socket = getattr(sock, "_sock", sock)
    try:
        if terminal:
            with _raw_terminal(stdin), _window_size(api, exec_id, stdin) as resized:
                _pump(raw, stdin, stdout, stderr, terminal=True, wakeup=resized)
        else:
            _pump(raw, stdin, stdout, stderr, terminal=False, wakeup=None)
    finally:
        sock.close()
    wall = time.monotonic() - started
    return ShellExit(_exit_code(api, exec_id), wall)


def human_baseline(
    target: Target,
    workspace: Path,
    candidate: str,
    results: Path,
    state: Path,
    *,
    announce: Callable[[SessionBoxes], None] = lambda _boxes: None,
    stdin: int = 0,
    stdout: int = 1,
    stderr: int = 2,
) -> HumanRun:
    """A timed shell in the agent box for ``target``, then the workspace scored as kind ``human``.

    The wall time is the shell's, from open to exit (not the boxes' start or the scoring). The
    oracle's query log of the session is kept beside the receipt. Termination signals unwind
    like Ctrl-C, so the boxes are removed whatever ends the session; nothing is scored then.
    """
    from mirror.scoring.score import score

    stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    log_dir = state / "logs" / f"{target.name}-shell-{stamp}"
    with _signals_interrupt(), session_boxes(target, workspace, log_dir) as boxes:
        announce(boxes)
        shell = open_shell(boxes.agent, stdin=stdin, stdout=stdout, stderr=stderr)
        queries = boxes.reference.log_path
    receipt, path = score(
        target, workspace, candidate, "human", results, state, wall_seconds=shell.wall_seconds
    )
    kept = None
    if queries.exists():
        kept = path.with_name(f"{receipt.run_id}.queries.jsonl")
        shutil.copyfile(queries, kept)
    return HumanRun(shell, receipt, path, kept)


def _pump(
    raw: socket.socket,
    stdin: int,
    stdout: int,
    stderr: int,
    *,
    terminal: bool,
    wakeup: tuple[int, Callable[[], None]] | None,
) -> None:
    """Copy stdin to the exec and its output back until the exec's stream ends."""
    selector = selectors.DefaultSelector()
    selector.register(raw, selectors.EVENT_READ, "box")
    selector.register(stdin, selectors.EVENT_READ, "stdin")
    if wakeup is not None:
        selector.register(wakeup[0], selectors.EVENT_READ, "wakeup")
    frames = bytearray()
    try:
        while True:
            for key, _ in selector.select():
                if key.data == "box":
                    data = raw.recv(CHUNK)
                    if not data:
                        return
                    if terminal:
                        _write_all(stdout, data)
                    else:
                        frames += data
                        _demux(frames, stdout, stderr)
                elif key.data == "stdin":
                    data = os.read(stdin, CHUNK)
                    if data:
                        raw.sendall(data)
                        continue
                    selector.unregister(stdin)
                    if terminal:  # the terminal went away: nobody is left to type
                        return
                    raw.shutdown(socket.SHUT_WR)
                else:
                    os.read(key.fd, CHUNK)
                    wakeup[1]()  # type: ignore[index]
    finally:
        selector.close()


def _demux(frames: bytearray, stdout: int, stderr: int) -> None:
    """Write out every complete frame in ``frames`` and drop it from the buffer."""
    while len(frames) >= FRAME.size:
        stream, size = FRAME.unpack_from(frames)
        if len(frames) < FRAME.size + size:
            return
        payload = bytes(frames[FRAME.size : FRAME.size + size])
        del frames[: FRAME.size + size]
        _write_all(stderr if stream == 2 else stdout, payload)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _exit_code(api: Any, exec_id: str, timeout: float = 5.0) -> int | None:
    """The exec's exit code, once the engine has it (None if it still runs: detached)."""
    deadline = time.monotonic() + timeout
    while True:
        state = api.exec_inspect(exec_id)
        if not state["Running"] or time.monotonic() > deadline:
            return None if state["Running"] else state["ExitCode"]
        time.sleep(0.05)


@contextmanager
def _raw_terminal(fd: int) -> Iterator[None]:
    """Raw mode, so every key (Ctrl-C, Ctrl-D, arrows) goes to the box; restored on exit.

    TCSANOW rather than tty's default TCSAFLUSH: keys typed while the boxes started are kept.
    """
    saved = termios.tcgetattr(fd)
    tty.setraw(fd, termios.TCSANOW)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


@contextmanager
def _window_size(api: Any, exec_id: str, fd: int) -> Iterator[tuple[int, Callable[[], None]]]:
    """Size the exec's terminal like ``fd``'s now and on every SIGWINCH.

    The signal handler only writes to a pipe; the pump loop does the resize call.
    """

    def resize() -> None:
        size = os.get_terminal_size(fd)
        try:
            api.exec_resize(exec_id, height=size.lines, width=size.columns)
        except docker.errors.APIError as error:  # the shell has just exited: nothing to size
            log.debug("exec resize refused: %s", error)

    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    previous = signal.signal(signal.SIGWINCH, lambda *_: _poke(write_end))
    try:
        resize()
        yield read_end, resize
    finally:
        signal.signal(signal.SIGWINCH, previous)
        os.close(read_end)
        os.close(write_end)


def _poke(fd: int) -> None:
    with contextlib.suppress(BlockingIOError):
        os.write(fd, b"w")


@contextmanager
def _signals_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP (a closed terminal) raise KeyboardInterrupt, so cleanup runs."""

    def interrupt(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
