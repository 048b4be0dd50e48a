"""The one definition of running a case.

Every run happens in a freshly emptied case folder at a fixed path, with a fixed environment,
optionally as an unprivileged uid, under rlimits, with capped output, and with the whole process
group (and, when a uid is set, every process of that uid) killed afterwards. The reference box,
gold capture, ``oracle test`` and held-out scoring all run cases through :class:`Runner`.
"""

from __future__ import annotations

import contextlib
import os
import resource
import selectors
import shutil
import signal
import stat
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from oracle.case import Case, Outcome
from oracle.launcher import Launched, ResidentLauncher

TYPE_CHECKING = False  # typing stays off the start-up path of `oracle run`
if TYPE_CHECKING:
    from collections.abc import Callable

CASE_DIR = Path("/case")
BASE_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "TZ": "UTC",
}
UMASK = 0o022
LAUNCHER = "/opt/mirror/bin/sandbox-exec"  # oracle/sandbox.c built with -DSANDBOX_EXEC
LIMITS_ONLY = "-"  # the MIRROR_SANDBOX rules that set the limits alone
READ_CHUNK = 65536
MAX_FILES = 1000  # output files recorded per run; more set files_truncated
PR_SET_CHILD_SUBREAPER = 36


@dataclass(frozen=True)
class Limits:
    """Resource limits applied to every run."""

    cpu_seconds: int = 30
    address_space: int = 4 << 30
    processes: int = 64
    file_size: int = 64 << 20
    open_files: int = 256
    output_bytes: int = 8 << 20

    def rlimits(self) -> dict[str, tuple[int, int]]:
        """Name -> (resource, value) of every limit, in MIRROR_LIMITS's names."""
        return {
            "cpu": (resource.RLIMIT_CPU, self.cpu_seconds),
            "as": (resource.RLIMIT_AS, self.address_space),
            "nproc": (resource.RLIMIT_NPROC, self.processes),
            "fsize": (resource.RLIMIT_FSIZE, self.file_size),
            "nofile": (resource.RLIMIT_NOFILE, self.open_files),
            "core": (resource.RLIMIT_CORE, 0),
        }

    def apply(self) -> None:
        """Set the rlimits on the calling process (runs in the child before exec)."""
        for kind, value in self.rlimits().values():
            resource.setrlimit(kind, (value, value))

    def as_env(self) -> str:
        """The limits as MIRROR_LIMITS, for the sandbox to apply inside the program."""
        return ",".join(f"{name}={value}" for name, (_, value) in self.rlimits().items())


@dataclass(frozen=True)
class Sandbox:
    """Landlock and seccomp around the program (``oracle/sandbox.c``).

    ``rules`` is the MIRROR_SANDBOX string; a dynamically linked program gets the rules from
    ``preload`` (a library whose constructor runs once its libraries are mapped, so those can
    be refused), a static one from ``launcher``, which applies them and then execs it. Given
    both, the launcher only switches to the runner's uid and execs the program with the preload:
    a launcher that switches uid lets the runner spawn with vfork, not a fork of itself.
    """

    rules: str
    preload: str | None = None
    launcher: str | None = None

    @classmethod
    def limits_only(cls, launcher: str = LAUNCHER) -> Sandbox | None:
        """The launcher with no rules but the limits (for candidates, which their box
        confines), or ``None`` where it is not installed (the runner then sets them itself)."""
        return cls(LIMITS_ONLY, launcher=launcher) if os.access(launcher, os.X_OK) else None


