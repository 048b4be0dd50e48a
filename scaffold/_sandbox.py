"""The ``mirror`` sandbox provider: Inspect's view of a sample's agent box, on the Docker SDK.

Per sample it starts the target's reference box (serving the oracle) and the agent box (the
agent image, /task read-only, /work on a bounded disk, the oracle socket's folder and nothing
else shared, no network) through :mod:`scaffold._boxes`, and exposes the agent box as the
sample's only sandbox: the reference box is not reachable through Inspect at all. ``exec``,
``read_file`` and ``write_file`` are Docker API execs as the agent's user; the box offers no
other identity (root in it has no capabilities anyway), so Inspect's own tools run as the agent.
"""

from __future__ import annotations

import logging
import os
import posixpath
import uuid
from pathlib import Path
from typing import Any, ClassVar, Literal, overload

import anyio
from inspect_ai._control.eval_state import stable_task_id_for_eval
from inspect_ai.log._samples import sample_active
from inspect_ai.util import (
    ExecResult,
    OutputLimitExceededError,
    SandboxConnection,
    SandboxEnvironment,
    SandboxEnvironmentConfigType,
    SandboxEnvironmentLimits,
    SandboxUserUnsupportedError,
    sandboxenv,
)
from pydantic import BaseModel, ConfigDict
from typing_extensions import override

from mirror.boxes.agent_image import AGENT_UID
from mirror.specs.targets import get_target
from scaffold import _exec
from scaffold._boxes import Bounds, SampleBoxes, remove_leftovers, start_sample

log = logging.getLogger(__name__)

WORKDIR = "/work"
AGENT_USERS = (None, "", "agent", str(AGENT_UID))
# Every box this process starts carries this token, so `task_cleanup` and `inspect sandbox
# cleanup mirror ID` find exactly its leftovers.
OWNER = f"p{os.getpid()}-{uuid.uuid4().hex[:6]}"


def default_state() -> Path:
    """Host-only state (sample folders, oracle sockets, query logs), as the ``mirror`` CLI."""
    return Path(os.environ.get("MIRROR_STATE", Path.home() / ".cache" / "mirror"))


