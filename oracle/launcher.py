"""The resident launcher: ``sandbox-exec`` started once per runner, forking each case's program.

An exec costs this machine about half a millisecond of CPU, a third of a small program's whole
run, and a launcher spawned per case paid one exec more than the program. The resident one
(``MIRROR_ZYGOTE_FD`` in ``oracle/sandbox.c``) is started once, as root in the case folder; for
each case it receives the argv and environment with the case's pipe ends, forks, and its child
goes on as a launcher started for that case. :class:`Launched` then stands in for a
``subprocess.Popen``.
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
from pathlib import Path

LENGTH = struct.Struct("=I")
PID = struct.Struct("=i")
STATUS = struct.Struct("=ii")  # wait status, whether the launcher still has a child


class Launched:
    """A program the resident launcher started: the parts of ``Popen`` the runner uses."""

    def __init__(self, pipes: list[int], launcher: ResidentLauncher):
        self._pid: int | None = None
        self.stdin = open(pipes[0], "wb", buffering=0)  # noqa: SIM115 - the pump closes them
        self.stdout = open(pipes[1], "rb", buffering=0)  # noqa: SIM115
        self.stderr = open(pipes[2], "rb", buffering=0)  # noqa: SIM115
        self.returncode: int | None = None
        # Whether a process it started may live on: the launcher reports whether it has a child
        # left (see oracle/sandbox.c); until then, assume so.
        self.left_children = True
        self._launcher = launcher

    @property
    def pid(self) -> int:
        """Its pid, which the launcher replies once it has forked: read when first needed, so
        that the case starts without waiting for that reply."""
        if self._pid is None:
            (self._pid,) = PID.unpack(self._launcher.receive(PID.size))
        return self._pid

    def reap(self) -> None:
        """Have the launcher reap what this program left, once the runner has killed it all:
        an orphan of the program is the launcher's child (see oracle/sandbox.c)."""
        self._launcher.reap()

    def wait(self, timeout: float | None = None) -> int:
        """Its exit code (minus the signal that killed it), as ``Popen.wait``; the launcher's
        reply wakes it, so it needs no polling."""
        if self.returncode is None:
            self.pid  # noqa: B018 - the pid comes first
            status, left = STATUS.unpack(self._launcher.receive(STATUS.size, timeout))
            self.returncode = os.waitstatus_to_exitcode(status)
            self.left_children = bool(left)
        return self.returncode


class ResidentLauncher:
    """One resident launcher, serving one case at a time over a unix socket pair."""

    def __init__(self, launcher: str, case_dir: Path, umask: int):
        self._socket, theirs = socket.socketpair()
        try:
            self.process = subprocess.Popen(
                [launcher],
                executable=launcher,
                cwd=case_dir,
                env={"MIRROR_ZYGOTE_FD": str(theirs.fileno())},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),),
                process_group=0,
                umask=umask,
            )
        except OSError:
            self._socket.close()
            raise
        finally:
            theirs.close()
        self.folder = case_dir.stat().st_ino  # its children start in its folder

    @property
    def pid(self) -> int:
        return self.process.pid

    def spawn(self, argv: list[str], env: dict[str, str]) -> Launched:
        """Start a case's program with these argv and environment (raises OSError if the
        launcher is gone)."""
        strings = [str(len(argv)), *argv, *(f"{name}={value}" for name, value in env.items())]
        message = b"".join(os.fsencode(text) + b"\0" for text in strings)
        stdin, stdout, stderr = os.pipe(), os.pipe(), os.pipe()
        theirs = [stdin[0], stdout[1], stderr[1]]
        try:
            socket.send_fds(self._socket, [LENGTH.pack(len(message))], theirs)
            self._socket.sendall(message)
        except BaseException:
            for fd in (stdin[1], stdout[0], stderr[0]):
                os.close(fd)
            raise
        finally:
            for fd in theirs:
                os.close(fd)
        return Launched([stdin[1], stdout[0], stderr[0]], self)

    def reap(self) -> None:
        """Reap its children that have died (raises OSError if it is gone)."""
        self._socket.sendall(LENGTH.pack(0))
        self.receive(LENGTH.size)

    def receive(self, size: int, timeout: float | None = None) -> bytes:
        """``size`` bytes of the launcher's reply; ``subprocess.TimeoutExpired`` after
        ``timeout`` seconds, ``OSError`` if it is gone."""
        self._socket.settimeout(timeout)
        try:
            data = self._socket.recv(size, socket.MSG_WAITALL)
        except TimeoutError:
            raise subprocess.TimeoutExpired("sandbox-exec", timeout or 0.0) from None
        finally:
            self._socket.settimeout(None)
        if len(data) != size:
            raise OSError("the resident launcher is gone")
        return data

    def close(self) -> None:
        """Let it go: it exits when its socket closes."""
        self._socket.close()
        self.process.wait()
