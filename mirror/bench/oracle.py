"""Speed measurements: how long a query takes to reach the reference program, by each route."""

from __future__ import annotations

import logging
import os
import shlex
import statistics
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from tqdm import tqdm

from mirror.bench.cpu import cpu_per_case, cpu_rows
from mirror.bench.inbox import SERVER_RUNNER, python_in_box
from mirror.bench.phases import PHASES, runner_phases
from mirror.boxes.containers import ReferenceBox, reference_box
from mirror.boxes.images import PROGRAM_UID, PYTHON_ORACLE
from mirror.errors import HarnessError
from mirror.specs.targets import bench_target
from oracle.case import Case
from oracle.client import OracleClient
from oracle.runner import BASE_ENV

log = logging.getLogger(__name__)

BATCH_ROUNDS = 2  # whole `oracle batch` runs timed per round, at most: each is batch_size cases
INTERLEAVE = 3  # rounds in which every method takes its turn
SHELL_LOOP = 100  # calls per timed bash loop

BARE = "bare exec in box"
BARE_UID = "bare exec in box as uid 61000"
COMMAND = "oracle run (C) in box"
PYTHON_COMMAND = "oracle run (Python, old) in box"
IMPORTED_BOX = "imported client in box"
IMPORTED_HOST = "imported client from host"
BATCH = "oracle batch --jobs 1 per case"
BATCH_PARALLEL = "oracle batch --jobs 2 per case"
SDK_EXEC = "docker SDK exec_run from host"
CLI_EXEC = "docker exec CLI from host"
SHELL_BARE = "shell loop: the program"
SHELL_COMMAND = "shell loop: oracle run"
CLIENT_START = "oracle run (C), no server"
SANDBOXED = "the program sandboxed, no runner"
METHODS = (
    BARE,
    BARE_UID,
    SANDBOXED,
    SHELL_BARE,
    SHELL_COMMAND,
    COMMAND,
    CLIENT_START,
    PYTHON_COMMAND,
    IMPORTED_BOX,
    IMPORTED_HOST,
    BATCH,
    BATCH_PARALLEL,
    SDK_EXEC,
    CLI_EXEC,
)

# Run in the box as root by `python3 -I -S -c`: argv[1] holds the parameters as JSON; prints
# {"ms": [...], "stdout": "..."} after one untimed warm-up call.
BOX_SCRIPT = (
    SERVER_RUNNER
    + f"""
import json, os, shlex, shutil, subprocess, time
p = json.loads(sys.argv[1])
env = {{**p["env"], "MIRROR_ORACLE_SOCKET": p["socket"]}}

def bare():
    return subprocess.run([p["command"], *p["args"]], executable=p["binary"], capture_output=True,
                          cwd="/case", env=env).stdout

def bare_uid():
    return subprocess.run([p["command"], *p["args"]], executable=p["binary"], capture_output=True,
                          cwd="/case", env=env, user=p["uid"], group=p["uid"],
                          extra_groups=[]).stdout

def shell(line):  # `per` calls of the line from one bash loop; the last one's output
    loop = f"for i in $(seq {{p['per'] - 1}}); do {{line}} >/dev/null; done; {{line}}"
    return subprocess.run(["bash", "-c", loop], capture_output=True, cwd="/case", env=env).stdout

def shell_bare():  # by its command name if PATH finds the binary; else a subshell's exec -a
    found = shutil.which(p["command"], path=env["PATH"])
    line = shlex.join([p["command"], *p["args"]])
    if not (found and os.path.realpath(found) == os.path.realpath(p["binary"])):
        line = "(" + shlex.join(["exec", "-a", p["command"], p["binary"], *p["args"]]) + ")"
    return shell(line)

def shell_command():
    return shell(shlex.join(["oracle", "run", "--", *p["args"]]))

def command():
    return subprocess.run(["oracle", "run", "--", *p["args"]], capture_output=True,
                          env=env).stdout

def client_start():  # the command's own start: it finds no server and exits 125
    result = subprocess.run(["oracle", "run", "--", *p["args"]], capture_output=True,
                            env={{**env, "MIRROR_ORACLE_SOCKET": "/nonexistent"}})
    assert result.returncode == 125, result
    return result.stdout

def python_command():
    return subprocess.run(["{PYTHON_ORACLE}", "run", "--", *p["args"]], capture_output=True,
                          env=env).stdout

def batch():
    cases = (json.dumps({{"args": p["args"]}}) + "\\n") * p["batch"]
    lines = subprocess.run(["oracle", "batch", "--jobs", str(p["jobs"])], input=cases.encode(),
                           capture_output=True, env=env).stdout.splitlines()
    assert len(lines) == p["batch"], lines[-1:]
    return json.loads(lines[0])["stdout"].encode()

def imported():
    return client.run(Case(args=tuple(p["args"]))).stdout

def sandboxed():  # the program as the server's runner starts it, and none of the runner's work
    process = runner._spawn(case)  # forked by the resident launcher: sandbox, uid, limits
    process.stdin.close()
    stdout = process.stdout.read()
    process.stderr.read()  # after stdout: the bench's query must not fill the stderr pipe
    process.wait()
    process.stdout.close()
    process.stderr.close()
    return stdout

from oracle.case import Case
if p["method"] == "imported":
    from oracle.client import OracleClient
    client = OracleClient(p["socket"])
if p["method"] == "sandboxed":
    from pathlib import Path
    case = Case(args=tuple(p["args"]))
    runner.case_dir = Path("/case/sandboxed")
    runner._prepare(Case())
    runner.warm()
    assert runner._launcher is not None, "the server's runner has no resident launcher"
function = globals()[p["method"]]
stdout = function()
ms = []
for _ in range(p["repeat"]):
    started = time.perf_counter()
    function()
    ms.append((time.perf_counter() - started) * 1000 / p["per"])
print(json.dumps({{"ms": ms, "stdout": stdout.decode()}}))
"""
)