class MirrorSandboxConfig(BaseModel):
    """Options of the ``mirror`` sandbox (``sandbox=("mirror", MirrorSandboxConfig(...))``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    state: str | None = None
    cpus: float = Bounds.cpus
    memory: str = Bounds.memory
    pids: int = Bounds.pids
    disk: str = Bounds.disk

    def bounds(self) -> Bounds:
        return Bounds(self.cpus, self.memory, self.pids, self.disk)

    def state_dir(self) -> Path:
        return Path(self.state) if self.state else default_state()


def sample_key() -> str | None:
    """The running sample's key: its task's id (which Inspect keeps when it retries the task),
    its sample id and epoch, so a retried sample finds the workspace of its interrupted run.
    None outside a sample (a fresh key is made then)."""
    active = sample_active()
    if active is None:
        return None
    task_id = stable_task_id_for_eval(active.eval_id)
    return f"{task_id}-{active.sample.id}-{active.epoch}"


def _config(config: SandboxEnvironmentConfigType | None) -> MirrorSandboxConfig:
    if config is None:
        return MirrorSandboxConfig()
    if isinstance(config, MirrorSandboxConfig):
        return config
    raise ValueError(f"the mirror sandbox takes a MirrorSandboxConfig, not {config!r}")


@sandboxenv(name="mirror")
class MirrorSandbox(SandboxEnvironment):
    """A sample's agent box. ``boxes`` holds the rest: the reference box, the workspace, the
    query log (for scorers, snapshots and evidence; never for the agent)."""

    _live: ClassVar[dict[str, set[SampleBoxes]]] = {}  # by task: samples whose cleanup has not run

    def __init__(self, boxes: SampleBoxes) -> None:
        super().__init__()
        self.boxes = boxes

    @override
    async def exec(
        self,
        cmd: list[str],
        input: str | bytes | None = None,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
        user: str | None = None,
        timeout: int | None = None,
        timeout_retry: bool = True,  # commands may have side effects: never run twice
        concurrency: bool = True,
    ) -> ExecResult[str]:
        self._check_user(user)
        stdin = input.encode() if isinstance(input, str) else input
        limit = SandboxEnvironmentLimits.MAX_EXEC_OUTPUT_SIZE
        done = await anyio.to_thread.run_sync(
            lambda: _exec.run(
                self.boxes.agent.id,
                cmd,
                stdin=stdin,
                cwd=posixpath.join(WORKDIR, cwd) if cwd else WORKDIR,
                env=env,
                timeout=timeout,
                limit=limit,
            ),
            abandon_on_cancel=True,
        )
        if done.timed_out:
            raise TimeoutError(f"command timed out after {timeout} seconds: {cmd[:3]}")
        return ExecResult(
            success=done.status == 0,
            returncode=done.status,
            stdout=done.stdout.decode(errors="replace"),
            stderr=done.stderr.decode(errors="replace"),
        )

    @override
    async def write_file(self, file: str, contents: str | bytes) -> None:
        path = self._path(file)
        data = contents.encode() if isinstance(contents, str) else contents
        script = 'mkdir -p -- "$(dirname -- "$1")" && cat > "$1"'
        done = await anyio.to_thread.run_sync(
            lambda: _exec.run(self.boxes.agent.id, ["sh", "-c", script, "write", path], stdin=data)
        )
        if done.status != 0:
            _raise_file_error(path, done.stderr.decode(errors="replace"))

    @overload
    async def read_file(self, file: str, text: Literal[True] = True) -> str: ...

    @overload
    async def read_file(self, file: str, text: Literal[False]) -> bytes: ...

    @override
    async def read_file(self, file: str, text: bool = True) -> str | bytes:
        path = self._path(file)
        limit = SandboxEnvironmentLimits.MAX_READ_FILE_SIZE
        done = await anyio.to_thread.run_sync(
            lambda: _exec.run(self.boxes.agent.id, ["cat", "--", path], limit=limit)
        )
        if done.status != 0:
            _raise_file_error(path, done.stderr.decode(errors="replace"))
        if done.overflow:
            raise OutputLimitExceededError(SandboxEnvironmentLimits.MAX_READ_FILE_SIZE_STR, None)
        return done.stdout.decode() if text else done.stdout

    @override
    async def connection(self, *, user: str | None = None) -> SandboxConnection:
        name = self.boxes.agent.name
        return SandboxConnection(
            type="mirror", command=f"docker exec -it {name} bash -l", container=name
        )

    @classmethod
    @override
    def default_concurrency(cls) -> int | None:
        return os.cpu_count() or 1

    @classmethod
    @override
    async def sample_init(
        cls, task_name: str, config: SandboxEnvironmentConfigType | None, metadata: dict[str, str]
    ) -> dict[str, SandboxEnvironment]:
        options = _config(config)
        target = get_target(metadata["target"])
        key = sample_key()
        boxes = await anyio.to_thread.run_sync(
            lambda: start_sample(target, options.state_dir(), OWNER, options.bounds(), key)
        )
        cls._live.setdefault(task_name, set()).add(boxes)
        return {"default": cls(boxes)}

    @classmethod
    @override
    async def sample_cleanup(
        cls,
        task_name: str,
        config: SandboxEnvironmentConfigType | None,
        environments: dict[str, SandboxEnvironment],
        interrupted: bool,
    ) -> None:
        for environment in environments.values():
            boxes = environment.as_type(MirrorSandbox).boxes
            # An interrupted sample (cancelled, or its run stopped) keeps its workspace for
            # `mirror run --resume`; a finished or failed one leaves nothing.
            await anyio.to_thread.run_sync(boxes.release if interrupted else boxes.close)
            cls._live.get(task_name, set()).discard(boxes)

    @classmethod
    @override
    async def task_cleanup(
        cls, task_name: str, config: SandboxEnvironmentConfigType | None, cleanup: bool
    ) -> None:
        if not cleanup:
            return
        for boxes in cls._live.pop(task_name, set()):
            await anyio.to_thread.run_sync(boxes.close)

    @classmethod
    @override
    async def cli_cleanup(cls, id: str | None) -> None:
        """``inspect sandbox cleanup mirror [OWNER]``: every leftover box (of OWNER)."""
        removed = await anyio.to_thread.run_sync(lambda: remove_leftovers(default_state(), id))
        log.info("removed %d leftover boxes: %s", len(removed), ", ".join(removed))

    @classmethod
    @override
    def config_deserialize(cls, config: dict[str, Any]) -> BaseModel:
        return MirrorSandboxConfig(**config)

    def _check_user(self, user: str | None) -> None:
        if user not in AGENT_USERS:
            raise SandboxUserUnsupportedError(
                f"the mirror sandbox runs commands as the agent only, not as {user!r}"
            )

    def _path(self, file: str) -> str:
        return posixpath.join(WORKDIR, file)


def _raise_file_error(path: str, stderr: str) -> None:
    if "No such file" in stderr:
        raise FileNotFoundError(path)
    if "Is a directory" in stderr:
        raise IsADirectoryError(path)
    if "Permission denied" in stderr or "Read-only file system" in stderr:
        raise PermissionError(path)
    raise OSError(f"{path}: {stderr.strip()}")
