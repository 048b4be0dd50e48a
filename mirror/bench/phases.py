"""Where one case's time goes inside the runner: each phase of ``Runner.run`` timed in the
reference box, with the resident launcher running (warm, as the server runs) and without it
(cold: each case spawns a launcher of its own)."""

from __future__ import annotations

from typing import Any

from mirror.bench.inbox import SERVER_RUNNER, python_in_box

PHASES = {
    "prepare": "empty the case folder, write the input files",
    "spawn": "start the program (hand it to the resident launcher, or spawn a launcher)",
    "pump": "the program runs: stdin in, stdout and stderr out, until it exits",
    "kill": "kill its process group and any process of its uid, reap",
    "collect": "read the files it left",
    "encode": "the outcome as the JSON the server replies",
    "warm": "start the resident launcher (cold: after a case that started its own)",
    "total": "the whole case, as the server runs it",
}

# Run in the box as root with the server's own runner (PID 1's argv), in a folder of its own:
# argv[1] is {"args": [...], "repeat": N}; prints {"cold": {phase: [ms per case]}, "warm": ...}.
PHASES_SCRIPT = (
    SERVER_RUNNER
    + """
import json, time
from pathlib import Path
from oracle import runner as module
from oracle.case import Case, Outcome
p = json.loads(sys.argv[1])
runner.case_dir = Path("/case/phases")
current = {}
def timed(name, function):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            current[name] = current.get(name, 0.0) + (time.perf_counter() - started) * 1000
    return wrapper
runner._prepare = timed("prepare", runner._prepare)
runner._spawn = timed("spawn", runner._spawn)
runner.warm = timed("warm", runner.warm)
module._pump = timed("pump", module._pump)
module._kill_group = timed("kill", module._kill_group)
runner._sweep = timed("kill", runner._sweep)
module.collect_files = timed("collect", module.collect_files)
case = Case(args=tuple(p["args"]))
result = {}
for mode in ("cold", "warm"):
    times = result[mode] = {}
    for _ in range(p["repeat"]):
        if mode == "cold":
            runner.close()  # no launcher waits: this case spawns its own
        current.clear()
        started = time.perf_counter()
        outcome = runner.run(case)
        timed("encode", lambda: json.dumps(outcome.to_json()))()
        current["total"] = (time.perf_counter() - started) * 1000
        for name, ms in current.items():
            times.setdefault(name, []).append(ms)
print(json.dumps(result))
"""
)


def runner_phases(box: Any, args: list[str], repeat: int) -> dict[str, dict[str, float]]:
    """Median ms of each phase of one case, ``{"cold": {...}, "warm": {...}}``."""
    import statistics

    params = {"args": args, "repeat": repeat}
    found = python_in_box(box, PHASES_SCRIPT, params, "the runner's phases")
    return {
        mode: {name: statistics.median(ms) for name, ms in phases.items()}
        for mode, phases in found.items()
    }
