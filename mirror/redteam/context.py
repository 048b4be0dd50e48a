"""The boxes of one target under attack, each started on first use and removed at the end."""

from __future__ import annotations

import logging
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

from mirror.boxes.agent_image import AGENT_UID, hidden_paths, masks
from mirror.boxes.containers import (
    ReferenceBox,
    agent_box,
    reference_box,
    runner_box,
    sandbox_rules,
)
from mirror.boxes.images import SANDBOX_LAUNCHER, ReferenceImage, ensure_reference_image
from mirror.boxes.task import write_task
from mirror.redteam.probes import (
    BUILD_PROBES,
    DOCKER,
    NET,
    RUNNER_FILES,
    SCORING_PROBES,
    WRITE_DIRS,
    ProbeError,
    parse,
    probe_in_container,
    probe_via_runner,
    render,
)
from mirror.redteam.protected import Reference, Secrets, find_secrets, reference_parts
from mirror.redteam.spec import RedTeamSpec, redteam_spec
from mirror.scoring.score import build_workspace, copy_workspace, run_cases
from mirror.specs.targets import Target
from oracle.case import Case, Outcome
from oracle.client import OracleClient, OracleError
from oracle.suite import SuiteCase

log = logging.getLogger(__name__)


class Context:
    """Everything the attacks on one target use, started lazily, removed by ``stack``."""

    def __init__(self, target: Target, folder: Path, stack: ExitStack):
        self.target = target
        self.folder = folder
        self.stack = stack
        self._probes: dict[tuple[str, str], dict] = {}

    @cached_property
    def spec(self) -> RedTeamSpec:
        """What the target's red-team file says about it."""
        return redteam_spec(self.target)

    @cached_property
    def image(self) -> ReferenceImage:
        return ensure_reference_image(self.target)

    @cached_property
    def reference(self) -> ReferenceBox:
        box = reference_box(self.target, self.folder / "sock" / "oracle.sock", self.folder / "log")
        return self.stack.enter_context(box)

    @cached_property
    def client(self) -> OracleClient:
        return self.stack.enter_context(self.reference.client())

    def run(self, case: Case) -> Outcome:
        """A case through the real oracle."""
        return self.client.run(case)

    def _shell(self, name: str, extra: list[str]) -> tuple[Any, OracleClient, Path]:
        folder = self.folder / name
        socket_path = folder / "sock" / "o.sock"
        box = runner_box(
            self.image.tag,
            "/bin/sh",
            "sh",
            socket_path,
            folder / "log",
            f"{self.target.name}-{name}",
            extra,
        )
        container = self.stack.enter_context(box)
        return container, self.stack.enter_context(OracleClient(socket_path)), folder

    @cached_property
    def shell(self) -> tuple[Any, OracleClient, Path]:
        """The reference box's hardening serving /bin/sh unsandboxed: a compromised program."""
        return self._shell("shell", [])

    @cached_property
    def jail(self) -> OracleClient:
        """/bin/sh under the target's sandbox, with /usr/bin and /usr/lib executable: arbitrary
        code inside the sandbox, to show what seccomp and Landlock still refuse."""
        rules = sandbox_rules(self.target) + ":x:/usr/bin:x:/usr/lib"
        return self._shell("jail", ["--sandbox", rules, "--sandbox-launcher", SANDBOX_LAUNCHER])[1]

    @cached_property
    def task(self) -> Path:
        return _task_folder(self.target, self.folder / "task")

    @cached_property
    def marker(self) -> str:
        """A string now in the host's query log, and nowhere a box can read."""
        marker = f"redteam-marker-{uuid.uuid4().hex}"
        self.run(Case((marker,)))
        if marker not in self.reference.log_path.read_text():
            raise ProbeError("the marker query is not in the query log")
        return marker

    @cached_property
    def secrets(self) -> Secrets:
        return find_secrets(self.target, self.task, self.marker)

    @cached_property
    def agent(self) -> Any:
        box = agent_box(self.target, self.task, self.folder / "workspace", self.folder / "sock")
        return self.stack.enter_context(box)

    @cached_property
    def parts(self) -> Reference:
        return reference_parts(self.reference.container, self.image.manifest)

    @cached_property
    def hidden(self) -> tuple[str, ...]:
        return hidden_paths(self.target)

    def binary_prefix(self, size: int = 64) -> bytes:
        """The first bytes of the reference binary, read in its box as root: proof of a leak."""
        binary = self.image.manifest["binary_realpath"]
        return self.reference.container.exec_run(["head", "-c", str(size), binary]).output

    def still_serving(self, timeout: float = 30.0) -> str | None:
        """None when the oracle answers a ping and a real case, as the agent's client connects
        (blocking, so a momentarily full listen queue waits); else what went wrong."""
        problems: list[str | None] = []

        def check() -> None:
            try:
                with self.reference.client() as client:
                    client.ping()
                    client.run(Case(()))
                problems.append(None)
            except (OSError, OracleError, ValueError) as error:
                problems.append(f"the oracle stopped answering: {error}")

        thread = threading.Thread(target=check, daemon=True)
        thread.start()
        thread.join(timeout)
        return problems[0] if problems else f"no answer within {timeout:g}s"

    def params(self, name: str, box: str) -> dict[str, Any]:
        """The parameters of probe ``name`` in ``box``."""
        if name == "net":
            return NET
        if name == "docker":
            return DOCKER
        if name == "search":
            return {"strings": self.secrets.strings()}
        if name == "leftovers":
            sizes: dict[int, dict[str, str]] = {}
            for file in self.parts.files:
                if file.private:
                    sizes.setdefault(file.size, {})[file.sha256] = file.path
            return {
                "sizes": sizes,
                "sources": self.parts.sources,
                "packages": self.parts.packages,
                "hidden": list(self.hidden),
            }
        if name == "procs":
            return {"words": ["oracle serve", self.target.binary]}
        if name == "writes":
            return {
                "dirs": WRITE_DIRS,
                "files": [*RUNNER_FILES, f"/work/bin/{self.target.command}"],
            }
        return {}

    def probe(self, box: str, name: str) -> dict[str, Any]:
        """Probe ``name``'s result in ``box`` ("agent", "shell", "jail", "scoring", "build")."""
        key = (box, name)
        if key not in self._probes:
            if box in ("scoring", "build"):
                self._probes.update(self._scoring_probes())
            elif box == "agent":
                self._probes[key] = probe_in_container(
                    self.agent, name, self.params(name, box), str(AGENT_UID)
                )
            else:
                client = self.jail if box == "jail" else self.shell[1]
                self._probes[key] = probe_via_runner(client, name, self.params(name, box))
        return self._probes[key]

    def _scoring_probes(self) -> dict[tuple[str, str], dict]:
        """Every scoring and build probe, from one build and one run of a probe candidate."""
        workspace = self.folder / "candidate"
        (workspace / "bin").mkdir(parents=True, exist_ok=True)
        (workspace / "redteam").mkdir(exist_ok=True)
        program = workspace / "bin" / self.target.command
        program.write_text('#!/bin/sh\nexec python3 -c "$1"\n')
        program.chmod(0o755)
        for name in BUILD_PROBES:
            (workspace / "redteam" / f"{name}.py").write_text(
                render(name, self.params(name, "build"))
            )
        (workspace / "build.sh").write_text(
            'for probe in redteam/*.py; do python3 "$probe" 2>&1; done\nexit 0\n'
        )
        work = copy_workspace(workspace, Path(tempfile.mkdtemp(dir=self.folder)))
        log_path = self.folder / "build.log"
        build_workspace(work, log_path, masks(self.target), timeout=600)
        output = log_path.read_bytes()
        results = {("build", name): parse(name, output) for name in BUILD_PROBES}
        room = Outcome(b"-" * (1 << 20), b"", 0)  # the gold's size sets the output cap
        entries = [
            SuiteCase(
                "redteam", Case((render(name, self.params(name, "scoring")),), timeout=120), room
            )
            for name in SCORING_PROBES
        ]
        outcomes = run_cases(work, self.target, entries, workers=2)
        for name, outcome in zip(SCORING_PROBES, outcomes, strict=True):
            results["scoring", name] = parse(name, outcome.stdout + b"\n" + outcome.stderr)
        return results


def _task_folder(target: Target, into: Path) -> Path:
    """The task folder the agent gets (an empty visible suite when none is built yet)."""
    try:
        return write_task(target, into)
    except FileNotFoundError:
        (into / "tests").mkdir(parents=True, exist_ok=True)
        (into / "tests" / "visible.jsonl").write_bytes(b"")
        return into


@contextmanager
def target_context(target: Target) -> Iterator[Context]:
    """A context for attacks on ``target``; every box it started is removed on exit."""
    with (
        tempfile.TemporaryDirectory(prefix=f"mirror-redteam-{target.name}-") as tmp,
        ExitStack() as stack,
    ):
        yield Context(target, Path(tmp), stack)