@dataclass
class Runner:
    """Runs cases of one program under fixed conditions.

    ``uid`` switches to an unprivileged user for the program (the runner must then be root);
    ``None`` runs it as the caller, which is how ``oracle test`` runs inside an agent box.
    """

    program: str
    argv0: str | None = None
    case_dir: Path = CASE_DIR
    uid: int | None = None
    limits: Limits = field(default_factory=Limits)
    sandbox: Sandbox | None = None
    # In a parallel job (oracle/jobs.py): the job's own pid, above all its program's processes.
    job_pid: int | None = None
    # The runner's own long-lived children that are not the program's (parallel jobs).
    resident_pids: frozenset[int] = frozenset()
    # The resident launcher that forks each case's program (see warm()).
    _launcher: ResidentLauncher | None = field(default=None, init=False, repr=False, compare=False)
    # Whether this process adopts every orphan of its descendants (see _sweep).
    _adopts_orphans: bool | None = field(default=None, init=False, repr=False, compare=False)

    def run(self, case: Case, output_bytes: int | None = None) -> Outcome:
        """Run one case and return what it produced; never raises for the program's faults.

        ``output_bytes`` lowers the per-stream cap for this run (scoring needs no more output
        than the gold has to tell a mismatch).
        """
        self._prepare(case)
        cap = output_bytes or self.limits.output_bytes
        started = time.monotonic()
        try:
            process = self._spawn(case)
        except OSError as error:
            # A missing or broken candidate binary is an outcome, not a harness failure.
            message = f"runner: cannot execute {self.program}: {error.strerror}\n"
            return Outcome(b"", message.encode(), 127, duration=time.monotonic() - started)
        self.warm()  # after a case that had to start its own launcher
        deadline = started + case.timeout
        try:
            streams, timed_out, truncated = _pump(process, case.stdin, deadline, cap)
            if not (timed_out or truncated):
                try:
                    process.wait(max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    timed_out = True
            _kill_group(process.pid)
            returncode = process.wait()
            duration = time.monotonic() - started
        finally:
            _kill_group(process.pid)
            if self.uid is not None:
                self._sweep(self.uid, process)
            if isinstance(process, Launched) and process.returncode is None:
                self.close()  # its status is unread: the launcher's next reply would be it
        files, files_truncated = collect_files(self.case_dir, case.files, cap)
        return Outcome(
            stdout=streams[0],
            stderr=streams[1],
            exit_code=returncode if returncode >= 0 else None,
            signal=-returncode if returncode < 0 else None,
            timed_out=timed_out,
            stdout_truncated=truncated == "stdout",
            stderr_truncated=truncated == "stderr",
            duration=duration,
            files=files,
            files_truncated=files_truncated,
        )

    def _sweep(self, uid: int, process: subprocess.Popen[bytes] | Launched) -> None:
        """Kill whatever the program left running (escapees, fork bombs).

        The resident launcher adopts every orphan of its programs (it is their child
        subreaper), so when it reports no child of its own left, nothing the program started
        lives on. Otherwise this process adopts them (it is the box's init, a job's pid 1, or a
        child subreaper), so when its only children are its own (the resident launcher, the
        resident jobs), nothing lives on either: that check costs a read of this process's
        children, where the sweep over every process of the uid reads them all. Anything else,
        even a dying process, gets the whole sweep.
        """
        if isinstance(process, Launched):
            if process.left_children:  # True until the launcher has reported
                kill_user_processes(uid, job_pid=self.job_pid)
                if process.returncode is not None:  # else run() lets the launcher go
                    with contextlib.suppress(OSError):  # gone: its orphans were this process's
                        process.reap()
                _reap_orphans()
            return
        _reap_orphans()
        if self._adopts_orphans is None:
            self._adopts_orphans = os.getpid() == 1 or _become_subreaper()
        if self._adopts_orphans:
            own = set(self.resident_pids)
            if self._launcher is not None:
                own.add(self._launcher.pid)
            if _children(level=0 if self.job_pid is None else 1) <= own:
                return
        kill_user_processes(uid, job_pid=self.job_pid)

    def warm(self) -> None:
        """Start the resident launcher (``oracle/launcher.py``) if it is not running: from
        then on each case's program is forked from it, as root in the case folder, rather
        than spawned with a launcher of its own. Only a sandbox with a launcher has one."""
        if self._launcher is not None or not (self.sandbox and self.sandbox.launcher):
            return
        self.case_dir.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):  # cases then start their own launcher
            self._launcher = ResidentLauncher(self.sandbox.launcher, self.case_dir, UMASK)

    def close(self) -> None:
        """Let the resident launcher go."""
        if self._launcher is not None:
            launcher, self._launcher = self._launcher, None
            launcher.close()

    def _launch(self, argv: list[str], env: dict[str, str]) -> Launched | None:
        """The case's program forked by the resident launcher; ``None`` if there is none,
        or it is gone, or the case folder is no longer the one it started in."""
        if self._launcher is None:
            return None
        try:
            if self.case_dir.stat().st_ino == self._launcher.folder:
                return self._launcher.spawn(argv, env)
        except OSError:
            pass
        self.close()
        return None

    def _spawn(self, case: Case) -> subprocess.Popen[bytes] | Launched:
        argv = [self.argv0 or self.program, *case.args]
        executable = self.program
        env = {**BASE_ENV, "HOME": str(self.case_dir), **case.env}
        preexec: Callable[[], None] | None = self.limits.apply
        uid = self.uid
        if self.sandbox:
            # The sandbox sets the limits from inside the program: no Python runs after fork.
            env["MIRROR_SANDBOX"] = self.sandbox.rules
            env["MIRROR_LIMITS"] = self.limits.as_env()
            preexec = None
            if self.sandbox.launcher:
                executable = self.sandbox.launcher
                argv = [executable, self.program, *argv]
                if self.sandbox.preload:  # set by the launcher for the program alone
                    env["MIRROR_PRELOAD"] = self.sandbox.preload
                if uid is not None:
                    # The launcher drops to the uid: Popen then uses vfork, which a uid
                    # switch of its own rules out (a fork of the server costs a millisecond).
                    env["MIRROR_UID"], uid = str(uid), None
                if launched := self._launch(argv, env):
                    return launched
            elif self.sandbox.preload:
                env["LD_PRELOAD"] = self.sandbox.preload
        return self._popen(argv, executable, env, uid, preexec)

    def _popen(
        self,
        argv: list[str],
        executable: str,
        env: dict[str, str],
        uid: int | None,
        preexec: Callable[[], None] | None,
        pass_fds: tuple[int, ...] = (),
    ) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            argv,
            executable=executable,
            cwd=self.case_dir,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            process_group=0,
            user=uid,
            group=uid,
            extra_groups=[] if uid is not None else None,
            umask=UMASK,
            preexec_fn=preexec,
            pass_fds=pass_fds,
        )

    def _prepare(self, case: Case) -> None:
        """Empty the case folder and write the case's input files into it."""
        self.case_dir.mkdir(parents=True, exist_ok=True)
        for entry in os.scandir(self.case_dir):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, onerror=_make_removable)
            else:
                os.unlink(entry.path)
        for name, data in case.files.items():
            path = self.case_dir / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        if self.uid is not None and not case.files:
            os.chown(self.case_dir, self.uid, self.uid)  # it is empty
        elif self.uid is not None:
            for root, dirs, files in os.walk(self.case_dir):
                os.chown(root, self.uid, self.uid)
                for name in dirs + files:
                    os.chown(os.path.join(root, name), self.uid, self.uid, follow_symlinks=False)


