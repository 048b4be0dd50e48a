"""Where the CPU time of a case goes: one `oracle batch` timed in the reference box, with the
CPU time of the runner's processes, of its resident launchers, of what they reaped (the
programs) and of the batch client, per case."""

from __future__ import annotations

from typing import Any

from mirror.bench.inbox import python_in_box
from mirror.boxes.images import SANDBOX_LAUNCHER

# Run in the box as root: argv[1] is {"args": [...], "cases": N, "socket": PATH, "launcher":
# PATH}; prints {jobs: {"wall": ms, "runner": ms, ...}} per case, for 1 and 2 jobs.
CPU_SCRIPT = r"""
import json, os, resource, subprocess, sys, time
p = json.loads(sys.argv[1])
TICK = os.sysconf("SC_CLK_TCK")

def processes():  # the server and its jobs (they serve), their resident launchers
    found = {"runner": [], "launcher": []}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = open(f"/proc/{pid}/cmdline", "rb").read()
        except OSError:
            continue
        if b"\0serve\0" in command:
            found["runner"].append(pid)
        elif command == p["launcher"].encode() + b"\0":
            found["launcher"].append(pid)
    return found

def cpu(pids):  # (own, reaped children's) CPU seconds of the processes
    own = reaped = 0.0
    for pid in pids:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        own += (int(fields[11]) + int(fields[12])) / TICK
        reaped += (int(fields[13]) + int(fields[14])) / TICK
    return own, reaped

cases = (json.dumps({"args": p["args"]}) + "\n").encode() * p["cases"]
env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "MIRROR_ORACLE_SOCKET": p["socket"]}
result = {}
for jobs in (1, 2):
    subprocess.run(["oracle", "batch", "--jobs", str(jobs)], input=cases[:cases.index(b"\n") + 1],
                   env=env, capture_output=True, check=True)  # every job's launcher is up
    pids = processes()
    before = {kind: cpu(found) for kind, found in pids.items()}
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(["oracle", "batch", "--jobs", str(jobs)], input=cases, env=env,
                   capture_output=True, check=True)
    wall = time.perf_counter() - started
    after = {kind: cpu(found) for kind, found in pids.items()}
    done = resource.getrusage(resource.RUSAGE_CHILDREN)
    client = done.ru_utime + done.ru_stime - usage.ru_utime - usage.ru_stime
    per_case = lambda seconds: round(seconds * 1000 / p["cases"], 3)
    spent = lambda kind, part: after[kind][part] - before[kind][part]
    result[jobs] = {"wall": per_case(wall), "runner": per_case(spent("runner", 0)),
                    "launcher": per_case(spent("launcher", 0)),
                    "reaped": per_case(spent("runner", 1) + spent("launcher", 1)),
                    "client": per_case(client)}
print(json.dumps(result))
"""

CPU_ROWS = {
    "runner": "the server and its jobs (Python)",
    "launcher": "their resident launchers (forking each program)",
    "reaped": "what these reaped: the programs",
    "client": "the `oracle batch` client",
}


def cpu_per_case(box: Any, args: list[str], cases: int) -> dict[str, dict[str, float]]:
    """Per case ms of wall and CPU time of a batch of ``cases``, ``{"1": {...}, "2": {...}}``
    by job count."""
    params = {
        "args": args,
        "cases": cases,
        "socket": f"/oracle/{box.socket_path.name}",
        "launcher": SANDBOX_LAUNCHER,
    }
    return python_in_box(box, CPU_SCRIPT, params, "a batch's CPU")


def cpu_rows(split: dict[str, dict[str, float]], cases: int) -> list[str]:
    """The report's lines: CPU ms per case of each part, by job count."""
    lines = [
        f"where a batch case's CPU goes (ms per case, `oracle batch` of {cases} cases, the "
        "client's start-up included; CPU is counted in 10 ms ticks)",
        f"{'part':<8} {'1 job':>6} {'2 jobs':>6}  what",
    ]
    for name, what in CPU_ROWS.items():
        lines.append(f"{name:<8} {split['1'][name]:>6.3f} {split['2'][name]:>6.3f}  {what}")
    total = {jobs: sum(split[jobs][name] for name in CPU_ROWS) for jobs in ("1", "2")}
    lines.append(f"{'total':<8} {total['1']:>6.3f} {total['2']:>6.3f}  CPU of a case")
    lines.append(f"{'wall':<8} {split['1']['wall']:>6.3f} {split['2']['wall']:>6.3f}  per case")
    return lines
