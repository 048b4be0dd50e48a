"""The resident launcher: a case whose program it forks runs exactly as a case started cold
(with a launcher of its own), and no process of the program's uid waits between cases."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mirror.bench.inbox import SERVER_RUNNER
from mirror.boxes.containers import runner_box
from mirror.boxes.images import (
    PROGRAM_UID,
    SANDBOX_LAUNCHER,
    SANDBOX_PRELOAD,
    ensure_reference_image,
)
from mirror.specs.targets import get_target
from oracle.case import Case, Outcome
from oracle.client import OracleClient

pytestmark = pytest.mark.docker

GLIBC = "/usr/lib/x86_64-linux-gnu"
RULES = f"rw:/case:w:/dev/null:r:/proc:x:/usr/bin:x:{GLIBC}:x:/etc"
# What a case can see of how it was started: environment, ids, folder, umask, limits, argv,
# stdin, and the folder's input files.
PROBE = 'env | sort; id; pwd; umask; ulimit -a; printf "[%s]" "$@"; echo; cat; ls -a; cat in.txt'
CASES = [
    Case(args=("-c", PROBE, "sh", "", "two words", "é", "\udcff"), stdin=b"from stdin\n"),
    Case(args=("-c", PROBE), env={"LC_ALL": "C", "HOME": "/elsewhere"}, files={"in.txt": b"x"}),
    Case(args=("-c", "echo out; echo err >&2; exit 3")),
]

# Run in the box as root: the server's own runner (its argv is PID 1's), each case cold
# (no resident launcher) and warm (forked by the resident launcher), in a folder of its own.
COMPARE = (
    SERVER_RUNNER
    + """
import json
from pathlib import Path
from oracle.case import Case, Outcome
assert runner.sandbox.preload and runner.sandbox.launcher
runner.case_dir = Path("/case/compare")
results = []
for line in sys.stdin:
    case = Case.from_json(json.loads(line))
    runner.close()
    cold = runner.run(case)
    runner.warm()
    assert runner._launcher is not None
    warm = runner.run(case)
    results.append([cold.to_json(), warm.to_json()])
print(json.dumps(results))
"""
)


@pytest.fixture(scope="module")
def preloaded_shell(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path]]:
    """dash served as a reference is: preload, launcher, the program's uid."""
    folder = tmp_path_factory.mktemp("warm")
    image = ensure_reference_image(get_target("jq")).tag
    sandbox = ["--sandbox", RULES, "--sandbox-preload", SANDBOX_PRELOAD]
    sandbox += ["--sandbox-launcher", SANDBOX_LAUNCHER]
    socket = folder / "s" / "o.sock"
    with runner_box(image, "/usr/bin/dash", "sh", socket, folder / "log", "warm", sandbox) as box:
        yield box, socket


def test_a_warm_case_runs_as_a_cold_one(preloaded_shell) -> None:
    box, _ = preloaded_shell
    cases = "".join(json.dumps(case.to_json()) + "\n" for case in CASES)
    done = _python_in_box(box, COMPARE, cases.encode())
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert len(results) == len(CASES)
    for case, (cold, warm) in zip(CASES, results, strict=True):
        cold.pop("duration"), warm.pop("duration")
        assert cold == warm, case.args
    probe = Outcome.from_json(results[0][0]).stdout
    assert f"uid={PROGRAM_UID}".encode() in probe and "[][two words][é][".encode() in probe
    assert b"from stdin" in probe and b"MIRROR_" not in probe and b"LD_PRELOAD" not in probe
    assert Outcome.from_json(results[1][0]).stdout.endswith(b"in.txt\nx")


def _python_in_box(box: Any, script: str, data: bytes = b"") -> subprocess.CompletedProcess:
    """``python3 -c script`` as root in ``box``, with ``data`` on its stdin."""
    command = ["docker", "exec", "-i", "-u", "0", box.id, "python3", "-I", "-S", "-c", script]
    return subprocess.run(command, input=data, capture_output=True, timeout=120)


# (uid, command line) of every process in the box, as JSON.
PROCESSES = """
import json, os
found = []
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        uid = next(l.split()[1] for l in open(f"/proc/{pid}/status") if l.startswith("Uid:"))
        args = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\\0", b" ").decode()
    except OSError:
        continue
    found.append([int(uid), args])
print(json.dumps(found))
"""


def test_between_cases_only_a_root_launcher_waits(preloaded_shell) -> None:
    box, socket = preloaded_shell
    with OracleClient(socket) as client:
        assert client.run(Case(args=("-c", "echo ran"))).stdout == b"ran\n"
    deadline = time.monotonic() + 10  # the resident launcher runs from the server's start
    while time.monotonic() < deadline:
        processes = json.loads(_python_in_box(box, PROCESSES).stdout)
        launchers = [uid for uid, args in processes if args.startswith(SANDBOX_LAUNCHER)]
        if launchers:
            break
        time.sleep(0.05)
    assert launchers and set(launchers) == {0}  # one per job, each as root
    assert [args for uid, args in processes if uid == PROGRAM_UID] == []