Measure = Callable[[], tuple[list[float], bytes]]


def _in_box(
    box: ReferenceBox, method: str, repeat: int, batch_size: int = 1, jobs: int = 1
) -> Measure:
    """Time ``method`` of :data:`BOX_SCRIPT` inside the box; per case when it runs a batch
    or a shell loop."""
    params = {
        "method": method,
        "repeat": repeat,
        "batch": batch_size,
        "jobs": jobs,
        "per": batch_size if method == "batch" else SHELL_LOOP if "shell" in method else 1,
        "args": box.target.bench.oracle,
        "command": box.target.command,
        "binary": box.target.binary,
        "uid": PROGRAM_UID,
        "socket": f"/oracle/{box.socket_path.name}",
        "env": {**BASE_ENV, "HOME": "/case"},  # the runner's fixed environment
    }

    def measure() -> tuple[list[float], bytes]:
        result = python_in_box(box, BOX_SCRIPT, params, method)
        return result["ms"], result["stdout"].encode()

    return measure


def _from_host(run: Callable[[], bytes], repeat: int) -> Measure:
    """Time ``run`` from the host, after one untimed warm-up call."""

    def measure() -> tuple[list[float], bytes]:
        stdout = run()
        ms = []
        for _ in range(repeat):
            started = time.perf_counter()
            run()
            ms.append((time.perf_counter() - started) * 1000)
        return ms, stdout

    return measure


def _measures(
    box: ReferenceBox, client: OracleClient, repeat: int, batch_size: int
) -> dict[str, Measure]:
    query = [box.target.command, *(box.target.bench.oracle or ())]
    docker_exec = ["docker", "exec", box.container.id, *query]
    return {
        BARE: _in_box(box, "bare", repeat),
        BARE_UID: _in_box(box, "bare_uid", repeat),
        SANDBOXED: _in_box(box, "sandboxed", repeat),
        SHELL_BARE: _in_box(box, "shell_bare", min(repeat, BATCH_ROUNDS)),
        SHELL_COMMAND: _in_box(box, "shell_command", min(repeat, BATCH_ROUNDS)),
        COMMAND: _in_box(box, "command", repeat),
        CLIENT_START: _in_box(box, "client_start", repeat),
        PYTHON_COMMAND: _in_box(box, "python_command", repeat),
        IMPORTED_BOX: _in_box(box, "imported", repeat),
        IMPORTED_HOST: _from_host(lambda: client.run(Case(args=tuple(query[1:]))).stdout, repeat),
        BATCH: _in_box(box, "batch", min(repeat, BATCH_ROUNDS), batch_size),
        BATCH_PARALLEL: _in_box(box, "batch", min(repeat, BATCH_ROUNDS), batch_size, jobs=2),
        SDK_EXEC: _from_host(lambda: box.container.exec_run(query).output, repeat),
        CLI_EXEC: _from_host(
            lambda: subprocess.run(docker_exec, capture_output=True, check=True).stdout, repeat
        ),
    }


