"""Parallel jobs of the resident runner, each running cases at the same case-folder path.

Job 0 runs in the server's own process. Every other job is a worker process that is pid 1 of
its own pid namespace and lives in its own mount namespace, where a fresh tmpfs with the case
folder's own mount options sits over the case folder. So each job empties, fills and runs in
"/case" without seeing another's, and each sweeps up only its own program's stray processes,
which can only descend from it (job 0 skips processes of nested pid namespaces). Setting this
up needs CAP_SYS_ADMIN (and CAP_SETPCAP to drop it from the bounding set): every process of
the runner drops both as soon as the workers are up. Without them there is one job, and
parallel requests wait their turn.
"""

from __future__ import annotations

import ctypes
import dataclasses
import logging
import os
import pickle
import socket
import struct
import threading
from pathlib import Path

from oracle.case import Case, Outcome
from oracle.runner import Runner

log = logging.getLogger(__name__)

CLONE_NEWNS = 0x00020000
CLONE_NEWPID = 0x20000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_NOATIME, MS_NODIRATIME, MS_REC = 1024, 2048, 0x4000
MS_PRIVATE, MS_RELATIME, MS_STRICTATIME = 1 << 18, 1 << 21, 1 << 24
MOUNT_FLAGS = {
    "ro": MS_RDONLY,
    "nosuid": MS_NOSUID,
    "nodev": MS_NODEV,
    "noexec": MS_NOEXEC,
    "noatime": MS_NOATIME,
    "nodiratime": MS_NODIRATIME,
    "relatime": MS_RELATIME,
    "strictatime": MS_STRICTATIME,
}
CAP_SETPCAP, CAP_SYS_ADMIN = 8, 21
PR_CAPBSET_DROP = 24
CAPABILITY_VERSION_3 = 0x20080522
LENGTH = struct.Struct("!I")

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def _mount(source: str | None, target: str, kind: str | None, flags: int, data: str = "") -> None:
    encode = lambda text: text.encode() if text is not None else None  # noqa: E731
    result = _libc.mount(encode(source), target.encode(), encode(kind), flags, data.encode())
    _check(result, f"mount {target}")


def case_mount(case_dir: Path) -> tuple[int, str]:
    """The mount flags and tmpfs options of the case folder, read from /proc/self/mountinfo."""
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        if fields[4] != str(case_dir):
            continue
        after = fields[fields.index("-") + 1 :]
        if after[0] != "tmpfs":
            raise OSError(f"{case_dir} is a {after[0]} mount, not a tmpfs")
        flags = sum(MOUNT_FLAGS.get(option, 0) for option in fields[5].split(","))
        options = [o for o in after[2].split(",") if o not in ("rw", "ro")]
        return flags, ",".join(options)
    raise OSError(f"{case_dir} is not a mount point")


def drop_setup_capabilities() -> None:
    """Drop CAP_SYS_ADMIN (and CAP_SETPCAP) from this process's sets, bounding set first."""
    for cap in (CAP_SYS_ADMIN, CAP_SETPCAP):
        _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)  # fails harmlessly without CAP_SETPCAP
    header = (ctypes.c_uint32 * 2)(CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()
    _check(_libc.capget(header, data), "capget")
    for cap in (CAP_SYS_ADMIN, CAP_SETPCAP):
        for index in (0, 1, 2):  # effective, permitted, inheritable of the low word
            data[index] &= ~(1 << cap)
    _check(_libc.capset(header, data), "capset")


def _send(sock: socket.socket, value: object) -> None:
    data = pickle.dumps(value)
    sock.sendall(LENGTH.pack(len(data)) + data)


def _receive(sock: socket.socket) -> object:
    header = _exactly(sock, LENGTH.size)
    return pickle.loads(_exactly(sock, LENGTH.unpack(header)[0]))


def _exactly(sock: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise EOFError("the job's process is gone")
        data += chunk
    return bytes(data)


class Worker:
    """A job in its own namespaces, reached over a socket pair."""

    def __init__(self, runner: Runner, flags: int, options: str):
        self._socket, child = socket.socketpair()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the forked process
            self._socket.close()
            _become_job(runner, flags, options, child)
        child.close()
        os.waitpid(pid, 0)  # the intermediate process exits once the job has started
        reply = _receive(self._socket)
        if isinstance(reply, BaseException):
            self._socket.close()
            raise reply
        assert isinstance(reply, int)
        self.pid = reply  # in the box's pid namespace

    def run(self, case: Case, output_bytes: int | None) -> Outcome:
        _send(self._socket, (case, output_bytes))
        reply = _receive(self._socket)
        if isinstance(reply, BaseException):
            raise reply
        assert isinstance(reply, Outcome)
        return reply


def _become_job(runner: Runner, flags: int, options: str, sock: socket.socket) -> None:
    """In the forked process: new namespaces, then pid 1 of the new pid namespace serves."""
    try:
        _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWPID), "unshare")
        _mount(None, "/", None, MS_REC | MS_PRIVATE)
        if os.fork() != 0:
            os._exit(0)
        _mount("tmpfs", str(runner.case_dir), "tmpfs", flags, options)
        drop_setup_capabilities()
        # /proc stays the box's: its pid for this process is the one its programs descend from.
        job_pid = int(os.readlink("/proc/self"))
        runner = dataclasses.replace(runner, job_pid=job_pid)
        _send(sock, job_pid)  # ready
        runner.warm()
    except OSError as error:
        _send(sock, error)
        os._exit(1)
    while True:
        try:
            request = _receive(sock)
        except EOFError:
            os._exit(0)
        assert isinstance(request, tuple)
        try:
            reply: object = runner.run(*request)
        except Exception as error:  # a harness fault: the server raises it in its thread
            reply = error
        _send(sock, reply)


class Jobs:
    """Job slots of one runner: a run takes the lowest free one (job 0 when it is free)."""

    def __init__(self, runner: Runner, count: int):
        self.runner = runner
        self.workers: list[Worker] = []
        if count > 1:
            try:
                flags, options = case_mount(runner.case_dir)
                for _ in range(count - 1):
                    self.workers.append(Worker(runner, flags, options))
            except OSError as error:
                log.warning("running one case at a time: no parallel jobs (%s)", error)
        if count > 1 or self.workers:
            try:
                drop_setup_capabilities()
            except OSError as error:
                log.warning("could not drop setup capabilities: %s", error)
        runner.resident_pids = frozenset(worker.pid for worker in self.workers)
        self._free = list(range(1 + len(self.workers)))
        self._condition = threading.Condition()
        runner.warm()  # after the workers' forks, which must not inherit its launcher

    @property
    def count(self) -> int:
        return 1 + len(self.workers)

    def run(self, case: Case, output_bytes: int | None = None) -> Outcome:
        with self._condition:
            self._condition.wait_for(lambda: bool(self._free))
            job = min(self._free)
            self._free.remove(job)
        try:
            if job == 0:
                return self.runner.run(case, output_bytes)
            return self.workers[job - 1].run(case, output_bytes)
        finally:
            with self._condition:
                self._free.append(job)
                self._condition.notify()