def collect_files(
    case_dir: Path, inputs: dict[str, bytes], cap: int
) -> tuple[dict[str, bytes], bool]:
    """The regular files a run created or changed under ``case_dir``, in name order, and
    whether ``cap`` (total bytes, as for one stream) or :data:`MAX_FILES` cut them.

    Symbolic links, folders and special files are not outputs; a file is opened without
    following links, so a link the program planted cannot make the runner read elsewhere.
    """
    found: dict[str, bytes] = {}
    budget = cap
    for name, path in sorted(_regular_files(str(case_dir), "")):
        original = inputs.get(name)
        data = _read_capped(path, max(budget, len(original or b"")) + 1)
        if data is None or data == original:
            continue
        if len(found) == MAX_FILES or len(data) > budget:
            if len(found) < MAX_FILES:
                found[name] = data[:budget]
            return found, True
        found[name] = data
        budget -= len(data)
    return found, False


def _regular_files(folder: str, prefix: str) -> list[tuple[str, str]]:
    """(relative name, path) of every regular file under ``folder``, links not followed."""
    try:
        entries = list(os.scandir(folder))
    except PermissionError:  # the program took its own folder's permissions away
        os.chmod(folder, 0o700)
        entries = list(os.scandir(folder))
    found = []
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            found += _regular_files(entry.path, f"{prefix}{entry.name}/")
        elif entry.is_file(follow_symlinks=False):
            found.append((prefix + entry.name, entry.path))
    return found


