"""The boxes of one agent sample: the reference box, the agent box, and a bounded workspace disk.

Plain blocking code on the project's own box helpers; the Inspect provider in ``_sandbox.py``
drives it from worker threads. Everything a sample starts carries the label ``mirror.sandbox``
(the owner's token), so leftovers of a killed process are found by label, and its host folder
lives under ``<state>/sandboxes/``, so a leftover workspace disk is found by path.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import shutil
import stat
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker.errors

from mirror.boxes.agent_image import AGENT_UID
from mirror.boxes.containers import ReferenceBox, agent_box, reference_box
from mirror.boxes.engine import engine
from mirror.boxes.task import write_task
from mirror.errors import HarnessError
from mirror.specs.targets import Target

log = logging.getLogger(__name__)

SANDBOX_LABEL = "mirror.sandbox"
SAMPLE_LABEL = "mirror.sample"
# A unix socket's path is at most 107 bytes: sockets live under a short folder of their own,
# not in the (possibly deep) state folder.
SOCKETS = Path(tempfile.gettempdir()) / "mirror-sockets"
SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
DISK_IMAGE = "disk.img"
WORKDIR = "/work"  # the workspace, as the agent box sees it


@dataclass(frozen=True)
class Bounds:
    """What one agent box may use: CPUs, memory (its /tmp and home tmpfs count in it),
    processes, and the size of its /work disk."""

    cpus: float = 2.0
    memory: str = "8g"
    pids: int = 1024
    disk: str = "8g"


def sandboxes_dir(state: Path) -> Path:
    return state / "sandboxes"


@dataclass(eq=False)
class SampleBoxes:
    """A running sample: its boxes, its host folder and the workspace the agent box sees at /work.

    ``workspace`` is a host folder on a loop-mounted disk of ``Bounds.disk`` bytes, so the agent
    cannot fill the host's disk; ``query_log`` is the reference box's oracle query log (host
    only, never mounted in the agent box).
    """

    target: Target
    folder: Path
    sockets: Path
    workspace: Path
    reference: ReferenceBox
    agent: Any
    _stack: ExitStack = field(repr=False)

    @property
    def query_log(self) -> Path:
        return self.reference.log_path

    def close(self) -> None:
        """Remove both boxes, unmount the disk and delete the host folder (idempotent)."""
        try:
            self._stack.close()
        finally:
            remove_folder(self.folder)
            shutil.rmtree(self.sockets, ignore_errors=True)

    def release(self) -> None:
        """Remove both boxes but keep the host folder: the workspace disk (unmounted) and the
        query log stay for a resumed sample of the same key (see :func:`start_sample`)."""
        try:
            self._stack.close()
        finally:
            for mountpoint in mounts_under(self.folder):
                unmount(mountpoint)
            shutil.rmtree(self.sockets, ignore_errors=True)

    def snapshot(self, into: Path) -> Path:
        """Copy the workspace to ``into`` with the agent box paused, so no process of the agent
        changes it mid-copy. Only folders, regular files and symbolic links are copied."""
        with self.paused():
            shutil.copytree(self.workspace, into, symlinks=True, ignore=_special_files)
        return into

    def archive(self) -> Iterator[bytes]:
        """The agent box's /work as a tar stream through the Docker API (members ``work/...``),
        read with the box paused; the box runs again when the stream is closed or read."""
        with self.paused():
            stream, _stat = self.agent.get_archive(WORKDIR)
            yield from stream

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """The agent box paused (when it runs), so no process of the agent changes /work."""
        self.agent.reload()
        paused = self.agent.status == "running"
        if paused:
            self.agent.pause()
        try:
            yield
        finally:
            if paused:
                self.agent.unpause()


def _special_files(folder: str, names: list[str]) -> set[str]:
    """Sockets, FIFOs and device files: a copy would block or fail on them."""
    skipped = set()
    for name in names:
        mode = os.lstat(os.path.join(folder, name)).st_mode
        if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
            skipped.add(name)
    return skipped


def start_sample(
    target: Target, state: Path, owner: str, bounds: Bounds, key: str | None = None
) -> SampleBoxes:
    """Start the reference box and the agent box of one sample (both removed by ``close``).

    The sample's host folder is named by ``key`` (a fresh one when None). When a folder of that
    key is already there (its process was killed, or its cleanup released it) the sample
    resumes: the boxes the dead process left are removed and new ones get the same workspace
    disk and query log. A process holds its sample folder's lock while it runs, so a key in use
    by a live process is refused.
    """
    key = _safe(key) if key else uuid.uuid4().hex[:12]
    folder = sandboxes_dir(state) / key
    resumed = (folder / DISK_IMAGE).is_file()
    folder.mkdir(parents=True, exist_ok=True)
    sockets = SOCKETS / key
    labels = {SANDBOX_LABEL: owner, SAMPLE_LABEL: key}
    stack = ExitStack()
    stack.enter_context(_locked(folder / "lock"))  # refused: nothing of the live sample is touched
    try:
        (folder / "owner").write_text(owner, encoding="utf-8")
        if resumed:
            removed = remove_boxes(f"{SAMPLE_LABEL}={key}")
            log.info("sample %s resumes its workspace (removed stale boxes: %s)", key, removed)
        stack.callback(shutil.rmtree, sockets, ignore_errors=True)
        disk = mount_disk(folder, bounds.disk)
        workspace = disk / "work"
        if not resumed:
            workspace.mkdir()
            os.chown(workspace, AGENT_UID, AGENT_UID)
        shutil.rmtree(folder / "task", ignore_errors=True)
        task = write_task(target, folder / "task")
        reference = stack.enter_context(
            reference_box(target, sockets / "oracle.sock", folder / "logs", labels)
        )
        agent = stack.enter_context(
            agent_box(
                target,
                task,
                workspace,
                sockets,
                cpus=bounds.cpus,
                memory=bounds.memory,
                pids=bounds.pids,
                labels=labels,
            )
        )
    except BaseException:
        stack.close()
        if resumed:  # a failed restart keeps what the next one needs
            for mountpoint in mounts_under(folder):
                unmount(mountpoint)
        else:
            remove_folder(folder)
        raise
    log.info("sample %s: %s and %s", key, reference.container.name, agent.name)
    return SampleBoxes(target, folder, sockets, workspace, reference, agent, stack)


def _safe(key: str) -> str:
    """``key`` as one short file name (also a folder under the sockets' folder)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", key)[:80]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (released by the kernel if the process dies)."""
    with open(path, "a", encoding="utf-8") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"{path.parent}: the sample is running in another process") from None
        yield


