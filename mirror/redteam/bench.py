"""The cost of the sandbox: the same case with the reference sandbox on and off.

The targets timed are those whose red-team file has an ``overhead`` case.
"""

from __future__ import annotations

import json
import logging
import statistics
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from mirror.boxes.containers import reference_box, runner_box, sandbox_rules
from mirror.boxes.images import PROGRAM_UID, SANDBOX_PRELOAD, ensure_reference_image
from mirror.redteam.probes import ProbeError, program
from mirror.redteam.spec import redteam_spec
from mirror.specs.targets import Target, all_targets
from oracle.case import Case
from oracle.client import OracleClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Overhead:
    """Median milliseconds of one case, sandbox on and off: the oracle round trip from the
    host (``trip_*``) and the program alone spawned in its box (``exec_*``)."""

    target: str
    case: Case
    trip_on: float
    trip_off: float
    exec_on: float
    exec_off: float

    @property
    def label(self) -> str:
        return f"{self.target} {' '.join(self.case.args)}"

    @property
    def trip_change(self) -> float:
        return self.trip_on / self.trip_off - 1

    @property
    def exec_change(self) -> float:
        return self.exec_on / self.exec_off - 1


def overhead_targets() -> list[tuple[Target, Case]]:
    """Targets whose red-team file names an ``overhead`` case, with that case."""
    chosen = []
    for target in all_targets().values():
        spec = redteam_spec(target).overhead
        if spec:
            chosen.append((target, spec.case()))
    return chosen


def measure(target: Target, case: Case, repeat: int, state: Path | None = None) -> Overhead:
    """Medians, sandbox on and off, interleaved: the oracle round trip from the host (the
    runner as it is: unsandboxed runs set rlimits in a Python preexec_fn, sandboxed ones in
    the sandbox), and the program alone spawned in its box (the sandbox's own cost)."""
    image = ensure_reference_image(target)
    with tempfile.TemporaryDirectory(dir=state) as tmp, ExitStack() as stack:
        folder = Path(tmp)
        on = stack.enter_context(reference_box(target, folder / "on" / "o.sock", folder / "l"))
        off_socket = folder / "off" / "o.sock"
        off_box = runner_box(
            image.tag,
            target.binary,
            target.command,
            off_socket,
            folder / "m",
            f"{target.name}-bare",
        )
        stack.enter_context(off_box)
        clients = {
            "on": stack.enter_context(on.client()),
            "off": stack.enter_context(OracleClient(off_socket)),
        }
        first = {key: client.run(case) for key, client in clients.items()}
        if not first["on"].same_behaviour(first["off"]):
            raise ProbeError(f"{target.name}: the sandbox changed the outcome of {case.args}")
        times: dict[str, list[float]] = {"on": [], "off": []}
        for _ in range(repeat):
            for key, client in clients.items():
                started = time.perf_counter()
                client.run(case)
                times[key].append((time.perf_counter() - started) * 1000)
        params = {
            "rules": sandbox_rules(target),
            "preload": SANDBOX_PRELOAD,
            "binary": target.binary,
            "args": list(case.args),
            "uid": PROGRAM_UID,
            "repeat": repeat,
        }
        timing = on.container.exec_run(
            ["python3", "-c", program("exec_timing.py"), json.dumps(params)]
        )
        bare = json.loads(timing.output.decode().splitlines()[-1])
    trip = {key: statistics.median(values) for key, values in times.items()}
    return Overhead(target.name, case, trip["on"], trip["off"], bare["on"], bare["off"])


def sandbox_overhead(repeat: int = 200, state: Path | None = None) -> list[Overhead]:
    """The sandbox's cost on every target with an ``overhead`` case."""
    return [measure(target, case, repeat, state) for target, case in overhead_targets()]