def _read_capped(path: str, limit: int) -> bytes | None:
    """Up to ``limit`` bytes of a regular file (``None``: it is gone or no longer regular)."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except PermissionError:  # the program made its own file unreadable
        os.chmod(path, 0o600)
        fd = os.open(path, flags)
    except OSError:  # gone, or a link planted where the file was
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks, size = [], 0
        while size < limit:
            chunk = os.read(fd, min(READ_CHUNK * 16, limit - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _pump(
    process: subprocess.Popen[bytes] | Launched, stdin: bytes, deadline: float, cap: int
) -> tuple[list[bytes], bool, str | None]:
    """Feed stdin and collect stdout/stderr until both close, the deadline, or the cap."""
    assert process.stdin and process.stdout and process.stderr
    buffers = [bytearray(), bytearray()]
    selector = selectors.DefaultSelector()
    for index, pipe in enumerate((process.stdout, process.stderr)):
        selector.register(pipe, selectors.EVENT_READ, index)
    offset = 0
    if stdin:
        os.set_blocking(process.stdin.fileno(), False)
        selector.register(process.stdin, selectors.EVENT_WRITE, "stdin")
    else:
        process.stdin.close()
    # A program of the resident launcher needs none: its wait() wakes at the launcher's reply.
    exit_fd = _exit_fd(process.pid) if isinstance(process, subprocess.Popen) else None
    if exit_fd is not None:
        selector.register(exit_fd, selectors.EVENT_READ, "exit")
    timed_out, truncated = False, None
    try:
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            for key, _ in selector.select(remaining):
                if key.data == "exit":
                    selector.unregister(key.fileobj)
                    continue
                if key.data == "stdin":
                    try:
                        offset += os.write(key.fd, stdin[offset : offset + READ_CHUNK])
                    except BrokenPipeError:
                        offset = len(stdin)
                    if offset >= len(stdin):
                        selector.unregister(key.fileobj)
                        process.stdin.close()
                    continue
                chunk = os.read(key.fd, READ_CHUNK)
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                buffer = buffers[key.data]
                buffer += chunk
                if len(buffer) > cap:
                    del buffer[cap:]
                    truncated = ("stdout", "stderr")[key.data]
                    return [bytes(b) for b in buffers], False, truncated
    finally:
        selector.close()
        if exit_fd is not None:
            os.close(exit_fd)
        for pipe in (process.stdin, process.stdout, process.stderr):
            pipe.close()
    return [bytes(b) for b in buffers], timed_out, truncated


def _exit_fd(pid: int) -> int | None:
    """A pidfd that becomes readable when the process exits, so the pump wakes at the exit
    itself (``Popen.wait(timeout)`` polls, sleeping up to a millisecond at a time)."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):  # Linux before 5.3
        return None


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def kill_user_processes(uid: int, rounds: int = 100, job_pid: int | None = None) -> None:
    """Stop, then kill, every live process owned by ``uid`` (escapees, fork bombs) of this job.

    Orphans are re-parented to the box's init, which is this server, so it reaps them too. A
    parallel job (``job_pid``, pid 1 of its own pid namespace) owns the processes it is an
    ancestor of, and signals them by their pid in its namespace (it reads the box's /proc);
    the server's own job owns those of the box's pid namespace, not a nested one.
    """
    level = 0 if job_pid is None else 1
    for _ in range(rounds):
        _reap_orphans()
        statuses = {pid: _status(pid) for pid in _pids()}
        pids = [
            status[2][level]
            for pid, status in statuses.items()
            if status and status[0] == uid and _owned(pid, statuses, job_pid)
        ]
        if not pids:
            return
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
        time.sleep(0.001)


def _owned(pid: int, statuses: dict, job_pid: int | None) -> bool:
    if job_pid is None:
        return len(statuses[pid][2]) == 1
    for _ in range(4096):
        status = statuses.get(pid)
        if status is None:
            return False
        pid = status[1]
        if pid == job_pid:
            return True
    return False


def _reap_orphans() -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _children(level: int) -> set[int]:
    """This process's children (every thread's), by their pid in the pid namespace ``level``
    below the one of /proc: 0 for the box's, 1 for a parallel job's own."""
    pids: set[int] = set()
    for thread in os.listdir("/proc/self/task"):
        path = f"/proc/self/task/{thread}/children"
        # A thread that has just ended has no file (its children went to another thread).
        with contextlib.suppress(FileNotFoundError), open(path, "rb") as children:
            pids.update(int(pid) for pid in children.read().split())
    if level == 0:
        return pids
    statuses = [_status(pid) for pid in pids]
    # One that is gone or a zombie has no pid to compare: count it as a stranger (-1).
    return {status[2][level] if status else -1 for status in statuses}


def _become_subreaper() -> bool:
    """Make this process adopt its descendants' orphans, as init does (PR_SET_CHILD_SUBREAPER)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def _status(pid: int) -> tuple[int, int, tuple[int, ...]] | None:
    """(real uid, parent pid, its pids from the box's pid namespace down to its own) of a
    process that is not a zombie, from /proc/PID/status (whose folder shows root as owner for
    undumpable processes)."""
    uid = parent = 0
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"State:") and line.split()[1] in (b"Z", b"X"):
                    return None
                if line.startswith(b"PPid:"):
                    parent = int(line.split()[1])
                elif line.startswith(b"Uid:"):
                    uid = int(line.split()[1])
                elif line.startswith(b"NSpid:"):
                    return uid, parent, tuple(int(field) for field in line.split()[1:])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return uid, parent, (pid,)


def _make_removable(function: object, path: str, error: object) -> None:
    """Give back write and search permission a program took away, then retry the removal."""
    parent = os.path.dirname(path)
    os.chmod(parent, 0o700)
    if os.path.isdir(path) and not os.path.islink(path):
        os.chmod(path, 0o700)
        shutil.rmtree(path)
    else:
        os.unlink(path)