def oracle_benchmark(repeat: int, batch_size: int, state: Path) -> str:
    """Time the query of the target whose spec sets ``[bench] oracle`` by every route into one
    reference box of it; return the report.

    Every route must print what the program prints when run directly, or this raises.
    """
    target = bench_target("oracle")
    args = target.bench.oracle or []
    socket_path = state / "sockets" / f"bench-{uuid.uuid4().hex[:8]}.sock"
    rows: dict[str, tuple[float, float]] = {}
    with (
        reference_box(target, socket_path, state / "logs" / f"bench-{target.name}") as box,
        box.client() as client,
    ):
        expected = box.exec_direct(args).stdout
        # The methods take turns, INTERLEAVE rounds each, so a change of the machine's load
        # (it is shared) weighs on every method alike rather than on whichever ran then.
        per_round = max(1, repeat // INTERLEAVE)
        measures = _measures(box, client, per_round, batch_size)
        samples: dict[str, list[float]] = {label: [] for label in METHODS}
        loads = []
        for _ in tqdm(range(INTERLEAVE), desc="oracle bench", unit="round"):
            loads.append(os.getloadavg()[0])
            for label in METHODS:
                ms, stdout = measures[label]()
                if stdout != (b"" if label == CLIENT_START else expected):
                    raise HarnessError(f"{label} printed {stdout!r}, expected {expected!r}")
                samples[label] += ms
        for label, ms in samples.items():
            log.info("%s (ms): %s", label, " ".join(f"{m:.2f}" for m in ms))
            rows[label] = statistics.median(ms), _p90(ms)
        phases = runner_phases(box, list(args), repeat)
        split = cpu_per_case(box, list(args), batch_size)
    bare = rows[BARE][0]
    rounds = min(per_round, BATCH_ROUNDS) * INTERLEAVE
    load = statistics.median(loads)
    lines = [
        f"`{shlex.join([target.command, *args])}`: {per_round * INTERLEAVE} timed runs per method "
        f"in {INTERLEAVE} interleaved rounds; "
        f"batch: {rounds} runs of {batch_size} cases, each run's wall / {batch_size}, "
        "start-up included",
        f"bare exec: the program by Python's subprocess with pipes, as the caller (root), timed "
        f"in the box: what an agent pays for its own copy. As uid {PROGRAM_UID}, subprocess "
        "must fork, not vfork (the yardstick of the first tables); shell loops: "
        f"{SHELL_LOOP} calls from one bash loop, per call",
        f"host load (1-minute, median of rounds) {load:.1f} on {os.cpu_count()} CPUs",
        "",
        f"{'method':<32} {'median ms':>10} {'p90 ms':>8} {'x bare':>7}",
        *(_row(name, mid, p90, bare) for name, (mid, p90) in rows.items()),
        "",
    ]
    medians = {label: mid for label, (mid, _) in rows.items()}
    lines += [f"{'PASS' if ok else 'FAIL'}  {goal}" for ok, goal in _goals(medians)]
    lines += ["", *_phase_rows(phases, repeat), "", *cpu_rows(split, batch_size)]
    return "\n".join(lines)


def _phase_rows(phases: dict[str, dict[str, float]], repeat: int) -> list[str]:
    """Where one case's time goes in the runner, cold and warm, medians of ``repeat`` cases."""
    lines = [
        f"where one case's time goes in the runner (median ms of {repeat} cases each)",
        f"{'phase':<8} {'cold':>6} {'warm':>6}  what",
    ]
    for name, what in PHASES.items():
        cold, warm = (phases[mode].get(name, 0.0) for mode in ("cold", "warm"))
        lines.append(f"{name:<8} {cold:>6.3f} {warm:>6.3f}  {what}")
    return lines


def _row(name: str, median: float, p90: float, bare: float) -> str:
    return f"{name:<32} {median:>10.2f} {p90:>8.2f} {median / bare:>7.1f}"


def _p90(ms: list[float]) -> float:
    return statistics.quantiles(ms, n=10, method="inclusive")[8] if len(ms) > 1 else ms[0]


def _goals(m: dict[str, float]) -> list[tuple[bool, str]]:
    """The speed goals (issue 15), judged on medians, each with its floor: what no runner can
    beat while the program runs sandboxed and (for `oracle run`) the command must start."""
    bare, box, host = m[BARE], m[IMPORTED_BOX], m[IMPORTED_HOST]
    program = m[SANDBOXED] / bare
    command_floor = (m[CLIENT_START] + m[SANDBOXED]) / bare
    return [
        (
            m[COMMAND] <= 1.5 * bare,
            f"oracle run command <= 1.5x bare exec ({m[COMMAND] / bare:.2f}x; "
            f"in a shell loop {m[SHELL_COMMAND] / m[SHELL_BARE]:.2f}x; "
            f"against the uid's bare exec {m[COMMAND] / m[BARE_UID]:.2f}x; "
            f"the Python command {m[PYTHON_COMMAND] / bare:.2f}x; "
            f"floor {command_floor:.2f}x: the command's start and the sandboxed program)",
        ),
        (
            m[BATCH] <= 1.25 * bare,
            f"oracle batch per case, one job, <= 1.25x bare exec ({m[BATCH] / bare:.2f}x; "
            f"floor {program:.2f}x: the sandboxed program)",
        ),
        (
            m[BATCH_PARALLEL] < bare,
            f"oracle batch per case, two jobs, below bare exec ({m[BATCH_PARALLEL] / bare:.2f}x)",
        ),
        (
            max(box, host) <= 2.5,
            f"imported round trip <= 2.5 ms (in box {box:.2f} ms, from host {host:.2f} ms; "
            f"floor {m[SANDBOXED]:.2f} ms: the sandboxed program)",
        ),
    ]