def mount_disk(folder: Path, size: str) -> Path:
    """The sample's ext4 file system (made of ``size``, sparse on the host, if it is not there
    yet) mounted at ``folder/disk`` (if it is not mounted yet)."""
    image, mountpoint = folder / DISK_IMAGE, folder / "disk"
    mountpoint.mkdir(exist_ok=True)
    if not image.exists():
        _system(["truncate", "-s", size, str(image)])
        _system(["mkfs.ext4", "-q", "-F", "-m", "0", str(image)])
    if not os.path.ismount(mountpoint):
        _mount(image, mountpoint)
    return mountpoint


def _mount(image: Path, mountpoint: Path, patience: float = 60.0) -> None:
    """Mount ``image`` by loop; a resumed sample's image may still be held for a moment by the
    dead attempt's boxes (their lazy unmount ends when the engine has removed them)."""
    deadline = time.monotonic() + patience
    while True:
        try:
            _system(["mount", "-o", "loop,nosuid,nodev", str(image), str(mountpoint)])
            return
        except subprocess.CalledProcessError as error:
            if time.monotonic() > deadline:
                reason = error.stderr.decode(errors="replace").strip()
                raise HarnessError(f"cannot mount the sample's disk {image}: {reason}") from None
            log.info("mount of %s refused (%s); retrying", image, error.stderr)
            time.sleep(1.0)


def unmount(mountpoint: Path) -> None:
    if os.path.ismount(mountpoint):
        # Lazy: a box being removed may still hold the bind mount for a moment.
        try:
            _system(["umount", "-l", str(mountpoint)])
        except subprocess.CalledProcessError:
            if os.path.ismount(mountpoint):  # not a race with another cleanup: a real fault
                raise


def _system(command: list[str]) -> None:
    """Run a system tool (from the system's folders, whatever the caller's PATH)."""
    subprocess.run(command, check=True, capture_output=True, env={"PATH": SYSTEM_PATH})


def remove_folder(folder: Path) -> None:
    for mountpoint in mounts_under(folder):
        unmount(mountpoint)
    shutil.rmtree(folder, ignore_errors=True)


def mounts_under(folder: Path) -> list[Path]:
    """Mount points at or below ``folder``, deepest first."""
    prefix = str(folder.absolute())
    points = []
    with open("/proc/self/mounts", encoding="utf-8") as mounts:
        for line in mounts:
            point = line.split()[1].replace("\\040", " ")
            if point == prefix or point.startswith(prefix + "/"):
                points.append(Path(point))
    return sorted(points, key=lambda p: len(p.parts), reverse=True)


def remove_leftovers(state: Path, owner: str | None = None) -> list[str]:
    """Remove the boxes and host folders of samples of ``owner`` (every owner when None).

    Returns the names of the boxes removed. For ``inspect sandbox cleanup mirror`` and the end
    of a task, so that a killed process leaves nothing running.
    """
    removed = remove_boxes(f"{SANDBOX_LABEL}={owner}" if owner else SANDBOX_LABEL)
    folders = sandboxes_dir(state)
    for folder in folders.iterdir() if folders.is_dir() else []:
        if owner is None or _owner(folder) == owner:
            remove_folder(folder)
            shutil.rmtree(SOCKETS / folder.name, ignore_errors=True)
    if owner is None and SOCKETS.is_dir():
        shutil.rmtree(SOCKETS, ignore_errors=True)
    return removed


def remove_boxes(selector: str) -> list[str]:
    """Remove the boxes whose labels match ``selector``; return their names."""
    removed = []
    for container in engine().containers.list(all=True, filters={"label": selector}):
        with contextlib.suppress(docker.errors.NotFound):
            container.remove(force=True)
            removed.append(container.name)
    return removed


def _owner(folder: Path) -> str | None:
    try:
        return (folder / "owner").read_text(encoding="utf-8")
    except OSError:
        return None
